/* SPDX-License-Identifier: MIT */
/*
 * sched-swap: the program's threads move from policy to policy while
 * they run, through the state format (thread_sched_swap). 200 threads:
 * spinners (runnable), threads blocked on a mutex and on a condition
 * variable, threads sleeping in a loop. After each move every thread is still there, in the
 * same state, spinners keep making progress, and at the end everyone is
 * released and joined with the right result. sched.edf refuses a set of
 * periodic threads it cannot admit, and the old policy keeps everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

volatile uint64_t checks_passed;

#define KINDS 4
#define PER_KIND 50
#define N (KINDS * PER_KIND)

static struct mutex m = MUTEX_INIT, cm = MUTEX_INIT;
static struct cond c = COND_INIT;
static volatile uint64_t stop, released, spun[PER_KIND];

static uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

static void *spinner(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	while (!stop) {
		spun[i]++;
	}
	return (void *)(i + 1000);
}

static void *locker(void *arg)
{
	CHECK_EQ(mutex_lock(&m), 0);
	CHECK_EQ(mutex_unlock(&m), 0);
	return (void *)((uintptr_t)arg + 2000);
}

static void *waiter(void *arg)
{
	mutex_lock(&cm);
	while (!released) {
		cond_wait(&c, &cm);
	}
	mutex_unlock(&cm);
	return (void *)((uintptr_t)arg + 3000);
}

static void *sleeper(void *arg)
{
	while (!stop) {
		thread_sleep(20);
	}
	return (void *)((uintptr_t)arg + 4000);
}

static const char *serving(void)
{
	return sched_policy_name();
}

/* Move to @name and check every thread came along and spinners spin. */
static void move(const char *name)
{
	struct sched_stats st;
	uint64_t before[PER_KIND], t0;

	CHECK_EQ(thread_sched_swap(name), 0);
	CHECK(strcmp(serving(), name) == 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, N + 1);
	for (int i = 0; i < PER_KIND; i++) {
		before[i] = spun[i];
	}
	/* Sleep (so that lower priorities run too) until each spun. */
	t0 = ticks();
	for (int i = 0; i < PER_KIND; i++) {
		while (spun[i] == before[i]) {
			CHECK(ticks() < t0 + 5000);
			thread_sleep(5);
		}
	}
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, N + 1);
	printf("swap: %s serves, %lu threads, every spinner ran\n", name,
	       (unsigned long)st.threads);
}

int main(void)
{
	static void *(*const fn[KINDS])(void *) = { spinner, locker, waiter,
						    sleeper };
	static struct thread *t[N];
	struct sched_param p = { .period = 10, .deadline = 10, .budget = 5 };
	struct sched_stats st;

	CHECK_EQ(thread_sched_swap("sched.none"), EXO_ERR_NOT_FOUND);
	CHECK_EQ(thread_sched_swap("sched.rr"), 0);
	CHECK_EQ(mutex_lock(&m), 0);
	for (uintptr_t i = 0; i < N; i++) {
		struct thread_attr a = { .param = { .prio = 10,
						    .tickets = 50 + i },
					 .stack_size = 8192 };

		CHECK_EQ(thread_create(&t[i], fn[i / PER_KIND],
				       (void *)(i % PER_KIND), &a),
			 0);
	}
	/* We run at the default 16, above them all under sched.prio. */
	thread_sleep(20);
	move("sched.stride");
	move("sched.prio");
	move("sched.edf");
	move("sched.rr");

	/* Three periodic threads of density 1/2: EDF must refuse them. */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(thread_set_param(t[i], &p), 0);
	}
	CHECK_EQ(thread_sched_swap("sched.edf"), EXO_ERR_LIMIT);
	CHECK(strcmp(serving(), "sched.rr") == 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, N + 1);
	p.budget = 2;
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(thread_set_param(t[i], &p), 0);
	}
	printf("swap: sched.edf refused a set of density 1.5; sched.rr kept "
	       "all %d threads\n",
	       N + 1);
	move("sched.edf");
	move("sched.stride");

	/* Release everyone and collect every result. */
	CHECK_EQ(mutex_unlock(&m), 0);
	mutex_lock(&cm);
	released = 1;
	cond_broadcast(&c);
	mutex_unlock(&cm);
	stop = 1;
	for (uintptr_t i = 0; i < N; i++) {
		void *r;

		CHECK_EQ(thread_join(t[i], &r), 0);
		CHECK_EQ((uintptr_t)r,
			 (i / PER_KIND + 1) * 1000 + i % PER_KIND);
	}
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	printf("swap: all %d threads released and joined; %lu checks passed\n",
	       N, (unsigned long)checks_passed);
	return 0;
}
