/* SPDX-License-Identifier: MIT */
/*
 * The pager's stack area: slot arithmetic, guards, free and reuse (and
 * the pages a reused slot must give back), refusals, and the stacks
 * section of the state format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libos/pager_impl.h>

#define PAGE EXO_PAGE_SIZE
#define AREA_END (PAGER_STACKS_BASE + PAGER_STACK_SLOTS * PAGER_STACK_SLOT)

static struct stack_area a, a2;
static struct region_table t, t2;
static uint8_t buf[65536];

static void test_slot_arithmetic(void **state)
{
	assert_int_equal(pager_stack_slot(PAGER_STACKS_BASE - 1), -1);
	assert_int_equal(pager_stack_slot(PAGER_STACKS_BASE), 0);
	assert_int_equal(pager_stack_slot(PAGER_STACKS_BASE +
					  PAGER_STACK_SLOT - 1), 0);
	assert_int_equal(pager_stack_slot(PAGER_STACKS_BASE +
					  PAGER_STACK_SLOT), 1);
	assert_int_equal(pager_stack_slot(AREA_END - 1),
			 PAGER_STACK_SLOTS - 1);
	assert_int_equal(pager_stack_slot(AREA_END), -1);
	assert_int_equal(pager_stack_top(0),
			 PAGER_STACKS_BASE + PAGER_STACK_SLOT);
	assert_int_equal(pager_stack_top(PAGER_STACK_SLOTS - 1), AREA_END);
}

static void test_alloc_and_guard(void **state)
{
	struct stack_range stale;
	struct stack_where w;
	uint64_t top, top2;

	stack_area_init(&a);
	/* Sizes round up to pages; the first slots are handed out in order. */
	assert_int_equal(stack_area_alloc(&a, 64 * 1024 - 100, 0, &top,
					  &stale), 0);
	assert_int_equal(top, pager_stack_top(0));
	assert_int_equal(stale.lo, stale.hi);
	assert_int_equal(a.slot[0].pages, 16);
	assert_int_equal(stack_area_alloc(&a, PAGE, PAGER_STACK_OWNED, &top2,
					  &stale), 1);
	assert_int_equal(top2, pager_stack_top(1));

	/* In the stack: its top page, its lowest byte. */
	assert_int_equal(stack_area_find(&a, top - 1, &w), STACK_IN);
	assert_int_equal(w.slot, 0);
	assert_int_equal(w.top, top);
	assert_int_equal(w.bottom, top - 16 * PAGE);
	assert_int_equal(w.flags, 0);
	assert_int_equal(stack_area_find(&a, top - 16 * PAGE, &w), STACK_IN);
	/* Just below it, and far below it (an alloca-like jump): guard. */
	assert_int_equal(stack_area_find(&a, top - 16 * PAGE - 1, &w),
			 STACK_GUARD);
	assert_int_equal(stack_area_find(&a, top - 16 * PAGE - (3ul << 20),
					 &w), STACK_GUARD);
	assert_int_equal(stack_area_find(&a, PAGER_STACKS_BASE, &w),
			 STACK_GUARD);
	assert_int_equal(w.slot, 0);
	/* The owner's flag comes back with the slot. */
	assert_int_equal(stack_area_find(&a, top2 - 2 * PAGE, &w),
			 STACK_GUARD);
	assert_int_equal(w.flags, PAGER_STACK_OWNED);
	assert_int_equal(w.bottom, top2 - PAGE);
	/* A slot never handed out, and outside the area. */
	assert_int_equal(stack_area_find(&a, pager_stack_top(5) - 1, &w),
			 STACK_UNUSED);
	assert_int_equal(stack_area_find(&a, PAGER_STACKS_BASE - 1, &w),
			 STACK_OUTSIDE);
	assert_int_equal(stack_area_find(&a, AREA_END, &w), STACK_OUTSIDE);
}

