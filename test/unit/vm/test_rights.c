/* SPDX-License-Identifier: MIT */
/*
 * The rules the memory system calls apply to their arguments before they
 * touch anything: addresses and ranges, rights to PTE bits, capability
 * ceilings, page-operation shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vm/rights.h"

#define NX (1ul << 63)

static void test_addresses(void **state)
{
	assert_false(vm_va_ok(0));
	assert_false(vm_va_ok(EXO_USER_MIN - EXO_PAGE_SIZE));
	assert_true(vm_va_ok(EXO_USER_MIN));
	assert_true(vm_va_ok(EXO_USER_MAP_TOP - EXO_PAGE_SIZE));
	assert_false(vm_va_ok(EXO_USER_MAP_TOP)); /* the kernel's info pages */
	assert_false(vm_va_ok(EXO_INFO_VA));
	assert_false(vm_va_ok(EXO_PT_VIEW)); /* the page-table view */
	assert_false(vm_va_ok(0xffff800000000000ul)); /* the kernel */
	assert_false(vm_va_ok(0xffffffff80100000ul));
}

static void test_ranges(void **state)
{
	assert_int_equal(vm_check_range(EXO_USER_MIN, 1), 0);
	assert_int_equal(vm_check_range(EXO_USER_MIN + 1, 1), EXO_ERR_ALIGN);
	assert_int_equal(vm_check_range(EXO_USER_MIN, 0), EXO_ERR_INVALID);
	assert_int_equal(vm_check_range(EXO_USER_MIN, VM_RANGE_MAX), 0);
	assert_int_equal(vm_check_range(EXO_USER_MIN, VM_RANGE_MAX + 1),
			 EXO_ERR_INVALID);
	/* Ending exactly at the top is fine; one page more is not. */
	assert_int_equal(vm_check_range(EXO_USER_MAP_TOP - 4 * EXO_PAGE_SIZE,
					4),
			 0);
	assert_int_equal(vm_check_range(EXO_USER_MAP_TOP - 4 * EXO_PAGE_SIZE,
					5),
			 EXO_ERR_DENIED);
	assert_int_equal(vm_check_range(0, 1), EXO_ERR_DENIED);
	assert_int_equal(vm_check_range(0xfffffffffffff000ul, 1),
			 EXO_ERR_DENIED);
	/* A huge count cannot wrap the end past the check. */
	assert_int_equal(vm_check_range(EXO_USER_MIN, UINT64_MAX / 4096),
			 EXO_ERR_INVALID);
}

static void test_user_ranges(void **state)
{
	assert_true(vm_user_range_ok(EXO_USER_MIN, 100));
	assert_true(vm_user_range_ok(EXO_USER_TOP - 8, 8));
	assert_false(vm_user_range_ok(EXO_USER_TOP - 8, 9));
	assert_false(vm_user_range_ok(EXO_USER_TOP, 0));
	assert_false(vm_user_range_ok(0xffffffff80000000ul, 1));
	/* uva + len wrapping around 2^64 is refused. */
	assert_false(vm_user_range_ok(EXO_USER_MIN, SIZE_MAX));
	assert_false(vm_user_range_ok(4096, (size_t)-4096));
}

static void test_perm_to_pte(void **state)
{
	uint64_t r = vm_perm_to_pte(EXO_PERM_R, NX);

	assert_true(r & PTE_P);
	assert_true(r & PTE_U);
	assert_false(r & PTE_W);
	assert_true(r & NX);
	assert_int_equal(vm_perm_to_pte(0, NX), r); /* readable anyway */
	assert_true(vm_perm_to_pte(EXO_PERM_W, NX) & PTE_W);
	assert_false(vm_perm_to_pte(EXO_PERM_X, NX) & NX);
	/* Without NX support the bit is reserved and must stay clear. */
	assert_false(vm_perm_to_pte(EXO_PERM_R, 0) & NX);
	/* The libOS bits land in PTE bits 9..11 and nowhere else. */
	assert_int_equal(vm_perm_to_pte(EXO_PERM_USER0, NX) & 0xe00,
			 EXO_PTE_USER0);
	assert_int_equal(vm_perm_to_pte(EXO_PERM_USER1, NX) & 0xe00,
			 EXO_PTE_USER1);
	assert_int_equal(vm_perm_to_pte(EXO_PERM_USER2, NX) & 0xe00,
			 EXO_PTE_USER2);
	assert_int_equal(vm_perm_to_pte(EXO_PERM_ALL, NX) &
				 ~(PTE_P | PTE_U | PTE_W | 0xe00ul),
			 0);
	/* Nothing a user asks for sets the kernel's ceiling bits. */
	for (uint32_t p = 0; p <= EXO_PERM_ALL; p++) {
		assert_int_equal(vm_perm_to_pte(p, NX) &
					 (PTE_CAP_NOW | PTE_CAP_NOX | PTE_ADDR),
				 0);
	}
}

