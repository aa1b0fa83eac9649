/* SPDX-License-Identifier: MIT */
/*
 * User-level threads and the scheduler interface ("sched"), for callers.
 *
 * The kernel hands the environment time slices; which of its threads uses
 * them is decided here. The thread machinery (descriptors, stacks, context
 * switch, mutexes, condition variables, semaphores, thread-local data,
 * sleep, preemption) is the same for every program; the policy that picks
 * the next thread is an implementation of the "sched" interface, reached
 * through the "sched" slot like every replaceable part of the libOS:
 *
 *	sched.rr      round-robin (the libOS default)
 *	sched.prio    fixed priorities, with priority inheritance on mutexes
 *	sched.stride  proportional share (stride scheduling, tickets)
 *	sched.edf     earliest deadline first for periodic threads, with
 *	              admission control; other threads run in the background
 *
 * A program picks one with axo_add_app(... MODULES sched.stride).
 *
 * Time is counted in timer ticks (struct exo_sys_info.ticks, 1 ms at the
 * default 1 kHz). A thread is preempted at the end of a kernel time slice
 * (10 ticks) when its policy says another should run.
 *
 * The thread functions may be called from any thread; none may be called
 * from a fault or preemption handler. Errors are negative EXO_ERR_* codes.
 * Implementations see <libos/sched_impl.h>.
 */
#ifndef LIBOS_SCHED_H
#define LIBOS_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libos/module_slot.h>
#include <libos/slot.h>

#define SCHED_IFACE_MAJOR 2
#define SCHED_IFACE_MINOR 0

/*
 * Priorities of sched.prio: 0 (lowest) .. SCHED_PRIO_MAX (highest). The
 * thread calls read 0 as "the default", so threads get 1 and up.
 */
#define SCHED_PRIO_MAX 63
#define SCHED_PRIO_DEFAULT 16
/* Tickets of sched.stride: 1 .. SCHED_TICKETS_MAX. */
#define SCHED_TICKETS_MAX 100000
#define SCHED_TICKETS_DEFAULT 100

/*
 * What a policy may use of a thread. Every policy keeps all of it (a
 * field it does not use survives a change of policy); each reads its own:
 * prio (sched.prio), tickets (sched.stride), period/deadline/budget
 * (sched.edf: a thread with period 0 is not periodic).
 */
struct sched_param {
	int32_t prio; /* 0 .. SCHED_PRIO_MAX */
	uint32_t tickets; /* 1 .. SCHED_TICKETS_MAX */
	uint64_t period; /* ticks between releases; 0: not periodic */
	uint64_t deadline; /* relative, ticks; 0 < deadline <= period */
	uint64_t budget; /* run time per period, ticks; <= deadline */
};

/* What a policy reports about itself. */
struct sched_stats {
	uint64_t threads; /* attached threads */
	uint64_t runnable; /* queued, not counting the running one */
	uint64_t enqueues;
	uint64_t picks; /* pick_next calls that returned a thread */
	uint64_t ticks; /* tick calls at the end of a slice */
	uint64_t preempt_requests; /* tick calls that asked for a switch */
	uint64_t refused; /* attach/set_param refused (admission) */
	uint64_t deadline_misses; /* sched.edf: jobs not done by deadline */
	uint64_t inheritances; /* sched.prio: priority boosts through mutexes */
};

struct thread;
struct sched;
struct sched_obj;
struct sched_state;

/*
 * How the state import names threads: the descriptor of thread @id, or
 * NULL when there is none.
 */
typedef struct thread *(*sched_resolve_fn)(void *ctx, uint32_t id);

/*
 * The operations of a policy. Each takes the policy as its first argument
 * and works only on thread descriptors and the clock value it is given
 * (@now, in ticks), so the policies run unchanged on the host. All are
 * required; <libos/sched_impl.h> has defaults for some.
 *
 * The running thread is never queued: pick_next takes the thread it
 * returns off the queue, and the machinery enqueues it again when it
 * yields or is preempted. Calls are never concurrent (the machinery holds
 * preemption off around them).
 */
