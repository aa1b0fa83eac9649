/* SPDX-License-Identifier: MIT */
/*
 * The scheduling policies, driven by a fake clock: each test plays the
 * thread machinery (pick, run for a tick, charge, requeue, block, wake)
 * over plain descriptors and checks what the policy decided.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <exo/errors.h>
#include <libos/module_loader.h>
#include <libos/sched_impl.h>
#include <sched/policies.h>

#include "module_host.h"

#define MAXT 64

struct policy_kind {
	const char *name;
	struct sched *(*make)(void);
	void (*drop)(struct sched *s);
};

static const struct policy_kind kinds[] = {
	{ "rr", sched_rr_new, sched_rr_delete },
	{ "prio", sched_prio_new, sched_prio_delete },
	{ "stride", sched_stride_new, sched_stride_delete },
	{ "edf", sched_edf_new, sched_edf_delete },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static struct thread threads[MAXT];

static struct thread *mk(uint32_t id, int32_t prio, uint32_t tickets)
{
	struct thread *t = &threads[id];

	memset(t, 0, sizeof(*t));
	t->id = id;
	t->param.prio = prio;
	t->param.tickets = tickets;
	sched_param_defaults(&t->param);
	t->eff_prio = t->param.prio;
	return t;
}

static struct thread *resolve(void *ctx, uint32_t id)
{
	return id < MAXT && threads[id].id == id && id ? &threads[id] : NULL;
}

/* Run @cur (or pick one) for @slices one-tick slices from *@now. */
static struct thread *run(struct sched *s, struct thread *cur, uint64_t slices,
			  uint64_t *now, uint64_t *ran)
{
	for (uint64_t i = 0; i < slices; i++) {
		if (!cur) {
			cur = sched_pick_next(s, *now);
			assert_non_null(cur);
		}
		ran[cur->id]++;
		++*now;
		if (sched_tick(s, cur, 1, true, *now)) {
			sched_enqueue(s, cur, *now);
			cur = NULL;
		}
	}
	return cur;
}

/* Round-robin: n spinning threads get equal time, in turn. */
static void test_rr_fairness(void **state)
{
	struct sched *s = sched_rr_new();
	uint64_t now = 0, ran[MAXT] = { 0 };
	struct thread *cur, *prev = NULL;

	for (uint32_t i = 1; i <= 10; i++) {
		assert_int_equal(sched_attach(s, mk(i, 0, 0), now), 0);
		sched_enqueue(s, &threads[i], now);
	}
	/* Strict rotation: each slice goes to the next thread in turn. */
	cur = sched_pick_next(s, now);
	for (int i = 0; i < 100; i++) {
		assert_true(sched_tick(s, cur, 1, true, ++now));
		sched_enqueue(s, cur, now);
		prev = cur;
		cur = sched_pick_next(s, now);
		assert_int_equal(cur->id, prev->id % 10 + 1);
	}
	sched_enqueue(s, cur, now);
	run(s, NULL, 10000, &now, ran);
	for (uint32_t i = 1; i <= 10; i++) {
		assert_int_equal(ran[i], 1000);
	}
	/* Alone, a thread keeps the CPU: nobody is waiting. */
	for (uint32_t i = 2; i <= 10; i++) {
		sched_dequeue(s, &threads[i]);
	}
	cur = sched_pick_next(s, now);
	assert_int_equal(cur->id, 1);
	assert_false(sched_tick(s, cur, 1, true, ++now));
	assert_null(sched_pick_next(s, now));
	for (uint32_t i = 1; i <= 10; i++) {
		sched_detach(s, &threads[i]);
	}
	sched_rr_delete(s);
}

/* Strict priority order; round-robin within a level; lower levels wait. */
static void test_prio_order(void **state)
{
	struct sched *s = sched_prio_new();
	static const int32_t prios[] = { 3, 9, 1, 9, 5, 7, 2 };
	int32_t last = SCHED_PRIO_MAX + 1;
	uint64_t now = 0;
	struct thread *cur;

	for (uint32_t i = 1; i <= 7; i++) {
		assert_int_equal(sched_attach(s, mk(i, prios[i - 1], 0), now),
				 0);
		sched_enqueue(s, &threads[i], now);
	}
	for (int i = 0; i < 7; i++) {
		cur = sched_pick_next(s, now);
		assert_true(cur->eff_prio <= last);
		last = cur->eff_prio;
		if (i == 0) {
			assert_int_equal(cur->id, 2); /* first of the 9s */
		}
	}
	assert_null(sched_pick_next(s, now));
	/* The two 9s alternate; 7 never runs while one of them is runnable. */
	sched_enqueue(s, &threads[2], now);
	sched_enqueue(s, &threads[4], now);
	sched_enqueue(s, &threads[6], now);
	cur = sched_pick_next(s, now);
	for (int i = 0; i < 50; i++) {
		struct thread *next;

		assert_int_equal(cur->param.prio, 9);
		assert_true(sched_tick(s, cur, 1, true, ++now));
		sched_enqueue(s, cur, now);
		next = sched_pick_next(s, now);
		assert_int_not_equal(next->id, cur->id);
		cur = next;
	}
	/* A woken higher priority preempts; a lower one does not. */
	assert_true(sched_preempts(s, &threads[5], &threads[2]));
	assert_false(sched_preempts(s, &threads[2], &threads[5]));
	/* A lone top thread is not preempted by lower ones. */
	sched_dequeue(s, cur->id == 2 ? &threads[4] : &threads[2]);
	assert_false(sched_tick(s, cur, 1, true, ++now));
	sched_dequeue(s, &threads[6]);
	for (uint32_t i = 1; i <= 7; i++) {
		sched_detach(s, &threads[i]);
	}
	assert_int_equal(sched_set_param(s, &threads[1],
					 &(struct sched_param){
						 .prio = SCHED_PRIO_MAX + 1,
						 .tickets = 1 },
					 now),
			 EXO_ERR_INVALID);
	sched_prio_delete(s);
}

