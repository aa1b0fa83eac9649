/* SPDX-License-Identifier: MIT */
/*
 * sched-live: 200 worker threads doing counted work while the program
 * swaps its policy round-robin -> stride -> EDF -> round-robin through the
 * gated "sched" slot (stride from a module image, a boot module; EDF
 * built in), then swaps in sched.crash, another image, whose third pick
 * faults: the gate catches the fault and the slot rolls back to
 * round-robin by itself. Nothing is lost: each worker does WORK units (its own counter,
 * and a shared total under a mutex), and the program checks every counter,
 * the total and every thread's result at the end (workers that are
 * done wait on a semaphore, so that every swap moves all 203 threads).
 *
 * Under sched.edf the workers (not periodic) run in the background; two
 * periodic threads (period 20 ticks, budget 2) keep releasing jobs
 * through every policy and count them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/sched.h>
#include <libos/spawn.h>

#include "check.h"

volatile uint64_t checks_passed;

#define N 200
#define WORK 1000
#define PERIODIC 2

static struct mutex m = MUTEX_INIT;
static struct sem release_sem;
static volatile uint64_t done[N], total, jobs[PERIODIC], stop;

static uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

static void *worker(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	for (int k = 0; k < WORK; k++) {
		/* A little work, counted twice. */
		for (volatile int spin = 0; spin < 200; spin++) {
		}
		done[i]++;
		mutex_lock(&m);
		total++;
		mutex_unlock(&m);
		if (k % 4 == 0) {
			thread_yield();
		}
	}
	/* Done: stay (blocked) until the end, so every swap moves all. */
	sem_wait(&release_sem);
	return (void *)(i + 7000);
}

static void *periodic(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	while (!stop) {
		jobs[i]++;
		thread_wait_period();
	}
	return (void *)(i + 9000);
}

static uint64_t progress(void)
{
	uint64_t n;

	mutex_lock(&m);
	n = total;
	mutex_unlock(&m);
	return n;
}

/* Wait until the workers did @pct percent of their work. */
static void wait_for(unsigned pct)
{
	uint64_t t0 = ticks();

	while (progress() < (uint64_t)N * WORK * pct / 100) {
		CHECK(ticks() < t0 + 20000);
		thread_sleep(2);
	}
}

/* The last swap's health window must have closed (a few calls). */
static void window_closed(void)
{
	while (sched_gate.prev.live) {
		thread_yield();
	}
}

/* Swap to the policy in boot module @bootmod. */
static int swap_image(const char *bootmod, struct module_swap_report *r)
{
	const struct exo_bootmod *bm = bootmod_find(bootmod);
	int err;

	CHECK(bm != NULL);
	if (!bm) {
		return EXO_ERR_NOT_FOUND;
	}
	err = thread_sched_swap_image((const void *)bm->va, bm->size, r);
	if (err) {
		printf("live: swap to %s failed: %s\n", bootmod, r->why);
	}
	return err;
}

/* Swap to @name: built in, or from boot module @bootmod if not NULL. */
static void move(const char *name, const char *bootmod)
{
	struct module_swap_report r;
	struct sched_stats st;

	window_closed();
	if (bootmod) {
		CHECK_EQ(swap_image(bootmod, &r), 0);
		CHECK(sched_gate.cur.image != NULL);
	} else {
		CHECK_EQ(thread_sched_swap_report(name, &r), 0);
		CHECK(sched_gate.cur.image == NULL);
	}
	CHECK(strcmp(sched_policy_name(), name) == 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, N + PERIODIC + 1);
	printf("live: %s serves %lu threads at %lu of %u units; "
	       "held %lu cycles\n",
	       name, (unsigned long)st.threads, (unsigned long)progress(),
	       N * WORK, (unsigned long)r.downtime);
}

int main(void)
{
	static struct thread *t[N], *p[PERIODIC];
	struct sched_param pp = { .period = 20, .deadline = 20, .budget = 2 };
	struct sched_param mp = { 0 };
	struct sched_stats st;
	uint64_t faults0, rollbacks0, sum = 0, t0;

	/* Linked with stride and EDF, which outrank it: start with RR. */
	CHECK_EQ(thread_sched_swap("sched.rr"), 0);
	CHECK(strcmp(sched_policy_name(), "sched.rr") == 0);
	sem_init(&release_sem, 0);
	/* Under stride the main thread (which swaps) gets the most tickets. */
	mp.tickets = SCHED_TICKETS_MAX;
	CHECK_EQ(thread_set_param(thread_self(), &mp), 0);
	for (uintptr_t i = 0; i < PERIODIC; i++) {
		struct thread_attr a = { .param = pp, .stack_size = 8192 };

		CHECK_EQ(thread_create(&p[i], periodic, (void *)i, &a), 0);
	}
	for (uintptr_t i = 0; i < N; i++) {
		struct thread_attr a = { .param = { .tickets = 10 + i % 50 },
					 .stack_size = 8192 };

		CHECK_EQ(thread_create(&t[i], worker, (void *)i, &a), 0);
	}
	wait_for(10);
	move("sched.stride", "sched_stride");
	wait_for(25);
	move("sched.edf", NULL);
	wait_for(40);
	move("sched.rr", NULL);
	wait_for(50);

	/* A broken policy: swapped in, faults, rolled back on its own. */
	faults0 = sched_gate.stats.faults;
	rollbacks0 = sched_gate.stats.rollbacks;
	window_closed();
	{
		struct module_swap_report r;

		CHECK_EQ(swap_image("sched_crash", &r), 0);
	}
	/*
	 * Its third pick_next faults. Wait for the rollback itself, not for
	 * a share of the work: the workers may be past any mark already.
	 */
	t0 = ticks();
	while (sched_gate.stats.rollbacks == rollbacks0) {
		CHECK(ticks() < t0 + 20000);
		thread_sleep(2);
	}
	/*
	 * Inside its health window the first fault rolls it back; after the
	 * window healing first restores it (a fresh instance, which faults
	 * again), then rolls back: one fault or a few, one rollback.
	 */
	CHECK(sched_gate.stats.faults > faults0);
	CHECK_EQ(sched_gate.stats.rollbacks, rollbacks0 + 1);
	CHECK(strcmp(sched_policy_name(), "sched.rr") == 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, N + PERIODIC + 1);
	printf("live: sched.crash faulted and was rolled back to %s with "
	       "%lu threads\n",
	       sched_policy_name(), (unsigned long)st.threads);

	wait_for(100);
	for (uintptr_t i = 0; i < N; i++) {
		sem_post(&release_sem);
	}
	for (uintptr_t i = 0; i < N; i++) {
		void *r;

		CHECK_EQ(thread_join(t[i], &r), 0);
		CHECK_EQ((uintptr_t)r, i + 7000);
		CHECK_EQ(done[i], WORK);
		sum += done[i];
	}
	stop = 1;
	for (uintptr_t i = 0; i < PERIODIC; i++) {
		void *r;

		CHECK_EQ(thread_join(p[i], &r), 0);
		CHECK_EQ((uintptr_t)r, i + 9000);
		CHECK(jobs[i] > 0);
	}
	CHECK_EQ(sum, (uint64_t)N * WORK);
	CHECK_EQ(total, (uint64_t)N * WORK);
	printf("live: all %d workers joined, %lu units of %u done, %lu jobs "
	       "released; %lu checks passed\n",
	       N, (unsigned long)total, N * WORK,
	       (unsigned long)(jobs[0] + jobs[1]),
	       (unsigned long)checks_passed);
	return 0;
}
