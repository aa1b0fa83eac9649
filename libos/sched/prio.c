/* SPDX-License-Identifier: MIT */
/*
 * sched.prio: fixed priorities, 0 (lowest) to SCHED_PRIO_MAX, with
 * round-robin among threads of the same priority. The highest runnable
 * priority always runs: a thread woken with a higher priority than the
 * running one preempts it at once, and a lower one waits, however long
 * (that is this policy's rule; a spinning high-priority thread starves
 * lower ones, but never one of its own level).
 *
 * Priority inheritance: a thread blocking on a mutex lends its effective
 * priority to the holder, and on along the chain if the holder is itself
 * blocked on a mutex; giving up a mutex recomputes the holder's effective
 * priority from the waiters of the mutexes it still holds. So a
 * low-priority holder cannot be kept off the CPU by medium-priority
 * threads while a high-priority thread waits for it (no unbounded
 * inversion). Waiters are woken highest effective priority first.
 *
 * One FIFO per level and a bitmap of non-empty levels: every operation
 * is O(1) (a bit scan), inheritance O(chain length).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

#include "fifo.h"
#include "policies.h"

#define LEVELS (SCHED_PRIO_MAX + 1)
_Static_assert(LEVELS <= 64, "one bitmap word");

struct prio {
	struct sched base; /* first: the slot hands out &base */
	struct sched_fifo q[LEVELS];
	uint64_t map; /* bit p: q[p] not empty */
	uint32_t nq;
	struct sched_set all;
	struct sched_stats st;
};

static struct prio *prio_of(struct sched *s)
{
	return container_of(s, struct prio, base);
}

static void push(struct prio *pr, struct thread *t)
{
	sched_fifo_push(&pr->q[t->eff_prio], t);
	pr->map |= 1ull << t->eff_prio;
	pr->nq++;
}

static void pull(struct prio *pr, struct thread *t)
{
	struct sched_fifo *q = &pr->q[t->eff_prio];

	sched_fifo_remove(q, t);
	if (!q->n) {
		pr->map &= ~(1ull << t->eff_prio);
	}
	pr->nq--;
}

/* The highest waiter priority among mutexes @t holds, or -1. */
static int32_t inherited(const struct thread *t)
{
	int32_t best = -1;

	for (const struct sched_obj *m = t->held; m; m = m->held_next) {
		for (const struct thread *w = m->wait_head; w;
		     w = w->wait_next) {
			if (w->eff_prio > best) {
				best = w->eff_prio;
			}
		}
	}
	return best;
}

/* Change @t's effective priority, requeueing it if queued. */
static void set_eff(struct prio *pr, struct thread *t, int32_t p)
{
	if (t->eff_prio == p) {
		return;
	}
	if (t->state == SCHED_T_RUNNABLE) {
		pull(pr, t);
		t->eff_prio = p;
		push(pr, t);
	} else {
		t->eff_prio = p;
	}
}

static int32_t effective(const struct thread *t)
{
	int32_t inh = inherited(t);

	return inh > t->param.prio ? inh : t->param.prio;
}

static int prio_attach(struct sched *s, struct thread *t, uint64_t now)
{
	struct prio *pr = prio_of(s);
	int err = sched_param_check(&t->param);

	if (!err) {
		err = sched_set_reserve(&pr->all);
	}
	if (err) {
		pr->st.refused++;
		return err;
	}
	t->eff_prio = effective(t);
	sched_set_add(&pr->all, t);
	return 0;
}

static void prio_detach(struct sched *s, struct thread *t)
{
	sched_set_remove(&prio_of(s)->all, t);
}

static void prio_enqueue(struct sched *s, struct thread *t, uint64_t now)
{
	struct prio *pr = prio_of(s);

	push(pr, t);
	pr->st.enqueues++;
}

static void prio_dequeue(struct sched *s, struct thread *t)
{
	pull(prio_of(s), t);
}

static int32_t top(const struct prio *pr)
{
	return pr->map ? 63 - __builtin_clzll(pr->map) : -1;
}

static struct thread *prio_pick_next(struct sched *s, uint64_t now)
{
	struct prio *pr = prio_of(s);
	int32_t p = top(pr);
	struct thread *t;

	if (p < 0) {
		return NULL;
	}
	t = pr->q[p].head;
	pull(pr, t);
	t->state = SCHED_T_RUNNING;
	pr->st.picks++;
	return t;
}

