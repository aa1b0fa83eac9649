/* SPDX-License-Identifier: MIT */
/*
 * sched-fork: a fork child of a program with threads has one thread, the
 * one that forked, and starts threads of its own.
 *
 * From a thread: the parent has six threads besides main (blocked on a
 * condition variable, on a mutex main holds, on a mutex the forking
 * thread holds, sleeping with a deep stack, runnable and yielding, and
 * the forking thread) while main waits to join the forking thread. The
 * child sees one thread with the forking thread's id, the deep stack's
 * pages below what a free slot keeps gone, unlocks the mutex it held
 * (its waiter did not come along) and locks it again, runs four workers
 * on the freed slots that share a counter under a mutex, joins them, and
 * ends by returning from the thread's function (it is the child's lead).
 * The parent's threads then all finish their work and are joined.
 *
 * From main: two threads exist (one blocked on a condition variable, one
 * yielding); the child keeps main (id 1) alone, runs and joins two
 * workers and exits 0; the parent releases and joins its threads. The
 * same with spawn_fn from a thread: the child keeps the spawning thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libos/pager.h>
#include <libos/runtime.h>
#include <libos/sched.h>
#include <libos/sched_impl.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE
#define UNITS 1000
#define WORKERS 4
#define DEEP (128 * 1024) /* what the sleeper's stack uses */
#define DEEP_STACK (256 * 1024)

/* A policy to swap to right before the fork from a thread (or none). */
#ifndef POLICY
#define POLICY "sched.rr"
#endif
#ifndef SWAP_POLICY
#define SWAP_POLICY ""
#endif

volatile uint64_t checks_passed;

/* The top of the stack slot the calling thread runs on. */
static uint64_t my_top(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	return pager_stack_top(pager_stack_slot(sp));
}

/* Work whose result depends on every step: a sum of @seed + i. */
static uint64_t work(uint64_t seed)
{
	uint64_t s = 0;

	for (uint64_t i = 0; i < UNITS; i++) {
		s += seed + i;
		if (i % 250 == 0) {
			thread_yield();
		}
	}
	return s;
}

static uint64_t work_want(uint64_t seed)
{
	return seed * UNITS + (uint64_t)UNITS * (UNITS - 1) / 2;
}

static struct mutex m, gate_m, fm;
static struct cond cv;
static volatile int go;
static volatile uint64_t tops[8]; /* stack slot tops of the threads */

enum { T_COND, T_GATE, T_FM, T_SLEEP, T_SPIN, T_FORK, T_N };

static void *cond_waiter(void *arg)
{
	tops[T_COND] = my_top();
	mutex_lock(&m);
	while (!go) {
		cond_wait(&cv, &m);
	}
	mutex_unlock(&m);
	return (void *)(uintptr_t)work(1);
}

static void *gate_waiter(void *arg)
{
	tops[T_GATE] = my_top();
	mutex_lock(&gate_m);
	mutex_unlock(&gate_m);
	return (void *)(uintptr_t)work(2);
}

static volatile int fm_held;

static void *fm_waiter(void *arg)
{
	tops[T_FM] = my_top();
	while (!fm_held) {
		thread_yield();
	}
	mutex_lock(&fm);
	mutex_unlock(&fm);
	return (void *)(uintptr_t)work(3);
}

static volatile uint64_t deep_resident;

static void *sleeper(void *arg)
{
	volatile uint8_t *buf = __builtin_alloca(DEEP);
	uint64_t top = my_top();

	tops[T_SLEEP] = top;
	memset((void *)buf, 5, DEEP);
	deep_resident = resident(top - DEEP_STACK, top);
	while (!go) {
		thread_sleep(1);
	}
	return (void *)(uintptr_t)(work(4) + buf[DEEP / 2] - 5);
}

static volatile uint64_t spins;

static void *spinner(void *arg)
{
	tops[T_SPIN] = my_top();
	while (!go) {
		spins += work(5) == work_want(5);
	}
	return (void *)(uintptr_t)work(5);
}

/* The child's workers: a shared counter under a mutex, and their own. */
static struct mutex cm;
static volatile uint64_t total;
static volatile uint64_t worker_tops[WORKERS];

static void *worker(void *arg)
{
	uintptr_t k = (uintptr_t)arg;
	uint64_t own = 0;

	worker_tops[k] = my_top();
	for (uint64_t i = 0; i < UNITS; i++) {
		mutex_lock(&cm);
		total++;
		own += k + i;
		mutex_unlock(&cm);
		if (i % 4 == 0) {
			thread_yield();
		}
	}
	return (void *)(uintptr_t)own;
}