static void test_refusals(void **state)
{
	struct stack_range stale;
	uint64_t top = 0;

	stack_area_init(&a);
	assert_int_equal(stack_area_alloc(&a, 0, 0, &top, &stale),
			 EXO_ERR_INVALID);
	assert_int_equal(stack_area_alloc(&a, PAGER_STACK_MAX + 1, 0, &top,
					  &stale), EXO_ERR_INVALID);
	assert_int_equal(stack_area_alloc(&a, PAGE, 0x80, &top, &stale),
			 EXO_ERR_INVALID);
	assert_int_equal(a.used, 0);
	/* The largest stack leaves one guard page. */
	assert_int_equal(stack_area_alloc(&a, PAGER_STACK_MAX, 0, &top,
					  &stale), 0);
	assert_int_equal(a.slot[0].pages, PAGER_STACK_SLOT / PAGE - 1);
	/* Out of slots. */
	for (long i = 1; i < PAGER_STACK_SLOTS; i++) {
		assert_int_equal(stack_area_alloc(&a, PAGE, 0, &top, &stale),
				 i);
	}
	assert_int_equal(stack_area_alloc(&a, PAGE, 0, &top, &stale),
			 EXO_ERR_LIMIT);
	/* Freeing: only a handed-out slot's top. */
	assert_int_equal(stack_area_free(&a, pager_stack_top(3) - PAGE,
					 &stale), EXO_ERR_ALIGN);
	assert_int_equal(stack_area_free(&a, PAGER_STACKS_BASE, &stale),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(stack_area_free(&a, AREA_END + PAGER_STACK_SLOT,
					 &stale), EXO_ERR_NOT_FOUND);
	assert_int_equal(stack_area_free(&a, 0, &stale), EXO_ERR_NOT_FOUND);
	assert_int_equal(stack_area_free(&a, pager_stack_top(3), &stale), 0);
	assert_int_equal(stack_area_free(&a, pager_stack_top(3), &stale),
			 EXO_ERR_NOT_FOUND);
	/* One free slot again: it is the next one handed out. */
	assert_int_equal(stack_area_alloc(&a, PAGE, 0, &top, &stale), 3);
	assert_int_equal(stack_area_alloc(&a, PAGE, 0, &top, &stale),
			 EXO_ERR_LIMIT);
}

static void test_free_and_reuse(void **state)
{
	struct stack_range stale;
	uint64_t top, t1;

	stack_area_init(&a);
	assert_int_equal(stack_area_alloc(&a, 64 * PAGE, 0, &top, &stale), 0);
	assert_int_equal(stack_area_alloc(&a, 64 * PAGE, 0, &t1, &stale), 1);
	/* The stack was used 40 pages deep. */
	stack_area_touched(&a, top - 1);
	stack_area_touched(&a, top - 40 * PAGE + 8);
	stack_area_touched(&a, top - 3 * PAGE);
	assert_int_equal(a.slot[0].deep, 40);
	/* Freed: it keeps PAGER_STACK_KEEP pages, the rest go. */
	assert_int_equal(stack_area_free(&a, top, &stale), 0);
	assert_int_equal(stale.lo, top - 40 * PAGE);
	assert_int_equal(stale.hi, top - PAGER_STACK_KEEP * PAGE);
	assert_int_equal(a.slot[0].deep, PAGER_STACK_KEEP);
	/* Freed slots come back last freed first, before new ones. */
	assert_int_equal(stack_area_free(&a, t1, &stale), 0);
	assert_int_equal(stale.lo, stale.hi); /* never touched */
	assert_int_equal(stack_area_alloc(&a, 64 * PAGE, 0, &t1, &stale), 1);
	/* A smaller stack in slot 0: the kept pages below it are guard now. */
	assert_int_equal(stack_area_alloc(&a, 4 * PAGE, PAGER_STACK_OWNED,
					  &top, &stale), 0);
	assert_int_equal(top, pager_stack_top(0));
	assert_int_equal(stale.lo, top - PAGER_STACK_KEEP * PAGE);
	assert_int_equal(stale.hi, top - 4 * PAGE);
	assert_int_equal(a.slot[0].deep, 4);
	assert_int_equal(a.slot[0].flags, PAGER_STACK_OWNED);
	/* A larger one gives nothing back. */
	assert_int_equal(stack_area_free(&a, top, &stale), 0);
	assert_int_equal(stack_area_alloc(&a, 64 * PAGE, 0, &top, &stale), 0);
	assert_int_equal(stale.lo, stale.hi);
	assert_int_equal(a.slot[0].flags, 0);
	/* Touches outside the area change nothing. */
	stack_area_touched(&a, PAGER_STACKS_BASE - PAGE);
	assert_int_equal(a.used, 2);
}

/* Regions and stacks as the pager keeps them: two stacks, one freed. */
static void setup_state(void)
{
	struct stack_range stale;
	uint64_t top;

	region_init(&t);
	assert_int_equal(region_add(&t, 0x200000000000ul,
				    0x200000000000ul + 8 * PAGE,
				    PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, PAGER_STACKS_BASE, AREA_END,
				    PAGER_PROT_RW, REGION_STACKS), 0);
	stack_area_init(&a);
	assert_int_equal(stack_area_alloc(&a, 16 * PAGE, PAGER_STACK_OWNED,
					  &top, &stale), 0);
	stack_area_touched(&a, top - 2 * PAGE);
	assert_int_equal(stack_area_alloc(&a, 8 * PAGE, 0, &top, &stale), 1);
	assert_int_equal(stack_area_alloc(&a, 8 * PAGE, 0, &top, &stale), 2);
	assert_int_equal(stack_area_free(&a, pager_stack_top(1), &stale), 0);
}

static int64_t export_state(void)
{
	setup_state();
	return pager_state_export(&t, NULL, 0, &a, buf, sizeof(buf));
}

static void test_state_round_trip(void **state)
{
	struct stack_range stale;
	uint64_t limit = 5, top;
	int64_t len = export_state();

	assert_int_equal(len, 32 + 2 * 24 + 8 + 3 * 8);
	assert_int_equal(pager_state_stacks(buf, (size_t)len), 3);
	stack_area_init(&a2);
	assert_int_equal(pager_state_import(&t2, NULL, &limit, &a2, buf,
					    (size_t)len), 0);
	assert_int_equal(t2.n, 2);
	assert_int_equal(limit, 0);
	assert_int_equal(a2.used, 3);
	assert_memory_equal(a2.slot, a.slot, 3 * sizeof(a.slot[0]));
	assert_int_equal(a2.nfree, 1);
	/* The freed slot is the next one; then a new one. */
	assert_int_equal(stack_area_alloc(&a2, PAGE, 0, &top, &stale), 1);
	assert_int_equal(stack_area_alloc(&a2, PAGE, 0, &top, &stale), 3);
	/* Without a stack area (a pager that has none): refused. */
	assert_int_equal(pager_state_import(&t2, NULL, &limit, NULL, buf,
					    (size_t)len), EXO_ERR_CORRUPT);
	/* State without stacks empties the area. */
	len = pager_state_export(&t, NULL, 0, NULL, buf, sizeof(buf));
	assert_int_equal(len, 32 + 2 * 24);
	assert_int_equal(pager_state_stacks(buf, (size_t)len), 0);
	assert_int_equal(pager_state_import(&t2, NULL, &limit, &a2, buf,
					    (size_t)len), 0);
	assert_int_equal(a2.used, 0);
}

/*
 * What a 1.0 reader checks (the header's checksum over the regions and
 * swap entries) still holds with a stacks section after them, and a 1.0
 * state (minor 0, stacks 0) is read by this reader.
 */
static void test_state_versions(void **state)
{
	struct pager_state_header h;
	uint64_t limit;
	int64_t len = export_state();

	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.minor, 1);
	assert_int_equal(h.checksum, pager_checksum(buf + sizeof(h), 2 * 24));
	len = pager_state_export(&t, NULL, 0, NULL, buf, sizeof(buf));
	memcpy(&h, buf, sizeof(h));
	h.minor = 0;
	memcpy(buf, &h, sizeof(h));
	stack_area_init(&a2);
	a2.used = 9;
	assert_int_equal(pager_state_import(&t2, NULL, &limit, &a2, buf,
					    (size_t)len), 0);
	assert_int_equal(a2.used, 0);
}

