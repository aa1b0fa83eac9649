/* SPDX-License-Identifier: MIT */
/*
 * sched.stride's own rule: spinners share the CPU by their tickets. Each
 * counts the timer ticks it saw while running, not its loop iterations:
 * how many iterations a tick holds depends on how busy the host running
 * the emulator is, which ticks do not.
 */
#include <stdint.h>
#include <stdio.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

static volatile uint64_t stop;
static volatile uint64_t count[2];

static void *spin(void *arg)
{
	const volatile uint64_t *ticks = &exo_sys_info()->ticks;
	uintptr_t i = (uintptr_t)arg;
	uint64_t last = 0;

	while (!stop) {
		uint64_t now = *ticks;

		if (now != last) {
			count[i]++;
			last = now;
		}
	}
	return NULL;
}

void policy_checks(void);

void policy_checks(void)
{
	struct thread_attr a = { .param = { .tickets = 100 } };
	struct thread_attr b = { .param = { .tickets = 300 } };
	struct thread *t[2];
	uint64_t ratio;

	CHECK_EQ(thread_create(&t[0], spin, (void *)0, &a), 0);
	CHECK_EQ(thread_create(&t[1], spin, (void *)1, &b), 0);
	thread_sleep(600);
	stop = 1;
	CHECK_EQ(thread_join(t[0], NULL), 0);
	CHECK_EQ(thread_join(t[1], NULL), 0);
	CHECK(count[0] > 0);
	ratio = count[1] * 100 / count[0];
	printf("stride: 300 vs 100 tickets got %lu.%02lu times the CPU\n",
	       (unsigned long)(ratio / 100), (unsigned long)(ratio % 100));
	CHECK(ratio >= 240 && ratio <= 375);
}
