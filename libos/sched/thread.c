/* SPDX-License-Identifier: MIT */
/*
 * The thread machinery: descriptors and stacks, switching, blocking
 * objects, sleep, thread-local data, and preemption from the kernel's
 * upcall at the end of each time slice. The policy serving the "sched"
 * slot decides who runs; everything here is the same for every policy.
 *
 * One CPU, so mutual exclusion is "no other thread runs": every change to
 * a descriptor, a queue or an object happens with sched_preempt_off
 * raised. The preemption upcall honours it: if a slice ends inside such a
 * section (or inside thread_switch, whose registers are half loaded), it
 * only notes sched_preempt_wanted and resumes; the section's end then
 * yields. Otherwise it charges the running thread, asks the policy, and
 * switches by swapping the frame's registers for the next thread's.
 *
 * Each thread keeps the preempt-off count it was switched out with: a
 * thread that blocked inside a section gets it back when it runs again,
 * a preempted one had none.
 *
 * Stacks come from the pager's stack area (pager_stack_alloc_flags): each
 * is at the top of its slot, backed page by page as it grows, and the
 * rest of the slot below it is its guard. They are PAGER_STACK_OWNED: the
 * pager hands a guard fault on without a word, and the fault filter here
 * reports which thread overflowed. A joined thread's slot goes back to
 * the pager, which keeps a few of its pages for the next thread.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/pager.h>
#include <libos/runtime.h>
#include <libos/sched_impl.h>

#define RFLAGS_IF 0x200ul
#define STACK_OVERFLOW_EXIT 139 /* 128 + SIGSEGV, as a shell reports it */

_Static_assert(THREAD_STACK_MAX <= PAGER_STACK_MAX, "guard below stack");
_Static_assert(THREAD_MAX <= PAGER_STACK_SLOTS, "a stack slot per thread");

LIBOS_DEFAULT_USE(sched); /* sched.rr, rr.c */

LIBOS_SLOT(sched_slot) = {
	.iface = "sched",
	.major = SCHED_IFACE_MAJOR,
	.minor = SCHED_IFACE_MINOR,
	.ops_size = sizeof(struct sched_ops),
};

void thread_switch(struct exo_regs *save, const struct exo_regs *load,
		   uint32_t preempt_off, int load_full);
extern char thread_switch_end[];

static exo_envid_t owner; /* environment whose threads these are; 0: none */
static struct thread main_thread;
/*
 * The thread whose end ends the program: main, or in a fork child the
 * thread that forked (it runs the child's own flow).
 */
static struct thread *lead = &main_thread;
/*
 * In a fork child: the owner of every object a thread that did not come
 * along held at the fork. It never runs, so such a mutex stays locked.
 */
static struct thread vanished = { .state = SCHED_T_EXITED };
static struct thread *cur;
static struct thread *all_head; /* every thread not yet joined */
static struct thread *sleepers; /* by wake_at */
static uint32_t nthreads, next_id;
static uint64_t charged_at; /* tick cur was last charged up to */
static uint64_t switches, preemptions;
static uint32_t tls_keys;
static struct sched_obj sleep_obj = { .kind = SCHED_OBJ_SLEEP };

/*
 * The thread on each of the pager's stack slots, for the fault filter.
 * From the heap when threads start, so that programs without threads do
 * not carry (and zero) it.
 */
static struct thread **slot_thread;

/*
 * The policy is served through a gated slot (<libos/module_slot.h>), set
 * up when threads start with the policy the "sched" slot bound: every
 * call below goes through its gate, so that thread_sched_swap can hold
 * callers, move the state and re-point it, and a policy that faults is
 * healed (rolled back) by the next call. Calls are made with preemption
 * off, so no thread is ever switched out inside one. Bool results are in
 * al only; a call unwound by healing returns a negative status, which
 * reads as true there (pick again, preempt: both safe).
 */
struct module_slot sched_gate = {
	.want = { .iface = "sched",
		  .major = SCHED_IFACE_MAJOR,
		  .minor = SCHED_IFACE_MINOR,
		  .ops_size = sizeof(struct sched_ops) },
	/* Each switch is several calls: a window of a few dozen switches. */
	.window_calls = SCHED_WINDOW_CALLS,
};

#define SOP(op) offsetof(struct sched_ops, op)

static inline int g_attach(struct thread *t, uint64_t now)
{
	return (int)MODULE_GATE_CALL2(&sched_gate, SOP(attach), t, now);
}

static inline void g_detach(struct thread *t)
{
	MODULE_GATE_CALL1(&sched_gate, SOP(detach), t);
}

