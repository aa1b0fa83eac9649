/* SPDX-License-Identifier: MIT */
/* sched.rr's own rule: threads that yield take strict turns. */
#include <stdint.h>
#include <stdio.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

#define N 3
#define TURNS 10

static uint32_t order[N * TURNS], norder;

static void *turns(void *arg)
{
	for (int i = 0; i < TURNS; i++) {
		order[norder++] = (uint32_t)(uintptr_t)arg;
		thread_yield();
	}
	return NULL;
}

void policy_checks(void);

void policy_checks(void)
{
	struct thread *t[N];

	for (uintptr_t i = 0; i < N; i++) {
		CHECK_EQ(thread_create(&t[i], turns, (void *)i, NULL), 0);
	}
	for (int i = 0; i < N; i++) {
		CHECK_EQ(thread_join(t[i], NULL), 0);
	}
	CHECK_EQ(norder, N * TURNS);
	for (uint32_t i = 0; i < norder; i++) {
		CHECK_EQ(order[i], i % N);
	}
	printf("rr: %d threads yielding took strict turns\n", N);
}