struct sched_ops {
	/*
	 * A new thread @t (state SCHED_T_NEW, its param filled in) joins the
	 * policy at time @now; it is not queued yet. Return: 0, or
	 * EXO_ERR_INVALID (a parameter out of range), EXO_ERR_LIMIT (sched.edf:
	 * admission refused, the set would not be schedulable),
	 * EXO_ERR_NO_MEMORY. On error nothing changed. A field the policy
	 * keeps that is already set (an imported pass, next release) is
	 * kept; an unset one (0) is started from @now.
	 */
	int (*attach)(struct sched *s, struct thread *t, uint64_t now);
	/* @t (not queued) leaves the policy for good. */
	void (*detach)(struct sched *s, struct thread *t);
	/* @t became runnable (new, yielded, preempted, woken): queue it. */
	void (*enqueue)(struct sched *s, struct thread *t, uint64_t now);
	/* Take queued @t off the queue (it is no longer runnable). */
	void (*dequeue)(struct sched *s, struct thread *t);
	/*
	 * The thread that should run now, taken off the queue, or NULL if
	 * none is queued.
	 */
	struct thread *(*pick_next)(struct sched *s, uint64_t now);
	/*
	 * Charge running @cur for the ticks since it was last charged
	 * (@ran_flags without SCHED_TICK_SLICE_END): at the end of a time
	 * slice (SCHED_TICK_SLICE_END set in @ran_flags), and when it gives
	 * the CPU up (yield, block, sleep, end; the flag clear; skipped
	 * when the ticks would be 0). The policy adds them to cur->runtime.
	 * Return: at a slice end, true if another thread should run now
	 * (the machinery then enqueues @cur and picks); otherwise ignored.
	 * (One argument carries both so that every op takes at most three
	 * after the policy, as a gated slot wants.)
	 */
	bool (*tick)(struct sched *s, struct thread *cur, uint64_t ran_flags,
		     uint64_t now);
	/*
	 * @woken has just been queued while @cur runs: should @cur give
	 * way at once (without waiting for the slice to end)? sched.prio:
	 * @woken has a higher priority; sched.edf: an earlier deadline;
	 * sched.rr and sched.stride: never.
	 */
	bool (*preempts)(struct sched *s, const struct thread *cur,
			 const struct thread *woken);
	/*
	 * Running @t blocks on @obj (a mutex, condition variable,
	 * semaphore, join or sleep; t->blocked_on is already @obj). A policy
	 * with priority inheritance lends @t's priority to obj->owner here.
	 */
	void (*block)(struct sched *s, struct thread *t, struct sched_obj *obj);
	/*
	 * The mutexes @owner holds changed: it gave @obj up (already off
	 * owner->held), or was handed it (already on). Recompute what it
	 * inherits from their waiters.
	 */
	void (*release)(struct sched *s, struct thread *owner,
			struct sched_obj *obj);
	/*
	 * Which of two threads waiting on the same object goes first.
	 * Return: true if @a should be woken before @b.
	 */
	bool (*before)(struct sched *s, const struct thread *a,
		       const struct thread *b);
	/*
	 * Change @t's parameters to @p (queued or not). Return: 0, or the
	 * errors of attach; on error nothing changed.
	 */
	int (*set_param)(struct sched *s, struct thread *t,
			 const struct sched_param *p, uint64_t now);
	/* Fill @out with the current counters. */
	void (*stats)(struct sched *s, struct sched_stats *out);
	/*
	 * Write the complete state (every attached thread: state, queue
	 * position, parameters, policy fields) into @buf, @cap bytes, in the
	 * format of <libos/sched_impl.h> (struct sched_state). Return: the
	 * bytes written, or EXO_ERR_TOO_BIG (see sched_state_size).
	 */
	int64_t (*export_state)(struct sched *s, struct sched_state *buf,
				size_t cap, uint64_t now);
	/*
	 * Take over every thread of @st, whose descriptors @resolve finds,
	 * into this (empty) policy: attach each, copy every field of its
	 * record into its descriptor, queue the runnable ones in queue
	 * order. Return: 0, or EXO_ERR_CORRUPT (bad magic or checksum),
	 * EXO_ERR_NOSYS (a version this policy cannot read),
	 * EXO_ERR_NOT_FOUND (a thread @resolve does not know), or the errors
	 * of attach (sched.edf refuses a set it cannot admit). On error the
	 * policy is left empty.
	 */
	int (*import_state)(struct sched *s, const struct sched_state *st,
			    sched_resolve_fn resolve, void *ctx, uint64_t now);
	/*
	 * Let go of every thread at once, without touching any descriptor
	 * (another policy owns their links now): the policy is left empty,
	 * as new, counters included. Used when a swap or rollback retires
	 * or reuses an instance whose threads moved on.
	 */
	void (*forget)(struct sched *s);
};