static inline void g_enqueue(struct thread *t, uint64_t now)
{
	MODULE_GATE_CALL2(&sched_gate, SOP(enqueue), t, now);
}

static inline bool g_tick(struct thread *t, uint64_t ran, bool slice_end,
			  uint64_t now)
{
	return (uint8_t)MODULE_GATE_CALL(
		&sched_gate, SOP(tick), t,
		ran | (slice_end ? SCHED_TICK_SLICE_END : 0), now);
}

static inline bool g_preempts(const struct thread *cur_,
			      const struct thread *woken)
{
	return (uint8_t)MODULE_GATE_CALL2(&sched_gate, SOP(preempts), cur_,
					  woken);
}

static inline void g_block(struct thread *t, struct sched_obj *o)
{
	MODULE_GATE_CALL2(&sched_gate, SOP(block), t, o);
}

static inline void g_release(struct thread *t, struct sched_obj *o)
{
	MODULE_GATE_CALL2(&sched_gate, SOP(release), t, o);
}

static inline bool g_before(const struct thread *a, const struct thread *b)
{
	return (uint8_t)MODULE_GATE_CALL2(&sched_gate, SOP(before), a, b);
}

static inline int g_set_param(struct thread *t, const struct sched_param *p,
			      uint64_t now)
{
	return (int)MODULE_GATE_CALL(&sched_gate, SOP(set_param), t, p, now);
}

static inline void g_stats(struct sched_stats *out)
{
	if (MODULE_GATE_CALL1(&sched_gate, SOP(stats), out) < 0) {
		memset(out, 0, sizeof(*out));
	}
}

static _Noreturn void refused(void)
{
	printf("sched: no scheduling policy left to serve the threads\n");
	exit(EXO_ERR_STATE);
}

/*
 * The next thread. A call the gate unwound (the policy faulted and the
 * slot has been told to heal) is made again: the healed slot answers.
 */
static inline struct thread *g_pick_next(uint64_t now)
{
	int64_t r;

	while ((r = MODULE_GATE_CALL1(&sched_gate, SOP(pick_next), now)) < 0) {
		if (sched_gate.gate.state == MODULE_GATE_REFUSED) {
			refused();
		}
	}
	return (struct thread *)(uintptr_t)r;
}

static uint64_t now_ticks(void)
{
	return exo_sys_info()->ticks;
}

/*
 * Charge cur for the ticks since it was last charged. Giving the CPU up
 * within the tick it was charged up to costs nothing to charge, and is
 * the common case: the call is skipped.
 */
static inline void charge(bool slice_end, bool *again)
{
	uint64_t now = now_ticks();
	bool r = false;

	if (slice_end || now != charged_at) {
		r = g_tick(cur, now - charged_at, slice_end, now);
	}
	charged_at = now;
	if (again) {
		*again = r;
	}
}

static void sleeper_insert(struct thread *t)
{
	struct thread **pp = &sleepers;

	while (*pp && (*pp)->wake_at <= t->wake_at) {
		pp = &(*pp)->sleep_next;
	}
	t->sleep_next = *pp;
	*pp = t;
}

/* Queue every sleeper due by @now. Return: one should preempt cur. */
static bool wake_sleepers(uint64_t now)
{
	bool preempt = false;

	while (sleepers && sleepers->wake_at <= now) {
		struct thread *t = sleepers;

		sleepers = t->sleep_next;
		t->sleep_next = NULL;
		t->blocked_on = NULL;
		g_enqueue(t, now);
		if (cur->state == SCHED_T_RUNNING &&
		    g_preempts(cur, t)) {
			preempt = true;
		}
	}
	return preempt;
}

static _Noreturn void all_blocked(void)
{
	printf("sched: every thread is blocked and none sleeps: deadlock\n");
	exit(EXO_ERR_STATE);
}

/*
 * Run the next thread; cur has been queued, blocked, put to sleep or
 * ended. Called with preemption off; returns (in cur) when cur runs
 * again, with the count it had.
 */
static inline __attribute__((always_inline)) void schedule(void)
{
	struct thread *prev = cur, *next;
	uint64_t now = now_ticks();

	if (sleepers) {
		wake_sleepers(now);
	}
	while (!(next = g_pick_next(now))) {
		if (!sleepers) {
			all_blocked();
		}
		/*
		 * Everyone sleeps: let the kernel run others, or idle, until
		 * the first is due.
		 */
		exo_yield_until(sleepers->wake_at, 0, 0, 0, 0, 0);
		now = now_ticks();
		wake_sleepers(now);
	}
	charged_at = now;
	if (next == prev) {
		return;
	}
	cur = next;
	switches++;
	prev->saved_preempt_off = sched_preempt_off;
	prev->regs_full = 0;
	prev->saved_errno = errno;
	errno = next->saved_errno;
	prev->mcall_top = module_call_top;
	module_call_top = next->mcall_top;
	thread_switch(&prev->regs, &next->regs, next->saved_preempt_off,
		      (int)next->regs_full);
}