/* Rewrite slot @i of the exported state (@len bytes) and reseal it. */
static void set_slot(int64_t len, uint32_t i, struct stack_slot s)
{
	struct pager_state_stacks ss;
	size_t at = 32 + 2 * 24;

	memcpy(buf + at + sizeof(ss) + i * sizeof(s), &s, sizeof(s));
	memcpy(&ss, buf + at, sizeof(ss));
	ss.checksum = pager_checksum(buf + at + sizeof(ss),
				     (size_t)len - at - sizeof(ss));
	memcpy(buf + at, &ss, sizeof(ss));
}

static void expect_refused(int64_t len)
{
	uint64_t limit = 77;

	region_init(&t2);
	stack_area_init(&a2);
	a2.used = 9;
	assert_int_equal(pager_state_import(&t2, NULL, &limit, &a2, buf,
					    (size_t)len), EXO_ERR_CORRUPT);
	/* Nothing changed. */
	assert_int_equal(t2.n, 0);
	assert_int_equal(a2.used, 9);
	assert_int_equal(limit, 77);
}

static void test_state_refusals(void **state)
{
	struct pager_state_header h;
	int64_t len;

	/* A flipped bit in the slots. */
	len = export_state();
	buf[len - 5] ^= 0x01;
	expect_refused(len);
	/* Truncated inside the section. */
	len = export_state();
	expect_refused(len - 3);
	expect_refused(len - 24);
	/* A stack too large for its slot, resealed. */
	len = export_state();
	set_slot(len, 0, (struct stack_slot){ PAGER_STACK_SLOT / PAGE, 0, 0,
					      0 });
	expect_refused(len);
	/* Unknown flags, resealed. */
	len = export_state();
	set_slot(len, 2, (struct stack_slot){ 8, 0, 0x40, 0 });
	expect_refused(len);
	/* The free count does not add up, resealed. */
	len = export_state();
	set_slot(len, 1, (struct stack_slot){ 8, 0, 0, 0 });
	expect_refused(len);
	/* Held stacks but no stack area region. */
	setup_state();
	region_remove(&t, PAGER_STACKS_BASE, AREA_END);
	len = pager_state_export(&t, NULL, 0, &a, buf, sizeof(buf));
	expect_refused(len);
	/* More slots than the area has. */
	len = export_state();
	memcpy(&h, buf, sizeof(h));
	h.stacks = PAGER_STACK_SLOTS + 1;
	memcpy(buf, &h, sizeof(h));
	expect_refused(len);
	/* A short buffer for the export. */
	setup_state();
	assert_int_equal(pager_state_export(&t, NULL, 0, &a, buf,
					    32 + 2 * 24 + 8),
			 EXO_ERR_TOO_BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_arithmetic),
		cmocka_unit_test(test_alloc_and_guard),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_free_and_reuse),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_versions),
		cmocka_unit_test(test_state_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
