/* SPDX-License-Identifier: MIT */
/*
 * Thread stack benchmarks, run as init under the default policy
 * (sched.rr). Lines as apps/bench/bench.c prints them:
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 *
 *   thread_create_join   create a thread with the default stack that
 *                        returns at once, and join it (its stack slot is
 *                        the next one's)
 *   thread_create_100    create 100 such threads, then join them all
 *                        (per thread)
 *   thread_stack_8k      create a thread that uses 8 KiB of its stack,
 *                        and join it
 *   stack_alloc_free     pager_stack_alloc_flags and pager_stack_free of
 *                        a 64 KiB stack, as thread_create and thread_join
 *                        call them
 *   thread_create_fresh  create 100 threads on stack slots never used
 *                        before and let each run to its end, unjoined
 *                        (per thread; they are joined after all trials)
 */
#include <stdint.h>

#include <arch/cycles.h>
#include <libos/pager.h>
#include <libos/runtime.h>
#include <libos/sched.h>

#include "bench.h"
#include "report.h"

#define MANY 100

static void *nothing(void *arg)
{
	return arg;
}

static void *use_8k(void *arg)
{
	volatile uint8_t buf[8192 - 512];

	buf[0] = 1;
	buf[sizeof(buf) - 1] = 1;
	return (void *)(uintptr_t)(buf[0] + buf[sizeof(buf) - 1]);
}

static uint64_t create_join(void *(*fn)(void *), int iters)
{
	struct thread *t;
	uint64_t t0 = arch_read_cycles();

	for (int i = 0; i < iters; i++) {
		if (thread_create(&t, fn, NULL, NULL) ||
		    thread_join(t, NULL)) {
			failed = 1;
			return 0;
		}
	}
	return arch_read_cycles() - t0;
}

static uint64_t create_many(void)
{
	static struct thread *v[MANY];
	uint64_t t0 = arch_read_cycles(), c = 0;

	for (int r = 0; r < THREAD_CREATE_MANY_ROUNDS; r++) {
		for (int i = 0; i < MANY; i++) {
			if (thread_create(&v[i], nothing, NULL, NULL)) {
				failed = 1;
				return 0;
			}
		}
		for (int i = 0; i < MANY; i++) {
			thread_join(v[i], NULL);
		}
	}
	c = arch_read_cycles() - t0;
	return c;
}

#ifdef PAGER_STACK_OWNED
static uint64_t stack_alloc_free(void)
{
	uint64_t t0 = arch_read_cycles(), top;

	for (int i = 0; i < THREAD_CREATE_ITERS; i++) {
		if (pager_stack_alloc_flags(64 * 1024, PAGER_STACK_OWNED,
					    &top) ||
		    pager_stack_free(top)) {
			failed = 1;
			return 0;
		}
	}
	return arch_read_cycles() - t0;
}
#endif

static struct thread *fresh[BENCH_TRIALS][MANY];
static volatile int ended;

static void *count_end(void *arg)
{
	ended++;
	return arg;
}

/* The threads of earlier trials still hold their slots: these are new. */
static uint64_t create_fresh(int trial)
{
	uint64_t t0 = arch_read_cycles();

	ended = 0;
	for (int i = 0; i < MANY; i++) {
		if (thread_create(&fresh[trial][i], count_end, NULL, NULL)) {
			failed = 1;
			return 0;
		}
	}
	while (ended < MANY) {
		thread_yield();
	}
	return arch_read_cycles() - t0;
}

int main(void)
{
	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	for (int t = 0; t < BENCH_TRIALS; t++) {
		report("thread_create_join", THREAD_CREATE_ITERS, t,
		       create_join(nothing, THREAD_CREATE_ITERS));
		report("thread_create_100",
		       (uint64_t)MANY * THREAD_CREATE_MANY_ROUNDS, t,
		       create_many());
		report("thread_stack_8k", THREAD_CREATE_ITERS, t,
		       create_join(use_8k, THREAD_CREATE_ITERS));
#ifdef PAGER_STACK_OWNED
		report("stack_alloc_free", THREAD_CREATE_ITERS, t,
		       stack_alloc_free());
#endif
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		report("thread_create_fresh", MANY, t, create_fresh(t));
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		for (int i = 0; i < MANY; i++) {
			thread_join(fresh[t][i], NULL);
		}
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