static int adopt(void);

/* Yield if a slice ended inside a section, or a wake asked for it. */
static void pending(void)
{
	sched_preempt_wanted = 0;
	if (!owner) {
		return;
	}
	if (owner != exo_env_info()->id) {
		/* A copy (pager_fork asks for this at once): take it over. */
		sched_preempt_disable();
		adopt();
		sched_preempt_wanted = 0;
		sched_preempt_off--;
		return;
	}
	sched_preempt_disable();
	charge(false, NULL);
	g_enqueue(cur, now_ticks());
	schedule();
	sched_preempt_off--;
}

static int on_preempt(struct exo_upcall_frame *f)
{
	struct thread *prev = cur, *next;
	uint64_t now;
	bool again;

	if (owner != exo_env_info()->id) {
		return 0; /* a spawned copy: these threads are not ours */
	}
	if (sched_preempt_off || (f->regs.rip >= (uint64_t)thread_switch &&
				  f->regs.rip < (uint64_t)thread_switch_end)) {
		sched_preempt_wanted = 1;
		return 0;
	}
	sched_preempt_off = 1;
	charge(true, &again);
	now = now_ticks();
	if (wake_sleepers(now)) {
		again = true;
	}
	if (!again) {
		sched_preempt_off = 0;
		return 0;
	}
	g_enqueue(prev, now);
	next = g_pick_next(now);
	sched_preempt_wanted = 0;
	if (next == prev) {
		sched_preempt_off = 0;
		return 0;
	}
	prev->regs = f->regs;
	prev->regs_full = 1;
	prev->saved_preempt_off = 0;
	prev->saved_errno = errno;
	errno = next->saved_errno;
	prev->mcall_top = module_call_top;
	module_call_top = next->mcall_top;
	f->regs = next->regs;
	if (!next->regs_full) {
		/* Saved at a call: the flags are what a call leaves. */
		f->regs.rflags = RFLAGS_IF;
	}
	cur = next;
	switches++;
	preemptions++;
	sched_preempt_off = next->saved_preempt_off;
	return 0;
}

static int on_fault(struct exo_upcall_frame *f)
{
	long slot = pager_stack_slot(f->addr);
	uint64_t top;
	struct thread *t;

	if (f->kind != EXO_UPCALL_FAULT || f->vector != 14 || slot < 0 ||
	    !slot_thread) {
		return 0;
	}
	t = slot_thread[slot];
	top = pager_stack_top(slot);
	if (!t || f->addr >= top - t->stack_size) {
		return 0;
	}
	printf("sched: thread %u overflowed its stack (%lu KiB): fault at "
	       "0x%lx, %lu bytes below it, rip 0x%lx\n",
	       t->id, (unsigned long)(t->stack_size / 1024),
	       (unsigned long)f->addr,
	       (unsigned long)(top - t->stack_size - f->addr),
	       (unsigned long)f->regs.rip);
	exit(STACK_OVERFLOW_EXIT);
}

static struct thread *find(void *ctx, uint32_t id);

static const struct sched_module_host module_host = {
	.resolve = find,
	.now = now_ticks,
};

/*
 * module_slot_busy_hook: is a thread other than the running one inside a
 * call to @s (switched out within a gated call of another slot)?
 */
static int slot_busy(const struct module_slot *s)
{
	for (struct thread *t = all_head; t; t = t->all_next) {
		if (t == cur) {
			continue;
		}
		for (const struct module_call *c = t->mcall_top; c;
		     c = c->prev) {
			if ((c->slot & ~MODULE_CALL_FLAGS) == (uintptr_t)s) {
				return 1;
			}
		}
	}
	return 0;
}

static void stack_put(struct thread *t);

/* Take @t off the waiter list of the object it is blocked on, if any. */
static void wait_unlink(struct thread *t)
{
	struct thread **pp;

	if (!t->blocked_on || t->blocked_on == &sleep_obj) {
		return;
	}
	for (pp = &t->blocked_on->wait_head; *pp; pp = &(*pp)->wait_next) {
		if (*pp == t) {
			*pp = t->wait_next;
			break;
		}
	}
	t->wait_next = NULL;
}

