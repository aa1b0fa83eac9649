/* SPDX-License-Identifier: MIT */
/*
 * arch_pt_first_present, the scan every page-table walk of the kernel
 * uses (fork's page_share_range, teardown): against a plain loop, for
 * every start and limit, over tables empty, full and sparse.
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

static void check_all(void)
{
	for (unsigned i = 0; i <= 512; i++) {
		/* Every limit near the start and the end, some between. */
		for (unsigned lim = i; lim <= 512;
		     lim += (lim - i < 40 || lim >= 490) ? 1 : 11) {
			unsigned got = arch_pt_first_present(table, i, lim);

			if (got != naive(i, lim)) {
				fail_msg("i %u lim %u: %u, not %u", i, lim, got,
					 naive(i, lim));
			}
		}
	}
}

static void test_empty_and_full(void **state)
{
	(void)state;
	memset(table, 0, sizeof(table));
	check_all();
	assert_int_equal(arch_pt_first_present(table, 0, 512), 512);
	for (unsigned i = 0; i < 512; i++) {
		table[i] = 0x1000 * i | PTE_P;
	}
	check_all();
}

static void test_single_entries(void **state)
{
	(void)state;
	/* One present entry at every place a group boundary can fall. */
	for (unsigned k = 0; k < 512; k += 7) {
		memset(table, 0, sizeof(table));
		table[k] = 0x5000 | PTE_P | PTE_U;
		assert_int_equal(arch_pt_first_present(table, 0, 512), k);
		assert_int_equal(arch_pt_first_present(table, k + 1, 512),
				 512);
		assert_int_equal(arch_pt_first_present(table, 0, k), k);
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
		check_all();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_full),
		cmocka_unit_test(test_single_entries),
		cmocka_unit_test(test_sparse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
