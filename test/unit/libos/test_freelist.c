/* SPDX-License-Identifier: MIT */
/*
 * Host tests of alloc.freelist over a fake page source that hands out
 * aligned_alloc'd pages full of garbage, checks every run given back
 * against what it handed out, and lets a test cap how many pages it will
 * still give. Every test ends with the allocator's own consistency check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <exo/errors.h>

#include "alloc/freelist.h"
#include "fakes/page_source.h"

#define CHUNK_BYTES (FL_CHUNK_PAGES * FL_PAGE_SIZE)

struct reports {
	size_t count;
	const char *op;
	const void *p;
	const char *why;
};

static struct fake_source src;
static struct freelist fl;
static struct alloc *a = &fl.base;
static struct reports rep;
static size_t refused; /* pointers expect_refused_free saw refused */

static const struct alloc_page_ops fake_ops = {
	.alloc_pages = fake_alloc_pages,
	.free_pages = fake_free_pages,
};

static void fake_report(struct freelist *f, const char *op, const void *p,
			const char *why)
{
	assert_ptr_equal(f, &fl);
	rep.count++;
	rep.op = op;
	rep.p = p;
	rep.why = why;
}

static int setup(void **state)
{
	memset(&src, 0, sizeof(src));
	memset(&rep, 0, sizeof(rep));
	refused = 0;
	src.budget = SIZE_MAX;
	freelist_init(&fl, &fake_ops, &src, fake_report);
	return 0;
}

/* Everything the allocator took is held and counted; then release it. */
static int teardown(void **state)
{
	size_t i;

	assert_int_equal(src.pages_out, fl.stats.pages_held);
	for (i = 0; i < src.nruns; i++) {
		free(src.runs[i].pages);
	}
	src.nruns = 0;
	return 0;
}