/* tick: the charge ends a time slice. */
#define SCHED_TICK_SLICE_END (1ull << 63)

/* The object every policy embeds first. */
struct sched {
	const struct sched_ops *ops;
};

/*
 * The slot that binds "sched" at start (in libos/sched/thread.c): the
 * policy the program was linked with. Once threads start, the policy is
 * served through the gated slot sched_gate instead, which can swap it.
 */
extern struct libos_slot sched_slot;
extern struct module_slot sched_gate;

/* The health window after a swap of the policy, in calls (about 30
 * thread switches). */
#define SCHED_WINDOW_CALLS 128

/* The policy serving the program, or NULL before the slots are bound. */
static inline struct sched *sched_current(void)
{
	const struct libos_impl *impl = sched_slot.impl;

	if (sched_gate.cur.live) {
		return (struct sched *)sched_gate.self;
	}
	return impl ? (struct sched *)impl->self : NULL;
}

/* The name of the policy serving the program ("none" before any). */
const char *sched_policy_name(void);

static inline int sched_attach(struct sched *s, struct thread *t, uint64_t now)
{
	return s->ops->attach(s, t, now);
}

static inline void sched_detach(struct sched *s, struct thread *t)
{
	s->ops->detach(s, t);
}

static inline void sched_enqueue(struct sched *s, struct thread *t,
				 uint64_t now)
{
	s->ops->enqueue(s, t, now);
}

static inline void sched_dequeue(struct sched *s, struct thread *t)
{
	s->ops->dequeue(s, t);
}

static inline struct thread *sched_pick_next(struct sched *s, uint64_t now)
{
	return s->ops->pick_next(s, now);
}

static inline bool sched_tick(struct sched *s, struct thread *cur, uint64_t ran,
			      bool slice_end, uint64_t now)
{
	return s->ops->tick(s, cur, ran | (slice_end ? SCHED_TICK_SLICE_END : 0),
			    now);
}

static inline bool sched_preempts(struct sched *s, const struct thread *cur,
				  const struct thread *woken)
{
	return s->ops->preempts(s, cur, woken);
}

static inline void sched_block(struct sched *s, struct thread *t,
			       struct sched_obj *obj)
{
	s->ops->block(s, t, obj);
}

static inline void sched_release(struct sched *s, struct thread *owner,
				 struct sched_obj *obj)
{
	s->ops->release(s, owner, obj);
}

static inline bool sched_before(struct sched *s, const struct thread *a,
				const struct thread *b)
{
	return s->ops->before(s, a, b);
}

static inline int sched_set_param(struct sched *s, struct thread *t,
				  const struct sched_param *p, uint64_t now)
{
	return s->ops->set_param(s, t, p, now);
}

static inline void sched_stats(struct sched *s, struct sched_stats *out)
{
	s->ops->stats(s, out);
}

static inline int64_t sched_export_state(struct sched *s,
					 struct sched_state *buf, size_t cap,
					 uint64_t now)
{
	return s->ops->export_state(s, buf, cap, now);
}

static inline int sched_import_state(struct sched *s,
				     const struct sched_state *st,
				     sched_resolve_fn resolve, void *ctx,
				     uint64_t now)
{
	return s->ops->import_state(s, st, resolve, ctx, now);
}

/*
 * Something threads block on. Embedded first in struct mutex, struct cond
 * and struct sem; zero-initialised is valid (then kind is set on first
 * use). Fields belong to the machinery, guarded by its preemption-off
 * section.
 */
struct sched_obj {
	uint32_t kind; /* SCHED_OBJ_* */
	uint32_t id; /* a number naming it in exported state */
	struct thread *owner; /* a mutex's holder; NULL otherwise */
	struct thread *wait_head; /* waiters (linked by thread.wait_next) */
	struct sched_obj *held_next; /* in owner's list of held mutexes */
};

#define SCHED_OBJ_NONE 0
#define SCHED_OBJ_MUTEX 1
#define SCHED_OBJ_COND 2
#define SCHED_OBJ_SEM 3
#define SCHED_OBJ_JOIN 4 /* waiting for a thread to end */
#define SCHED_OBJ_SLEEP 5 /* waiting for a time */

/* Threads. */

/* How to start a thread; NULL for the defaults. */
struct thread_attr {
	struct sched_param param; /* zeroes mean the defaults */
	size_t stack_size; /* bytes; 0: THREAD_STACK_DEFAULT */
};