static void test_cap_rights(void **state)
{
	assert_true(vm_cap_allows(EXO_CAP_R, EXO_PERM_R));
	assert_false(vm_cap_allows(EXO_CAP_R, EXO_PERM_W));
	assert_false(vm_cap_allows(EXO_CAP_R, EXO_PERM_X));
	assert_false(vm_cap_allows(EXO_CAP_W, EXO_PERM_W)); /* R needed */
	assert_true(vm_cap_allows(EXO_CAP_R | EXO_CAP_W, EXO_PERM_W));
	assert_true(vm_cap_allows(EXO_CAP_R | EXO_CAP_X, EXO_PERM_X));
	assert_false(vm_cap_allows(EXO_CAP_GRANT, EXO_PERM_R));

	assert_int_equal(vm_cap_ceiling(EXO_CAP_R), PTE_CAP_NOW | PTE_CAP_NOX);
	assert_int_equal(vm_cap_ceiling(EXO_CAP_R | EXO_CAP_W), PTE_CAP_NOX);
	assert_int_equal(vm_cap_ceiling(EXO_CAP_R | EXO_CAP_W | EXO_CAP_X), 0);
}

static void test_ceiling(void **state)
{
	uint64_t pa = 0x1234000;
	uint64_t ro = pa | vm_perm_to_pte(EXO_PERM_R, NX) |
		      vm_cap_ceiling(EXO_CAP_R);
	uint64_t own = pa | vm_perm_to_pte(EXO_PERM_R, NX);
	uint64_t p;

	assert_false(vm_beyond_ceiling(ro, EXO_PERM_R));
	assert_true(vm_beyond_ceiling(ro, EXO_PERM_W));
	assert_true(vm_beyond_ceiling(ro, EXO_PERM_X));
	assert_false(vm_beyond_ceiling(own, EXO_PERM_W | EXO_PERM_X));

	/* Protecting keeps address, accessed/dirty and the ceiling. */
	p = vm_protect_pte(ro | PTE_A | PTE_D, EXO_PERM_R | EXO_PERM_USER1,
			   NX);
	assert_int_equal(p & PTE_ADDR, pa);
	assert_true(p & PTE_A);
	assert_true(p & PTE_D);
	assert_true(p & PTE_CAP_NOW);
	assert_true(p & EXO_PTE_USER1);
	assert_false(p & PTE_W);
	p = vm_protect_pte(own | PTE_W, EXO_PERM_R, NX);
	assert_false(p & PTE_W);
	assert_true(p & PTE_P);
}

static void test_page_op_shapes(void **state)
{
	struct exo_page_op op = { .op = EXO_PAGE_OP_MAP, .perm = EXO_PERM_R,
				  .va = EXO_USER_MIN };

	assert_int_equal(vm_page_op_shape(&op), 0);
	op.perm = 0x8; /* not a right */
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_INVALID);
	op.perm = EXO_PERM_R;
	op.va = EXO_USER_MIN + 8;
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_ALIGN);
	op.va = 0xffffffff80000000ul;
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_DENIED);
	op.op = 0;
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_INVALID);
	op.op = 99;
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_INVALID);
	op = (struct exo_page_op){ .op = EXO_PAGE_OP_UNMAP,
				   .va = EXO_USER_MIN,
				   .count = 0 };
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_INVALID);
	op.count = 16;
	assert_int_equal(vm_page_op_shape(&op), 0);
	op.op = EXO_PAGE_OP_PROTECT;
	op.count = UINT32_MAX;
	assert_int_equal(vm_page_op_shape(&op), EXO_ERR_INVALID);
	op.op = EXO_PAGE_OP_CAP_MAP;
	op.count = 0; /* ignored for maps */
	assert_int_equal(vm_page_op_shape(&op), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_user_ranges),
		cmocka_unit_test(test_perm_to_pte),
		cmocka_unit_test(test_cap_rights),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_page_op_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
