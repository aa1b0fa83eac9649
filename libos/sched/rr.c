/* SPDX-License-Identifier: MIT */
/*
 * sched.rr, the libOS default: one FIFO run queue. A thread runs until it
 * gives the CPU up or its time slice ends with another thread waiting;
 * then it goes to the back. Every operation is O(1). Priorities, tickets
 * and periods are kept (for a later policy) but not used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

#include "fifo.h"
#include "policies.h"

struct rr {
	struct sched base; /* first: the slot hands out &base */
	struct sched_fifo q;
	struct sched_set all;
	struct sched_stats st;
};

static struct rr *rr_of(struct sched *s)
{
	return container_of(s, struct rr, base);
}

static int rr_attach(struct sched *s, struct thread *t, uint64_t now)
{
	struct rr *rr = rr_of(s);
	int err = sched_param_check(&t->param);

	if (!err) {
		err = sched_set_reserve(&rr->all);
	}
	if (err) {
		rr->st.refused++;
		return err;
	}
	sched_set_add(&rr->all, t);
	return 0;
}

static void rr_detach(struct sched *s, struct thread *t)
{
	sched_set_remove(&rr_of(s)->all, t);
}

static void rr_enqueue(struct sched *s, struct thread *t, uint64_t now)
{
	struct rr *rr = rr_of(s);

	sched_fifo_push(&rr->q, t);
	rr->st.enqueues++;
}

static void rr_dequeue(struct sched *s, struct thread *t)
{
	sched_fifo_remove(&rr_of(s)->q, t);
}

static struct thread *rr_pick_next(struct sched *s, uint64_t now)
{
	struct rr *rr = rr_of(s);
	struct thread *t = sched_fifo_pop(&rr->q);

	if (t) {
		t->state = SCHED_T_RUNNING;
		rr->st.picks++;
	}
	return t;
}

static bool rr_tick(struct sched *s, struct thread *cur, uint64_t ran_flags,
			  uint64_t now)
{
	uint64_t ran = ran_flags & ~SCHED_TICK_SLICE_END;
	bool slice_end = (ran_flags & SCHED_TICK_SLICE_END) != 0;
	struct rr *rr = rr_of(s);

	cur->runtime += ran;
	if (!slice_end) {
		return false;
	}
	rr->st.ticks++;
	if (rr->q.n) {
		rr->st.preempt_requests++;
		return true;
	}
	return false;
}

static void rr_stats(struct sched *s, struct sched_stats *out)
{
	struct rr *rr = rr_of(s);

	*out = rr->st;
	out->threads = rr->all.n;
	out->runnable = rr->q.n;
}

static int64_t rr_export(struct sched *s, struct sched_state *buf, size_t cap,
			 uint64_t now)
{
	struct rr *rr = rr_of(s);

	sched_fifo_rank(&rr->q, 0);
	return sched_state_write(&rr->all, "sched.rr", buf, cap, now);
}

static int rr_import(struct sched *s, const struct sched_state *st,
		     sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	struct rr *rr = rr_of(s);
	int err = sched_set_grow(&rr->all, rr->all.n + sched_state_room(st));

	return err ? err : sched_state_import(s, st, resolve, ctx, now);
}

/* Let go of every thread without touching a descriptor. */
static void rr_forget(struct sched *s)
{
	struct rr *x = rr_of(s);

	sched_set_free(&x->all);
	memset((char *)x + sizeof(x->base), 0, sizeof(*x) - sizeof(x->base));
}

static const struct sched_ops sched_rr_ops = {
	.attach = rr_attach,
	.detach = rr_detach,
	.enqueue = rr_enqueue,
	.dequeue = rr_dequeue,
	.pick_next = rr_pick_next,
	.tick = rr_tick,
	.preempts = sched_preempts_never,
	.block = sched_default_block,
	.release = sched_default_release,
	.before = sched_default_before,
	.set_param = sched_set_param_stored,
	.stats = rr_stats,
	.export_state = rr_export,
	.import_state = rr_import,
	.forget = rr_forget,
};

struct sched *sched_rr_new(void)
{
	struct rr *rr = calloc(1, sizeof(*rr));

	if (!rr) {
		return NULL;
	}
	rr->base.ops = &sched_rr_ops;
	return &rr->base;
}

void sched_rr_delete(struct sched *s)
{
	struct rr *rr = rr_of(s);

	sched_set_free(&rr->all);
	free(rr);
}

static struct rr rr_default = { .base.ops = &sched_rr_ops };

SCHED_IMPL(rr_impl, "sched.rr", &sched_rr_ops, &rr_default.base,
	   LIBOS_PRIO_DEFAULT);

LIBOS_DEFAULT_DEF(sched);
