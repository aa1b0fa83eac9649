/* SPDX-License-Identifier: MIT */
/*
 * The preemption-off counter (<libos/sched.h>). It lives apart from the
 * thread machinery so that code which only guards itself (the C
 * library's malloc) links without it: with no threads, nothing is ever
 * pending and the counter is all there is.
 */
#include <stdint.h>

#include <libos/sched.h>

volatile uint32_t sched_preempt_off;
volatile uint32_t sched_preempt_wanted;

/* Set by the thread machinery when it starts. */
void (*sched_preempt_pending_hook)(void);

void sched_preempt_pending(void)
{
	if (sched_preempt_pending_hook) {
		sched_preempt_pending_hook();
	} else {
		sched_preempt_wanted = 0;
	}
}
