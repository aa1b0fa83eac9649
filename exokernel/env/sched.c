/* SPDX-License-Identifier: MIT */
/*
 * Time slices: round-robin among runnable environments, a slice being
 * ENV_SLICE_TICKS timer ticks. Which thread of an environment uses the
 * slice is the environment's business: when the timer takes the CPU away,
 * the saved context is handed back to its preemption upcall the next time
 * it runs (visible revocation). An environment with a preemption upcall
 * that runs alone gets the upcall at the end of each of its slices all the
 * same, so its own scheduler sees every slice boundary.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/uctx.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "debug/panic.h"
#include "disk/disk.h"
#include "env/env.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "syscall/syscall.h"

#define VEC_FIRST_IRQ 32

static struct env *rq_head, *rq_tail;
static struct env *last_run;
/* Environments in ENV_SLEEP at the last count (an upper bound). */
static uint32_t nsleeping;

void sched_enqueue(struct env *e)
{
	e->state = ENV_RUNNABLE;
	e->rq_next = NULL;
	if (rq_tail) {
		rq_tail->rq_next = e;
	} else {
		rq_head = e;
	}
	rq_tail = e;
}

void sched_dequeue(struct env *e)
{
	struct env **pp = &rq_head, *prev = NULL;

	while (*pp && *pp != e) {
		prev = *pp;
		pp = &(*pp)->rq_next;
	}
	if (!*pp) {
		return;
	}
	*pp = e->rq_next;
	if (rq_tail == e) {
		rq_tail = prev;
	}
	e->rq_next = NULL;
}

/* Is @e's saved context running on its exception stack (in a handler)? */
static bool on_xstack(const struct env *e)
{
	return e->xstack_top && e->regs.rsp <= e->xstack_top &&
	       e->regs.rsp > e->xstack_top - EXO_XSTACK_WINDOW;
}

_Noreturn void sched_run(struct env *e)
{
	if (e->preempted) {
		e->preempted = false;
		/*
		 * Hand the lost context to the environment's own scheduler,
		 * unless it was preempted inside an upcall handler (which
		 * must be allowed to finish).
		 */
		if (e->preempt_entry && !on_xstack(e)) {
			if (upcall_push(e, e->preempt_entry, EXO_UPCALL_PREEMPT,
					0, 0, 0)) {
				e->exit.rip = e->regs.rip;
				env_kill(e, EXO_EXIT_UPCALL_FAULT, 0);
				sched_next();
			}
			e->regs_fast = false;
		}
	}
	if (e->slice_left == 0) {
		e->slice_left = ENV_SLICE_TICKS;
		e->info->slices++;
	}
	e->state = ENV_RUNNING;
	curenv = e;
	if (last_run != e) {
		sysinfo->context_switches++;
		last_run = e;
	}
	arch_switch_root(e->root);
	arch_user_regs = &e->regs;
	arch_cur_info = e->info;
	arch_user_resume(&e->regs, e->regs_fast);
}

_Noreturn void sched_next(void)
{
	bool said = false;

	curenv = NULL;
	for (;;) {
		struct env *e = rq_head;

		if (e) {
			rq_head = e->rq_next;
			if (!rq_head) {
				rq_tail = NULL;
			}
			e->rq_next = NULL;
			sched_run(e);
		}
		/*
		 * Requests on the disk pin frames and will wake whoever
		 * waits for them: while there are any, wait for the device.
		 */
		if (env_count() == 0 && !disk_busy()) {
			kernel_shutdown();
		}
		if (nsleeping) {
			/* Idle until a tick wakes a sleeper. */
			arch_idle();
			arch_irq_disable();
			continue;
		}
		/*
		 * Nothing runnable and nothing on the disk: only another
		 * environment could wake the blocked ones, so this is a
		 * deadlock.
		 */
		if (!said && !disk_busy()) {
			log_error("sched", "deadlock: all %u environments are "
				  "blocked", env_count());
			said = true;
			kernel_deadlock();
		}
		arch_idle();
		arch_irq_disable();
	}
}

void sched_block_current(uint32_t state, int64_t ret)
{
	/* syscall_entry already saved the context in curenv->regs. */
	curenv->regs.rax = (uint64_t)ret;
	curenv->regs_fast = true;
	curenv->state = state;
}

/*
 * Make every sleeper whose time has come runnable. A scan of the table,
 * done only while someone sleeps; it also recounts them, so one that was
 * killed in its sleep drops out of the count here.
 */