/* The machinery's mutex, played by hand. */
static void lock_blocks(struct sched *s, struct thread *t, struct sched_obj *m)
{
	t->state = SCHED_T_BLOCKED;
	t->blocked_on = m;
	t->wait_next = m->wait_head;
	m->wait_head = t;
	sched_block(s, t, m);
}

static void take(struct thread *t, struct sched_obj *m)
{
	m->owner = t;
	m->held_next = t->held;
	t->held = m;
}

/* Give @m up: off the holder's list, to its best waiter (woken). */
static struct thread *give(struct sched *s, struct thread *t,
			   struct sched_obj *m, uint64_t now)
{
	struct sched_obj **pp = &t->held;
	struct thread *best = NULL, **bp = NULL;

	while (*pp != m) {
		pp = &(*pp)->held_next;
	}
	*pp = m->held_next;
	m->owner = NULL;
	for (struct thread **wp = &m->wait_head; *wp; wp = &(*wp)->wait_next) {
		if (!best || sched_before(s, *wp, best)) {
			best = *wp;
			bp = wp;
		}
	}
	sched_release(s, t, m);
	if (best) {
		*bp = best->wait_next;
		best->wait_next = NULL;
		best->blocked_on = NULL;
		take(best, m);
		sched_enqueue(s, best, now);
	}
	return best;
}

/*
 * Inheritance: low L holds M; high H blocks on M; medium spinners must
 * not run before L (boosted) gives M to H, and L drops back after.
 */
static void test_prio_inheritance(void **state)
{
	struct sched *s = sched_prio_new();
	struct sched_obj m = { .kind = SCHED_OBJ_MUTEX, .id = 1 };
	struct sched_obj m2 = { .kind = SCHED_OBJ_MUTEX, .id = 2 };
	struct thread *l = mk(1, 1, 0), *h = mk(2, 20, 0), *cur;
	struct thread *mid[3], *l0 = mk(10, 1, 0);
	uint64_t now = 0, h_wait = 0;
	struct sched_stats st;

	for (int i = 0; i < 3; i++) {
		mid[i] = mk(3 + i, 10, 0);
	}
	for (uint32_t i = 1; i <= 5; i++) {
		assert_int_equal(sched_attach(s, &threads[i], now), 0);
	}
	assert_int_equal(sched_attach(s, l0, now), 0);
	/* L runs and takes M; then H wakes and preempts it. */
	sched_enqueue(s, l, now);
	cur = sched_pick_next(s, now);
	assert_ptr_equal(cur, l);
	take(l, &m);
	sched_enqueue(s, h, now);
	assert_true(sched_preempts(s, l, h));
	sched_enqueue(s, l, now);
	cur = sched_pick_next(s, now);
	assert_ptr_equal(cur, h);
	/* H blocks on M: L inherits 20 and beats the spinning mediums. */
	lock_blocks(s, h, &m);
	assert_int_equal(l->eff_prio, 20);
	for (int i = 0; i < 3; i++) {
		sched_enqueue(s, mid[i], now);
	}
	/* L needs 5 ticks to finish its critical section. */
	for (int need = 5; need > 0; need--) {
		cur = sched_pick_next(s, now);
		assert_ptr_equal(cur, l);
		now++;
		h_wait++;
		if (need > 1) {
			assert_false(sched_tick(s, cur, 1, true, now));
			sched_enqueue(s, cur, now);
		}
	}
	/* L gives M up: H gets it and runs; L is back to 1. */
	assert_ptr_equal(give(s, l, &m, now), h);
	assert_int_equal(l->eff_prio, 1);
	assert_true(sched_preempts(s, l, h));
	sched_enqueue(s, l, now);
	assert_ptr_equal(sched_pick_next(s, now), h);
	assert_int_equal(h_wait, 5); /* bounded by L's section alone */

	/* A chain: H waits on M2 held by L0, blocked on M held by L. */
	give(s, h, &m, now); /* nobody waits: M free */
	take(l, &m);
	take(l0, &m2);
	sched_dequeue(s, l);
	l->state = SCHED_T_RUNNING;
	lock_blocks(s, l0, &m);
	lock_blocks(s, h, &m2);
	assert_int_equal(l0->eff_prio, 20);
	assert_int_equal(l->eff_prio, 20);
	sched_stats(s, &st);
	assert_true(st.inheritances >= 3);
	/* L releases M to L0, which still lends from M2's waiter H. */
	assert_ptr_equal(give(s, l, &m, now), l0);
	assert_int_equal(l->eff_prio, 1);
	assert_int_equal(l0->eff_prio, 20);
	sched_prio_delete(s);
}

/* Stride: shares follow tickets within 5 % over a long run. */
static void test_stride_shares(void **state)
{
	struct sched *s = sched_stride_new();
	static const uint32_t tickets[] = { 100, 200, 300, 400, 50, 950 };
	uint64_t now = 0, ran[MAXT] = { 0 }, total = 0, sum = 0;
	struct thread *cur;

	for (uint32_t i = 1; i <= 6; i++) {
		assert_int_equal(sched_attach(s, mk(i, 0, tickets[i - 1]), now),
				 0);
		sched_enqueue(s, &threads[i], now);
		sum += tickets[i - 1];
	}
	cur = run(s, NULL, 200000, &now, ran);
	for (uint32_t i = 1; i <= 6; i++) {
		total += ran[i];
	}
	assert_int_equal(total, 200000);
	for (uint32_t i = 1; i <= 6; i++) {
		double want = (double)tickets[i - 1] / (double)sum;
		double got = (double)ran[i] / (double)total;

		assert_true(got > want * 0.95 && got < want * 1.05);
	}
	/* A thread that slept rejoins at the global pass: no hoarded credit. */
	if (cur) {
		sched_enqueue(s, cur, now);
	}
	sched_dequeue(s, &threads[1]);
	threads[1].state = SCHED_T_SLEEPING;
	threads[1].pass = 0;
	sched_enqueue(s, &threads[1], now);
	assert_true(threads[1].pass > 0);
	sched_stride_delete(s);
}

