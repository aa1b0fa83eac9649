/* SPDX-License-Identifier: MIT */
/*
 * Environments: the exokernel's protection domains. An environment is an
 * address space, a saved user context, the upcall entries through which
 * the kernel hands it faults and lost time slices, an IPC endpoint and a
 * cspace. The kernel runs one environment at a time on one stack and never
 * blocks inside itself: a blocking call saves the caller's context here and
 * the scheduler resumes another.
 */
#ifndef ENV_ENV_H
#define ENV_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <exo/abi.h>

#include "cap/cap.h"
#include "mm/frame.h"

#define NENV 256 /* slots; slot 0 is never used, so ids are never 0 */
#define ENV_SLICE_TICKS 10 /* a time slice, in timer ticks */

enum env_state {
	ENV_FREE = 0,
	ENV_CREATED, /* has an address space, not started */
	ENV_RUNNABLE, /* on the run queue */
	ENV_RUNNING, /* the current environment */
	ENV_RECV, /* blocked in ipc_recv */
	ENV_SEND, /* blocked in ipc_call, queued at ipc_peer */
	ENV_REPLY, /* blocked in ipc_call, waiting for ipc_peer's reply */
	ENV_ZOMBIE, /* ended; waiting for its parent's env_wait */
	ENV_SLEEP, /* in yield_until, until sysinfo->ticks reaches wake_tick */
};

struct env {
	exo_envid_t id; /* generation << 8 | slot */
	uint32_t state; /* enum env_state */
	exo_envid_t parent; /* 0: the kernel */
	uint32_t nchildren; /* environments whose parent this is, zombies too */
	uint64_t root; /* page-table root (physical) */
	struct exo_regs regs; /* saved user context when not running */
	bool regs_fast; /* regs saved by a system call: sysret may resume */
	bool preempted; /* lost its last slice to the timer */
	bool ceilings; /* ever given a mapping with a ceiling (vm_map, lends) */
	uint32_t slice_left; /* ticks left in the current slice */

	/* Upcalls (0: none). */
	uint64_t fault_entry;
	uint64_t preempt_entry;
	uint64_t xstack_top; /* exception stack; grows down from here */

	/* IPC. */
	exo_envid_t ipc_peer; /* whom we wait on (ENV_SEND, ENV_REPLY) */
	uint64_t ipc_words[4]; /* payload of a queued call */
	int64_t ipc_cap; /* slot of a queued call's capability, or -1 */
	struct env *send_head, *send_tail; /* callers queued on us */
	struct env *send_next; /* link in someone's queue */
	uint64_t notify_bits; /* pending notifications */

	/* Scheduling. */
	struct env *rq_next; /* run-queue link */
	uint64_t wake_tick; /* ENV_SLEEP: runnable again at this tick */

	/* Resources. */
	struct exo_env_info *info; /* its info page, via the direct map */
	paddr_t info_pa;
	struct frame_list frames; /* frames it owns */
	/* Its page-table pages below the root: last level, and the rest. */
	struct frame_list pt_leaf, pt_upper;
	struct cspace cspace;
	struct exo_exit_info exit; /* valid once ENV_ZOMBIE */

	/* Memory system shortcuts (exokernel/vm). */
	/*
	 * Leaf tables (direct map) last looked up, each with its 2 MiB
	 * block: [0] by page_protect, [1] by user accesses (the exception
	 * stack). Tables stay until the environment ends (vm_leaf).
	 */
	struct {
		uint64_t *table;
		uint64_t block;
	} leaf[2];
};

extern struct env envs[NENV];
/*
 * 1 + the highest slot ever allocated: loops over the table for the
 * environments in use stop there (it never goes down).
 */
extern int env_top;
extern struct env *curenv; /* running or last run; NULL when none */
extern struct cap_pool kcaps;
extern struct exo_sys_info *sysinfo;

/* env_init - the table, the capability pool and the system info page. */
void env_init(void);

/* The live (not free, not zombie) environment @id, or NULL. */
static inline __attribute__((always_inline)) struct env *
env_lookup(exo_envid_t id)
{
	struct env *e = &envs[id % NENV];

	if (id == 0 || e->id != id || e->state == ENV_FREE ||
	    e->state == ENV_ZOMBIE) {
		return NULL;
	}
	return e;
}

/* env_lookup with EXO_ENV_SELF meaning @self. */
static inline __attribute__((always_inline)) struct env *
env_resolve(struct env *self, exo_envid_t id)
{
	return id == EXO_ENV_SELF ? self : env_lookup(id);
}

/*
 * env_controls - may @caller exercise @right (EXO_CAP_CONTROL or
 * EXO_CAP_MAP) over @target? Yes for itself (MAP only), its children, and
 * holders of an env capability with that right.
 */
bool env_controls(struct env *caller, struct env *target, uint16_t right);

/*
 * env_alloc - a new environment in ENV_CREATED with an empty address
 * space (the kernel half, the page-table view, the info pages).
 * Return: 0 and *@out, EXO_ERR_LIMIT (no free slot), EXO_ERR_NO_MEMORY.
 */
int env_alloc(exo_envid_t parent, struct env **out);

/*
 * env_kill - end @e for @reason: take back everything it holds, wake
 * whoever waits on it, notify its parent, leave a zombie for env_wait (or
 * free it at once when the parent is the kernel or gone). If @e is the
 * current environment, curenv becomes NULL.
 */
void env_kill(struct env *e, uint32_t reason, int64_t code);

/* Free a zombie's slot (after env_wait read its exit record). */
void env_reap(struct env *e);

/* Number of environments that are not free. */
uint32_t env_count(void);

/* Scheduling (sched.c). */

/* Make @e runnable at the back of the run queue. */
void sched_enqueue(struct env *e);

/* Take @e off the run queue if it is on it. */
void sched_dequeue(struct env *e);

/*
 * sched_run - make @e current and resume it; never returns. Delivers a
 * pending preemption upcall first.
 */
_Noreturn void sched_run(struct env *e);

/*
 * sched_next - resume the next runnable environment, idling until there
 * is one; when no environment is left at all, end the run.
 */
_Noreturn void sched_next(void);

/*
 * sched_block_current - save the caller of the system call in progress
 * (with @ret as the result it will see) so that it can be resumed later,
 * in state @state.
 */
void sched_block_current(uint32_t state, int64_t ret);

/* Upcalls (upcall.c). */

/*
 * upcall_push - push an upcall frame for @kind on @e's exception stack
 * and point its context at @entry. Return: 0 or EXO_ERR_FAULT (the stack
 * is not mapped writable), with nothing changed.
 */
int upcall_push(struct env *e, uint64_t entry, uint64_t kind, uint64_t vector,
		uint64_t error, uint64_t addr);

/* The run is over: report, check for leaks, exit with the verdict. */
_Noreturn void kernel_shutdown(void);

/* Nothing can ever run again although environments exist. */
_Noreturn void kernel_deadlock(void);

/* Called as each environment ends (records the first one's verdict). */
void kernel_env_ended(const struct env *e);

struct boot_info;

/*
 * Hand the boot modules to init: copies in frames @e owns, mapped
 * read-only, and the struct exo_bootmods table at EXO_BOOTMODS_VA.
 */
int env_give_modules(struct env *e, const struct boot_info *bi);

/* Load the ELF executable @image into a new environment and start it. */
int env_load_elf(const void *image, uint64_t size, exo_envid_t parent,
		 struct env **out);

#endif
