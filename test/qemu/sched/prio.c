/* SPDX-License-Identifier: MIT */
/*
 * sched.prio's own rules: the highest priority runs first, and a
 * low-priority mutex holder inherits the priority of a high-priority
 * waiter, so a medium-priority spinner cannot starve them both (without
 * inheritance this test never ends, and the timeout fails it).
 */
#include <stdint.h>
#include <stdio.h>

#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

static char order[4];
static uint32_t norder;

static void *record(void *arg)
{
	order[norder++] = (char)(uintptr_t)arg;
	return NULL;
}

static uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

static struct mutex m = MUTEX_INIT;
static volatile uint64_t stop, l_done, h_got;

static void *low(void *arg)
{
	uint64_t t0;

	CHECK_EQ(mutex_lock(&m), 0);
	t0 = ticks();
	while (ticks() < t0 + 30) {
		/* a long critical section */
	}
	l_done = ticks();
	CHECK_EQ(mutex_unlock(&m), 0);
	return NULL;
}

static void *medium(void *arg)
{
	while (!stop) {
	}
	return NULL;
}

static void *high(void *arg)
{
	CHECK_EQ(mutex_lock(&m), 0);
	h_got = ticks();
	stop = 1;
	CHECK_EQ(mutex_unlock(&m), 0);
	return NULL;
}

static struct thread *at(void *(*fn)(void *), void *arg, int32_t prio)
{
	struct thread_attr a = { .param = { .prio = prio } };
	struct thread *t;

	CHECK_EQ(thread_create(&t, fn, arg, &a), 0);
	return t;
}

void policy_checks(void);

void policy_checks(void)
{
	struct thread *l, *md, *h;
	struct sched_param p;
	struct sched_stats st0, st1;

	/* We run at 16: 5 and 10 wait, 30 runs at once. */
	l = at(record, (void *)'L', 5);
	md = at(record, (void *)'M', 10);
	CHECK_EQ(norder, 0);
	h = at(record, (void *)'H', 30);
	CHECK_EQ(norder, 1);
	CHECK_EQ(thread_join(l, NULL), 0);
	CHECK_EQ(thread_join(md, NULL), 0);
	CHECK_EQ(thread_join(h, NULL), 0);
	CHECK(order[0] == 'H' && order[1] == 'M' && order[2] == 'L');
	printf("prio: ran in priority order %c%c%c\n", order[0], order[1],
	       order[2]);

	/* Inversion: L holds m, M spins, H wants m. */
	thread_sched_stats(&st0, NULL, NULL);
	thread_get_param(thread_self(), &p);
	p.prio = 40;
	CHECK_EQ(thread_set_param(thread_self(), &p), 0);
	l = at(low, NULL, 5);
	thread_sleep(5); /* L runs and takes m */
	CHECK(m.obj.owner == l);
	md = at(medium, NULL, 10);
	h = at(high, NULL, 20);
	CHECK_EQ(thread_join(h, NULL), 0);
	CHECK_EQ(thread_join(l, NULL), 0);
	CHECK_EQ(thread_join(md, NULL), 0);
	thread_sched_stats(&st1, NULL, NULL);
	CHECK(h_got >= l_done);
	CHECK(st1.inheritances > st0.inheritances);
	printf("prio: inheritance let the holder finish; the waiter got the "
	       "mutex %lu ticks after it was freed\n",
	       (unsigned long)(h_got - l_done));
	p.prio = SCHED_PRIO_DEFAULT;
	CHECK_EQ(thread_set_param(thread_self(), &p), 0);
}