/* Start @n workers, join them, check every result and the total. */
static void run_workers(int n)
{
	struct thread *w[WORKERS];
	struct sched_stats st;
	void *r;

	mutex_init(&cm);
	total = 0;
	for (int k = 0; k < n; k++) {
		CHECK_EQ(thread_create(&w[k], worker, (void *)(uintptr_t)k,
				       NULL),
			 0);
	}
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1 + n);
	for (int k = 0; k < n; k++) {
		CHECK_EQ(thread_join(w[k], &r), 0);
		CHECK_EQ((uintptr_t)r, work_want((uint64_t)k));
	}
	CHECK_EQ(total, (uint64_t)n * UNITS);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
}

static int was_vanished_top(uint64_t top)
{
	for (int i = 0; i < T_N; i++) {
		if (i != T_FORK && tops[i] == top) {
			return 1;
		}
	}
	return 0;
}

/* Threads in the sched slot's checkpoint (a framed state). */
static uint32_t ckpt_threads(void)
{
	const struct sched_state *st;

	CHECK(sched_gate.ckpt != NULL);
	CHECK(sched_gate.ckpt_size >=
	      sizeof(struct module_state_hdr) + sizeof(*st));
	st = (const struct sched_state *)((const char *)sched_gate.ckpt +
					  sizeof(struct module_state_hdr));
	CHECK_EQ(st->magic, SCHED_STATE_MAGIC);
	return st->count;
}

/* In the child of the forking thread. */
static void *fork_child(uint32_t my_id)
{
	uint64_t top = tops[T_SLEEP];
	struct sched_stats st;

	/* The copy is taken over as pager_fork returns: nothing ran yet. */
	CHECK_EQ(resident(top - DEEP_STACK, top - PAGER_STACK_KEEP * PAGE), 0);
	CHECK(resident(top - PAGER_STACK_KEEP * PAGE, top) <= PAGER_STACK_KEEP);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	CHECK_EQ(thread_id(thread_self()), my_id);
	if (SWAP_POLICY[0]) {
		/* The swap's checkpoint now holds the child's one thread. */
		CHECK_EQ(ckpt_threads(), 1);
	}
	/* Held at the fork with a waiter that did not come along. */
	CHECK_EQ(mutex_unlock(&fm), 0);
	CHECK_EQ(mutex_trylock(&fm), 0);
	CHECK_EQ(mutex_unlock(&fm), 0);
	/* Its waiter did not come along either: nobody to wake. */
	cond_broadcast(&cv);
	run_workers(WORKERS);
	for (int k = 0; k < WORKERS; k++) {
		CHECK(was_vanished_top(worker_tops[k]));
	}
	if (SWAP_POLICY[0]) {
		/* Forked in the swap's window: the slot moves one thread. */
		const char *from = sched_policy_name();

		CHECK_EQ(strcmp(from, SWAP_POLICY), 0);
		CHECK_EQ(thread_sched_swap(POLICY), 0);
		CHECK_EQ(strcmp(sched_policy_name(), POLICY), 0);
		run_workers(WORKERS);
		printf("fork: the child swapped %s -> %s and ran %d workers\n",
		       from, POLICY, WORKERS);
	}
	thread_sleep(2);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	printf("fork: the child of thread %u has 1 thread, %d workers on "
	       "the freed slots counted %lu units, its vanished sleeper's "
	       "deep stack is gone\n",
	       my_id, WORKERS, (unsigned long)total);
	/* The lead: returning ends the child with this code. */
	return (void *)0;
}

