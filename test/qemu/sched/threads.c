/* SPDX-License-Identifier: MIT */
/*
 * sched-<policy>: user-level threads under one policy, as init. Built once
 * per policy (MODULES sched.<policy>); POLICY names the one expected.
 *
 *  - the slot serves the policy the program was linked with;
 *  - 1,000 threads share a mutex-protected counter, yield and sleep, and
 *    are all joined with their results;
 *  - producers and consumers pass 8,000 items through a bounded buffer
 *    with a mutex and two condition variables; nothing lost or doubled;
 *  - a thread spinning without ever yielding is preempted: the main
 *    thread runs again, and stops it;
 *  - semaphores, thread-local data, sleep;
 *  - the policy's own rule (prio: order and inheritance; stride: shares;
 *    edf: periodic jobs meet deadlines, an infeasible one is refused);
 *  - 16 threads allocate and free under preemption; the allocator finds
 *    no damage and every block comes back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libos/alloc.h>
#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

volatile uint64_t checks_passed;

static uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

static struct thread *spawn(void *(*fn)(void *), void *arg, int32_t prio,
			    uint32_t tickets, size_t stack)
{
	struct thread_attr a = { .param = { .prio = prio, .tickets = tickets },
				 .stack_size = stack };
	struct thread *t = NULL;

	CHECK_EQ(thread_create(&t, fn, arg, &a), 0);
	return t;
}

static void *join(struct thread *t)
{
	void *r = NULL;

	CHECK_EQ(thread_join(t, &r), 0);
	return r;
}

/* Many threads. */

#define MANY 1000
static struct mutex many_lock = MUTEX_INIT;
static uint64_t many_count;

static struct sem many_gate;

static void *many_fn(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	sem_wait(&many_gate); /* so that all are alive at once */
	for (int k = 0; k < 3; k++) {
		CHECK_EQ(mutex_lock(&many_lock), 0);
		many_count++;
		CHECK_EQ(mutex_unlock(&many_lock), 0);
		thread_yield();
	}
	if (i % 100 == 0) {
		thread_sleep(2);
	}
	return (void *)(i * 7 + 1);
}

static void test_many(void)
{
	static struct thread *t[MANY];
	struct sched_stats st;

	sem_init(&many_gate, 0);
	for (uintptr_t i = 0; i < MANY; i++) {
		t[i] = spawn(many_fn, (void *)i, 0, 0, 8192);
	}
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, MANY + 1);
	for (uintptr_t i = 0; i < MANY; i++) {
		sem_post(&many_gate);
	}
	for (uintptr_t i = 0; i < MANY; i++) {
		CHECK_EQ((uintptr_t)join(t[i]), i * 7 + 1);
	}
	CHECK_EQ(many_count, 3 * MANY);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	printf("many: %d threads created, ran and joined\n", MANY);
}

/* Producer/consumer. */

#define SLOTS 8
#define PRODUCERS 2
#define CONSUMERS 2
#define ITEMS 4000 /* per producer */

static struct mutex pc_lock = MUTEX_INIT;
static struct cond pc_not_full = COND_INIT, pc_not_empty = COND_INIT;
static uint64_t ring[SLOTS], ring_n, ring_head;
static uint64_t seen[PRODUCERS * ITEMS / 64 + 1];
static uint64_t consumed, consumed_sum, producers_done;

static void *producer(void *arg)
{
	uint64_t base = (uintptr_t)arg * ITEMS;

	for (uint64_t i = 0; i < ITEMS; i++) {
		mutex_lock(&pc_lock);
		while (ring_n == SLOTS) {
			CHECK_EQ(cond_wait(&pc_not_full, &pc_lock), 0);
		}
		ring[(ring_head + ring_n++) % SLOTS] = base + i;
		cond_signal(&pc_not_empty);
		mutex_unlock(&pc_lock);
	}
	mutex_lock(&pc_lock);
	producers_done++;
	cond_broadcast(&pc_not_empty);
	mutex_unlock(&pc_lock);
	return NULL;
}

static void *consumer(void *arg)
{
	uint64_t mine = 0;

	for (;;) {
		uint64_t v;

		mutex_lock(&pc_lock);
		while (ring_n == 0 && producers_done < PRODUCERS) {
			cond_wait(&pc_not_empty, &pc_lock);
		}
		if (ring_n == 0) {
			mutex_unlock(&pc_lock);
			break;
		}
		v = ring[ring_head];
		ring_head = (ring_head + 1) % SLOTS;
		ring_n--;
		CHECK(!(seen[v / 64] >> (v % 64) & 1));
		seen[v / 64] |= 1ull << (v % 64);
		consumed++;
		consumed_sum += v;
		mine++;
		cond_signal(&pc_not_full);
		mutex_unlock(&pc_lock);
	}
	return (void *)(uintptr_t)mine;
}

