/* SPDX-License-Identifier: MIT */
/*
 * sched.edf: earliest deadline first for periodic threads, with
 * admission control; threads without a period run in the background.
 *
 * A periodic thread has (period, relative deadline, budget), in ticks,
 * with 0 < budget <= deadline <= period. Its k-th job is released at
 * r_k = r_0 + k * period, must be done by r_k + deadline, and may run for
 * budget ticks; the thread says a job is done with thread_wait_period()
 * and sleeps until the next release.
 *
 * Admission: a periodic thread is accepted only if the density of the
 * whole set stays at most one, sum(budget_i / deadline_i) <= 1. For
 * deadline = period that is the exact EDF test (utilisation <= 1); for
 * shorter deadlines it is sufficient. The sum is computed exactly, as a
 * fraction; a set whose fraction would not fit 64 bits is refused
 * rather than rounded. A refused attach or set_param returns
 * EXO_ERR_LIMIT and changes nothing. The test is O(n) in the periodic
 * threads, run only when a thread joins or changes its parameters.
 *
 * Dispatch: among periodic threads with a released job and budget left,
 * the earliest absolute deadline runs (a binary heap: O(log n)); a woken
 * job with an earlier deadline than the running one preempts it. Only
 * when none is ready do background threads run, round-robin. A job that
 * exhausts its budget is demoted to the background until its next
 * release (so an endless loop in a periodic thread cannot starve the
 * others, or the background, beyond its budget); a job still running at
 * its deadline counts as a miss. Budgets are enforced when the thread is
 * charged, at the end of a slice at the latest: a job that ran past its
 * budget skips as many later releases as the excess covers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

#include "fifo.h"
#include "policies.h"

struct edf {
	struct sched base; /* first: the slot hands out &base */
	struct sched_heap ready; /* released jobs with budget, by deadline */
	struct sched_fifo bg; /* background and depleted threads */
	struct sched_heap pending; /* the periodic ones of bg, by release */
	struct sched_set all;
	uint64_t seq;
	struct sched_stats st;
};

static struct edf *edf_of(struct sched *s)
{
	return container_of(s, struct edf, base);
}

static uint64_t deadline_key(const struct thread *t)
{
	return t->abs_deadline;
}

static bool periodic(const struct thread *t)
{
	return t->param.period != 0;
}

/* Start the job released at t->next_release. */
static void release(struct thread *t)
{
	t->abs_deadline = t->next_release + t->param.deadline;
	t->next_release += t->param.period;
	t->budget_left = t->param.budget;
	t->flags &= ~(THREAD_F_JOB_DONE | THREAD_F_MISSED);
}

/* Release every job due by @now; an unfinished one counts as missed. */
static void catch_up(struct edf *e, struct thread *t, uint64_t now)
{
	while (periodic(t) && now >= t->next_release &&
	       (t->budget_left == 0 || (t->flags & THREAD_F_JOB_DONE))) {
		if (!(t->flags & (THREAD_F_JOB_DONE | THREAD_F_MISSED))) {
			e->st.deadline_misses++;
		}
		release(t);
	}
}

