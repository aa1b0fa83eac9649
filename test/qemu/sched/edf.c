/* SPDX-License-Identifier: MIT */
/*
 * sched.edf's own rules: periodic jobs meet their deadlines while a
 * background thread spins, and a thread that would make the set
 * infeasible is refused.
 */
#include <stdint.h>
#include <stdio.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

static volatile uint64_t stop, bg_count;
static uint64_t jobs[2];

static uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

static void *background(void *arg)
{
	while (!stop) {
		bg_count++;
	}
	return NULL;
}

struct job {
	int idx;
	uint64_t work, n;
};

static void *periodic(void *arg)
{
	struct job *j = arg;

	for (uint64_t k = 0; k < j->n; k++) {
		uint64_t t0 = ticks();

		while (ticks() < t0 + j->work) {
		}
		jobs[j->idx]++;
		thread_wait_period();
	}
	return NULL;
}

void policy_checks(void);

void policy_checks(void)
{
	struct thread_attr a = {
		.param = { .period = 50, .deadline = 50, .budget = 10 }
	};
	struct thread_attr b = {
		.param = { .period = 100, .deadline = 80, .budget = 20 }
	};
	struct thread_attr bad = {
		.param = { .period = 10, .deadline = 10, .budget = 9 }
	};
	struct job ja = { 0, 2, 10 }, jb = { 1, 5, 5 };
	struct thread *bg, *ta, *tb, *tx;
	struct sched_stats st;

	CHECK_EQ(thread_create(&bg, background, NULL, NULL), 0);
	CHECK_EQ(thread_create(&ta, periodic, &ja, &a), 0);
	CHECK_EQ(thread_create(&tb, periodic, &jb, &b), 0);
	/* 0.2 + 0.25 + 0.9 > 1 */
	CHECK_EQ(thread_create(&tx, periodic, &ja, &bad), EXO_ERR_LIMIT);
	CHECK_EQ(thread_join(ta, NULL), 0);
	CHECK_EQ(thread_join(tb, NULL), 0);
	stop = 1;
	CHECK_EQ(thread_join(bg, NULL), 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(jobs[0], 10);
	CHECK_EQ(jobs[1], 5);
	CHECK_EQ(st.deadline_misses, 0);
	CHECK(st.refused >= 1);
	CHECK(bg_count > 0);
	printf("edf: 15 periodic jobs, 0 deadlines missed, an infeasible "
	       "thread refused, background ran\n");
}