static void wake_sleepers(void)
{
	uint32_t n = 0;

	for (uint32_t i = 1; i < NENV; i++) {
		struct env *e = &envs[i];

		if (e->state != ENV_SLEEP) {
			continue;
		}
		if (sysinfo->ticks >= e->wake_tick) {
			sched_enqueue(e);
		} else {
			n++;
		}
	}
	nsleeping = n;
}

void kernel_tick(void)
{
	if (!sysinfo) {
		return; /* environments do not exist yet */
	}
	sysinfo->ticks++;
	sysinfo->frames_free = frame_free_count(&kframes);
	if (nsleeping) {
		wake_sleepers();
	}
	if (curenv && curenv->state == ENV_RUNNING && curenv->slice_left) {
		curenv->slice_left--;
	}
}

static const char *fault_name(uint64_t vector)
{
	const char *n = arch_exception_name(vector);

	return n ? n : "exception";
}

_Noreturn void kernel_user_trap(uint64_t vector, uint64_t error, uint64_t addr)
{
	struct env *e = curenv;

	e->regs_fast = false;
	if (vector < VEC_FIRST_IRQ) {
		e->info->faults++;
		sysinfo->faults++;
		if (e->fault_entry &&
		    upcall_push(e, e->fault_entry, EXO_UPCALL_FAULT, vector,
				error, addr) == 0) {
			arch_user_resume(&e->regs, 0);
		}
		log_info("env", "%x: %s at rip 0x%lx (address 0x%lx)%s", e->id,
			 fault_name(vector), (unsigned long)e->regs.rip,
			 (unsigned long)addr,
			 e->fault_entry ? ", upcall frame not writable"
					: ", no handler");
		e->exit.vector = vector;
		e->exit.addr = addr;
		e->exit.rip = e->regs.rip;
		env_kill(e,
			 e->fault_entry ? EXO_EXIT_UPCALL_FAULT
					: EXO_EXIT_FAULT,
			 0);
		sched_next();
	}
	/* An interrupt: has the slice run out? */
	if (e->slice_left == 0) {
		if (rq_head) {
			e->preempted = true;
			e->info->preemptions++;
			sched_enqueue(e);
			sched_next();
		}
		e->slice_left = ENV_SLICE_TICKS;
		e->info->slices++;
		/*
		 * Nobody else wants the CPU, so the environment keeps it, but
		 * its slice did end: tell its own scheduler, as if it had
		 * lost the CPU and got it straight back, so that its threads
		 * take turns even when it runs alone.
		 */
		if (e->preempt_entry && !on_xstack(e)) {
			e->info->preemptions++;
			if (upcall_push(e, e->preempt_entry, EXO_UPCALL_PREEMPT,
					0, 0, 0)) {
				e->exit.rip = e->regs.rip;
				env_kill(e, EXO_EXIT_UPCALL_FAULT, 0);
				sched_next();
			}
		}
	}
	arch_user_resume(&e->regs, 0);
}

int64_t sys_yield(uint64_t target, uint64_t a1, uint64_t a2, uint64_t a3,
		  uint64_t a4, uint64_t a5)
{
	struct env *to = NULL;

	if (target != EXO_ENV_ANY) {
		to = env_resolve(curenv, (exo_envid_t)target);
		if (!to) {
			return EXO_ERR_NOT_FOUND;
		}
		if (to == curenv) {
			return 0;
		}
		if (to->state != ENV_RUNNABLE) {
			return EXO_ERR_STATE;
		}
	} else if (!rq_head) {
		return 0; /* nobody else wants the CPU */
	}
	sched_block_current(ENV_RUNNABLE, 0);
	if (to) {
		/* Directed: the target gets what is left of our slice. */
		sched_dequeue(to);
		to->slice_left = curenv->slice_left;
		curenv->slice_left = 0;
		sched_enqueue(curenv);
		sched_run(to);
	}
	curenv->slice_left = 0;
	sched_enqueue(curenv);
	sched_next();
}

int64_t sys_yield_until(uint64_t tick, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5)
{
	if (sysinfo->ticks >= tick) {
		return 0;
	}
	sched_block_current(ENV_SLEEP, 0);
	curenv->wake_tick = tick;
	curenv->slice_left = 0;
	nsleeping++;
	sched_next();
}