/*
 * In a copy of the address space (a pager_fork or spawn_fn child): the
 * thread records, the policy's instance and the stack slots are the
 * parent's as they were at the copy, which was made with preemption off,
 * so cur is the thread that made it. That thread, keeping its record, id,
 * held mutexes and thread-local data, becomes the child's only thread and
 * its lead (its end ends the program, as main's does). Every other record
 * is dropped: off the waiter list it was on, the objects it held handed
 * to `vanished` (they stay held), its stack slot given back to the
 * pager, and the policy forgets every thread and takes the lead afresh.
 * Called with preemption off. Return: 0, or what the policy's attach
 * returns (then the policy holds no thread and the next call tries
 * again).
 */
static int adopt(void)
{
	struct thread *self = cur, *t, *next;
	struct sched *s = sched_current();
	uint64_t now = now_ticks();
	int err;

	/* First every link into the others, while they are all there. */
	for (t = all_head; t; t = t->all_next) {
		if (t == self) {
			continue;
		}
		wait_unlink(t);
		for (struct sched_obj *o = t->held; o; o = o->held_next) {
			o->owner = &vanished;
		}
	}
	for (t = all_head; t; t = next) {
		next = t->all_next;
		if (t == self || t == &main_thread) {
			continue;
		}
		stack_put(t);
		free(t);
	}
	all_head = self;
	self->all_next = self->all_prev = NULL;
	sleepers = NULL;
	nthreads = 1;
	lead = self;
	cur = self;
	s->ops->forget(s);
	sched_thread_fresh(self);
	self->joined = 0;
	err = g_attach(self, now);
	if (err) {
		return err;
	}
	self->state = SCHED_T_RUNNING;
	charged_at = now;
	owner = exo_env_info()->id;
	/*
	 * A checkpoint (a swap's) holds the parent's threads: a restore
	 * would import records that no longer resolve. Take the child's.
	 * Should that fail, the slot heals as after any failed export.
	 */
	if (sched_gate.ckpt) {
		module_slot_checkpoint(&sched_gate);
	}
	return 0;
}

/*
 * Make the calling flow the main thread and start preemption, once per
 * environment; in a copy of an address space with threads, adopt it.
 */
static int start_slow(void)
{
	struct sched_stats st;
	int err;

	if (!sched_gate.cur.live) {
		const struct module_desc *d =
			sched_slot.impl ? module_desc_of_impl(sched_slot.impl)
					: NULL;

		if (!d) {
			return EXO_ERR_STATE;
		}
		err = module_slot_init(&sched_gate, d);
		if (!err) {
			err = module_healing_enable();
		}
		if (err) {
			return err;
		}
	}
	sched_module_host = &module_host;
	module_slot_busy_hook = slot_busy;
	if (owner) {
		return adopt();
	}
	g_stats(&st);
	if (st.threads) {
		return EXO_ERR_STATE;
	}
	if (!slot_thread) {
		slot_thread = calloc(PAGER_STACK_SLOTS, sizeof(*slot_thread));
		if (!slot_thread) {
			return EXO_ERR_NO_MEMORY;
		}
	}
	memset(&main_thread, 0, sizeof(main_thread));
	main_thread.id = 1;
	sched_param_defaults(&main_thread.param);
	main_thread.join_obj.kind = SCHED_OBJ_JOIN;
	main_thread.join_obj.id = 1;
	err = g_attach(&main_thread, now_ticks());
	if (err) {
		return err;
	}
	main_thread.state = SCHED_T_RUNNING;
	cur = &main_thread;
	all_head = &main_thread;
	sleepers = NULL;
	nthreads = 1;
	next_id = 2;
	charged_at = now_ticks();
	sched_preempt_pending_hook = pending;
	err = libos_set_fault_filter(on_fault);
	if (!err) {
		err = libos_set_preempt_hook(on_preempt);
	}
	if (err) {
		g_detach(&main_thread);
		return err;
	}
	owner = exo_env_info()->id;
	return 0;
}

static inline int start(void)
{
	if (__builtin_expect(owner && owner == exo_env_info()->id, 1)) {
		return 0;
	}
	return start_slow();
}

/* Stacks: slots of the pager's stack area. */

static int stack_get(uint64_t size, uint64_t *top)
{
	return pager_stack_alloc_flags(size, PAGER_STACK_OWNED, top);
}

static void stack_put(struct thread *t)
{
	uint64_t top = t->stack_base + t->stack_size;

	slot_thread[pager_stack_slot(top - 1)] = NULL;
	pager_stack_free(top);
}

/* Threads. */

static _Noreturn void thread_entry(struct thread *t)
{
	sched_preempt_enable(); /* the section schedule() switched in */
	thread_exit(t->fn(t->arg));
}

