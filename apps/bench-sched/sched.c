/* SPDX-License-Identifier: MIT */
/*
 * The scheduler benchmarks, run as init under the default policy
 * (sched.rr): thread_yield and mutex_handoff between two threads, then
 * the boot module "picks" (picks.c) for the pick-next series. Lines as
 * apps/bench/bench.c prints them:
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 */
#include <stdint.h>

#include <arch/cycles.h>
#include <libos/runtime.h>
#include <libos/sched.h>
#include <libos/spawn.h>

#include "bench.h"
#include "../bench/report.h"

static volatile int stop;

static void *yielder(void *arg)
{
	while (!stop) {
		thread_yield();
	}
	return NULL;
}

/* Each main-thread yield is two switches: there and back. */
static void bench_yield(int trial)
{
	struct thread *t;
	uint64_t t0, t1;

	stop = 0;
	if (thread_create(&t, yielder, NULL, NULL)) {
		failed = 1;
		return;
	}
	thread_yield(); /* it is running and yielding back */
	t0 = arch_read_cycles();
	for (int i = 0; i < THREAD_YIELD_ITERS; i++) {
		thread_yield();
	}
	t1 = arch_read_cycles();
	stop = 1;
	thread_join(t, NULL);
	report("thread_yield", 2ul * THREAD_YIELD_ITERS, trial, t1 - t0);
}

static struct mutex m = MUTEX_INIT;
static volatile uint64_t handoffs;

static void *locker(void *arg)
{
	for (int i = 0; i < MUTEX_HANDOFF_ITERS; i++) {
		mutex_lock(&m);
		handoffs++;
		mutex_unlock(&m);
	}
	return NULL;
}

/*
 * Two threads lock, count and unlock in a loop; the mutex alternates
 * between them, every acquisition but the first a hand-over.
 */
static void bench_handoff(int trial)
{
	struct thread *a, *b;
	uint64_t t0;

	handoffs = 0;
	mutex_lock(&m); /* both start blocked on it */
	if (thread_create(&a, locker, NULL, NULL) ||
	    thread_create(&b, locker, NULL, NULL)) {
		failed = 1;
		return;
	}
	thread_yield();
	thread_yield();
	t0 = arch_read_cycles();
	mutex_unlock(&m);
	thread_join(a, NULL);
	thread_join(b, NULL);
	report("mutex_handoff", 2ul * MUTEX_HANDOFF_ITERS, trial,
	       arch_read_cycles() - t0);
	if (handoffs != 2ul * MUTEX_HANDOFF_ITERS) {
		printf("bench: mutex_handoff lost counts\n");
		failed = 1;
	}
}

int main(void)
{
	static const char *const argv[] = { "picks", NULL };
	struct exo_exit_info x;
	int64_t id;

	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	for (int t = 0; t < BENCH_TRIALS; t++) {
		bench_yield(t);
		bench_handoff(t);
	}
	id = spawn_module("picks", argv);
	if (id < 0 || wait_child((exo_envid_t)id, &x) != id ||
	    x.reason != EXO_EXIT_NORMAL || x.code != 0) {
		printf("bench: the pick-next benchmarks failed\n");
		failed = 1;
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
