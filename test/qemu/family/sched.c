/* SPDX-License-Identifier: MIT */
/*
 * family-sched: time slices and yield. A spinning environment cannot
 * starve another, runnable environments take turns, a directed yield runs
 * its target next, and only runnable environments can be yielded to.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define NO_SUCH_ENV 0x7fffff42u
#define SPINNERS 3
#define WINDOW_TICKS 60

/* Words of shared page 1 (directed yield). */
enum { S_ROUND, S_READY_A, S_READY_B, S_READY_C, S_FIRST = 8 };
#define ROUNDS 6
#define NOTIFY_BIT 0x40u

static exo_envid_t me;

static void destroy(exo_envid_t id)
{
	CHECK_EQ(exo_env_destroy(id, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(child_wait(id).reason, EXO_EXIT_KILLED);
}

/* Count forever in word @i of shared page 0. */
static int child_count(uint64_t i)
{
	volatile uint64_t *s = shared_wait(0);

	for (;;) {
		s[i]++;
	}
	return 0;
}

static void test_yield_calls(void)
{
	step("yield with nobody else: ANY, SELF and our own id return 0");
	CHECK_EQ(exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield(EXO_ENV_SELF, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield(me, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield(NO_SUCH_ENV, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
}

static void test_no_starving(void)
{
	const volatile struct exo_env_info *info = exo_env_info();
	volatile uint64_t *s = shared_new(0);
	uint64_t t0, p0, c0, progress = 0;
	exo_envid_t id;

	step("a spinning child cannot starve us while we spin too");
	id = child_spawn(child_count, 0);
	shared_give(id, 0);
	wait_for(&s[0], 1);
	c0 = s[0];
	p0 = info->preemptions;
	t0 = ticks();
	while (ticks() < t0 + WINDOW_TICKS) {
		progress++;
	}
	CHECK(progress > 0);
	CHECK(info->preemptions > p0);
	CHECK(s[0] > c0);
	destroy(id);
	shared_free(0);
}

static void test_round_robin(void)
{
	volatile uint64_t *s = shared_new(0);
	uint64_t first[SPINNERS], a[SPINNERS], t0, lo = ~0ul, hi = 0;
	exo_envid_t ids[SPINNERS];

	step("three spinning children all make progress, window after window");
	for (int i = 0; i < SPINNERS; i++) {
		ids[i] = child_spawn(child_count, (uint64_t)i);
	}
	for (int i = 0; i < SPINNERS; i++) {
		shared_give(ids[i], 0);
	}
	for (int i = 0; i < SPINNERS; i++) {
		wait_for(&s[i], 1);
	}
	for (int i = 0; i < SPINNERS; i++) {
		first[i] = s[i];
	}
	for (int w = 0; w < 4; w++) {
		for (int i = 0; i < SPINNERS; i++) {
			a[i] = s[i];
		}
		t0 = ticks();
		while (ticks() < t0 + WINDOW_TICKS) {
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
		for (int i = 0; i < SPINNERS; i++) {
			CHECK(s[i] > a[i]);
		}
	}

	step("round-robin: over all windows each gets a similar share");
	for (int i = 0; i < SPINNERS; i++) {
		uint64_t d = s[i] - first[i];

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	printf("sched: least and most progress: %lu, %lu\n", (unsigned long)lo,
	       (unsigned long)hi);
	CHECK(lo * 2 >= hi);
	for (int i = 0; i < SPINNERS; i++) {
		destroy(ids[i]);
	}
	shared_free(0);
}

/* Record, for each new round, whether we ran first after it began. */
static int child_rounds(uint64_t idx)
{
	volatile uint64_t *s = shared_wait(1);
	uint64_t seen = 0, r;

	s[S_READY_A + idx - 1] = 1;
	for (;;) {
		r = s[S_ROUND];
		if (r != seen) {
			seen = r;
			if (!s[S_FIRST + r]) {
				s[S_FIRST + r] = idx;
			}
		}
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return 0;
}

/* Block in ipc_recv until notified. */
static int child_receiver(uint64_t arg)
{
	volatile uint64_t *s = shared_wait(1);
	struct exo_msg m;

	s[S_READY_C] = 1;
	CHECK_EQ(exo_ipc_recv_msg(0, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(m.w[0], NOTIFY_BIT);
	return 0;
}

static void test_directed(void)
{
	volatile uint64_t *s = shared_new(1);
	exo_envid_t ab[2], c;
	struct exo_msg m;
	int64_t id;

	step("a directed yield runs its target before the run queue");
	ab[0] = child_spawn(child_rounds, 1);
	ab[1] = child_spawn(child_rounds, 2);
	shared_give(ab[0], 1);
	shared_give(ab[1], 1);
	wait_for(&s[S_READY_A], 1);
	wait_for(&s[S_READY_B], 1);
	for (uint64_t r = 1; r <= ROUNDS; r++) {
		uint64_t who = r % 2 ? 1 : 2;

		/* A fresh slice, so the target keeps the CPU long enough. */
		CHECK_EQ(exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0), 0);
		s[S_ROUND] = r;
		CHECK_EQ(exo_yield(ab[who - 1], 0, 0, 0, 0, 0), 0);
		CHECK_EQ(s[S_FIRST + r], who);
	}

	step("yield to an env blocked in ipc_recv: STATE; once woken: runs");
	c = child_spawn(child_receiver, 0);
	shared_give(c, 1);
	wait_for(&s[S_READY_C], 1);
	wait_blocked(c);
	CHECK_EQ(exo_yield(c, 0, 0, 0, 0, 0), EXO_ERR_STATE);
	CHECK_EQ(exo_notify(c, NOTIFY_BIT, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield(c, 0, 0, 0, 0, 0), 0);
	child_expect_exit(c, 0);

	step("yield to an env never started: STATE; to an ended one: "
	     "NOT_FOUND");
	id = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(id > 0);
	child_track((exo_envid_t)id);
	CHECK_EQ(exo_yield((uint64_t)id, 0, 0, 0, 0, 0), EXO_ERR_STATE);
	destroy((exo_envid_t)id);
	drain_notifications();
	id = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(id > 0);
	child_track((exo_envid_t)id);
	CHECK_EQ(exo_env_destroy((uint64_t)id, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_ipc_recv_msg(0, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(exo_yield((uint64_t)id, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(child_wait((exo_envid_t)id).reason, EXO_EXIT_KILLED);

	destroy(ab[0]);
	destroy(ab[1]);
	shared_free(1);
}

int main(void)
{
	me = env_self();
	check_begin("sched");
	test_yield_calls();
	test_no_starving();
	test_round_robin();
	test_directed();
	return check_end();
}