/*
 * EDF over a fake clock: jobs need exactly their budget; a job done
 * sleeps until its release. Returns the misses over @len ticks.
 */
static uint64_t edf_sim(struct sched *s, uint32_t n, uint64_t len,
			uint64_t *jobs_done, uint32_t bg)
{
	uint64_t now = 0, left[MAXT] = { 0 };
	struct thread *cur = NULL;
	struct sched_stats st;

	for (uint32_t i = 1; i <= n; i++) {
		left[i] = threads[i].param.budget;
		sched_enqueue(s, &threads[i], now);
	}
	for (uint32_t i = n + 1; i <= n + bg; i++) {
		sched_enqueue(s, &threads[i], now);
	}
	while (now < len) {
		/* Wake jobs due now. */
		for (uint32_t i = 1; i <= n; i++) {
			struct thread *t = &threads[i];

			if (t->state == SCHED_T_SLEEPING &&
			    now >= t->next_release) {
				t->state = SCHED_T_NEW;
				sched_enqueue(s, t, now);
				left[i] = t->param.budget;
				if (cur && sched_preempts(s, cur, t)) {
					sched_enqueue(s, cur, now);
					cur = NULL;
				}
			}
		}
		if (!cur) {
			cur = sched_pick_next(s, now);
		}
		now++;
		if (!cur) {
			continue;
		}
		if (cur->param.period && left[cur->id] &&
		    --left[cur->id] == 0) {
			sched_tick(s, cur, 1, false, now);
			cur->flags |= THREAD_F_JOB_DONE;
			cur->state = SCHED_T_SLEEPING;
			jobs_done[cur->id]++;
			cur = NULL;
		} else if (sched_tick(s, cur, 1, true, now)) {
			sched_enqueue(s, cur, now);
			cur = NULL;
		}
	}
	sched_stats(s, &st);
	return st.deadline_misses;
}

static void test_edf_feasible(void **state)
{
	struct sched *s = sched_edf_new();
	/* period, deadline, budget: density 1/4 + 2/5 + 3/10 + 1/20 = 1. */
	static const uint64_t set[][3] = {
		{ 4, 4, 1 }, { 5, 5, 2 }, { 10, 10, 3 }, { 20, 20, 1 }
	};
	uint64_t done[MAXT] = { 0 };

	for (uint32_t i = 1; i <= 4; i++) {
		struct thread *t = mk(i, 0, 0);

		t->param.period = set[i - 1][0];
		t->param.deadline = set[i - 1][1];
		t->param.budget = set[i - 1][2];
		assert_int_equal(sched_attach(s, t, 0), 0);
	}
	assert_int_equal(edf_sim(s, 4, 2000, done, 0), 0);
	for (uint32_t i = 1; i <= 4; i++) {
		assert_true(done[i] >= 2000 / set[i - 1][0] - 1);
	}
	sched_edf_delete(s);
}

static void test_edf_constrained_and_background(void **state)
{
	struct sched *s = sched_edf_new();
	uint64_t done[MAXT] = { 0 }, before;
	struct sched_stats st;

	/* Deadlines shorter than periods: 2/4 + 1/3 <= 1. */
	mk(1, 0, 0)->param = (struct sched_param){ 16, 100, 8, 4, 2 };
	mk(2, 0, 0)->param = (struct sched_param){ 16, 100, 6, 3, 1 };
	mk(3, 0, 0); /* background spinner */
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(sched_attach(s, &threads[i], 0), 0);
	}
	before = threads[3].runtime;
	assert_int_equal(edf_sim(s, 2, 2400, done, 1), 0);
	/* The background thread got the idle time, and only that. */
	assert_true(threads[3].runtime - before > 2400 / 2);
	sched_stats(s, &st);
	assert_int_equal(st.threads, 3);
	sched_edf_delete(s);
}

/*
 * A periodic thread stuck in an endless loop is held to its budget each
 * period: the other periodic thread still meets every deadline, and a
 * background thread still runs.
 */
static void test_edf_overrun(void **state)
{
	struct sched *s = sched_edf_new();
	struct thread *spin = mk(1, 0, 0), *good = mk(2, 0, 0), *cur = NULL;
	uint64_t now = 0, left = 0, ran[MAXT] = { 0 }, good_jobs = 0;
	struct sched_stats st;

	spin->param = (struct sched_param){ 16, 100, 10, 10, 4 };
	good->param = (struct sched_param){ 16, 100, 10, 5, 3 };
	mk(3, 0, 0); /* background */
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(sched_attach(s, &threads[i], 0), 0);
		sched_enqueue(s, &threads[i], 0);
	}
	left = good->param.budget;
	while (now < 1000) {
		if (good->state == SCHED_T_SLEEPING &&
		    now >= good->next_release) {
			good->state = SCHED_T_NEW;
			sched_enqueue(s, good, now);
			left = good->param.budget;
			if (cur && sched_preempts(s, cur, good)) {
				sched_enqueue(s, cur, now);
				cur = NULL;
			}
		}
		if (!cur) {
			cur = sched_pick_next(s, now);
		}
		now++;
		ran[cur->id]++;
		if (cur == good && --left == 0) {
			sched_tick(s, cur, 1, false, now);
			cur->flags |= THREAD_F_JOB_DONE;
			cur->state = SCHED_T_SLEEPING;
			good_jobs++;
			cur = NULL;
		} else if (sched_tick(s, cur, 1, true, now)) {
			sched_enqueue(s, cur, now);
			cur = NULL;
		}
	}
	sched_stats(s, &st);
	/* Only the spinner's jobs miss: all 100 due by now. */
	assert_int_equal(good_jobs, 100);
	assert_int_equal(st.deadline_misses, 100);
	assert_int_equal(good->flags & THREAD_F_MISSED, 0);
	assert_true(ran[3] > 0);
	/* The spinner gets its budget, plus background time shared with C. */
	assert_true(ran[1] >= 400);
	sched_edf_delete(s);
}