static bool is_thread(const struct thread *t)
{
	for (struct thread *u = all_head; u; u = u->all_next) {
		if (u == t) {
			return true;
		}
	}
	return false;
}

int thread_create(struct thread **out, void *(*fn)(void *), void *arg,
		  const struct thread_attr *attr)
{
	uint64_t size = THREAD_STACK_DEFAULT, top;
	struct thread *t;
	int err;

	if (!fn) {
		return EXO_ERR_INVALID;
	}
	if (attr && attr->stack_size) {
		size = (attr->stack_size + EXO_PAGE_SIZE - 1) &
		       ~(EXO_PAGE_SIZE - 1);
		if (size > THREAD_STACK_MAX) {
			return EXO_ERR_INVALID;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return EXO_ERR_NO_MEMORY;
	}
	sched_preempt_disable();
	err = start();
	if (err) {
		goto err_free;
	}
	if (attr) {
		t->param = attr->param;
	}
	sched_param_defaults(&t->param);
	err = sched_param_check(&t->param);
	if (err) {
		goto err_free;
	}
	if (nthreads >= THREAD_MAX) {
		err = EXO_ERR_LIMIT;
		goto err_free;
	}
	err = stack_get(size, &top);
	if (err) {
		goto err_free;
	}
	t->stack_size = size;
	t->stack_base = top - size;
	t->id = next_id++;
	t->eff_prio = t->param.prio;
	t->join_obj.kind = SCHED_OBJ_JOIN;
	t->join_obj.id = t->id;
	err = g_attach(t, now_ticks());
	if (err) {
		goto err_put_stack;
	}
	slot_thread[pager_stack_slot(t->stack_base)] = t;
	t->fn = fn;
	t->arg = arg;
	/* As if thread_entry(t) had been called, in a section. */
	t->regs.rip = (uint64_t)thread_entry;
	t->regs.rsp = top - 8;
	t->regs.rdi = (uint64_t)t;
	t->regs.rflags = RFLAGS_IF;
	t->saved_preempt_off = 1;
	t->regs_full = 1;
	t->all_next = all_head;
	if (all_head) {
		all_head->all_prev = t;
	}
	all_head = t;
	nthreads++;
	g_enqueue(t, now_ticks());
	*out = t;
	if (g_preempts(cur, t)) {
		sched_preempt_wanted = 1;
	}
	sched_preempt_enable();
	return 0;

err_put_stack:
	stack_put(t);
err_free:
	sched_preempt_enable();
	free(t);
	return err;
}

/* Wait list of an object: FIFO; the policy picks whom to wake. */
static void wait_append(struct sched_obj *o, struct thread *t)
{
	struct thread **pp = &o->wait_head;

	while (*pp) {
		pp = &(*pp)->wait_next;
	}
	t->wait_next = NULL;
	*pp = t;
}

/* Take the waiter the policy prefers (the first among equals). */
static struct thread *wait_take(struct sched_obj *o)
{
	struct thread **bp = NULL, *best;

	for (struct thread **pp = &o->wait_head; *pp; pp = &(*pp)->wait_next) {
		if (!bp || g_before(*pp, *bp)) {
			bp = pp;
		}
	}
	if (!bp) {
		return NULL;
	}
	best = *bp;
	*bp = best->wait_next;
	best->wait_next = NULL;
	return best;
}

/* Block cur on @o (already on its wait list if it has one). */
static void block_on(struct sched_obj *o, uint32_t state)
{
	charge(false, NULL);
	cur->state = state;
	cur->blocked_on = o;
	g_block(cur, o);
	schedule();
}

/* @t stops waiting and is queued; a more urgent one preempts cur. */
static void wake(struct thread *t)
{
	t->blocked_on = NULL;
	g_enqueue(t, now_ticks());
	if (g_preempts(cur, t)) {
		sched_preempt_wanted = 1;
	}
}

_Noreturn void thread_exit(void *ret)
{
	struct thread *t, *j;

	if (!owner || owner != exo_env_info()->id || cur == lead) {
		exit((int)(intptr_t)ret);
	}
	sched_preempt_disable();
	t = cur;
	t->retval = ret;
	charge(false, NULL);
	/* Mutexes still held are given up, as if unlocked. */
	while (t->held) {
		mutex_unlock((struct mutex *)t->held);
	}
	t->state = SCHED_T_EXITED;
	g_detach(t);
	j = wait_take(&t->join_obj);
	if (j) {
		wake(j);
	}
	schedule();
	for (;;) {
		/* An exited thread is never picked again. */
	}
}

int thread_join(struct thread *t, void **ret)
{
	int err = 0;

	sched_preempt_disable();
	if (start() || t == cur || !is_thread(t) || t == lead) {
		err = EXO_ERR_INVALID;
		goto out;
	}
	if (t->joined) {
		err = EXO_ERR_BUSY;
		goto out;
	}
	t->joined = 1;
	if (t->state != SCHED_T_EXITED) {
		wait_append(&t->join_obj, cur);
		block_on(&t->join_obj, SCHED_T_BLOCKED);
	}
	if (ret) {
		*ret = t->retval;
	}
	if (t->all_prev) {
		t->all_prev->all_next = t->all_next;
	} else {
		all_head = t->all_next;
	}
	if (t->all_next) {
		t->all_next->all_prev = t->all_prev;
	}
	stack_put(t);
	nthreads--;
	free(t);
out:
	sched_preempt_enable();
	return err;
}

void thread_yield(void)
{
	sched_preempt_disable();
	if (!start()) {
		charge(false, NULL);
		g_enqueue(cur, now_ticks());
		schedule();
	}
	sched_preempt_wanted = 0;
	sched_preempt_enable();
}

void thread_sleep(uint64_t ticks)
{
	sched_preempt_disable();
	if (!start()) {
		cur->wake_at = now_ticks() + ticks;
		sleeper_insert(cur);
		block_on(&sleep_obj, SCHED_T_SLEEPING);
	}
	sched_preempt_enable();
}

void thread_wait_period(void)
{
	sched_preempt_disable();
	if (start()) {
		goto out;
	}
	if (!cur->param.period) {
		charge(false, NULL);
		g_enqueue(cur, now_ticks());
		schedule();
		goto out;
	}
	/* Charge the job's last ticks (and judge its deadline) first. */
	charge(false, NULL);
	cur->flags |= THREAD_F_JOB_DONE;
	cur->wake_at = cur->next_release;
	sleeper_insert(cur);
	block_on(&sleep_obj, SCHED_T_SLEEPING);
out:
	sched_preempt_enable();
}

struct thread *thread_self(void)
{
	sched_preempt_disable();
	if (start()) {
		sched_preempt_enable();
		return NULL;
	}
	sched_preempt_enable();
	return cur;
}

uint32_t thread_id(const struct thread *t)
{
	return t ? t->id : 0;
}

int thread_set_param(struct thread *t, const struct sched_param *p)
{
	struct sched_param q = *p;
	int err;

	sched_param_defaults(&q);
	sched_preempt_disable();
	err = start();
	if (!err) {
		err = is_thread(t)
			      ? g_set_param(t, &q, now_ticks())
			      : EXO_ERR_INVALID;
	}
	/* Our own change (we may now rank below a queued thread): re-pick. */
	if (!err && (t == cur || (t->state == SCHED_T_RUNNABLE &&
				  g_preempts(cur, t)))) {
		sched_preempt_wanted = 1;
	}
	sched_preempt_enable();
	return err;
}

void thread_get_param(const struct thread *t, struct sched_param *out)
{
	*out = t->param;
}

void thread_sched_stats(struct sched_stats *out, uint64_t *sw, uint64_t *pre)
{
	sched_preempt_disable();
	if (out) {
		if (start()) {
			memset(out, 0, sizeof(*out));
		} else {
			g_stats(out);
		}
	}
	if (sw) {
		*sw = switches;
	}
	if (pre) {
		*pre = preemptions;
	}
	sched_preempt_enable();
}

/* Changing the policy of the running program. */

/*
 * During thread_sched_swap_report: every live thread by ascending id, so
 * that a swap resolves n records in O(n log n), not O(n^2). Records
 * mostly come in ascending id order (policies list threads in attach
 * order, and an import attaches in record order), so find tries the
 * entry after the last one found before searching: O(1) each then.
 */
static struct thread **id_index;
static uint32_t id_count, id_next;

static struct thread *find(void *ctx, uint32_t id)
{
	if (id_index) {
		uint32_t lo = 0, hi = id_count;

		if (id_next < id_count && id_index[id_next]->id == id) {
			return id_index[id_next++];
		}

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (id_index[mid]->id < id) {
				lo = mid + 1;
			} else {
				hi = mid;
			}
		}
		if (lo < id_count && id_index[lo]->id == id) {
			id_next = lo + 1;
			return id_index[lo];
		}
		return NULL;
	}
	for (struct thread *t = all_head; t; t = t->all_next) {
		if (t->id == id && t->state != SCHED_T_EXITED) {
			return t;
		}
	}
	return NULL;
}