#define THREAD_STACK_DEFAULT (64ul * 1024)
#define THREAD_STACK_MAX (8ul * 1024 * 1024)
#define THREAD_MAX 4096 /* threads alive at once, main thread included */

/*
 * thread_create - start a thread running @fn(@arg) on a stack from the
 * pager's stack area (backed as it grows, the rest of its 16 MiB slot
 * below it a guard: overflowing it ends the program, code 139, with a
 * report naming the thread). Each thread has its own errno. The first call
 * turns the program's own flow into the main thread and starts preemption.
 * In a fork child (pager_fork, spawn_fn) the thread that forked is the
 * only thread, and the lead; the others' records and stack slots are
 * gone, what they held stays held (docs/sched.md, "Fork").
 * Return: 0 with *@out set, or EXO_ERR_INVALID (@fn NULL, a bad
 * parameter or stack size), EXO_ERR_LIMIT (THREAD_MAX threads, every
 * stack slot taken, or sched.edf refusing the thread), EXO_ERR_EXISTS (a
 * region of the program's holds the stack area), EXO_ERR_NO_MEMORY.
 */
int thread_create(struct thread **out, void *(*fn)(void *), void *arg,
		  const struct thread_attr *attr);

/*
 * thread_join - wait until @t ends, store what it returned in *@ret
 * (unless NULL) and free it. Return: 0, or EXO_ERR_INVALID (@t is the
 * caller, the lead, or not a thread: say one that did not come along
 * into a fork child), EXO_ERR_BUSY (another thread joins it).
 */
int thread_join(struct thread *t, void **ret);

/*
 * thread_exit - end the calling thread with @ret. The lead thread (main,
 * or in a fork child the thread that forked) ends the program with
 * (int)@ret instead.
 */
_Noreturn void thread_exit(void *ret);

/* thread_yield - let the policy run another thread if it wants. */
void thread_yield(void);

/* thread_sleep - block the calling thread for at least @ticks ticks. */
void thread_sleep(uint64_t ticks);

/*
 * thread_wait_period - (sched.edf) the current job of the calling
 * periodic thread is done: sleep until its next release. A thread that is
 * not periodic just yields.
 */
void thread_wait_period(void);

/* The calling thread, and any thread's number (main is 1). */
struct thread *thread_self(void);
uint32_t thread_id(const struct thread *t);

/*
 * thread_set_param - change @t's scheduling parameters (zero prio or
 * tickets: the defaults); the policy then picks again. Return: 0, or
 * EXO_ERR_INVALID, EXO_ERR_LIMIT (sched.edf: not admissible).
 */
int thread_set_param(struct thread *t, const struct sched_param *p);

/* thread_get_param - @t's parameters. */
void thread_get_param(const struct thread *t, struct sched_param *out);

/*
 * thread_sched_stats - the policy's counters, plus (in @switches) how many
 * thread switches the machinery made, and (@preemptions) how many of them
 * at the end of a slice. Either may be NULL.
 */
void thread_sched_stats(struct sched_stats *out, uint64_t *switches,
			uint64_t *preemptions);

/*
 * thread_sched_swap - move every thread of the program to policy @name
 * (an implementation of "sched" linked into it, e.g. "sched.stride"),
 * while they run, through the gated slot sched_gate (module_slot_swap):
 * callers are held at the gate (with a drain deadline), the serving policy
 * exports its state (format of <libos/sched_impl.h>), the new one imports
 * it, the slot is re-pointed and a health window opens: a fault or
 * overrun of the new policy within it rolls back to the old one, with the
 * threads' current state. Threads keep their state (runnable, blocked,
 * sleeping), queue order and every parameter. Return: 0 (also when @name
 * already serves), or EXO_ERR_NOT_FOUND (no such implementation linked),
 * EXO_ERR_BUSY (a swap's health window is still open, or callers did not
 * drain), EXO_ERR_NO_MEMORY, or the errors of its import (sched.edf:
 * EXO_ERR_LIMIT when the periodic threads are not admissible); on error
 * the old policy keeps every thread.
 */
int thread_sched_swap(const char *name);

/*
 * thread_sched_swap_report - the same, with what the swap did in @r
 * (downtime: cycles callers were held at the gate; total: cycles of the
 * whole swap; the state moved).
 */