/*
 * Charged a whole slice past its budget (preemption is at slice ends), a
 * periodic thread skips releases until the excess is paid back.
 */
static void test_edf_overrun_slice(void **state)
{
	struct sched *s = sched_edf_new();
	struct thread *a = mk(1, 0, 0), *b = mk(2, 0, 0);
	struct sched_stats st;

	a->param = (struct sched_param){ 16, 100, 10, 10, 2 };
	assert_int_equal(sched_attach(s, a, 0), 0);
	assert_int_equal(sched_attach(s, b, 0), 0);
	sched_enqueue(s, a, 0);
	sched_enqueue(s, b, 0);
	assert_ptr_equal(sched_pick_next(s, 0), a);
	/* 10 ticks against a budget of 2: 8 over, 4 releases skipped. */
	assert_true(sched_tick(s, a, 10, true, 10));
	assert_int_equal(a->next_release, 50);
	sched_enqueue(s, a, 10);
	assert_ptr_equal(sched_pick_next(s, 10), b);
	sched_stats(s, &st);
	assert_int_equal(st.deadline_misses, 4);
	/* At 50 it has a job again, and it beats the background. */
	assert_true(sched_tick(s, b, 40, true, 50));
	sched_enqueue(s, b, 50);
	assert_ptr_equal(sched_pick_next(s, 50), a);
	assert_int_equal(a->budget_left, 2);
	sched_edf_delete(s);
}

static void test_edf_admission(void **state)
{
	struct sched *s = sched_edf_new();
	struct sched_stats st;
	struct thread *t;

	mk(1, 0, 0)->param = (struct sched_param){ 16, 100, 10, 10, 6 };
	assert_int_equal(sched_attach(s, &threads[1], 0), 0);
	/* 0.6 + 0.5 > 1: refused, nothing changed. */
	t = mk(2, 0, 0);
	t->param = (struct sched_param){ 16, 100, 4, 4, 2 };
	assert_int_equal(sched_attach(s, t, 0), EXO_ERR_LIMIT);
	sched_stats(s, &st);
	assert_int_equal(st.threads, 1);
	assert_int_equal(st.refused, 1);
	/* 0.6 + 0.4 = 1: accepted. */
	t->param = (struct sched_param){ 16, 100, 5, 5, 2 };
	assert_int_equal(sched_attach(s, t, 0), 0);
	/* Growing a budget past the limit is refused too. */
	assert_int_equal(
		sched_set_param(s, t, &(struct sched_param){ 16, 100, 5, 5, 3 },
				0),
		EXO_ERR_LIMIT);
	assert_int_equal(t->param.budget, 2);
	/* Bad triples are invalid, not merely infeasible. */
	assert_int_equal(
		sched_set_param(s, t, &(struct sched_param){ 16, 100, 5, 6, 1 },
				0),
		EXO_ERR_INVALID);
	/* Leaving frees its share. */
	sched_detach(s, &threads[1]);
	mk(3, 0, 0)->param = (struct sched_param){ 16, 100, 10, 10, 6 };
	assert_int_equal(sched_attach(s, &threads[3], 0), 0);
	sched_edf_delete(s);
}

/* A varied population, as if it had run a while under some policy. */
#define POP 24
static void populate(struct sched_obj *mutex)
{
	for (uint32_t i = 1; i <= POP; i++) {
		struct thread *t = mk(i, (int32_t)(i % 7) * 5 + 1, i * 37);

		if (i % 4 == 0) {
			/* periodic: density 1/40 each, 6 of them */
			t->param.period = 40 + i;
			t->param.deadline = 40;
			t->param.budget = 1;
			t->next_release = 1000 + i;
			t->abs_deadline = 1000 + i - 2;
			t->budget_left = 1;
		}
		t->pass = 5000 + i * 11;
		t->runtime = i * 3;
		t->wake_at = 0;
	}
	threads[5].wake_at = 3000;
	threads[9].blocked_on = mutex;
	threads[13].blocked_on = mutex;
}

static void place_states(struct sched *s, struct sched_obj *sleep)
{
	for (uint32_t i = 1; i <= POP; i++) {
		assert_int_equal(sched_attach(s, &threads[i], 2000), 0);
	}
	for (uint32_t i = 1; i <= POP; i++) {
		struct thread *t = &threads[i];

		if (i == 5) {
			t->state = SCHED_T_SLEEPING;
			t->blocked_on = sleep;
		} else if (i == 9 || i == 13) {
			t->state = SCHED_T_BLOCKED;
		} else if (i != 2) {
			sched_enqueue(s, t, 2000);
		}
	}
	/* Thread 2 is the one on the CPU. */
	threads[2].state = SCHED_T_RUNNING;
}

static const struct sched_thread_rec *find(const struct sched_state *st,
					   uint32_t id)
{
	for (uint32_t i = 0; i < st->count; i++) {
		if (st->rec[i].id == id) {
			return &st->rec[i];
		}
	}
	return NULL;
}

/* Equal in everything but the queue position. */
static void same_threads(const struct sched_state *a,
			 const struct sched_state *b)
{
	uint32_t queued = 0;
	uint8_t seen[POP + 1] = { 0 };

	assert_int_equal(a->count, POP);
	assert_int_equal(b->count, POP);
	for (uint32_t i = 0; i < a->count; i++) {
		const struct sched_thread_rec *x = &a->rec[i];
		const struct sched_thread_rec *y = find(b, x->id);
		struct sched_thread_rec xx = *x, yy;

		assert_non_null(y);
		yy = *y;
		xx.queue_pos = yy.queue_pos = 0;
		assert_memory_equal(&xx, &yy, sizeof(xx));
		if (y->state == SCHED_T_RUNNABLE) {
			assert_true(y->queue_pos < POP);
			assert_false(seen[y->queue_pos]);
			seen[y->queue_pos] = 1;
			queued++;
		} else {
			assert_int_equal(y->queue_pos, SCHED_QPOS_NONE);
		}
	}
	for (uint32_t i = 0; i < queued; i++) {
		assert_true(seen[i]); /* positions are 0 .. queued-1 */
	}
}