/* Build id_index (threads are listed newest, so highest id, first). */
static void index_build(void)
{
	uint32_t n = 0;

	id_index = malloc(nthreads * sizeof(*id_index));
	if (!id_index) {
		return; /* find scans the list instead */
	}
	for (struct thread *t = all_head; t; t = t->all_next) {
		if (t->state != SCHED_T_EXITED) {
			n++;
		}
	}
	id_count = n;
	id_next = 0;
	for (struct thread *t = all_head; t; t = t->all_next) {
		if (t->state != SCHED_T_EXITED) {
			id_index[--n] = t;
		}
	}
}

static void index_drop(void)
{
	free(id_index);
	id_index = NULL;
	id_count = id_next = 0;
}

/*
 * After a swap that failed once the new policy had started taking the
 * threads (an import refused midway), the scratch fields of the
 * descriptors (set and heap positions) may no longer be the serving
 * policy's: it exports its state (its own lists are intact), forgets,
 * and takes the state back.
 */
static int refresh(struct sched *s, uint64_t now)
{
	size_t cap = sched_state_size(nthreads);
	struct sched_state *buf = malloc(cap);
	int64_t n;
	int err;

	if (!buf) {
		return EXO_ERR_NO_MEMORY;
	}
	n = sched_export_state(s, buf, cap, now);
	err = n < 0 ? (int)n : 0;
	if (!err) {
		s->ops->forget(s);
		err = sched_import_state(s, buf, find, NULL, now);
	}
	free(buf);
	return err;
}

