/* SPDX-License-Identifier: MIT */
/*
 * Page-table summaries (arch/mmu.h): pt_first_present, the scan every
 * page-table walk of the kernel uses (fork's page_share_range,
 * arch_pt_next_leaf), against a plain loop, for every start and limit,
 * over tables empty, full and sparse, with exact summaries and with stale
 * bits set; pt_set, which keeps them; pt_clear, teardown's emptying of a
 * table, which must touch only the groups the summary marks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arch/mmu.h>

static uint64_t table[512];

static unsigned naive(unsigned i, unsigned lim)
{
	for (; i < lim; i++) {
		if (table[i] & PTE_P) {
			return i;
		}
	}
	return lim;
}

/* The exact summary of table: a bit for each group holding a nonzero. */
static uint64_t exact_sum(void)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < 512; i++) {
		if (table[i]) {
			sum |= pt_group_bit(i);
		}
	}
	return sum;
}

/*
 * The invariant: a clear bit means an all-zero group. @sum must keep it
 * after any scan: every bit of @need (the exact summary) stays set.
 */
static void check_kept(uint64_t sum, uint64_t need)
{
	if ((sum & need) != need) {
		fail_msg("summary 0x%lx lost bits of 0x%lx", (unsigned long)sum,
			 (unsigned long)need);
	}
}

/*
 * Every start and many limits, with the summary @extra | exact: the scan
 * must match the plain loop whatever stale bits are set, and must never
 * clear the bit of a nonzero group.
 */
static void check_all(uint64_t extra)
{
	uint64_t need = exact_sum();

	for (unsigned i = 0; i <= 512; i++) {
		/* Every limit near the start and the end, some between. */
		for (unsigned lim = i; lim <= 512;
		     lim += (lim - i < 40 || lim >= 490) ? 1 : 11) {
			uint64_t sum = need | extra;
			unsigned got = pt_first_present(table, &sum, i, lim);

			if (got != naive(i, lim)) {
				fail_msg("i %u lim %u extra 0x%lx: %u, not %u", i,
					 lim, (unsigned long)extra, got,
					 naive(i, lim));
			}
			check_kept(sum, need);
		}
	}
}

static void check_all_sums(void)
{
	check_all(0);
	check_all(~0ul);
	check_all(0x8000000000000001ul);
	check_all(0x5555aaaa0f0ff0f0ul);
}

static void test_empty_and_full(void **state)
{
	uint64_t sum = 0;

	(void)state;
	memset(table, 0, sizeof(table));
	check_all_sums();
	assert_int_equal(pt_first_present(table, &sum, 0, 512), 512);
	for (unsigned i = 0; i < 512; i++) {
		table[i] = 0x1000 * i | PTE_P;
	}
	check_all_sums();
}

static void test_single_entries(void **state)
{
	(void)state;
	/* One present entry at every place a group boundary can fall. */
	for (unsigned k = 0; k < 512; k += 7) {
		uint64_t sum = 0;

		memset(table, 0, sizeof(table));
		pt_set(table, &sum, k, 0x5000 | PTE_P | PTE_U);
		assert_int_equal(sum, pt_group_bit(k));
		assert_int_equal(pt_first_present(table, &sum, 0, 512), k);
		assert_int_equal(pt_first_present(table, &sum, k + 1, 512),
				 512);
		assert_int_equal(pt_first_present(table, &sum, 0, k), k);
		check_all_sums();
	}
}

static void test_sparse(void **state)
{
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 8; round++) {
		memset(table, 0, sizeof(table));
		for (int n = 0; n < 1 + round * 3; n++) {
			x = x * 1103515245u + 12345u;
			table[(x >> 8) % 512] = ((uint64_t)(x >> 4) << 12) | PTE_P;
		}
		check_all_sums();
	}
}

/* A scan clears the bits of the stale groups it reads whole, no other. */
static void test_stale_bits_cleared(void **state)
{
	uint64_t sum = ~0ul;

	(void)state;
	memset(table, 0, sizeof(table));
	table[300] = 0x3000 | PTE_P;
	assert_int_equal(pt_first_present(table, &sum, 0, 512), 300);
	/* Groups 0..36 read and found empty; 37 holds 300; 38.. unread. */
	assert_int_equal(sum, ~0ul << 37);
	/* A group read in part is cleared only if all of it is zero. */
	sum = ~0ul;
	table[3] = 0x1000 | PTE_P;
	assert_int_equal(pt_first_present(table, &sum, 4, 300), 300);
	assert_true(sum & pt_group_bit(3));
	assert_false(sum & pt_group_bit(8));
	sum = ~0ul;
	table[3] = 0;
	assert_int_equal(pt_first_present(table, &sum, 4, 300), 300);
	assert_false(sum & pt_group_bit(3));
	assert_true(sum & pt_group_bit(300));
}

static uint64_t seen[512];
static unsigned nseen;

static void record(void *ctx, uint64_t pte)
{
	assert_ptr_equal(ctx, &nseen);
	seen[nseen++] = pte;
}

static void test_clear(void **state)
{
	uint64_t sum = 0, want[512];
	unsigned nwant = 0;
	uint32_t x = 777;

	(void)state;
	memset(table, 0, sizeof(table));
	for (int n = 0; n < 40; n++) {
		unsigned i;

		x = x * 1103515245u + 12345u;
		i = (x >> 8) % 512;
		pt_set(table, &sum, i, ((uint64_t)(x >> 4) << 12) | PTE_P);
	}
	/* A stale bit over an empty group costs nothing and breaks nothing. */
	for (unsigned i = 0; i < 512; i += 64) {
		if (!table[i] && !table[i + 1] && !table[i + 2] &&
		    !table[i + 3] && !table[i + 4] && !table[i + 5] &&
		    !table[i + 6] && !table[i + 7]) {
			sum |= pt_group_bit(i);
		}
	}
	check_kept(sum, exact_sum());
	for (unsigned i = 0; i < 512; i++) {
		if (table[i] & PTE_P) {
			want[nwant++] = table[i];
		}
	}
	nseen = 0;
	pt_clear(table, &sum, record, &nseen);
	assert_int_equal(sum, 0);
	assert_int_equal(nseen, nwant);
	assert_memory_equal(seen, want, nwant * sizeof(want[0]));
	for (unsigned i = 0; i < 512; i++) {
		assert_int_equal(table[i], 0);
	}
	/* Without a callback, it only empties. */
	pt_set(table, &sum, 511, 0x7000 | PTE_P);
	pt_set(table, &sum, 0, 0x8000 | PTE_P);
	pt_clear(table, &sum, NULL, NULL);
	assert_int_equal(table[0] | table[511] | sum, 0);
}

/* pt_clear reads and writes only the groups marked: the point of it. */
static void test_clear_touches_only_marked(void **state)
{
	uint64_t sum = 0;

	(void)state;
	memset(table, 0, sizeof(table));
	pt_set(table, &sum, 100, 0x1000 | PTE_P);
	table[200] = 0xdead000 | PTE_P; /* behind the summary's back */
	nseen = 0;
	pt_clear(table, &sum, record, &nseen);
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0], 0x1000 | PTE_P);
	assert_int_equal(table[100], 0);
	assert_int_equal(table[200], 0xdead000 | PTE_P);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_full),
		cmocka_unit_test(test_single_entries),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_stale_bits_cleared),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_clear_touches_only_marked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