static void drain(struct sched *s)
{
	while (sched_pick_next(s, 0)) {
	}
	for (uint32_t i = 1; i <= POP; i++) {
		threads[i].state = SCHED_T_NEW;
		sched_detach(s, &threads[i]);
	}
}

static uint64_t fake_now(void)
{
	return 3000;
}

static const struct sched_module_host fake_host = {
	.resolve = resolve,
	.now = fake_now,
};

/*
 * The module entry points: x exports through sched_module_export, y
 * imports it; then x, which still holds stale links (as a rolled-back-to
 * instance does), imports y's state: forget first, so nothing of the old
 * lists survives and the round trip is exact.
 */
static void test_module_entry_points(void **state)
{
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 77 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };

	sched_module_host = &fake_host;
	for (uint16_t v = SCHED_MODULE_STATE_MIN; v <= SCHED_MODULE_STATE;
	     v++) {
		for (size_t from = 0; from < NKINDS; from++) {
			for (size_t to = 0; to < NKINDS; to++) {
				struct sched *x = kinds[from].make();
				struct sched *y = kinds[to].make();
				int64_t need, got;
				struct sched_state *a, *b, *c;
				struct sched_stats st;

				populate(&mutex);
				place_states(x, &sleep);
				need = sched_module_export(x, v, NULL, 0);
				assert_int_equal(
					need, (int64_t)sched_state_size(POP));
				assert_int_equal(
					sched_module_export(x, 9, NULL, 0),
					EXO_ERR_NOSYS);
				a = malloc(need);
				b = malloc(need);
				c = malloc(need);
				assert_int_equal(
					sched_module_export(x, v, a,
							    (uint64_t)need - 1),
					EXO_ERR_TOO_BIG);
				got = sched_module_export(x, v, a,
							  (uint64_t)need);
				assert_int_equal(got, need);
				/* y takes the threads; x is not told (a swap). */
				assert_int_equal(
					sched_module_import(y, v, a, 10),
					EXO_ERR_INVALID);
				assert_int_equal(sched_module_import(
							 y,
							 SCHED_MODULE_STATE + 1,
							 a, (uint64_t)got),
						 EXO_ERR_NOSYS);
				assert_int_equal(
					sched_module_import(y, v, a,
							    (uint64_t)got),
					0);
				sched_stats(y, &st);
				assert_int_equal(st.threads, POP);
				assert_int_equal(
					sched_module_export(y, v, b,
							    (uint64_t)need),
					need);
				same_threads(a, b);
				/* Rollback: x, stale, forgets and takes y's state. */
				assert_int_equal(
					sched_module_import(x, v, b,
							    (uint64_t)need),
					0);
				assert_int_equal(
					sched_module_export(x, v, c,
							    (uint64_t)need),
					need);
				same_threads(a, c);
				sched_module_fini(y);
				sched_stats(y, &st);
				assert_int_equal(st.threads, 0);
				assert_int_equal(st.runnable, 0);
				drain(x);
				kinds[from].drop(x);
				kinds[to].drop(y);
				free(a);
				free(b);
				free(c);
			}
		}
	}
	sched_module_host = NULL;
}

/* The policies as module images, loaded with the real loader. */

/* What a policy image may import: the libOS's table 1.1, on the host. */
static const struct module_export img_syms[] = {
	{ "memcpy", (const void *)memcpy, 0 },
	{ "memset", (const void *)memset, 0 },
	{ "malloc", (const void *)malloc, 0 },
	{ "calloc", (const void *)calloc, 0 },
	{ "realloc", (const void *)realloc, 0 },
	{ "free", (const void *)free, 0 },
	{ "strncpy", (const void *)strncpy, 1 },
	{ "sched_module_host_get", (const void *)sched_module_host_get, 1 },
};

static const struct module_exports img_exports = {
	.major = MODULE_EXPORTS_MAJOR,
	.minor = MODULE_EXPORTS_MINOR,
	.count = sizeof(img_syms) / sizeof(img_syms[0]),
	.sym = img_syms,
};

static const struct module_want sched_want = {
	.iface = "sched",
	.major = SCHED_IFACE_MAJOR,
	.minor = SCHED_IFACE_MINOR,
	.ops_size = sizeof(struct sched_ops),
};

static const char *const images[NKINDS] = { SCHED_RR_IMAGE, SCHED_PRIO_IMAGE,
					    SCHED_STRIDE_IMAGE,
					    SCHED_EDF_IMAGE };

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return b;
}

/*
 * Each policy image takes the threads from the built-in round-robin
 * through its state entry points (which reach the machinery through
 * sched_module_host_get, an import), schedules them, and hands them back
 * unchanged; a table without the 1.1 entries refuses it.
 */