/*
 * After a swap that failed past its gate: the policy serving now (the
 * old one, kept or rolled back to) takes back the threads' scratch
 * fields, or the program cannot go on.
 */
static void take_back(void)
{
	if (sched_gate.cur.live && refresh(sched_current(), now_ticks())) {
		printf("sched: %s cannot take back its own state\n",
		       sched_policy_name());
		exit(EXO_ERR_CORRUPT);
	}
}

int thread_sched_swap_report(const char *name, struct module_swap_report *r)
{
	const struct libos_impl *to = NULL;
	const struct module_desc *d;
	int err;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < libos_impl_count() && !to; i++) {
		const struct libos_impl *im = libos_impl_at(i);

		if (strcmp(im->name, name) == 0 &&
		    libos_impl_fits(&sched_slot, im)) {
			to = im;
		}
	}
	if (!to || !(d = module_desc_of_impl(to))) {
		return r->result = EXO_ERR_NOT_FOUND;
	}
	sched_preempt_disable();
	err = start();
	if (err) {
		goto out;
	}
	if (module_slot_current(&sched_gate) == d) {
		goto out;
	}
	charge(false, NULL);
	index_build();
	err = module_slot_swap(&sched_gate, d, NULL, r);
	if (err && err != EXO_ERR_BUSY && err != EXO_ERR_NOT_FOUND) {
		take_back();
	}
	index_drop();
out:
	sched_preempt_enable();
	return err;
}

int thread_sched_swap_image(const void *file, uint64_t size,
			    struct module_swap_report *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	sched_preempt_disable();
	err = start();
	if (err) {
		goto out;
	}
	charge(false, NULL);
	index_build();
	err = module_slot_swap_image(&sched_gate, file, size, r);
	/* As above: an import refused midway leaves the scratch fields. */
	if (err && r->downtime && err != EXO_ERR_BUSY) {
		take_back();
	}
	index_drop();
out:
	sched_preempt_enable();
	return err;
}

int thread_sched_swap(const char *name)
{
	struct module_swap_report r;

	return thread_sched_swap_report(name, &r);
}

const char *sched_policy_name(void)
{
	const struct module_desc *d = module_slot_current(&sched_gate);

	if (sched_gate.cur.live && d) {
		return d->name;
	}
	return sched_slot.impl ? sched_slot.impl->name : "none";
}

/* Mutexes. */

static void obj_init(struct sched_obj *o, uint32_t kind)
{
	static uint32_t ids;

	if (o->kind != kind) {
		o->kind = kind;
		o->id = ++ids;
	}
}

void mutex_init(struct mutex *m)
{
	memset(m, 0, sizeof(*m));
	obj_init(&m->obj, SCHED_OBJ_MUTEX);
}

static void take(struct thread *t, struct sched_obj *o)
{
	o->owner = t;
	o->held_next = t->held;
	t->held = o;
}

int mutex_trylock(struct mutex *m)
{
	int err = 0;

	sched_preempt_disable();
	err = start();
	if (err) {
		goto out;
	}
	obj_init(&m->obj, SCHED_OBJ_MUTEX);
	if (m->obj.owner == cur) {
		err = EXO_ERR_STATE;
	} else if (m->obj.owner) {
		err = EXO_ERR_BUSY;
	} else {
		take(cur, &m->obj);
	}
out:
	sched_preempt_enable();
	return err;
}

