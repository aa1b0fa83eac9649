/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the kernel heap over a fake page source that hands out
 * aligned_alloc'd pages, checks every run given back against what it handed
 * out, and lets a test cap how many pages it will give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fakes/page_source.h"

#include <exo/errors.h>

#include "mm/heap.h"

static struct fake_source src;
static struct heap heap;
/* Pages the source gave to heaps other than @heap. */
static size_t pages_elsewhere;

static const struct heap_page_ops fake_ops = {
	.alloc_pages = fake_alloc_pages,
	.free_pages = fake_free_pages,
};

static int setup(void **state)
{
	memset(&src, 0, sizeof(src));
	src.budget = SIZE_MAX;
	pages_elsewhere = 0;
	heap_init(&heap, &fake_ops, &src);
	return 0;
}

/*
 * Every page the heap took is either held (and counted) or was given back;
 * then release what the heap keeps for good so ASan sees no leak.
 */
static int teardown(void **state)
{
	size_t i;

	assert_int_equal(src.pages_out,
			 heap.stats.pages_held + pages_elsewhere);
	for (i = 0; i < src.nruns; i++) {
		free(src.runs[i].pages);
	}
	src.nruns = 0;
	return 0;
}

static void fill(void *p, size_t n, unsigned int seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		b[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
	}
}

static bool intact(const void *p, size_t n, unsigned int seed)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != (uint8_t)(seed * 31 + i * 7 + (i >> 8))) {
			return false;
		}
	}
	return true;
}