static void test_producer_consumer(void)
{
	struct thread *p[PRODUCERS], *c[CONSUMERS];
	uint64_t n = PRODUCERS * ITEMS, total = 0;

	for (uintptr_t i = 0; i < CONSUMERS; i++) {
		c[i] = spawn(consumer, NULL, 0, 0, 0);
	}
	for (uintptr_t i = 0; i < PRODUCERS; i++) {
		p[i] = spawn(producer, (void *)i, 0, 0, 0);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		join(p[i]);
	}
	for (int i = 0; i < CONSUMERS; i++) {
		total += (uintptr_t)join(c[i]);
	}
	CHECK_EQ(consumed, n);
	CHECK_EQ(total, n);
	CHECK_EQ(consumed_sum, n * (n - 1) / 2);
	printf("producer/consumer: %lu items through %d slots, each once\n",
	       (unsigned long)n, SLOTS);
}

/* Preemption of a thread that never yields. */

static volatile uint64_t spin_count, spin_stop;

static void *spinner(void *arg)
{
	while (!spin_stop) {
		spin_count++;
	}
	return NULL;
}

static void test_preempt_spinner(void)
{
	const volatile struct exo_env_info *info = exo_env_info();
	uint64_t pre0, pre1, c0, t0, k0 = info->preemptions;
	struct thread *t;

	thread_sched_stats(NULL, NULL, &pre0);
	t = spawn(spinner, NULL, 0, 0, 0);
	t0 = ticks();
	/* The spinner runs now; we are back only if it is preempted. */
	thread_yield();
	c0 = spin_count;
	CHECK(c0 > 0);
	while (ticks() < t0 + 50) {
		thread_yield();
	}
	CHECK(spin_count > c0);
	spin_stop = 1;
	join(t);
	thread_sched_stats(NULL, NULL, &pre1);
	CHECK(pre1 > pre0);
	/* Alone, we still saw our slices end (the kernel's upcall). */
	CHECK(info->preemptions > k0);
	printf("preempt: a spinning thread was preempted %lu times\n",
	       (unsigned long)(pre1 - pre0));
}

/* Semaphores, thread-local data, sleep. */

static struct sem ping, pong;
static tls_key_t key;

static void *ponger(void *arg)
{
	errno = EBADF;
	CHECK_EQ(tls_set(key, arg), 0);
	for (int i = 0; i < 100; i++) {
		sem_wait(&ping);
		sem_post(&pong);
	}
	CHECK(tls_get(key) == arg);
	CHECK_EQ(errno, EBADF);
	return tls_get(key);
}

static void test_sem_tls_sleep(void)
{
	struct thread *t;
	uint64_t t0;
	int mine = 1, theirs = 2;

	sem_init(&ping, 0);
	sem_init(&pong, 0);
	CHECK_EQ(tls_key_create(&key), 0);
	CHECK_EQ(tls_set(key, &mine), 0);
	errno = ENOMEM;
	t = spawn(ponger, &theirs, 0, 0, 0);
	for (int i = 0; i < 100; i++) {
		sem_post(&ping);
		sem_wait(&pong);
	}
	CHECK_EQ(errno, ENOMEM); /* the ponger set its own errno */
	CHECK(join(t) == &theirs);
	CHECK(tls_get(key) == &mine);
	CHECK_EQ(sem_trywait(&pong), EXO_ERR_BUSY);
	CHECK_EQ(tls_set(TLS_KEYS, NULL), EXO_ERR_INVALID);
	t0 = ticks();
	thread_sleep(30);
	CHECK(ticks() >= t0 + 30);
	printf("sem, tls, errno, sleep: 100 ping-pongs, own values, slept %lu "
	       "ticks\n",
	       (unsigned long)(ticks() - t0));
}

/*
 * The kernel's yield_until: at once for a past tick; else the caller
 * sleeps in the kernel. So a program whose threads all sleep uses no
 * slices meanwhile (polling would use one per 10 ticks).
 */