static void note_miss(struct edf *e, struct thread *t, uint64_t now)
{
	if (periodic(t) && now > t->abs_deadline &&
	    !(t->flags & (THREAD_F_MISSED | THREAD_F_JOB_DONE))) {
		t->flags |= THREAD_F_MISSED;
		e->st.deadline_misses++;
	}
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* *@num / *@den += @b / @d, exactly. Return: false on overflow. */
static bool add_frac(uint64_t *num, uint64_t *den, uint64_t b, uint64_t d)
{
	uint64_t g = gcd(*den, d), l, x, y;

	if (__builtin_mul_overflow(*den / g, d, &l) ||
	    __builtin_mul_overflow(*num, l / *den, &x) ||
	    __builtin_mul_overflow(b, l / d, &y) ||
	    __builtin_add_overflow(x, y, num)) {
		return false;
	}
	*den = l;
	g = gcd(*num, *den);
	if (g > 1) {
		*num /= g;
		*den /= g;
	}
	return true;
}

/*
 * Would the periodic threads of @e, with @t's parameters replaced by @p
 * (@t NULL: plus a new thread with @p), have density at most one? The
 * sum is exact (a fraction over the least common multiple of the
 * deadlines); a set whose fraction does not fit 64 bits is refused.
 */
static int admit(struct edf *e, const struct thread *t,
		 const struct sched_param *p)
{
	uint64_t num = 0, den = 1;
	int err = sched_param_check(p);

	if (err) {
		return err;
	}
	if (p->period && !add_frac(&num, &den, p->budget, p->deadline)) {
		return EXO_ERR_LIMIT;
	}
	for (uint32_t i = 0; i < e->all.n; i++) {
		const struct thread *o = e->all.v[i];

		if (o == t || !periodic(o)) {
			continue;
		}
		if (!add_frac(&num, &den, o->param.budget, o->param.deadline)) {
			return EXO_ERR_LIMIT;
		}
	}
	return num <= den ? 0 : EXO_ERR_LIMIT;
}

static int edf_attach(struct sched *s, struct thread *t, uint64_t now)
{
	struct edf *e = edf_of(s);
	int err = admit(e, NULL, &t->param);

	if (!err) {
		err = sched_set_reserve(&e->all);
	}
	if (!err) {
		err = sched_heap_reserve(&e->ready, e->all.n + 1);
	}
	if (!err) {
		err = sched_heap_reserve(&e->pending, e->all.n + 1);
	}
	if (err) {
		e->st.refused++;
		return err;
	}
	if (periodic(t) && t->next_release == 0) {
		t->next_release = now;
		release(t);
	}
	sched_set_add(&e->all, t);
	return 0;
}

static void edf_detach(struct sched *s, struct thread *t)
{
	struct edf *e = edf_of(s);

	sched_set_remove(&e->all, t);
}

static bool ready_now(const struct thread *t)
{
	return periodic(t) && t->budget_left && !(t->flags & THREAD_F_JOB_DONE);
}

/*
 * A queued thread is in the ready heap if it has a job with budget, else
 * in the background FIFO, and then, if periodic, also in the pending heap
 * (by next release) so that its release is found without a scan.
 */
static void push(struct edf *e, struct thread *t, uint64_t now)
{
	catch_up(e, t, now);
	t->q_seq = e->seq++;
	if (ready_now(t)) {
		t->q_key = t->abs_deadline;
		t->state = SCHED_T_RUNNABLE;
		sched_heap_push(&e->ready, t);
		return;
	}
	sched_fifo_push(&e->bg, t);
	if (periodic(t)) {
		t->q_key = t->next_release;
		sched_heap_push(&e->pending, t);
	}
}

static void pull(struct edf *e, struct thread *t)
{
	if (ready_now(t)) {
		sched_heap_remove(&e->ready, t);
		return;
	}
	sched_fifo_remove(&e->bg, t);
	if (periodic(t)) {
		sched_heap_remove(&e->pending, t);
	}
}

/* Move queued threads whose next job is due by @now to the ready heap. */
static void release_due(struct edf *e, uint64_t now)
{
	struct thread *t;

	while ((t = sched_heap_min(&e->pending)) && t->next_release <= now) {
		sched_heap_pop(&e->pending);
		sched_fifo_remove(&e->bg, t);
		push(e, t, now);
	}
}

static void edf_enqueue(struct sched *s, struct thread *t, uint64_t now)
{
	struct edf *e = edf_of(s);

	push(e, t, now);
	e->st.enqueues++;
}

static void edf_dequeue(struct sched *s, struct thread *t)
{
	pull(edf_of(s), t);
}

static struct thread *edf_pick_next(struct sched *s, uint64_t now)
{
	struct edf *e = edf_of(s);
	struct thread *t;

	release_due(e, now);
	t = sched_heap_min(&e->ready);
	if (!t) {
		t = e->bg.head;
	}
	if (t) {
		pull(e, t);
		t->state = SCHED_T_RUNNING;
		e->st.picks++;
	}
	return t;
}

/*
 * Take @ran ticks off the job's budget. Preemption comes only at the end
 * of a slice, so a job can run past its budget; it pays the excess back:
 * its next releases are skipped (and count as missed) until the time it
 * overran is covered, so over time it gets no more than its share.
 */
static void charge_job(struct edf *e, struct thread *t, uint64_t ran)
{
	uint64_t skip;

	if (!t->budget_left) {
		return; /* running in the background: idle time, free */
	}
	if (ran <= t->budget_left) {
		t->budget_left -= ran;
		return;
	}
	skip = (ran - t->budget_left + t->param.budget - 1) / t->param.budget;
	t->budget_left = 0;
	t->next_release += skip * t->param.period;
	e->st.deadline_misses += skip;
}

static bool edf_tick(struct sched *s, struct thread *cur, uint64_t ran_flags,
			  uint64_t now)
{
	uint64_t ran = ran_flags & ~SCHED_TICK_SLICE_END;
	bool slice_end = (ran_flags & SCHED_TICK_SLICE_END) != 0;
	struct edf *e = edf_of(s);
	struct thread *next;

	cur->runtime += ran;
	if (periodic(cur) && !(cur->flags & THREAD_F_JOB_DONE)) {
		charge_job(e, cur, ran);
		note_miss(e, cur, now);
	}
	if (!slice_end) {
		return false;
	}
	e->st.ticks++;
	catch_up(e, cur, now);
	release_due(e, now);
	next = sched_heap_min(&e->ready);
	if (ready_now(cur)) {
		/* A job with budget yields only to an earlier deadline. */
		if (!next || next->abs_deadline >= cur->abs_deadline) {
			return false;
		}
	} else if (!next && !e->bg.n) {
		return false;
	}
	e->st.preempt_requests++;
	return true;
}

static bool edf_preempts(struct sched *s, const struct thread *cur,
			 const struct thread *woken)
{
	if (!ready_now(woken)) {
		return false;
	}
	return !ready_now(cur) || woken->abs_deadline < cur->abs_deadline;
}

static bool edf_before(struct sched *s, const struct thread *a,
		       const struct thread *b)
{
	if (ready_now(a) != ready_now(b)) {
		return ready_now(a);
	}
	return ready_now(a) && a->abs_deadline < b->abs_deadline;
}

static int edf_set_param(struct sched *s, struct thread *t,
			 const struct sched_param *p, uint64_t now)
{
	struct edf *e = edf_of(s);
	bool queued = t->state == SCHED_T_RUNNABLE;
	int err = admit(e, t, p);

	if (err) {
		e->st.refused++;
		return err;
	}
	if (queued) {
		edf_dequeue(s, t);
	}
	if (p->period && (!periodic(t) || p->period != t->param.period ||
			  p->deadline != t->param.deadline)) {
		/* A new periodic regime starts with a job now. */
		t->param = *p;
		t->next_release = now;
		release(t);
	} else {
		t->param = *p;
	}
	if (queued) {
		t->state = SCHED_T_NEW;
		push(e, t, now);
	}
	return 0;
}

static void edf_stats(struct sched *s, struct sched_stats *out)
{
	struct edf *e = edf_of(s);

	*out = e->st;
	out->threads = e->all.n;
	out->runnable = e->ready.n + e->bg.n;
}

static int64_t edf_export(struct sched *s, struct sched_state *buf, size_t cap,
			  uint64_t now)
{
	struct edf *e = edf_of(s);

	sched_rank_by(e->ready.v, e->ready.n, deadline_key, 0);
	for (uint32_t i = 0; i < e->ready.n; i++) {
		e->ready.v[i]->heap_idx = i + 1;
	}
	sched_fifo_rank(&e->bg, e->ready.n);
	return sched_state_write(&e->all, "sched.edf", buf, cap, now);
}

static int edf_import(struct sched *s, const struct sched_state *st,
		      sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	struct edf *e = edf_of(s);
	uint32_t want = e->all.n + sched_state_room(st);
	int err = sched_set_grow(&e->all, want);

	if (!err) {
		err = sched_heap_reserve(&e->ready, want);
	}
	if (!err) {
		err = sched_heap_reserve(&e->pending, want);
	}
	return err ? err : sched_state_import(s, st, resolve, ctx, now);
}

/* Let go of every thread without touching a descriptor. */
static void edf_forget(struct sched *s)
{
	struct edf *x = edf_of(s);

	sched_set_free(&x->all);
	sched_heap_free(&x->ready);
	sched_heap_free(&x->pending);
	memset((char *)x + sizeof(x->base), 0, sizeof(*x) - sizeof(x->base));
}

static const struct sched_ops edf_ops = {
	.attach = edf_attach,
	.detach = edf_detach,
	.enqueue = edf_enqueue,
	.dequeue = edf_dequeue,
	.pick_next = edf_pick_next,
	.tick = edf_tick,
	.preempts = edf_preempts,
	.block = sched_default_block,
	.release = sched_default_release,
	.before = edf_before,
	.set_param = edf_set_param,
	.stats = edf_stats,
	.export_state = edf_export,
	.import_state = edf_import,
	.forget = edf_forget,
};

struct sched *sched_edf_new(void)
{
	struct edf *e = calloc(1, sizeof(*e));

	if (!e) {
		return NULL;
	}
	e->base.ops = &edf_ops;
	return &e->base;
}

void sched_edf_delete(struct sched *s)
{
	struct edf *e = edf_of(s);

	sched_set_free(&e->all);
	sched_heap_free(&e->ready);
	sched_heap_free(&e->pending);
	free(e);
}

static struct edf edf_default = {
	.base.ops = &edf_ops,
};

SCHED_IMPL(edf_impl, "sched.edf", &edf_ops, &edf_default.base,
	   LIBOS_PRIO_MODULE);