int mutex_lock(struct mutex *m)
{
	int err = 0;

	sched_preempt_disable();
	err = start();
	if (err) {
		goto out;
	}
	obj_init(&m->obj, SCHED_OBJ_MUTEX);
	if (m->obj.owner == cur) {
		err = EXO_ERR_STATE;
	} else if (!m->obj.owner) {
		take(cur, &m->obj);
	} else {
		/* mutex_unlock hands it over: we own it when we run. */
		wait_append(&m->obj, cur);
		block_on(&m->obj, SCHED_T_BLOCKED);
	}
out:
	sched_preempt_enable();
	return err;
}

/* Give @o up (held by cur) to its most urgent waiter, if any. */
static void give(struct sched_obj *o)
{
	struct sched_obj **pp = &cur->held;
	struct thread *w;

	while (*pp != o) {
		pp = &(*pp)->held_next;
	}
	*pp = o->held_next;
	o->held_next = NULL;
	o->owner = NULL;
	w = wait_take(o);
	g_release(cur, o);
	if (w) {
		take(w, o);
		/* It inherits from whoever still waits on @o. */
		g_release(w, o);
		wake(w);
	}
}

int mutex_unlock(struct mutex *m)
{
	int err = 0;

	sched_preempt_disable();
	if (!owner || m->obj.owner != cur || !cur) {
		err = EXO_ERR_DENIED;
	} else {
		give(&m->obj);
	}
	sched_preempt_enable();
	return err;
}

/* Condition variables. */

void cond_init(struct cond *c)
{
	memset(c, 0, sizeof(*c));
	obj_init(&c->obj, SCHED_OBJ_COND);
}

int cond_wait(struct cond *c, struct mutex *m)
{
	int err = 0;

	sched_preempt_disable();
	if (!owner || m->obj.owner != cur) {
		err = EXO_ERR_DENIED;
		goto out;
	}
	obj_init(&c->obj, SCHED_OBJ_COND);
	wait_append(&c->obj, cur);
	give(&m->obj);
	block_on(&c->obj, SCHED_T_BLOCKED);
	sched_preempt_enable();
	return mutex_lock(m);
out:
	sched_preempt_enable();
	return err;
}

void cond_signal(struct cond *c)
{
	struct thread *w;

	sched_preempt_disable();
	if (owner && (w = wait_take(&c->obj))) {
		wake(w);
	}
	sched_preempt_enable();
}

void cond_broadcast(struct cond *c)
{
	struct thread *w;

	sched_preempt_disable();
	while (owner && (w = wait_take(&c->obj))) {
		wake(w);
	}
	sched_preempt_enable();
}

/* Semaphores: post hands a unit straight to a waiter. */

void sem_init(struct sem *s, uint64_t count)
{
	memset(s, 0, sizeof(*s));
	obj_init(&s->obj, SCHED_OBJ_SEM);
	s->count = count;
}

int sem_trywait(struct sem *s)
{
	int err = 0;

	sched_preempt_disable();
	if (s->count) {
		s->count--;
	} else {
		err = EXO_ERR_BUSY;
	}
	sched_preempt_enable();
	return err;
}

void sem_wait(struct sem *s)
{
	sched_preempt_disable();
	if (s->count) {
		s->count--;
	} else if (!start()) {
		obj_init(&s->obj, SCHED_OBJ_SEM);
		wait_append(&s->obj, cur);
		block_on(&s->obj, SCHED_T_BLOCKED);
	}
	sched_preempt_enable();
}

void sem_post(struct sem *s)
{
	struct thread *w;

	sched_preempt_disable();
	if (owner && (w = wait_take(&s->obj))) {
		wake(w);
	} else {
		s->count++;
	}
	sched_preempt_enable();
}

/* Thread-local data. */

int tls_key_create(tls_key_t *key)
{
	int err = 0;

	sched_preempt_disable();
	if (tls_keys == TLS_KEYS) {
		err = EXO_ERR_LIMIT;
	} else {
		*key = tls_keys++;
	}
	sched_preempt_enable();
	return err;
}

void *tls_get(tls_key_t key)
{
	struct thread *t = thread_self();

	return t && key < tls_keys ? t->tls[key] : NULL;
}

int tls_set(tls_key_t key, void *value)
{
	struct thread *t = thread_self();

	if (!t || key >= tls_keys) {
		return EXO_ERR_INVALID;
	}
	t->tls[key] = value;
	return 0;
}