static bool prio_tick(struct sched *s, struct thread *cur, uint64_t ran_flags,
			  uint64_t now)
{
	uint64_t ran = ran_flags & ~SCHED_TICK_SLICE_END;
	bool slice_end = (ran_flags & SCHED_TICK_SLICE_END) != 0;
	struct prio *pr = prio_of(s);

	cur->runtime += ran;
	if (!slice_end) {
		return false;
	}
	pr->st.ticks++;
	/* Round-robin within the level; a lower level waits. */
	if (top(pr) >= cur->eff_prio) {
		pr->st.preempt_requests++;
		return true;
	}
	return false;
}

static bool prio_preempts(struct sched *s, const struct thread *cur,
			  const struct thread *woken)
{
	return woken->eff_prio > cur->eff_prio;
}

static void prio_block(struct sched *s, struct thread *t, struct sched_obj *obj)
{
	struct prio *pr = prio_of(s);
	struct thread *o;

	if (obj->kind != SCHED_OBJ_MUTEX) {
		return;
	}
	/* Lend along the chain; stop where nothing would rise. */
	for (o = obj->owner; o && o->eff_prio < t->eff_prio;) {
		set_eff(pr, o, t->eff_prio);
		pr->st.inheritances++;
		if (o->state != SCHED_T_BLOCKED || !o->blocked_on ||
		    o->blocked_on->kind != SCHED_OBJ_MUTEX) {
			break;
		}
		o = o->blocked_on->owner;
	}
}

static void prio_release(struct sched *s, struct thread *owner,
			 struct sched_obj *obj)
{
	set_eff(prio_of(s), owner, effective(owner));
}

static bool prio_before(struct sched *s, const struct thread *a,
			const struct thread *b)
{
	return a->eff_prio > b->eff_prio;
}

static int prio_set_param(struct sched *s, struct thread *t,
			  const struct sched_param *p, uint64_t now)
{
	int err = sched_param_check(p);

	if (err) {
		return err;
	}
	t->param = *p;
	set_eff(prio_of(s), t, effective(t));
	return 0;
}

static void prio_stats(struct sched *s, struct sched_stats *out)
{
	struct prio *pr = prio_of(s);

	*out = pr->st;
	out->threads = pr->all.n;
	out->runnable = pr->nq;
}

static int64_t prio_export(struct sched *s, struct sched_state *buf, size_t cap,
			   uint64_t now)
{
	struct prio *pr = prio_of(s);
	uint32_t pos = 0;

	for (int p = SCHED_PRIO_MAX; p >= 0; p--) {
		pos = sched_fifo_rank(&pr->q[p], pos);
	}
	return sched_state_write(&pr->all, "sched.prio", buf, cap, now);
}

static int prio_import(struct sched *s, const struct sched_state *st,
		       sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	struct prio *pr = prio_of(s);
	int err = sched_set_grow(&pr->all, pr->all.n + sched_state_room(st));

	return err ? err : sched_state_import(s, st, resolve, ctx, now);
}

/* Let go of every thread without touching a descriptor. */
static void prio_forget(struct sched *s)
{
	struct prio *x = prio_of(s);

	sched_set_free(&x->all);
	memset((char *)x + sizeof(x->base), 0, sizeof(*x) - sizeof(x->base));
}

static const struct sched_ops prio_ops = {
	.attach = prio_attach,
	.detach = prio_detach,
	.enqueue = prio_enqueue,
	.dequeue = prio_dequeue,
	.pick_next = prio_pick_next,
	.tick = prio_tick,
	.preempts = prio_preempts,
	.block = prio_block,
	.release = prio_release,
	.before = prio_before,
	.set_param = prio_set_param,
	.stats = prio_stats,
	.export_state = prio_export,
	.import_state = prio_import,
	.forget = prio_forget,
};

struct sched *sched_prio_new(void)
{
	struct prio *pr = calloc(1, sizeof(*pr));

	if (!pr) {
		return NULL;
	}
	pr->base.ops = &prio_ops;
	return &pr->base;
}

void sched_prio_delete(struct sched *s)
{
	struct prio *pr = prio_of(s);

	sched_set_free(&pr->all);
	free(pr);
}

static struct prio prio_default = { .base.ops = &prio_ops };

SCHED_IMPL(prio_impl, "sched.prio", &prio_ops, &prio_default.base,
	   LIBOS_PRIO_MODULE);