static void *forker(void *arg)
{
	struct thread *waiter = arg;
	struct exo_exit_info x;
	struct sched_stats st;
	uint32_t my_id = thread_id(thread_self());
	int64_t id;

	tops[T_FORK] = my_top();
	CHECK_EQ(mutex_lock(&fm), 0);
	fm_held = 1;
	/* Let fm's waiter block on it. */
	while (waiter->state != SCHED_T_BLOCKED) {
		thread_yield();
	}
	if (SWAP_POLICY[0]) {
		CHECK_EQ(thread_sched_swap(SWAP_POLICY), 0);
		thread_sched_stats(&st, NULL, NULL);
		CHECK_EQ(ckpt_threads(), st.threads);
	}
	id = pager_fork();
	if (id == 0) {
		return fork_child(my_id);
	}
	CHECK(id > 0);
	CHECK_EQ(wait_child((exo_envid_t)id, &x), id);
	CHECK_EQ(x.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(x.code, 0);
	CHECK_EQ(mutex_unlock(&fm), 0);
	return (void *)(uintptr_t)work(6);
}

static void wait_state(struct thread *t, uint32_t state)
{
	while (t->state != state) {
		thread_yield();
	}
}

/* Until the spinner has been round its loop (again). */
static void wait_spins(void)
{
	uint64_t n = spins;

	while (spins == n) {
		thread_yield();
	}
}

static void fork_from_thread(void)
{
	struct thread_attr deep = { .stack_size = DEEP_STACK };
	struct thread *t[T_N];
	struct sched_stats st;
	void *r;

	mutex_init(&m);
	mutex_init(&gate_m);
	mutex_init(&fm);
	cond_init(&cv);
	CHECK_EQ(mutex_lock(&gate_m), 0);
	CHECK_EQ(thread_create(&t[T_COND], cond_waiter, NULL, NULL), 0);
	CHECK_EQ(thread_create(&t[T_GATE], gate_waiter, NULL, NULL), 0);
	CHECK_EQ(thread_create(&t[T_FM], fm_waiter, NULL, NULL), 0);
	CHECK_EQ(thread_create(&t[T_SLEEP], sleeper, NULL, &deep), 0);
	CHECK_EQ(thread_create(&t[T_SPIN], spinner, NULL, NULL), 0);
	wait_state(t[T_COND], SCHED_T_BLOCKED);
	wait_state(t[T_GATE], SCHED_T_BLOCKED);
	wait_state(t[T_SLEEP], SCHED_T_SLEEPING);
	wait_spins();
	CHECK(deep_resident >= DEEP / PAGE);
	/* fm_waiter blocks on fm once the forker holds it. */
	CHECK_EQ(thread_create(&t[T_FORK], forker, t[T_FM], NULL), 0);
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1 + T_N);
	CHECK_EQ(thread_join(t[T_FORK], &r), 0);
	CHECK_EQ((uintptr_t)r, work_want(6));
	/* Release the others; each does its work. */
	mutex_lock(&m);
	go = 1;
	cond_broadcast(&cv);
	mutex_unlock(&m);
	mutex_unlock(&gate_m);
	for (int i = 0; i < T_N; i++) {
		if (i == T_FORK) {
			continue;
		}
		CHECK_EQ(thread_join(t[i], &r), 0);
		CHECK_EQ((uintptr_t)r, work_want((uint64_t)i + 1));
	}
	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	printf("fork: a thread forked while 6 others were blocked, asleep "
	       "or running, after the child all 6 did their work and were "
	       "joined\n");
}

/* One thread waiting on the condition variable, one spinning (runnable). */
static void two_threads(struct thread **t)
{
	go = 0;
	mutex_init(&m);
	cond_init(&cv);
	CHECK_EQ(thread_create(&t[0], cond_waiter, NULL, NULL), 0);
	CHECK_EQ(thread_create(&t[1], spinner, NULL, NULL), 0);
	wait_state(t[0], SCHED_T_BLOCKED);
	wait_spins();
}

/* Release two_threads' pair and check each finished its work. */
static void two_threads_end(struct thread **t)
{
	void *r;

	mutex_lock(&m);
	go = 1;
	cond_broadcast(&cv);
	mutex_unlock(&m);
	CHECK_EQ(thread_join(t[0], &r), 0);
	CHECK_EQ((uintptr_t)r, work_want(1));
	CHECK_EQ(thread_join(t[1], &r), 0);
	CHECK_EQ((uintptr_t)r, work_want(5));
}

static void fork_from_main(void)
{
	struct thread *t[2];
	struct exo_exit_info x;
	struct sched_stats st;
	int64_t id;

	two_threads(t);
	id = pager_fork();
	if (id == 0) {
		thread_sched_stats(&st, NULL, NULL);
		CHECK_EQ(st.threads, 1);
		CHECK_EQ(thread_id(thread_self()), 1);
		tops[T_COND] = tops[T_SPIN] = 0;
		run_workers(2);
		printf("fork: the child of main has 1 thread and ran 2 "
		       "workers\n");
		exit(0);
	}
	CHECK(id > 0);
	CHECK_EQ(wait_child((exo_envid_t)id, &x), id);
	CHECK_EQ(x.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(x.code, 0);
	two_threads_end(t);
	printf("fork: main forked while 2 threads existed, both finished "
	       "after the child\n");
}

/* spawn_fn from a thread: the child runs the spawning thread alone. */
static volatile uint32_t spawner_id;

static int spawn_child(uint64_t arg)
{
	struct sched_stats st;

	thread_sched_stats(&st, NULL, NULL);
	CHECK_EQ(st.threads, 1);
	CHECK_EQ(thread_id(thread_self()), spawner_id);
	run_workers(2);
	printf("fork: the spawn_fn child of thread %u has 1 thread and ran 2 "
	       "workers\n",
	       spawner_id);
	return 0;
}

static void *spawner(void *arg)
{
	spawner_id = thread_id(thread_self());
	CHECK_SPAWN_EXIT(spawn_child, 0, 0);
	return (void *)(uintptr_t)work(6);
}

static void spawn_from_thread(void)
{
	struct thread *t[3];
	void *r;

	two_threads(t);
	CHECK_EQ(thread_create(&t[2], spawner, NULL, NULL), 0);
	CHECK_EQ(thread_join(t[2], &r), 0);
	CHECK_EQ((uintptr_t)r, work_want(6));
	two_threads_end(t);
}

int main(void)
{
	fork_from_thread();
	fork_from_main();
	spawn_from_thread();
	printf("fork: all %lu checks passed\n", (unsigned long)checks_passed);
	return 0;
}