static void test_policy_images(void **state)
{
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 77 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };

	sched_module_host = &fake_host;
	for (size_t k = 0; k < NKINDS; k++) {
		struct module_exports old = img_exports;
		struct module_image m;
		struct sched *rr = sched_rr_new(), *img;
		struct sched_state *a, *b;
		struct sched_stats st;
		struct thread *t;
		size_t size;
		uint8_t *file = read_file(images[k], &size);
		char name[32];
		int64_t need;
		void *self;

		/* Table 1.0 lacks what the image imports. */
		old.minor = 0;
		assert_int_equal(module_image_load(&m, file, size, &old,
						   &sched_want, &module_host_mops,
						   NULL),
				 EXO_ERR_NOSYS);
		assert_int_equal(module_image_load(&m, file, size, &img_exports,
						   &sched_want, &module_host_mops,
						   NULL),
				 0);
		snprintf(name, sizeof(name), "sched.%s", kinds[k].name);
		assert_string_equal(m.desc->name, name);
		assert_true(module_image_has_pc(
			&m, (uint64_t)(uintptr_t)m.desc->import_state));
		assert_int_equal(m.desc->init(&self), 0);
		img = self;
		assert_true(module_image_has_pc(
			&m, (uint64_t)(uintptr_t)img->ops->pick_next));

		populate(&mutex);
		place_states(rr, &sleep);
		need = sched_module_export(rr, SCHED_MODULE_STATE, NULL, 0);
		a = malloc((size_t)need);
		b = malloc((size_t)need);
		assert_int_equal(sched_module_export(rr, SCHED_MODULE_STATE, a,
						     (uint64_t)need),
				 need);
		assert_int_equal(m.desc->import_state(self, SCHED_MODULE_STATE,
						      a, (uint64_t)need),
				 0);
		sched_stats(img, &st);
		assert_int_equal(st.threads, POP);
		assert_int_equal(m.desc->export_state(self, SCHED_MODULE_STATE,
						      b, (uint64_t)need),
				 need);
		same_threads(a, b);
		/* It schedules: a runnable thread comes out. */
		t = sched_pick_next(img, 3000);
		assert_non_null(t);
		assert_int_equal(t->state, SCHED_T_RUNNING);
		sched_enqueue(img, t, 3000);
		/* Back to the round-robin, which forgets what it had. */
		assert_int_equal(m.desc->export_state(self, SCHED_MODULE_STATE,
						      b, (uint64_t)need),
				 need);
		assert_int_equal(sched_module_import(rr, SCHED_MODULE_STATE, b,
						     (uint64_t)need),
				 0);
		m.desc->fini(self);
		sched_stats(img, &st);
		assert_int_equal(st.threads, 0);
		drain(rr);
		sched_rr_delete(rr);
		module_image_unload(&m);
		free(a);
		free(b);
		free(file);
	}
	sched_module_host = NULL;
}

static void test_state_matrix(void **state)
{
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size), *b = malloc(size),
			   *c = malloc(size);
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 77 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };

	for (size_t from = 0; from < NKINDS; from++) {
		for (size_t to = 0; to < NKINDS; to++) {
			struct sched *x = kinds[from].make();
			struct sched *y = kinds[to].make(), *z;
			struct sched_stats st;

			populate(&mutex);
			place_states(x, &sleep);
			assert_int_equal(
				sched_export_state(x, a, size - 1, 2000),
				EXO_ERR_TOO_BIG);
			assert_int_equal(sched_export_state(x, a, size, 2000),
					 (int64_t)size);
			assert_int_equal(strncmp(a->policy, "sched.", 6), 0);
			drain(x);
			assert_int_equal(
				sched_import_state(y, a, resolve, NULL, 2001),
				0);
			sched_stats(y, &st);
			assert_int_equal(st.threads, POP);
			assert_int_equal(st.runnable, POP - 4);
			assert_int_equal(sched_export_state(y, b, size, 2001),
					 (int64_t)size);
			same_threads(a, b);
			/* And back: nothing lost on the round trip. */
			z = kinds[from].make();
			drain(y);
			assert_int_equal(
				sched_import_state(z, b, resolve, NULL, 2002),
				0);
			assert_int_equal(sched_export_state(z, c, size, 2002),
					 (int64_t)size);
			same_threads(a, c);
			drain(z);
			kinds[from].drop(x);
			kinds[to].drop(y);
			kinds[from].drop(z);
		}
	}
	free(a);
	free(b);
	free(c);
}

/*
 * A fork child (thread.c, adopt): the policy instance it copied holds
 * every thread of the parent; it forgets them all and attaches only the
 * thread that forked (running, its scratch fields cleared). The instance
 * then holds that one thread, never picks a dropped one, and shares the
 * CPU with new threads (stride: its pass starts again from 0, as theirs
 * does; the instance's global pass is 0 after forget).
 */
static void test_fresh_after_fork(void **state)
{
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size);

	for (size_t k = 0; k < NKINDS; k++) {
		struct sched *x = kinds[k].make();
		struct thread *self = &threads[2], *cur;
		uint64_t now = 2100, ran[MAXT] = { 0 };
		struct sched_stats st;

		populate(&mutex);
		place_states(x, &sleep);
		self->pass = 1ull << 40; /* a long history in the parent */
		x->ops->forget(x);
		sched_thread_fresh(self);
		assert_int_equal(sched_attach(x, self, now), 0);
		self->state = SCHED_T_RUNNING;
		sched_stats(x, &st);
		assert_int_equal(st.threads, 1);
		assert_int_equal(st.runnable, 0);
		assert_null(sched_pick_next(x, now));
		assert_int_equal(sched_export_state(x, a, size, now),
				 (int64_t)sched_state_size(1));
		assert_int_equal(a->count, 1);
		assert_int_equal(a->rec[0].id, 2);
		/* New threads join it; only they and the forker run. */
		for (uint32_t i = POP + 1; i <= POP + 3; i++) {
			struct thread *t =
				mk(i, self->param.prio, self->param.tickets);

			assert_int_equal(sched_attach(x, t, now), 0);
			sched_enqueue(x, &threads[i], now);
		}
		sched_enqueue(x, self, now);
		cur = run(x, NULL, 400, &now, ran);
		for (uint32_t i = 1; i <= POP; i++) {
			if (i != 2) {
				assert_int_equal(ran[i], 0);
			}
		}
		assert_true(ran[2] > 0);
		for (uint32_t i = POP + 1; i <= POP + 3; i++) {
			assert_true(ran[i] > 0);
		}
		sched_stats(x, &st);
		assert_int_equal(st.threads, 4);
		if (cur) {
			sched_enqueue(x, cur, now);
		}
		while ((cur = sched_pick_next(x, now))) {
		}
		for (uint32_t i = POP + 1; i <= POP + 3; i++) {
			threads[i].state = SCHED_T_NEW;
			sched_detach(x, &threads[i]);
		}
		self->state = SCHED_T_NEW;
		sched_detach(x, self);
		kinds[k].drop(x);
	}
	free(a);
}

