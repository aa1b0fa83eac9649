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
 * An upcall filter runs before the handlers, for faults and preemptions
 * alike. Returning 1 means it dealt with the upcall (typically by
 * rewriting frame->regs to resume elsewhere) and the handlers are not
 * run; 0 passes the upcall on.
 */
typedef int (*upcall_filter_fn)(struct exo_upcall_frame *frame);

/*
 * Install @filter (the module framework's, module_upcall), registering
 * both upcall entries and the exception stack as needed. A fault the
 * filter passes on with no fault handler installed ends the environment,
 * as before; a preemption it passes on just resumes.
 * Return: 0 or EXO_ERR_*.
 */
int set_upcall_filter(upcall_filter_fn filter);

/*
 * spawn_fn - start a child environment running @fn(@arg) in a copy of
 * this address space: read-only pages are shared, writable ones copied
 * into frames the child owns. The child inherits the fault and preemption
 * handlers, and exits with @fn's result.
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
