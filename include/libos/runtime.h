/* SPDX-License-Identifier: MIT */
/*
 * The libOS runtime every program links: start-up, fault handling and
 * starting child environments.
 */
#ifndef LIBOS_RUNTIME_H
#define LIBOS_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libos/console.h>
#include <libos/exo.h>

/*
 * Provided by the program, as int main(void) or int main(int argc, char
 * **argv); its result is the exit code. argv[argc] is NULL; a program
 * the kernel started (init) gets argc 0. Not declared here, so either
 * form compiles.
 */

/*
 * exit (<stdlib.h>), printf (<stdio.h>) and console_write
 * (<libos/console.h>) come with this header, as they always did.
 */

/* This environment's id. */
exo_envid_t env_self(void);

/*
 * A fault handler, run on the exception stack with the fault's frame. It
 * may change frame->regs (e.g. skip the faulting instruction) and returns
 * to resume them; returning non-zero instead ends the environment with
 * that code.
 */
typedef int (*fault_handler_fn)(struct exo_upcall_frame *frame);

/*
 * Install @fn for faults (and @preempt for lost time slices, or NULL),
 * allocating an exception stack on first use.
 * Return: 0 or EXO_ERR_*.
 */
int set_fault_handler(fault_handler_fn fn, fault_handler_fn preempt);

/*
 * Hooks for libOS parts that need upcalls of their own (the thread
 * scheduler), next to the program's handlers above, which keep working.
 *
 * An upcall hook runs on the exception stack with the frame, like a
 * handler, and may rewrite frame->regs to resume something else.
 *
 * libos_set_preempt_hook - run @fn (instead of the program's preempt
 * handler) at the end of each time slice (see docs/syscalls.md,
 * Upcalls); NULL removes it. @fn returns 0, or non-zero to end the
 * environment with that code.
 *
 * libos_set_fault_filter - offer every fault to @fn first; it returns 1
 * when it took the fault (resume frame->regs as left, or it ended the
 * program), 0 to pass it on to the fault handler, or, if there is none,
 * to the kernel (the environment ends as without a handler). NULL
 * removes it.
 *
 * Both map the exception stack on first use. Return: 0 or EXO_ERR_*.
 */
typedef int (*upcall_hook_fn)(struct exo_upcall_frame *frame);
int libos_set_preempt_hook(upcall_hook_fn fn);
int libos_set_fault_filter(upcall_hook_fn fn);

/*
 * A page-fault hook (the pager's), run before the fault filter and the
 * fault handler for page faults: it returns 0 when it resolved the fault (resume), 1 when the
 * fault is not its to resolve (the fault handler gets it, or, without
 * one, the environment ends with the fault's record as if no handler had
 * been installed), or a negative EXO_ERR_* to end the environment with
 * that code.
 */
typedef int (*page_fault_hook_fn)(struct exo_upcall_frame *frame);

/*
 * Install @hook (allocating the exception stack on first use).
 * Return: 0 or EXO_ERR_*.
 */
int set_page_fault_hook(page_fault_hook_fn hook);

/*
 * An upcall filter runs before every hook and handler above, for faults
 * and preemptions alike. Returning 1 means it dealt with the upcall
 * (typically by rewriting frame->regs to resume elsewhere) and nothing
 * else runs; 0 passes the upcall on.
 */
typedef int (*upcall_filter_fn)(struct exo_upcall_frame *frame);

/*
 * Install @filter (the module framework's, module_upcall), registering
 * both upcall entries and the exception stack as needed. A fault the
 * filter passes on, with nothing else to take it, ends the environment
 * as if no handler were installed; a preemption it passes on just
 * resumes.
 * Return: 0 or EXO_ERR_*.
 */
int set_upcall_filter(upcall_filter_fn filter);

/*
 * The runtime's private area, [RUNTIME_PRIVATE_LO, RUNTIME_PRIVATE_HI):
 * its per-environment pages (scratch window, spawn_fn's child stacks,
 * the exception stack at the top) and nothing else. Programs map nothing
 * there; a copy of the address space (pager_fork) shares none of it.
 */
#define RUNTIME_PRIVATE_LO 0x00007c0000000000ul
#define RUNTIME_PRIVATE_HI 0x00007e0000000000ul

/*
 * Is @va in the runtime's private area (its per-environment pages:
 * exception stack, scratch windows, spawn_fn's child stacks), which a
 * copy of the address space must not share?
 */
int runtime_page_private(uint64_t va);

/* A range of addresses [lo, hi). */
struct runtime_range {
	uint64_t lo, hi;
};

/*
 * runtime_private_ranges - the ranges runtime_page_private names, in
 * ascending order, into @out (room for @max).
 * Return: how many there are (RUNTIME_PRIVATE_RANGES), even when more
 * than @max.
 */
#define RUNTIME_PRIVATE_RANGES 1
size_t runtime_private_ranges(struct runtime_range *out, size_t max);

/*
 * runtime_prepare_child - give child @child (created, not started) its own
 * exception stack and the same upcall registration as ours.
 * Return: 0 or EXO_ERR_*.
 */
int runtime_prepare_child(uint64_t child);

/*
 * spawn_fn - start a child environment running @fn(@arg) in a copy of
 * this address space: read-only pages are shared, writable ones copied
 * into frames the child owns, with preemption off (no other thread runs
 * meanwhile). The child inherits the fault and preemption handlers, keeps
 * only the spawning thread of a program with threads (docs/sched.md,
 * "Fork"), and exits with @fn's result.
 * Return: the child's id, or EXO_ERR_*.
 */
int64_t spawn_fn(int (*fn)(uint64_t), uint64_t arg);

/*
 * wait_child - wait until child @id (or EXO_ENV_ANY) ends and fill @info.
 * Return: the child's id, or EXO_ERR_*.
 */
int64_t wait_child(exo_envid_t id, struct exo_exit_info *info);

/* Allocate @n fresh zeroed pages mapped read-write at @va. */
int map_anon(uint64_t va, uint64_t n);

#endif