/* The queue order survives a move between policies of the same kind. */
static void test_state_order(void **state)
{
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size);

	for (size_t k = 0; k < NKINDS; k++) {
		struct sched *x = kinds[k].make(), *y = kinds[k].make();
		struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
		struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
		struct thread *order[POP];
		uint32_t n = 0;

		populate(&mutex);
		place_states(x, &sleep);
		assert_true(sched_export_state(x, a, size, 2000) > 0);
		while ((order[n] = sched_pick_next(x, 2000))) {
			n++;
		}
		assert_int_equal(n, POP - 4);
		for (uint32_t i = 1; i <= POP; i++) {
			threads[i].state = SCHED_T_NEW;
			sched_detach(x, &threads[i]);
		}
		assert_int_equal(sched_import_state(y, a, resolve, NULL, 2000),
				 0);
		for (uint32_t i = 0; i < n; i++) {
			assert_ptr_equal(sched_pick_next(y, 2000), order[i]);
		}
		drain(y);
		kinds[k].drop(x);
		kinds[k].drop(y);
	}
	free(a);
}

static void test_state_refusals(void **state)
{
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size);
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
	struct sched *x = sched_rr_new(), *y = sched_stride_new();
	struct sched_stats st;

	populate(&mutex);
	place_states(x, &sleep);
	assert_true(sched_export_state(x, a, size, 0) > 0);
	drain(x);
	a->rec[3].tickets ^= 1;
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0),
			 EXO_ERR_CORRUPT);
	a->rec[3].tickets ^= 1;
	a->version += 1u << 16;
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0),
			 EXO_ERR_NOSYS);
	a->version = SCHED_STATE_VERSION;
	a->magic = 0;
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0),
			 EXO_ERR_CORRUPT);
	a->magic = SCHED_STATE_MAGIC;
	threads[POP].id = 0; /* a thread the importer does not know */
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0),
			 EXO_ERR_NOT_FOUND);
	sched_stats(y, &st);
	assert_int_equal(st.threads, 0);
	threads[POP].id = POP;
	/* EDF refuses a set it cannot admit, and stays empty. */
	for (uint32_t i = 0; i < a->count; i++) {
		if (a->rec[i].period) {
			a->rec[i].budget = 30;
		}
	}
	a->checksum = sched_state_sum(a->rec, a->count * sizeof(a->rec[0]));
	sched_rr_delete(x);
	x = sched_edf_new();
	assert_int_equal(sched_import_state(x, a, resolve, NULL, 0),
			 EXO_ERR_LIMIT);
	sched_stats(x, &st);
	assert_int_equal(st.threads, 0);
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0), 0);
	drain(y);
	sched_edf_delete(x);
	sched_stride_delete(y);
	free(a);
}

/*
 * The checksum is the format's: word at a time from any alignment and
 * length equals the definition; any flipped bit of a state's records is
 * caught by import.
 */
