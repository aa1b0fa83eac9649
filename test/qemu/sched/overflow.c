/* SPDX-License-Identifier: MIT */
/*
 * sched-overflow: a thread that overflows its stack hits the unmapped
 * guard below it, and the program ends with a report naming the thread
 * instead of corrupting memory. The overflow runs in a child environment
 * (spawn_fn), so that this program can check how the child ended.
 */
#include <stdint.h>
#include <stdio.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

volatile uint64_t checks_passed;

static volatile uint64_t sink;

static uint64_t recurse(uint64_t n)
{
	volatile uint8_t pad[512];

	pad[0] = (uint8_t)n;
	sink += pad[0];
	return n ? recurse(n - 1) + pad[0] : 0;
}

static void *deep(void *arg)
{
	return (void *)(uintptr_t)recurse((uintptr_t)arg);
}

static int child(uint64_t depth)
{
	struct thread_attr a = { .stack_size = 16 * 1024 };
	struct thread *t, *u;
	void *r;

	/* A shallow one is fine; then one that is far too deep. */
	if (thread_create(&t, deep, (void *)4, &a) || thread_join(t, &r)) {
		return 2;
	}
	printf("overflow: a thread within its stack returned\n");
	if (thread_create(&u, deep, (void *)depth, &a)) {
		return 3;
	}
	thread_join(u, NULL);
	printf("overflow: still running after the overflow\n");
	return 4;
}

int main(void)
{
	CHECK_SPAWN_EXIT(child, 1000, 139);
	printf("overflow: the child ended with code 139; %lu checks passed\n",
	       (unsigned long)checks_passed);
	return 0;
}