int thread_sched_swap_report(const char *name, struct module_swap_report *r);

/*
 * thread_sched_swap_image - the same, to the policy in the module image
 * @file (@size bytes; e.g. a boot module, or one hot-loaded): it is
 * loaded and checked first (module_image_load: a refusal changes nothing
 * and says why in @r->why), then swapped to as above. The bytes must stay
 * readable and unchanged while the image is loaded (healing reloads its
 * data from them). Return: 0, the loader's refusals (EXO_ERR_INVALID,
 * EXO_ERR_NOSYS, EXO_ERR_DENIED, EXO_ERR_NOT_FOUND, EXO_ERR_TOO_BIG;
 * an image of another interface: EXO_ERR_NOSYS) or the errors of
 * thread_sched_swap; on error the image is unloaded and the old policy
 * keeps every thread.
 */
int thread_sched_swap_image(const void *file, uint64_t size,
			    struct module_swap_report *r);

/* Mutexes (not recursive). Zero-initialised or MUTEX_INIT is unlocked. */
struct mutex {
	struct sched_obj obj;
};
/* clang-format off */
#define MUTEX_INIT { { 0 } }
/* clang-format on */

void mutex_init(struct mutex *m);
/*
 * mutex_lock - take @m, blocking while another thread holds it. Under
 * sched.prio the holder inherits the priority of its waiters.
 * Return: 0, or EXO_ERR_STATE (the caller holds it already).
 */
int mutex_lock(struct mutex *m);
/* mutex_trylock - take @m if free. Return: 0, EXO_ERR_BUSY, or EXO_ERR_STATE. */
int mutex_trylock(struct mutex *m);
/*
 * mutex_unlock - hand @m to its most urgent waiter (the policy's order),
 * or free it. Return: 0, or EXO_ERR_DENIED (the caller does not hold it).
 */
int mutex_unlock(struct mutex *m);

/* Condition variables. Zero-initialised or COND_INIT is valid. */
struct cond {
	struct sched_obj obj;
};
/* clang-format off */
#define COND_INIT { { 0 } }
/* clang-format on */

void cond_init(struct cond *c);
/*
 * cond_wait - release @m, block until signalled, take @m again.
 * Return: 0, or EXO_ERR_DENIED (the caller does not hold @m).
 */
int cond_wait(struct cond *c, struct mutex *m);
/* Wake the most urgent waiter, or every waiter. */
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

/* Counting semaphores. */
struct sem {
	struct sched_obj obj;
	uint64_t count;
};

void sem_init(struct sem *s, uint64_t count);
/* Take one unit, blocking while there is none. */
void sem_wait(struct sem *s);
/* Take one unit if there is one. Return: 0 or EXO_ERR_BUSY. */
int sem_trywait(struct sem *s);
/* Give one unit back, waking the most urgent waiter. */
void sem_post(struct sem *s);

/* Thread-local data: up to TLS_KEYS keys, each a pointer per thread. */
#define TLS_KEYS 16
typedef uint32_t tls_key_t;

/*
 * tls_key_create - a new key, NULL in every thread.
 * Return: 0 with *@key set, or EXO_ERR_LIMIT.
 */
int tls_key_create(tls_key_t *key);
/* The calling thread's value for @key (NULL for a bad key). */
void *tls_get(tls_key_t key);
/* Set it. Return: 0 or EXO_ERR_INVALID (a bad key). */
int tls_set(tls_key_t key, void *value);

/*
 * Preemption off: between sched_preempt_disable and the matching
 * sched_preempt_enable no other thread of the program runs (a slice
 * that ends meanwhile switches at the enable). Sections nest. The
 * allocator uses this to be thread-safe. Cheap: a counter.
 */
extern volatile uint32_t sched_preempt_off;
void sched_preempt_pending(void);

/*
 * What the end of a section runs when a switch is wanted: set by the
 * thread machinery when threads start, NULL while the program has none
 * (then no other flow of the program can run meanwhile).
 */
extern void (*sched_preempt_pending_hook)(void);

static inline void sched_preempt_disable(void)
{
	sched_preempt_off++;
	__asm__ volatile("" ::: "memory");
}

extern volatile uint32_t sched_preempt_wanted;

static inline void sched_preempt_enable(void)
{
	__asm__ volatile("" ::: "memory");
	if (--sched_preempt_off == 0 && sched_preempt_wanted) {
		sched_preempt_pending();
	}
}

#endif
