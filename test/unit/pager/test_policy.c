/* SPDX-License-Identifier: MIT */
/*
 * Replacement policies against reference traces. A fake memory of F
 * frames runs a trace: a hit sets the page's accessed bit, a miss fills
 * a free frame or the policy's victim. The expected hit counts come from
 * a reference model of the two definitions (second chance; 8-bit aging
 * updated at each choice, new pages entering at 0x80), run outside this
 * test; the first trace is Belady's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libos/pager_impl.h>

#define FRAMES_MAX 8

struct fake_mem {
	int page[FRAMES_MAX]; /* 0: free */
	int accessed[FRAMES_MAX];
	size_t frames;
	size_t victims;
};

static int fake_referenced(void *ctx, size_t slot)
{
	struct fake_mem *m = ctx;
	int r = m->accessed[slot];

	m->accessed[slot] = 0;
	return r;
}

static const struct pager_ref_ops fake_ref = { .referenced = fake_referenced };

static int run(struct pager_policy *pol, const int *trace, size_t n,
	       size_t frames)
{
	struct fake_mem m;
	int hits = 0;

	memset(&m, 0, sizeof(m));
	m.frames = frames;
	policy_reset(pol, frames);
	for (size_t i = 0; i < n; i++) {
		size_t s;

		for (s = 0; s < frames && m.page[s] != trace[i]; s++) {
		}
		if (s < frames) {
			hits++;
			m.accessed[s] = 1;
			continue;
		}
		for (s = 0; s < frames && m.page[s]; s++) {
		}
		if (s == frames) {
			s = policy_victim(pol, &fake_ref, &m);
			assert_true(s < frames);
			m.victims++;
		}
		m.page[s] = trace[i];
		m.accessed[s] = 1;
		policy_insert(pol, s);
	}
	return hits;
}

static const int belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
static const int aging_wins[] = { 3, 4, 1, 5, 1, 3, 2, 1, 3, 1, 5, 3, 3, 2 };
static const int clock_wins[] = { 5, 3, 4, 1, 1, 3, 1, 3, 4, 2, 1, 3, 5, 2 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_belady(void **state)
{
	struct policy_clock c;
	struct policy_aging a;

	policy_clock_init(&c);
	policy_aging_init(&a);
	assert_int_equal(run(&c.base, belady, N(belady), 3), 3);
	assert_int_equal(run(&a.base, belady, N(belady), 3), 2);
}

static void test_aging_beats_clock(void **state)
{
	struct policy_clock c;
	struct policy_aging a;

	policy_clock_init(&c);
	policy_aging_init(&a);
	assert_int_equal(run(&c.base, aging_wins, N(aging_wins), 3), 4);
	assert_int_equal(run(&a.base, aging_wins, N(aging_wins), 3), 7);
}

static void test_clock_beats_aging(void **state)
{
	struct policy_clock c;
	struct policy_aging a;

	policy_clock_init(&c);
	policy_aging_init(&a);
	assert_int_equal(run(&c.base, clock_wins, N(clock_wins), 3), 7);
	assert_int_equal(run(&a.base, clock_wins, N(clock_wins), 3), 5);
}

/* A loop one page bigger than memory: every access misses under both. */
static void test_loop_defeats_both(void **state)
{
	int loop[20];
	struct policy_clock c;
	struct policy_aging a;

	for (int i = 0; i < 20; i++) {
		loop[i] = 1 + i % 5;
	}
	policy_clock_init(&c);
	policy_aging_init(&a);
	assert_int_equal(run(&c.base, loop, 20, 4), 0);
	assert_int_equal(run(&a.base, loop, 20, 4), 0);
	/* With room for all five, only the first touches miss. */
	assert_int_equal(run(&c.base, loop, 20, 5), 15);
	assert_int_equal(run(&a.base, loop, 20, 5), 15);
}

/* Clock gives a used page its second chance and clears its bit. */
static void test_clock_second_chance(void **state)
{
	struct policy_clock c;
	struct fake_mem m = { .frames = 3 };

	policy_clock_init(&c);
	policy_reset(&c.base, 3);
	m.accessed[0] = 1;
	m.accessed[1] = 0;
	m.accessed[2] = 1;
	assert_int_equal(policy_victim(&c.base, &fake_ref, &m), 1);
	assert_int_equal(m.accessed[0], 0);
	assert_int_equal(m.accessed[2], 1); /* the hand stopped before it */
	m.accessed[0] = 0;
	/* Every bit set: one full turn, then the hand's first slot. */
	m.accessed[0] = m.accessed[1] = m.accessed[2] = 1;
	assert_int_equal(policy_victim(&c.base, &fake_ref, &m), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_belady),
		cmocka_unit_test(test_aging_beats_clock),
		cmocka_unit_test(test_clock_beats_aging),
		cmocka_unit_test(test_loop_defeats_both),
		cmocka_unit_test(test_clock_second_chance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
