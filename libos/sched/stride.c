/* SPDX-License-Identifier: MIT */
/*
 * sched.stride: proportional share (Waldspurger's stride scheduling). A
 * thread holds tickets; its stride is STRIDE1 / tickets, and each tick it
 * runs advances its pass by its stride. The runnable thread with the
 * lowest pass runs next, so over time each gets CPU in proportion to its
 * tickets. At the end of a slice the running thread gives way when a
 * queued one has a lower pass. A thread that was not runnable (blocked,
 * asleep, new) rejoins at the current global pass, so sleeping earns no
 * credit to monopolise the CPU later.
 *
 * Runnable threads sit in a binary heap keyed by pass: pick and enqueue
 * are O(log n).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

#include "policies.h"

#define STRIDE1 (1ull << 20)

struct stride {
	struct sched base; /* first: the slot hands out &base */
	struct sched_heap heap;
	struct sched_set all;
	uint64_t global_pass; /* pass of the thread picked last */
	uint64_t seq;
	struct sched_stats st;
};

static struct stride *stride_of(struct sched *s)
{
	return container_of(s, struct stride, base);
}

static uint64_t pass_key(const struct thread *t)
{
	return t->pass;
}

static uint64_t stride_step(const struct thread *t)
{
	return STRIDE1 / t->param.tickets;
}

static int stride_attach(struct sched *s, struct thread *t, uint64_t now)
{
	struct stride *sp = stride_of(s);
	int err = sched_param_check(&t->param);

	if (!err) {
		err = sched_set_reserve(&sp->all);
	}
	if (!err) {
		err = sched_heap_reserve(&sp->heap, sp->all.n + 1);
	}
	if (err) {
		sp->st.refused++;
		return err;
	}
	sched_set_add(&sp->all, t);
	return 0;
}

static void stride_detach(struct sched *s, struct thread *t)
{
	sched_set_remove(&stride_of(s)->all, t);
}

static void stride_enqueue(struct sched *s, struct thread *t, uint64_t now)
{
	struct stride *sp = stride_of(s);

	/* Back from not running (not merely preempted): no saved credit. */
	if (t->state != SCHED_T_RUNNING && t->pass < sp->global_pass) {
		t->pass = sp->global_pass;
	}
	t->q_seq = sp->seq++;
	t->q_key = t->pass;
	t->state = SCHED_T_RUNNABLE;
	sched_heap_push(&sp->heap, t);
	sp->st.enqueues++;
}

static void stride_dequeue(struct sched *s, struct thread *t)
{
	sched_heap_remove(&stride_of(s)->heap, t);
}

static struct thread *stride_pick_next(struct sched *s, uint64_t now)
{
	struct stride *sp = stride_of(s);
	struct thread *t = sched_heap_pop(&sp->heap);

	if (t) {
		if (t->pass > sp->global_pass) {
			sp->global_pass = t->pass;
		}
		t->state = SCHED_T_RUNNING;
		sp->st.picks++;
	}
	return t;
}

static bool stride_tick(struct sched *s, struct thread *cur, uint64_t ran_flags,
			  uint64_t now)
{
	uint64_t ran = ran_flags & ~SCHED_TICK_SLICE_END;
	bool slice_end = (ran_flags & SCHED_TICK_SLICE_END) != 0;
	struct stride *sp = stride_of(s);
	struct thread *next;

	cur->runtime += ran;
	cur->pass += ran * stride_step(cur);
	if (!slice_end) {
		return false;
	}
	sp->st.ticks++;
	next = sched_heap_min(&sp->heap);
	if (next && next->pass < cur->pass) {
		sp->st.preempt_requests++;
		return true;
	}
	return false;
}

static void stride_stats(struct sched *s, struct sched_stats *out)
{
	struct stride *sp = stride_of(s);

	*out = sp->st;
	out->threads = sp->all.n;
	out->runnable = sp->heap.n;
}

static int64_t stride_export(struct sched *s, struct sched_state *buf,
			     size_t cap, uint64_t now)
{
	struct stride *sp = stride_of(s);

	sched_rank_by(sp->heap.v, sp->heap.n, pass_key, 0);
	for (uint32_t i = 0; i < sp->heap.n; i++) {
		sp->heap.v[i]->heap_idx = i + 1;
	}
	return sched_state_write(&sp->all, "sched.stride", buf, cap, now);
}

static int stride_import(struct sched *s, const struct sched_state *st,
			 sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	struct stride *sp = stride_of(s);
	uint32_t want = sp->all.n + sched_state_room(st);
	int err = sched_set_grow(&sp->all, want);

	if (!err) {
		err = sched_heap_reserve(&sp->heap, want);
	}
	if (!err) {
		err = sched_state_import(s, st, resolve, ctx, now);
	}

	if (err) {
		return err;
	}
	/* Continue from the lowest pass handed over. */
	sp->global_pass =
		sched_heap_min(&sp->heap) ? sched_heap_min(&sp->heap)->pass : 0;
	return 0;
}

/* Let go of every thread without touching a descriptor. */
static void stride_forget(struct sched *s)
{
	struct stride *x = stride_of(s);

	sched_set_free(&x->all);
	sched_heap_free(&x->heap);
	memset((char *)x + sizeof(x->base), 0, sizeof(*x) - sizeof(x->base));
}

static const struct sched_ops stride_ops = {
	.attach = stride_attach,
	.detach = stride_detach,
	.enqueue = stride_enqueue,
	.dequeue = stride_dequeue,
	.pick_next = stride_pick_next,
	.tick = stride_tick,
	.preempts = sched_preempts_never,
	.block = sched_default_block,
	.release = sched_default_release,
	.before = sched_default_before,
	.set_param = sched_set_param_stored,
	.stats = stride_stats,
	.export_state = stride_export,
	.import_state = stride_import,
	.forget = stride_forget,
};

struct sched *sched_stride_new(void)
{
	struct stride *sp = calloc(1, sizeof(*sp));

	if (!sp) {
		return NULL;
	}
	sp->base.ops = &stride_ops;
	return &sp->base;
}

void sched_stride_delete(struct sched *s)
{
	struct stride *sp = stride_of(s);

	sched_set_free(&sp->all);
	sched_heap_free(&sp->heap);
	free(sp);
}

static struct stride stride_default = {
	.base.ops = &stride_ops,
};

SCHED_IMPL(stride_impl, "sched.stride", &stride_ops, &stride_default.base,
	   LIBOS_PRIO_MODULE);