static void test_sizes_aligned_and_writable(void **state)
{
	static void *blocks[2200];
	size_t size, n = 0, i;

	/* Every size up to past the small limit, and some large ones. */
	for (size = 1; size <= 2100; size++) {
		void *p = heap_alloc(&heap, size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
		assert_true(heap_block_size(&heap, p) >= size);
		memset(p, 0xee, heap_block_size(&heap, p));
		blocks[n++] = p;
	}
	for (size = 4096 - 64; size <= 4096 + 64; size += 16) {
		void *p = heap_alloc(&heap, size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
		memset(p, 0xee, heap_block_size(&heap, p));
		blocks[n++] = p;
	}
	/* Each class rounds up to a power of two. */
	for (size = 16; size <= HEAP_MAX_SMALL; size *= 2) {
		void *a = heap_alloc(&heap, size);
		void *b = heap_alloc(&heap, size / 2 + 1);

		assert_int_equal(heap_block_size(&heap, a), size);
		assert_int_equal(heap_block_size(&heap, b), size);
		blocks[n++] = a;
		blocks[n++] = b;
	}
	assert_int_equal(heap_block_size(&heap, blocks[0]), 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(heap_free(&heap, blocks[i]), 0);
	}
	assert_int_equal(heap.stats.bytes_in_use, 0);
	assert_int_equal(heap.stats.allocs, n);
	assert_int_equal(heap.stats.frees, n);
	assert_int_equal(heap.stats.bad_frees, 0);
}

static void test_blocks_do_not_overlap(void **state)
{
	enum { N = 600 };
	static void *p[N];
	static size_t len[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		size_t size =
			(i % 7 == 6) ? 2049 + i * 13 : 1 + (i * 37) % 2048;

		p[i] = heap_alloc(&heap, size);
		assert_non_null(p[i]);
		/* Fill the whole usable size, not just what was asked for. */
		len[i] = heap_block_size(&heap, p[i]);
		fill(p[i], len[i], i);
	}
	for (i = 0; i < N; i++) {
		assert_true(intact(p[i], len[i], i));
	}
	/* Free every other block, reuse the slots, check again. */
	for (i = 0; i < N; i += 2) {
		assert_int_equal(heap_free(&heap, p[i]), 0);
	}
	for (i = 0; i < N; i += 2) {
		p[i] = heap_alloc(&heap, 1 + (i * 53) % 3000);
		assert_non_null(p[i]);
		len[i] = heap_block_size(&heap, p[i]);
		fill(p[i], len[i], i + 1000);
	}
	for (i = 0; i < N; i++) {
		assert_true(intact(p[i], len[i], i % 2 ? i : i + 1000));
		assert_int_equal(heap_free(&heap, p[i]), 0);
	}
	assert_int_equal(heap.stats.bytes_in_use, 0);
	assert_int_equal(heap.stats.bad_frees, 0);
}

static void test_large_uses_page_runs(void **state)
{
	size_t held;
	void *a, *b, *c;

	/* A small block takes one page, kept for its class. */
	a = heap_alloc(&heap, 100);
	assert_int_equal(src.last_alloc_count, 1);
	held = heap.stats.pages_held;
	assert_int_equal(held, 1);

	/* 2049 bytes plus the header still fit one page of their own. */
	b = heap_alloc(&heap, HEAP_MAX_SMALL + 1);
	assert_non_null(b);
	assert_int_equal(src.last_alloc_count, 1);
	assert_int_equal(heap.stats.pages_held, held + 1);
	assert_true(heap_block_size(&heap, b) >= HEAP_MAX_SMALL + 1);

	/* Three pages of payload need four pages with the header. */
	c = heap_alloc(&heap, 3 * HEAP_PAGE_SIZE);
	assert_non_null(c);
	assert_int_equal(src.last_alloc_count, 4);
	assert_int_equal(heap.stats.pages_held, held + 5);
	assert_int_equal(heap_block_size(&heap, c), 4 * HEAP_PAGE_SIZE - 32);
	memset(c, 0x11, heap_block_size(&heap, c));
	assert_int_equal(src.pages_out, held + 5);

	assert_int_equal(heap_free(&heap, c), 0);
	assert_int_equal(src.free_calls, 1);
	assert_int_equal(src.last_free_count, 4);
	assert_ptr_equal(src.last_freed,
			 (void *)((uintptr_t)c & ~(uintptr_t)4095));
	assert_int_equal(heap.stats.pages_held, held + 1);

	assert_int_equal(heap_free(&heap, b), 0);
	assert_int_equal(src.free_calls, 2);
	assert_int_equal(src.last_free_count, 1);
	assert_int_equal(heap.stats.pages_held, held);

	/* Small pages stay with the heap. */
	assert_int_equal(heap_free(&heap, a), 0);
	assert_int_equal(src.free_calls, 2);
	assert_int_equal(heap.stats.pages_held, 1);
	assert_int_equal(src.pages_out, 1);
}

static void test_free_null(void **state)
{
	assert_int_equal(heap_free(&heap, NULL), 0);
	assert_int_equal(heap.stats.frees, 0);
	assert_int_equal(heap.stats.bad_frees, 0);
	assert_int_equal(heap_block_size(&heap, NULL), 0);
}

/* A refused free must change nothing but bad_frees. */
static void expect_refused(void *p)
{
	struct heap_stats before = heap.stats;
	void *lists[HEAP_NCLASSES];

	memcpy(lists, heap.free_list, sizeof(lists));
	assert_int_equal(heap_free(&heap, p), EXO_ERR_INVALID);
	assert_int_equal(heap.stats.bad_frees, before.bad_frees + 1);
	before.bad_frees++;
	assert_memory_equal(&heap.stats, &before, sizeof(before));
	assert_memory_equal(heap.free_list, lists, sizeof(lists));
	assert_int_equal(heap_block_size(&heap, p), 0);
}

static void test_bad_frees_refused(void **state)
{
	static _Alignas(HEAP_PAGE_SIZE) uint8_t foreign[2 * HEAP_PAGE_SIZE];
	struct heap other;
	uint8_t *small, *small2, *large, *theirs;

	small = heap_alloc(&heap, 64);
	small2 = heap_alloc(&heap, 64);
	large = heap_alloc(&heap, 10000);
	assert_non_null(small);
	assert_non_null(small2);
	assert_non_null(large);
	fill(small, 64, 1);
	fill(large, 10000, 2);

	/* Foreign memory, zeroed and not. */
	memset(foreign, 0, sizeof(foreign));
	expect_refused(foreign + 64);
	expect_refused(foreign + 32);
	expect_refused(foreign + 16);
	expect_refused(foreign + HEAP_PAGE_SIZE);
	memset(foreign, 0xff, sizeof(foreign));
	expect_refused(foreign + 64);

	/* A genuine header copied elsewhere does not pass. */
	memcpy(foreign + 48, small - 16, 16);
	expect_refused(foreign + 64);
	memcpy(foreign + 16, large - 16, 16);
	expect_refused(foreign + 32);

	/* Interior pointers. */
	expect_refused(small + 16);
	expect_refused(small + 48);
	expect_refused(large + 16);
	expect_refused(large + HEAP_PAGE_SIZE);
	expect_refused(large + 2 * HEAP_PAGE_SIZE);
	expect_refused(large - 32);

	/* Misaligned pointers. */
	expect_refused(small + 1);
	expect_refused(small + 8);
	expect_refused(large + 4);

	/* Another heap's block. */
	heap_init(&other, &fake_ops, &src);
	theirs = heap_alloc(&other, 64);
	assert_non_null(theirs);
	expect_refused(theirs);
	assert_int_equal(heap_free(&other, theirs), 0);
	pages_elsewhere = other.stats.pages_held;

	/* The live blocks survived all that. */
	assert_true(intact(small, 64, 1));
	assert_true(intact(large, 10000, 2));

	/* Double frees, small and large (the latter's pages are gone). */
	assert_int_equal(heap_free(&heap, small), 0);
	expect_refused(small);
	assert_int_equal(heap_free(&heap, large), 0);
	expect_refused(large);

	assert_int_equal(heap.stats.bad_frees, 19);
	assert_int_equal(heap.stats.frees, 2);
	assert_int_equal(heap_free(&heap, small2), 0);
	assert_int_equal(heap.stats.bytes_in_use, 0);
}

static void test_stats_exact(void **state)
{
	void *a, *b, *c, *d;

	a = heap_alloc(&heap, 10);
	assert_int_equal(heap.stats.allocs, 1);
	assert_int_equal(heap.stats.bytes_in_use, 10);
	assert_int_equal(heap.stats.pages_held, 1);

	b = heap_alloc(&heap, 20);
	assert_int_equal(heap.stats.bytes_in_use, 30);
	assert_int_equal(heap.stats.pages_held, 2);

	c = heap_alloc(&heap, 16);
	assert_int_equal(heap.stats.bytes_in_use, 46);
	assert_int_equal(heap.stats.pages_held, 2);

	d = heap_alloc(&heap, 5000);
	assert_int_equal(heap.stats.allocs, 4);
	assert_int_equal(heap.stats.bytes_in_use, 5046);
	assert_int_equal(heap.stats.pages_held, 4);

	assert_int_equal(heap_free(&heap, d), 0);
	assert_int_equal(heap.stats.bytes_in_use, 46);
	assert_int_equal(heap.stats.pages_held, 2);
	assert_int_equal(heap_free(&heap, b), 0);
	assert_int_equal(heap.stats.bytes_in_use, 26);
	assert_int_equal(heap_free(&heap, a), 0);
	assert_int_equal(heap_free(&heap, c), 0);
	assert_int_equal(heap.stats.frees, 4);
	assert_int_equal(heap.stats.bytes_in_use, 0);
	assert_int_equal(heap.stats.pages_held, 2);
	assert_int_equal(heap.stats.bad_frees, 0);

	/* Failed allocations count nothing. */
	assert_null(heap_alloc(&heap, 0));
	assert_int_equal(heap.stats.allocs, 4);
}

static void test_zalloc_zeroes(void **state)
{
	uint8_t *p, *q;
	size_t i;

	p = heap_alloc(&heap, 200);
	memset(p, 0xcc, 200);
	assert_int_equal(heap_free(&heap, p), 0);
	q = heap_zalloc(&heap, 200);
	assert_ptr_equal(q, p); /* the same slot came back */
	for (i = 0; i < 200; i++) {
		assert_int_equal(q[i], 0);
	}
	p = heap_zalloc(&heap, 3 * HEAP_PAGE_SIZE + 5);
	assert_non_null(p);
	for (i = 0; i < 3 * HEAP_PAGE_SIZE + 5; i++) {
		assert_int_equal(p[i], 0);
	}
	assert_null(heap_zalloc(&heap, 0));
	assert_null(heap_zalloc(&heap, SIZE_MAX));
	assert_int_equal(heap_free(&heap, p), 0);
	assert_int_equal(heap_free(&heap, q), 0);
}

static void test_zero_and_huge_sizes(void **state)
{
	assert_null(heap_alloc(&heap, 0));
	/* Sizes whose page count would overflow never reach the source. */
	assert_null(heap_alloc(&heap, SIZE_MAX));
	assert_null(heap_alloc(&heap, SIZE_MAX - 16));
	assert_null(heap_alloc(&heap, SIZE_MAX - 32 - HEAP_PAGE_SIZE + 2));
	assert_int_equal(src.alloc_calls, 0);
	/* Ones that do not overflow are refused by the source. */
	assert_null(heap_alloc(&heap, SIZE_MAX - 32 - HEAP_PAGE_SIZE + 1));
	assert_null(heap_alloc(&heap, SIZE_MAX / 2));
	assert_null(heap_alloc(&heap, (size_t)FAKE_MAX_RUN * HEAP_PAGE_SIZE));
	assert_int_equal(src.alloc_calls, 3);
	assert_int_equal(heap.stats.allocs, 0);
	assert_int_equal(heap.stats.bytes_in_use, 0);
	assert_int_equal(heap.stats.pages_held, 0);
}

static void test_source_exhaustion(void **state)
{
	enum { PER_PAGE = HEAP_PAGE_SIZE / (64 + 16) };
	static void *p[3 * PER_PAGE];
	unsigned int n = 0, i;
	void *q;

	src.budget = 2;
	while ((q = heap_alloc(&heap, 64)) != NULL) {
		assert_true(n < 3 * PER_PAGE);
		fill(q, 64, n);
		p[n++] = q;
	}
	assert_int_equal(n, 2 * PER_PAGE);
	assert_int_equal(heap.stats.allocs, n);
	assert_int_equal(heap.stats.pages_held, 2);
	assert_null(heap_alloc(&heap, 64));
	assert_null(heap_alloc(&heap, 16));
	assert_null(heap_alloc(&heap, 5000));
	assert_int_equal(heap.stats.allocs, n);
	assert_int_equal(heap.stats.bytes_in_use, (uint64_t)n * 64);

	/* A freed slot is usable again; nothing was damaged. */
	assert_int_equal(heap_free(&heap, p[7]), 0);
	q = heap_alloc(&heap, 50);
	assert_ptr_equal(q, p[7]);
	fill(q, 64, 7);
	for (i = 0; i < n; i++) {
		assert_true(intact(p[i], 64, i));
		assert_int_equal(heap_free(&heap, p[i]), 0);
	}
	assert_int_equal(heap.stats.bytes_in_use, 0);

	/* A large request bigger than what is left fails cleanly too. */
	src.budget = 3;
	assert_null(heap_alloc(&heap, 4 * HEAP_PAGE_SIZE));
	q = heap_alloc(&heap, 2 * HEAP_PAGE_SIZE);
	assert_non_null(q);
	assert_int_equal(heap_free(&heap, q), 0);
	assert_int_equal(heap.stats.bad_frees, 0);
}

static void test_overwritten_free_slot_not_reused(void **state)
{
	uint8_t *a, *b;

	a = heap_alloc(&heap, 64);
	assert_int_equal(heap_free(&heap, a), 0);
	/* Simulate a stray write over the free slot's header. */
	memset(a - 16, 0, 16);
	b = heap_alloc(&heap, 64);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	assert_int_equal(heap.stats.pages_held, 2);
	assert_int_equal(heap_free(&heap, b), 0);
}

/* xorshift64: a fixed seed makes every run the same. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_randomized(void **state)
{
	enum { SLOTS = 512 };
	static void *p[SLOTS];
	static size_t len[SLOTS];
	static unsigned int seed[SLOTS];
	uint64_t in_use = 0, allocs = 0, frees = 0, bad = 0, step;
	unsigned int i;

	memset(p, 0, sizeof(p));
	rng_state = 0x243f6a8885a308d3ull;
	for (step = 0; step < 50000; step++) {
		i = rng() % SLOTS;
		if (p[i] != NULL) {
			void *gone = p[i];

			assert_true(intact(p[i], len[i], seed[i]));
			assert_int_equal(heap_free(&heap, p[i]), 0);
			in_use -= len[i];
			frees++;
			p[i] = NULL;
			if (rng() % 16 == 0) {
				/* Now a double free, while others live on. */
				assert_int_equal(heap_free(&heap, gone),
						 EXO_ERR_INVALID);
				bad++;
			}
		} else {
			uint64_t r = rng();
			size_t size = (r % 10 == 0) ? 1 + (r >> 8) % 20000
						    : 1 + (r >> 8) % 300;

			p[i] = heap_alloc(&heap, size);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % HEAP_ALIGN, 0);
			len[i] = size;
			seed[i] = (unsigned int)step;
			fill(p[i], size, seed[i]);
			in_use += size;
			allocs++;
		}
		assert_int_equal(heap.stats.bytes_in_use, in_use);
		assert_int_equal(heap.stats.allocs, allocs);
		assert_int_equal(heap.stats.frees, frees);
		assert_int_equal(heap.stats.bad_frees, bad);
		assert_int_equal(src.pages_out, heap.stats.pages_held);
	}
	for (i = 0; i < SLOTS; i++) {
		if (p[i] != NULL) {
			assert_true(intact(p[i], len[i], seed[i]));
			assert_int_equal(heap_free(&heap, p[i]), 0);
		}
	}
	assert_int_equal(heap.stats.bytes_in_use, 0);
	assert_int_equal(heap.stats.allocs, heap.stats.frees);
	assert_int_equal(heap.stats.bad_frees, bad);
	assert_true(bad > 0);
	/* Only small-class pages remain. */
	assert_null(heap.large);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes_aligned_and_writable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_do_not_overlap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_uses_page_runs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_null, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stats_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zalloc_zeroes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_and_huge_sizes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_source_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_overwritten_free_slot_not_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_randomized, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