static void test_state_sum(void **state)
{
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size);
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
	struct sched *x = sched_rr_new(), *y = sched_stride_new();
	uint8_t *rec = (uint8_t *)a->rec;

	module_host_check_sum(sched_state_sum);
	populate(&mutex);
	place_states(x, &sleep);
	assert_true(sched_export_state(x, a, size, 0) > 0);
	drain(x);
	assert_int_equal(a->checksum,
			 module_host_ref_sum(rec, a->count * sizeof(a->rec[0])));
	for (size_t i = 0; i < a->count * sizeof(a->rec[0]); i++) {
		for (int bit = 0; bit < 8; bit++) {
			rec[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(sched_state_check(a), EXO_ERR_CORRUPT);
			rec[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(sched_import_state(y, a, resolve, NULL, 0), 0);
	drain(y);
	sched_rr_delete(x);
	sched_stride_delete(y);
	free(a);
}

/*
 * Queue positions as an importer may find them: numbered 0..n-1 in any
 * record order (placed directly), repeated, or out of range (a stable
 * sort): rr then runs them in exactly that order.
 */
static void test_state_queue_positions(void **state)
{
	size_t size = sched_state_size(POP);
	struct sched_state *a = malloc(size);
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
	struct sched *x = sched_rr_new(), *y = sched_rr_new();

	populate(&mutex);
	place_states(x, &sleep);
	assert_true(sched_export_state(x, a, size, 0) > 0);
	drain(x);
	for (int kind = 0; kind < 3; kind++) {
		uint32_t expect[POP], n = 0, q = 0;
		struct thread *t;

		/* Runnable records, numbered in record order. */
		for (uint32_t i = 0; i < a->count; i++) {
			if (a->rec[i].state == SCHED_T_RUNNABLE) {
				q++;
			}
		}
		for (uint32_t i = 0, k = 0; i < a->count; i++) {
			struct sched_thread_rec *r = &a->rec[i];

			if (r->state != SCHED_T_RUNNABLE) {
				continue;
			}
			if (kind == 0) {
				r->queue_pos = q - 1 - k; /* reversed */
				expect[q - 1 - k] = r->id;
			} else if (kind == 1) {
				r->queue_pos = k % 2; /* two classes, stable */
			} else {
				r->queue_pos = 1000000 - k * 1000; /* sparse */
				expect[q - 1 - k] = r->id;
			}
			k++;
		}
		if (kind == 1) {
			for (int cls = 0; cls < 2; cls++) {
				for (uint32_t i = 0; i < a->count; i++) {
					if (a->rec[i].state ==
						    SCHED_T_RUNNABLE &&
					    a->rec[i].queue_pos ==
						    (uint32_t)cls) {
						expect[n++] = a->rec[i].id;
					}
				}
			}
			n = 0;
		}
		a->checksum =
			sched_state_sum(a->rec, a->count * sizeof(a->rec[0]));
		assert_int_equal(sched_import_state(y, a, resolve, NULL, 0), 0);
		while ((t = sched_pick_next(y, 0))) {
			assert_true(n < q);
			assert_int_equal(t->id, expect[n]);
			n++;
		}
		assert_int_equal(n, q);
		drain(y);
	}
	sched_rr_delete(x);
	sched_rr_delete(y);
	free(a);
}

/*
 * Module state formats 1 and 2: 1 carries the format's own checksum, 2 is
 * framed and carries none. A framed state is taken only through
 * sched_module_import in format 2 (and only as the one being imported);
 * elsewhere it is refused and nothing changes. Its frame's checksum
 * catches a flipped bit anywhere in it, header included.
 */
static void test_module_formats(void **state)
{
	size_t size = sched_state_size(POP);
	size_t hdr = sizeof(struct module_state_hdr);
	struct sched_state *one = malloc(size), *two = malloc(size), *st;
	uint8_t *blob = malloc(hdr + size);
	struct module_state_hdr *h = (struct module_state_hdr *)blob;
	struct sched_obj mutex = { .kind = SCHED_OBJ_MUTEX, .id = 7 };
	struct sched_obj sleep = { .kind = SCHED_OBJ_SLEEP };
	struct sched *x = sched_rr_new(), *y = sched_stride_new();
	struct sched_stats ss;

	sched_module_host = &fake_host;
	populate(&mutex);
	place_states(x, &sleep);
	assert_int_equal(sched_module_export(x, 1, one, size), (int64_t)size);
	assert_int_equal(sched_module_export(x, 2, two, size), (int64_t)size);
	assert_int_equal(one->version, SCHED_STATE_VERSION);
	assert_int_equal(one->flags, 0);
	assert_int_equal(one->checksum,
			 sched_state_sum(one->rec, POP * sizeof(one->rec[0])));
	assert_int_equal(two->flags, SCHED_STATE_F_FRAMED);
	assert_int_equal(two->checksum, 0);
	assert_memory_equal(one->rec, two->rec, POP * sizeof(one->rec[0]));
	/* A state written outside the entry points is summed. */
	assert_int_equal(sched_export_state(x, two, size, 3000), (int64_t)size);
	assert_int_equal(two->flags, 0);
	assert_int_equal(two->checksum, one->checksum);
	assert_int_equal(sched_module_export(x, 2, two, size), (int64_t)size);
	drain(x);

	/* Each format only as itself; nothing is taken or forgotten. */
	assert_int_equal(sched_module_import(y, 1, two, size), EXO_ERR_INVALID);
	assert_int_equal(sched_module_import(y, 2, one, size), EXO_ERR_INVALID);
	assert_int_equal(sched_import_state(y, two, resolve, NULL, 0),
			 EXO_ERR_CORRUPT);
	sched_stats(y, &ss);
	assert_int_equal(ss.threads, 0);
	/* A framed state with a checksum is not one this code wrote. */
	two->checksum = 1;
	assert_int_equal(sched_module_import(y, 2, two, size), EXO_ERR_CORRUPT);
	two->checksum = 0;
	sched_stats(y, &ss);
	assert_int_equal(ss.threads, 0);

	/* Framed as the module framework does: any flipped bit is caught. */
	h->magic = MODULE_STATE_MAGIC;
	h->version = 2;
	h->reserved = 0;
	h->length = size;
	memcpy(blob + hdr, two, size);
	h->checksum = module_state_checksum(blob + hdr, size);
	assert_int_equal(module_state_check(blob, hdr + size), 0);
	for (size_t i = 0; i < size; i++) {
		for (int bit = 0; bit < 8; bit++) {
			blob[hdr + i] ^= (uint8_t)(1u << bit);
			assert_int_equal(module_state_check(blob, hdr + size),
					 EXO_ERR_CORRUPT);
			blob[hdr + i] ^= (uint8_t)(1u << bit);
		}
	}
	st = (struct sched_state *)(blob + hdr);
	assert_int_equal(sched_module_import(y, 2, st, size), 0);
	sched_stats(y, &ss);
	assert_int_equal(ss.threads, POP);
	assert_int_equal(ss.runnable, POP - 4);
	drain(y);

	/* Format 1, and a 2.0 state (no flags yet), are still taken. */
	assert_int_equal(sched_module_import(y, 1, one, size), 0);
	drain(y);
	one->version = 0x00020000u;
	assert_int_equal(sched_module_import(y, 1, one, size), 0);
	sched_stats(y, &ss);
	assert_int_equal(ss.threads, POP);
	drain(y);
	sched_module_host = NULL;
	sched_rr_delete(x);
	sched_stride_delete(y);
	free(one);
	free(two);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_fairness),
		cmocka_unit_test(test_prio_order),
		cmocka_unit_test(test_prio_inheritance),
		cmocka_unit_test(test_stride_shares),
		cmocka_unit_test(test_edf_feasible),
		cmocka_unit_test(test_edf_constrained_and_background),
		cmocka_unit_test(test_edf_overrun),
		cmocka_unit_test(test_edf_overrun_slice),
		cmocka_unit_test(test_edf_admission),
		cmocka_unit_test(test_state_matrix),
		cmocka_unit_test(test_module_entry_points),
		cmocka_unit_test(test_policy_images),
		cmocka_unit_test(test_state_order),
		cmocka_unit_test(test_fresh_after_fork),
		cmocka_unit_test(test_state_refusals),
		cmocka_unit_test(test_state_sum),
		cmocka_unit_test(test_state_queue_positions),
		cmocka_unit_test(test_module_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