static void test_idle_sleep(void)
{
	const volatile struct exo_env_info *info = exo_env_info();
	uint64_t t0 = ticks(), s0;

	CHECK_EQ(exo_yield_until(0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield_until(t0 + 20, 0, 0, 0, 0, 0), 0);
	CHECK(ticks() >= t0 + 20);
	s0 = info->slices;
	t0 = ticks();
	thread_sleep(200);
	CHECK(ticks() >= t0 + 200);
	CHECK(info->slices - s0 <= 3);
	printf("idle: slept 200 ticks in %lu slices\n",
	       (unsigned long)(info->slices - s0));
}

/*
 * The program's own fault handler works next to the threads' hooks: it
 * gets the faults they do not claim, and preemption goes on.
 */
#define FAULT_VA 0x0000670000000000ul
static volatile uint64_t faults_seen;

static int on_fault(struct exo_upcall_frame *f)
{
	if (f->vector == 14 && (f->addr & ~0xffful) == FAULT_VA &&
	    map_anon(FAULT_VA, 1) == 0) {
		faults_seen++;
		return 0;
	}
	return 1;
}

static void test_fault_handler(void)
{
	const volatile struct exo_env_info *info = exo_env_info();
	uint64_t k0 = info->preemptions, t0;
	struct thread *t;

	CHECK_EQ(set_fault_handler(on_fault, NULL), 0);
	spin_stop = 0;
	t = spawn(spinner, NULL, 0, 0, 0);
	*(volatile uint64_t *)FAULT_VA = 42; /* faults; the handler maps it */
	CHECK_EQ(faults_seen, 1);
	CHECK_EQ(*(volatile uint64_t *)FAULT_VA, 42);
	t0 = ticks();
	while (ticks() < t0 + 30) {
		thread_yield();
	}
	spin_stop = 1;
	join(t);
	CHECK(info->preemptions > k0);
	CHECK_EQ(set_fault_handler(NULL, NULL), 0);
	printf("fault handler: the program's own handler and the threads' "
	       "hooks side by side\n");
}

/* Errors. */

static void *nothing(void *arg)
{
	return arg;
}

static void test_errors(void)
{
	struct mutex m = MUTEX_INIT;
	struct thread *t;
	struct thread_attr big = { .stack_size = THREAD_STACK_MAX + 4096 };
	struct thread_attr bad = { .param = { .prio = SCHED_PRIO_MAX + 1 } };

	CHECK_EQ(thread_create(&t, NULL, NULL, NULL), EXO_ERR_INVALID);
	CHECK_EQ(thread_create(&t, nothing, NULL, &big), EXO_ERR_INVALID);
	CHECK_EQ(thread_create(&t, nothing, NULL, &bad), EXO_ERR_INVALID);
	CHECK_EQ(thread_join(thread_self(), NULL), EXO_ERR_INVALID);
	CHECK_EQ(mutex_unlock(&m), EXO_ERR_DENIED);
	CHECK_EQ(mutex_lock(&m), 0);
	CHECK_EQ(mutex_lock(&m), EXO_ERR_STATE);
	CHECK_EQ(mutex_trylock(&m), EXO_ERR_STATE);
	CHECK_EQ(mutex_unlock(&m), 0);
	t = spawn(nothing, (void *)5, 0, 0, 0);
	CHECK((uintptr_t)join(t) == 5);
	printf("errors: bad calls refused\n");
}

/* The allocator under preemption. */

#define ALLOCATORS 16
#ifndef ROUNDS
#define ROUNDS 20000
#endif

static void *churn(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	uint8_t *live[32] = { 0 };
	size_t len[32] = { 0 };

	for (int r = 0; r < ROUNDS; r++) {
		int i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)(x % 32);
		if (live[i]) {
			for (size_t k = 0; k < len[i]; k++) {
				CHECK_EQ(live[i][k], (uint8_t)(i + len[i]));
			}
			free(live[i]);
			live[i] = NULL;
		} else {
			len[i] = 1 + (size_t)(x >> 20) % 700;
			live[i] = malloc(len[i]);
			CHECK(live[i] != NULL);
			memset(live[i], (uint8_t)(i + len[i]), len[i]);
		}
	}
	for (int i = 0; i < 32; i++) {
		free(live[i]);
	}
	return NULL;
}

static void test_alloc(void)
{
	struct alloc *a = alloc_current();
	struct alloc_stats s0, s1;
	struct thread *t[ALLOCATORS];
	uint64_t pre0, pre1;

	alloc_stats(a, &s0);
	thread_sched_stats(NULL, NULL, &pre0);
	for (uintptr_t i = 0; i < ALLOCATORS; i++) {
		t[i] = spawn(churn, (void *)(i + 1), 0, 0, 0);
	}
	for (int i = 0; i < ALLOCATORS; i++) {
		join(t[i]);
	}
	thread_sched_stats(NULL, NULL, &pre1);
	alloc_stats(a, &s1);
	CHECK_EQ(s1.corruptions, 0);
	CHECK_EQ(s1.bad_frees, s0.bad_frees);
	CHECK_EQ(s1.blocks_in_use, s0.blocks_in_use);
	CHECK(s1.allocs - s0.allocs >= ALLOCATORS * ROUNDS / 4);
	printf("alloc: %s, %lu allocs by %d threads, %lu preemptions, "
	       "0 corrupt, 0 leaked\n",
	       alloc_slot.impl->name, (unsigned long)(s1.allocs - s0.allocs),
	       ALLOCATORS, (unsigned long)(pre1 - pre0));
}

void policy_checks(void);

int main(void)
{
	const char *name = sched_policy_name();

	printf("sched: policy %s\n", name);
	CHECK(strcmp(name, POLICY) == 0);
	test_errors();
	test_many();
	test_producer_consumer();
	test_preempt_spinner();
	test_sem_tls_sleep();
	test_idle_sleep();
	test_fault_handler();
	policy_checks();
	test_alloc();
	printf("sched: %s: all %lu checks passed\n", name,
	       (unsigned long)checks_passed);
	return 0;
}