static void check_ok(void)
{
	size_t before = rep.count;

	assert_int_equal(freelist_check(&fl), 0);
	assert_int_equal(rep.count, before);
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

/* xorshift64: a fixed seed makes every run the same. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void shuffle(size_t *order, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		order[i] = i;
	}
	for (i = n - 1; i > 0; i--) {
		size_t j = rng() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

/* Pages held with nothing live: the span table and the spare chunk. */
static size_t idle_pages(void)
{
	return fl.span_pages + (fl.spare ? FL_CHUNK_PAGES : 0);
}

static void test_sizes_aligned_and_writable(void **state)
{
	static void *blocks[3200];
	size_t size, n = 0, i;

	for (size = 0; size <= 3000; size++) {
		void *p = alloc_malloc(a, size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % FL_ALIGN, 0);
		assert_true(alloc_usable_size(a, p) >= size);
		assert_true(alloc_usable_size(a, p) >= 16);
		memset(p, 0xee, alloc_usable_size(a, p));
		blocks[n++] = p;
	}
	for (size = FL_LARGE_MIN - 64; size <= FL_LARGE_MIN + 64; size += 8) {
		void *p = alloc_malloc(a, size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % FL_ALIGN, 0);
		assert_true(alloc_usable_size(a, p) >= size);
		memset(p, 0xee, alloc_usable_size(a, p));
		blocks[n++] = p;
	}
	check_ok();
	assert_int_equal(fl.stats.blocks_in_use, n);
	for (i = 0; i < n; i++) {
		alloc_free(a, blocks[i]);
	}
	assert_int_equal(fl.stats.bytes_in_use, 0);
	assert_int_equal(fl.stats.blocks_in_use, 0);
	assert_int_equal(fl.stats.allocs, n);
	assert_int_equal(fl.stats.frees, n);
	assert_int_equal(fl.stats.bad_frees, 0);
	assert_int_equal(rep.count, 0);
	assert_int_equal(fl.stats.pages_held, idle_pages());
	check_ok();
}

static void test_zero_size_blocks_are_distinct(void **state)
{
	void *p = alloc_malloc(a, 0), *q = alloc_malloc(a, 0);

	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	assert_int_equal(fl.stats.bytes_in_use, 0);
	assert_int_equal(fl.stats.blocks_in_use, 2);
	alloc_free(a, p);
	alloc_free(a, q);
	alloc_free(a, NULL);
	assert_int_equal(fl.stats.frees, 2);
	assert_int_equal(fl.stats.bad_frees, 0);
	check_ok();
}

/*
 * Fill a bounded heap with blocks of many sizes, free half: no big hole.
 * Free the rest in random order: the chunks coalesce back whole, and a
 * block as big as a chunk allows comes from them with no new pages.
 */
static void test_fragmentation_then_coalescing(void **state)
{
	enum { MAX = 20000 };
	static void *p[MAX];
	static size_t len[MAX], order[MAX];
	size_t n = 0, i, calls, held;
	void *big;

	rng_state = 0x9e3779b97f4a7c15ull;
	/* One page of span table and three chunks, no more. */
	src.budget = 1 + 3 * FL_CHUNK_PAGES;
	for (;;) {
		size_t size = 1 + rng() % 600;

		assert_true(n < MAX);
		p[n] = alloc_malloc(a, size);
		if (p[n] == NULL) {
			break;
		}
		len[n] = size;
		fill(p[n], size, (unsigned int)n);
		n++;
	}
	assert_int_equal(src.budget, 0);
	assert_true(n > 3 * CHUNK_BYTES / 700);
	check_ok();

	/* Every other block freed: holes of at most two blocks. */
	for (i = 1; i < n; i += 2) {
		alloc_free(a, p[i]);
		p[i] = NULL;
	}
	check_ok();
	assert_null(alloc_malloc(a, 2000));
	assert_null(alloc_malloc(a, FL_LARGE_MIN));
	for (i = 0; i < n; i += 2) {
		assert_true(intact(p[i], len[i], (unsigned int)i));
	}

	/* The rest, in random order. */
	shuffle(order, n);
	for (i = 0; i < n; i++) {
		if (p[order[i]]) {
			alloc_free(a, p[order[i]]);
			p[order[i]] = NULL;
		}
		if (i % 97 == 0) {
			check_ok();
		}
	}
	assert_int_equal(fl.stats.blocks_in_use, 0);
	assert_int_equal(fl.stats.bad_frees, 0);
	/* Two empty chunks went back; one is kept. */
	assert_int_equal(fl.stats.pages_held, 1 + FL_CHUNK_PAGES);
	assert_int_equal(src.budget, 2 * FL_CHUNK_PAGES);
	check_ok();

	src.budget = 0;
	calls = src.alloc_calls;
	held = fl.stats.pages_held;
	big = alloc_malloc(a, FL_LARGE_MIN);
	assert_non_null(big);
	assert_int_equal(src.alloc_calls, calls);
	assert_int_equal(fl.stats.pages_held, held);
	fill(big, FL_LARGE_MIN, 5);
	check_ok();
	alloc_free(a, big);
	check_ok();
}

static void test_neighbours_merge_both_ways(void **state)
{
	void *x, *b1, *b2, *b3, *y, *m;

	x = alloc_malloc(a, 100);
	b1 = alloc_malloc(a, 200);
	b2 = alloc_malloc(a, 300);
	b3 = alloc_malloc(a, 400);
	y = alloc_malloc(a, 100);
	/* Blocks come out of the chunk in address order. */
	assert_true((uintptr_t)b1 < (uintptr_t)b2);
	assert_true((uintptr_t)b2 < (uintptr_t)b3);
	alloc_free(a, b1);
	alloc_free(a, b3);
	alloc_free(a, b2); /* merges with both */
	check_ok();
	/* The merged hole is where a block of all three sizes goes. */
	m = alloc_malloc(a, 200 + 300 + 400 + 32);
	assert_ptr_equal(m, b1);
	alloc_free(a, m);
	alloc_free(a, x);
	alloc_free(a, y);
	assert_int_equal(fl.stats.pages_held, idle_pages());
	check_ok();
}

static void test_large_blocks_use_page_runs(void **state)
{
	size_t held, calls;
	uint8_t *b, *c;

	b = alloc_malloc(a, FL_LARGE_MIN + 1);
	assert_non_null(b);
	assert_int_equal((uintptr_t)b % FL_PAGE_SIZE, 0);
	assert_int_equal(src.last_alloc_count, FL_LARGE_MIN / FL_PAGE_SIZE + 1);
	assert_int_equal(alloc_usable_size(a, b),
			 (FL_LARGE_MIN / FL_PAGE_SIZE + 1) * FL_PAGE_SIZE);
	held = fl.stats.pages_held;
	memset(b, 0x11, alloc_usable_size(a, b));

	c = alloc_malloc(a, 1000 * 1000);
	assert_non_null(c);
	assert_int_equal(src.last_alloc_count, 245);
	assert_int_equal(fl.stats.pages_held, held + 245);
	assert_int_equal(fl.stats.bytes_in_use, FL_LARGE_MIN + 1 + 1000000);
	fill(c, 1000 * 1000, 3);
	check_ok();

	calls = src.free_calls;
	alloc_free(a, c);
	assert_int_equal(src.free_calls, calls + 1);
	assert_ptr_equal(src.last_freed, c);
	assert_int_equal(src.last_free_count, 245);
	assert_int_equal(fl.stats.pages_held, held);

	alloc_free(a, b);
	assert_ptr_equal(src.last_freed, b);
	assert_int_equal(src.last_free_count, FL_LARGE_MIN / FL_PAGE_SIZE + 1);
	assert_int_equal(fl.stats.pages_held, fl.span_pages);
	assert_int_equal(src.pages_out, fl.span_pages);
	assert_int_equal(fl.stats.bytes_in_use, 0);
	check_ok();
}

/* A refused pointer changes nothing but bad_frees, and is reported. */

static void expect_refused_free(void *p, const char *why)
{
	struct alloc_stats before = fl.stats;
	size_t reports = rep.count;

	alloc_free(a, p);
	assert_int_equal(rep.count, reports + 1);
	assert_string_equal(rep.op, "free");
	assert_ptr_equal(rep.p, p);
	assert_string_equal(rep.why, why);
	before.bad_frees++;
	assert_memory_equal(&fl.stats, &before, sizeof(before));
	assert_int_equal(alloc_usable_size(a, p), 0);
	assert_int_equal(rep.count, reports + 1);
	refused++;
}

static void test_invalid_frees_detected(void **state)
{
	static _Alignas(4096) uint8_t foreign[2 * FL_PAGE_SIZE];
	const char *not_here = "not allocated here (or freed already)";
	const char *not_start = "not the start of a block";
	uint8_t *s1, *s2, *s3, *big, *host;
	struct alloc_stats before;
	uintptr_t chunk;

	s1 = alloc_malloc(a, 64);
	s2 = alloc_malloc(a, 64);
	s3 = alloc_malloc(a, 500);
	big = alloc_malloc(a, 100000);
	fill(s1, 64, 1);
	fill(s2, 64, 2);
	fill(s3, 500, 3);
	fill(big, 100000, 4);
	/* s1 is the first block of the first chunk, after its bitmap. */
	chunk = (uintptr_t)s1 - CHUNK_BYTES / 16 / 8 - 16;

	/* Foreign: static memory, the stack, the host's heap. */
	memset(foreign, 0, sizeof(foreign));
	expect_refused_free(foreign + 64, not_here);
	expect_refused_free(foreign + FL_PAGE_SIZE, not_here);
	expect_refused_free(&before, not_here);
	host = malloc(64);
	expect_refused_free(host, not_here);
	free(host);
	/* A genuine header copied elsewhere does not make a block. */
	memcpy(foreign + 48, s1 - 16, 16);
	expect_refused_free(foreign + 64, not_here);

	/* Interior and misaligned pointers. */
	expect_refused_free(s1 + 16, not_start);
	expect_refused_free(s1 + 32, not_start);
	expect_refused_free(s1 + 1, not_start);
	expect_refused_free(s3 + 256, not_start);
	expect_refused_free(s1 - 16, not_start);
	expect_refused_free(big + FL_PAGE_SIZE, "points inside a block");
	expect_refused_free(big + 16, "points inside a block");
	expect_refused_free(big + 1, "points inside a block");
	/* The chunk's own bitmap. */
	expect_refused_free((void *)(chunk + 16), not_start);
	expect_refused_free((void *)chunk, not_start);
	/* Blocks an interior pointer might look like, with a fake header. */
	memcpy(s3 + 240, s2 - 16, 16);
	expect_refused_free(s3 + 256, not_start);

	/* The live blocks survived all that. */
	assert_true(intact(s1, 64, 1));
	assert_true(intact(s2, 64, 2));
	assert_true(intact(big, 100000, 4));
	check_ok();

	/* Double frees, small and large (the latter's pages are gone). */
	alloc_free(a, s1);
	expect_refused_free(s1, "double free");
	alloc_free(a, big);
	expect_refused_free(big, not_here);
	/* Merged into a neighbour, a freed block is not a block at all. */
	alloc_free(a, s2);
	expect_refused_free(s2, not_start);

	/* realloc is refused the same way, and keeps its hands off. */
	before = fl.stats;
	assert_null(alloc_realloc(a, s1, 100));
	assert_string_equal(rep.op, "realloc");
	assert_string_equal(rep.why, "double free");
	assert_null(alloc_realloc(a, foreign + 64, 100));
	assert_string_equal(rep.why, not_here);
	assert_int_equal(fl.stats.bad_frees, before.bad_frees + 2);
	assert_int_equal(fl.stats.blocks_in_use, before.blocks_in_use);

	assert_int_equal(fl.stats.bad_frees, refused + 2);
	assert_int_equal(fl.stats.corruptions, 0);
	assert_true(intact(s3, 240, 3));
	alloc_free(a, s3);
	assert_int_equal(fl.stats.blocks_in_use, 0);
	check_ok();
}

static void test_damage_detected_and_contained(void **state)
{
	uint8_t *x, *y, *z, *w, *q;
	size_t corruptions;

	x = alloc_malloc(a, 48);
	y = alloc_malloc(a, 48);
	z = alloc_malloc(a, 48);
	w = alloc_malloc(a, 48);
	assert_true(y == x + 64 && z == y + 64 && w == z + 64);

	/* x overflows into y's header: y cannot be freed, x still can. */
	memset(x, 0x41, 48 + 8);
	alloc_free(a, y);
	assert_int_equal(fl.stats.corruptions, 1);
	assert_int_equal(fl.stats.bad_frees, 1);
	assert_string_equal(rep.why,
			    "header of a live block damaged (overflow?)");
	assert_int_equal(fl.stats.blocks_in_use, 4);
	alloc_free(a, x);
	assert_int_equal(fl.stats.frees, 1);
	/* x's block cannot merge forward over y's damaged header. */
	assert_int_equal(fl.stats.corruptions, 2);
	/* Nor be split next to it: it is left alone, another one is used. */
	q = alloc_malloc(a, 16);
	assert_non_null(q);
	assert_ptr_not_equal(q, x);
	assert_int_equal(fl.stats.corruptions, 3);
	alloc_free(a, q);

	/* Write after free: the links of free z are overwritten. */
	alloc_free(a, z);
	memset(z, 0x42, 16);
	corruptions = fl.stats.corruptions;
	q = alloc_malloc(a, 48); /* the damaged list is dropped, not used */
	assert_non_null(q);
	assert_true(fl.stats.corruptions > corruptions);
	assert_ptr_not_equal(q, z);
	assert_ptr_not_equal(q, w);
	fill(q, 48, 9);
	fill(w, 48, 8);
	for (int i = 0; i < 200; i++) {
		void *t = alloc_malloc(a, 16 + i);

		assert_non_null(t);
		assert_true((uint8_t *)t + 16 + i <= z ||
			    (uint8_t *)t >= w + 48);
		alloc_free(a, t);
	}
	assert_true(intact(q, 48, 9));
	assert_true(intact(w, 48, 8));
	alloc_free(a, w);
	alloc_free(a, q);
	/* The check sees the damage too. */
	assert_int_equal(freelist_check(&fl), EXO_ERR_CORRUPT);
}

static void test_realloc_semantics(void **state)
{
	uint8_t *p, *q, *r, *s;

	/* NULL behaves as malloc; 0 frees. */
	p = alloc_realloc(a, NULL, 40);
	assert_non_null(p);
	assert_int_equal(fl.stats.allocs, 1);
	assert_null(alloc_realloc(a, p, 0));
	assert_int_equal(fl.stats.blocks_in_use, 0);
	assert_int_equal(fl.stats.bad_frees, 0);

	/* Growing into a free neighbour stays in place. */
	p = alloc_malloc(a, 100);
	q = alloc_malloc(a, 100);
	fill(p, 100, 1);
	alloc_free(a, q);
	r = alloc_realloc(a, p, 300);
	assert_ptr_equal(r, p);
	assert_true(intact(r, 100, 1));
	assert_true(alloc_usable_size(a, r) < 300 + 32);
	assert_int_equal(fl.stats.bytes_in_use, 300);
	check_ok();

	/* Shrinking stays in place and gives the tail back. */
	fill(r, 300, 2);
	q = alloc_realloc(a, r, 40);
	assert_ptr_equal(q, p);
	assert_true(intact(q, 40, 2));
	assert_int_equal(fl.stats.bytes_in_use, 40);
	s = alloc_malloc(a, 200);
	assert_ptr_equal(s, p + 48 + 16);
	check_ok();

	/* Growing past a live neighbour moves, keeping the contents. */
	fill(q, 40, 3);
	r = alloc_realloc(a, q, 1000);
	assert_non_null(r);
	assert_ptr_not_equal(r, q);
	assert_true(intact(r, 40, 3));
	assert_int_equal(fl.stats.blocks_in_use, 2);
	assert_int_equal(fl.stats.bytes_in_use, 1200);
	expect_refused_free(q, "double free");

	/* Small to large and back. */
	fill(r, 1000, 4);
	q = alloc_realloc(a, r, 200000);
	assert_non_null(q);
	assert_int_equal((uintptr_t)q % FL_PAGE_SIZE, 0);
	assert_true(intact(q, 1000, 4));
	/* Large grows in place within its run, shrinks in place to half. */
	r = alloc_realloc(a, q, alloc_usable_size(a, q));
	assert_ptr_equal(r, q);
	r = alloc_realloc(a, q, 120000);
	assert_ptr_equal(r, q);
	assert_int_equal(fl.stats.bytes_in_use, 200 + 120000);
	r = alloc_realloc(a, q, 2000);
	assert_ptr_not_equal(r, q);
	assert_true(intact(r, 1000, 4));
	assert_int_equal(fl.stats.bytes_in_use, 2200);
	check_ok();

	/* Out of pages: NULL, and the block is untouched. */
	src.budget = 0;
	fill(r, 2000, 5);
	assert_null(alloc_realloc(a, r, 500000));
	assert_true(intact(r, 2000, 5));
	assert_int_equal(alloc_usable_size(a, r) >= 2000, 1);
	assert_int_equal(fl.stats.bytes_in_use, 2200);
	src.budget = SIZE_MAX;

	alloc_free(a, r);
	alloc_free(a, s);
	assert_int_equal(fl.stats.blocks_in_use, 0);
	assert_int_equal(fl.stats.bytes_in_use, 0);
	check_ok();
}

static void test_exhaustion_and_huge_sizes(void **state)
{
	struct alloc_stats before;

	src.budget = 0;
	assert_null(alloc_malloc(a, 1));
	assert_null(alloc_malloc(a, 100000));
	before = fl.stats;
	src.budget = SIZE_MAX;
	assert_null(alloc_malloc(a, SIZE_MAX));
	assert_null(alloc_malloc(a, SIZE_MAX - FL_PAGE_SIZE));
	assert_null(alloc_malloc(a, (size_t)(FAKE_MAX_RUN + 1) * FL_PAGE_SIZE));
	assert_int_equal(fl.stats.allocs, before.allocs);
	assert_int_equal(fl.stats.bytes_in_use, 0);
	assert_int_equal(fl.stats.blocks_in_use, 0);
	check_ok();
}

/* A source handing out pages that are not page-aligned. */
static void *odd_alloc_pages(void *ctx, size_t count)
{
	uint8_t *p = aligned_alloc(FL_PAGE_SIZE, (count + 1) * FL_PAGE_SIZE);

	assert_non_null(p);
	src.alloc_calls++;
	return p + 16;
}

static void odd_free_pages(void *ctx, void *pages, size_t count)
{
	src.free_calls++;
	free((uint8_t *)pages - 16);
}

static void test_misaligned_pages_refused(void **state)
{
	static const struct alloc_page_ops odd_ops = {
		.alloc_pages = odd_alloc_pages,
		.free_pages = odd_free_pages,
	};

	freelist_init(&fl, &odd_ops, &src, fake_report);
	assert_null(alloc_malloc(a, 10));
	assert_null(alloc_malloc(a, 100000));
	/* Each run went straight back. */
	assert_true(src.alloc_calls > 0);
	assert_int_equal(src.free_calls, src.alloc_calls);
	assert_int_equal(fl.stats.pages_held, 0);
	assert_int_equal(fl.stats.allocs, 0);
	check_ok();
}

/* A random mix checked against a shadow model of what must be live. */
static void test_randomized_against_shadow(void **state)
{
	enum { SLOTS = 700, STEPS = 150000 };
	static uint8_t *p[SLOTS];
	static size_t len[SLOTS];
	static unsigned int seed[SLOTS];
	uint64_t bytes = 0, blocks = 0, bad = 0, step;
	unsigned int i;

	memset(p, 0, sizeof(p));
	rng_state = 0x243f6a8885a308d3ull;
	for (step = 0; step < STEPS; step++) {
		uint64_t r = rng();
		size_t size =
			(r % 20 == 0) ? 1 + (r >> 8) % 150000 : (r >> 8) % 700;

		i = (unsigned int)(rng() % SLOTS);
		if (p[i] == NULL) {
			p[i] = alloc_malloc(a, size);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % FL_ALIGN, 0);
			len[i] = size;
			seed[i] = (unsigned int)step;
			fill(p[i], size, seed[i]);
			bytes += size;
			blocks++;
		} else if (r % 3 == 0) {
			size_t keep;
			uint8_t *q;

			size = size ? size : 1;
			keep = len[i] < size ? len[i] : size;
			q = alloc_realloc(a, p[i], size);
			assert_non_null(q);
			assert_int_equal((uintptr_t)q % FL_ALIGN, 0);
			assert_true(intact(q, keep, seed[i]));
			bytes += size;
			bytes -= len[i];
			p[i] = q;
			len[i] = size;
			seed[i] = (unsigned int)step;
			fill(q, size, seed[i]);
		} else {
			uint8_t *gone = p[i];

			assert_true(intact(p[i], len[i], seed[i]));
			alloc_free(a, p[i]);
			p[i] = NULL;
			bytes -= len[i];
			blocks--;
			if (rng() % 64 == 0) {
				alloc_free(a, gone);
				bad++;
			}
		}
		assert_int_equal(fl.stats.bytes_in_use, bytes);
		assert_int_equal(fl.stats.blocks_in_use, blocks);
		assert_int_equal(fl.stats.bad_frees, bad);
		assert_int_equal(src.pages_out, fl.stats.pages_held);
		if (step % 5000 == 0) {
			size_t reports = rep.count;

			assert_int_equal(freelist_check(&fl), 0);
			assert_int_equal(rep.count, reports);
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (p[i]) {
			assert_true(intact(p[i], len[i], seed[i]));
			alloc_free(a, p[i]);
		}
	}
	assert_true(bad > 0);
	assert_int_equal(rep.count, bad);
	assert_int_equal(fl.stats.corruptions, 0);
	assert_int_equal(fl.stats.blocks_in_use, 0);
	assert_int_equal(fl.stats.bytes_in_use, 0);
	assert_int_equal(fl.stats.allocs, fl.stats.frees);
	assert_int_equal(fl.stats.pages_held, idle_pages());
	check_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes_aligned_and_writable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_zero_size_blocks_are_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_fragmentation_then_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbours_merge_both_ways,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_blocks_use_page_runs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_frees_detected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_damage_detected_and_contained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realloc_semantics, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_huge_sizes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_pages_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_randomized_against_shadow,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
