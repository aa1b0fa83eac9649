/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the physical frame allocator. The table describes a made-up
 * machine; nothing here touches the memory the addresses name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include <exo/errors.h>

#include "mm/frame.h"

#define MIB ((paddr_t)1 << 20)
#define NFRAMES 4096 /* 16 MiB */

static struct frame meta[NFRAMES];
static struct frame_table ft;

static int setup(void **state)
{
	memset(meta, 0x5a, sizeof(meta));
	frame_table_init(&ft, meta, NFRAMES);
	return 0;
}

/* Walk one free list: links agree both ways, only FREE frames with
 * the list's zero flag are on it. Returns its length. */
static uint64_t walk_list(const struct frame_table *t, uint32_t head,
			  bool zero)
{
	uint64_t listed = 0;
	uint32_t prev = FRAME_NIL, pfn;

	for (pfn = head; pfn != FRAME_NIL; pfn = t->frames[pfn].next) {
		assert_true(pfn < t->nframes);
		assert_int_equal(t->frames[pfn].state, FRAME_FREE);
		assert_int_equal(t->frames[pfn].zero, zero);
		assert_int_equal(t->frames[pfn].prev, prev);
		prev = pfn;
		listed++;
		assert_true(listed <= t->nframes);
	}
	return listed;
}

/*
 * Walk both free lists and the whole table and check every invariant the
 * allocator promises: links agree both ways, only FREE frames are listed,
 * every FREE frame is listed once, on the list its zero flag names, nfree
 * and nzero are exact, only free frames have the flag, and nusable counts
 * exactly the FREE and USED frames.
 */
static void check_table(const struct frame_table *t)
{
	uint64_t listed, nzero, nfree = 0, nused = 0, i;

	nzero = walk_list(t, t->zero_head, true);
	listed = nzero + walk_list(t, t->free_head, false);
	assert_int_equal(nzero, t->nzero);
	for (i = 0; i < t->nframes; i++) {
		const struct frame *f = &t->frames[i];

		if (f->state != FRAME_FREE) {
			assert_int_equal(f->zero, 0);
		}
		switch (f->state) {
		case FRAME_FREE:
			nfree++;
			assert_int_equal(f->refcount, 0);
			assert_int_equal(f->owner, FRAME_OWNER_NONE);
			break;
		case FRAME_USED:
			nused++;
			assert_true(f->refcount >= 1);
			break;
		case FRAME_RESERVED:
			assert_int_equal(f->refcount, 0);
			break;
		default:
			fail_msg("frame %llu in state %u",
				 (unsigned long long)i, f->state);
		}
	}
	assert_int_equal(listed, t->nfree);
	assert_int_equal(nfree, t->nfree);
	assert_int_equal(nfree + nused, t->nusable);
}

static void test_init_all_reserved(void **state)
{
	paddr_t pa = 0;
	uint64_t i;

	assert_int_equal(ft.nframes, NFRAMES);
	assert_int_equal(frame_free_count(&ft), 0);
	assert_int_equal(ft.nusable, 0);
	assert_int_equal(ft.free_head, FRAME_NIL);
	for (i = 0; i < NFRAMES; i++) {
		assert_int_equal(meta[i].state, FRAME_RESERVED);
		assert_int_equal(meta[i].owner, FRAME_OWNER_NONE);
		assert_int_equal(meta[i].refcount, 0);
	}
	assert_int_equal(frame_alloc(&ft, 1, &pa), EXO_ERR_NO_MEMORY);
	check_table(&ft);
}

static void test_add_usable_partial_frames(void **state)
{
	/* Bytes 0x1800 .. 0x4800: only frames 0x2000 and 0x3000 are whole. */
	frame_range_add_usable(&ft, 0x1800, 0x3000);
	assert_int_equal(frame_free_count(&ft), 2);
	assert_int_equal(meta[1].state, FRAME_RESERVED);
	assert_int_equal(meta[2].state, FRAME_FREE);
	assert_int_equal(meta[3].state, FRAME_FREE);
	assert_int_equal(meta[4].state, FRAME_RESERVED);

	/* Inside one frame, or empty: nothing. */
	frame_range_add_usable(&ft, 0x10100, 0xe00);
	frame_range_add_usable(&ft, 0x11000, 0xfff);
	frame_range_add_usable(&ft, 0x12000, 0);
	assert_int_equal(frame_free_count(&ft), 2);

	/* Exactly one frame, aligned. */
	frame_range_add_usable(&ft, 0x13000, 0x1000);
	assert_int_equal(frame_free_count(&ft), 3);
	assert_int_equal(meta[0x13].state, FRAME_FREE);

	/* Adding the same memory again counts nothing twice. */
	frame_range_add_usable(&ft, 0x1000, 0x5000);
	assert_int_equal(frame_free_count(&ft), 6);
	assert_int_equal(ft.nusable, 6);

	/* Only the part inside the table counts. */
	frame_range_add_usable(&ft, (NFRAMES - 2) * FRAME_SIZE, 16 * MIB);
	assert_int_equal(frame_free_count(&ft), 8);
	frame_range_add_usable(&ft, NFRAMES * FRAME_SIZE, 16 * MIB);
	assert_int_equal(frame_free_count(&ft), 8);
	check_table(&ft);
}

struct range {
	paddr_t base;
	uint64_t len;
};

static bool touches(paddr_t pa, const struct range *r)
{
	return pa < r->base + r->len && r->base < pa + FRAME_SIZE;
}

static bool whole_inside(paddr_t pa, const struct range *r)
{
	return pa >= r->base && pa + FRAME_SIZE <= r->base + r->len;
}

static void test_reserved_never_handed_out(void **state)
{
	/* A PC-like map: low memory, a hole, then RAM up to 16 MiB. */
	static const struct range usable[] = {
		{ 0x0, 0x9fc00 },
		{ 0x100000, 0xc00000 },
		{ 0xd00000, 0x400000 }, /* runs past the table */
	};
	static const struct range reserved[] = {
		{ 0x0, 0x100000 }, /* first MiB */
		{ 0x200000, 0x123456 }, /* kernel image, ragged end */
		{ 0x500800, 0x9f810 }, /* module, ragged both ends */
		{ 0xe00000, 0x10000 }, /* reserved before its RAM is added */
	};
	static uint8_t seen[NFRAMES];
	uint64_t expect = 0, got = 0, pfn;
	unsigned int i, j;
	paddr_t pa;

	frame_range_add_usable(&ft, usable[0].base, usable[0].len);
	frame_range_add_usable(&ft, usable[1].base, usable[1].len);
	for (i = 0; i < 4; i++) {
		frame_range_reserve(&ft, reserved[i].base, reserved[i].len);
	}
	/* Order must not matter: this RAM holds the last reservation. */
	frame_range_add_usable(&ft, usable[2].base, usable[2].len);
	check_table(&ft);

	for (pfn = 0; pfn < NFRAMES; pfn++) {
		bool ok = false;

		pa = pfn * FRAME_SIZE;
		for (j = 0; j < 3; j++) {
			ok = ok || whole_inside(pa, &usable[j]);
		}
		for (j = 0; j < 4; j++) {
			ok = ok && !touches(pa, &reserved[j]);
		}
		expect += ok;
	}
	assert_int_equal(frame_free_count(&ft), expect);
	assert_int_equal(ft.nusable, expect);

	memset(seen, 0, sizeof(seen));
	while (frame_alloc(&ft, 3, &pa) == 0) {
		assert_int_equal(pa & (FRAME_SIZE - 1), 0);
		assert_true(pa / FRAME_SIZE < NFRAMES);
		assert_int_equal(seen[pa / FRAME_SIZE], 0);
		seen[pa / FRAME_SIZE] = 1;
		for (j = 0; j < 4; j++) {
			assert_false(touches(pa, &reserved[j]));
		}
		got++;
	}
	assert_int_equal(got, expect);
	assert_int_equal(frame_free_count(&ft), 0);
	check_table(&ft);
}

static void test_reserve_is_for_good(void **state)
{
	paddr_t pa;

	frame_range_add_usable(&ft, 0, 8 * FRAME_SIZE);
	frame_range_reserve(&ft, 2 * FRAME_SIZE, 1);
	assert_int_equal(frame_free_count(&ft), 7);
	assert_int_equal(ft.nusable, 7);
	assert_int_equal(meta[2].state, FRAME_RESERVED);
	assert_int_equal(meta[2].owner, FRAME_OWNER_KERNEL);

	/* A later usable range over it does not revive it. */
	frame_range_add_usable(&ft, 0, 8 * FRAME_SIZE);
	assert_int_equal(frame_free_count(&ft), 7);
	assert_int_equal(meta[2].state, FRAME_RESERVED);

	/* Reserving a used frame leaves it alone. */
	assert_int_equal(frame_alloc_at(&ft, 5 * FRAME_SIZE, 9), 0);
	frame_range_reserve(&ft, 5 * FRAME_SIZE, FRAME_SIZE);
	assert_int_equal(meta[5].state, FRAME_USED);
	assert_int_equal(meta[5].owner, 9);
	assert_int_equal(ft.nusable, 7);

	/* An empty reservation touches nothing. */
	frame_range_reserve(&ft, 6 * FRAME_SIZE, 0);
	assert_int_equal(meta[6].state, FRAME_FREE);
	check_table(&ft);

	while (frame_alloc(&ft, 1, &pa) == 0) {
		assert_int_not_equal(pa, 2 * FRAME_SIZE);
	}
	check_table(&ft);
}

static void test_exhaustion_recovers(void **state)
{
	paddr_t pa[4], again;
	unsigned int i;

	frame_range_add_usable(&ft, 16 * FRAME_SIZE, 4 * FRAME_SIZE);
	for (i = 0; i < 4; i++) {
		assert_int_equal(frame_alloc(&ft, 1, &pa[i]), 0);
	}
	assert_int_equal(frame_alloc(&ft, 1, &again), EXO_ERR_NO_MEMORY);
	assert_int_equal(frame_free_count(&ft), 0);

	assert_int_equal(frame_unref(&ft, pa[2]), 0);
	assert_int_equal(frame_free_count(&ft), 1);
	assert_int_equal(frame_alloc(&ft, 1, &again), 0);
	assert_int_equal(again, pa[2]);
	assert_int_equal(frame_alloc(&ft, 1, &again), EXO_ERR_NO_MEMORY);
	check_table(&ft);
}

static void test_double_free_detected(void **state)
{
	paddr_t pa;

	frame_range_add_usable(&ft, 0, 8 * FRAME_SIZE);
	assert_int_equal(frame_alloc(&ft, 1, &pa), 0);
	assert_int_equal(frame_unref(&ft, pa), 0);
	assert_int_equal(frame_free_count(&ft), 8);

	assert_int_equal(frame_unref(&ft, pa), EXO_ERR_STATE);
	assert_int_equal(frame_free_count(&ft), 8);
	assert_int_equal(frame_lookup(&ft, pa)->state, FRAME_FREE);
	check_table(&ft);

	/* A frame never allocated is free too. */
	assert_int_equal(frame_unref(&ft, 7 * FRAME_SIZE), EXO_ERR_STATE);
	assert_int_equal(frame_free_count(&ft), 8);
	check_table(&ft);
}

static void test_bad_addresses(void **state)
{
	paddr_t pa;

	frame_range_add_usable(&ft, MIB, MIB);
	frame_range_reserve(&ft, MIB, FRAME_SIZE);
	assert_int_equal(frame_alloc(&ft, 1, &pa), 0);

	/* Reserved: never usable, or reserved later. */
	assert_int_equal(frame_unref(&ft, 0), EXO_ERR_INVALID);
	assert_int_equal(frame_unref(&ft, MIB), EXO_ERR_INVALID);
	assert_int_equal(frame_ref(&ft, MIB), EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_at(&ft, MIB, 1), EXO_ERR_INVALID);

	/* Beyond the table, up to the very top. */
	assert_int_equal(frame_unref(&ft, NFRAMES * FRAME_SIZE),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_unref(&ft, UINT64_MAX & ~(FRAME_SIZE - 1)),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_ref(&ft, NFRAMES * FRAME_SIZE), EXO_ERR_INVALID);
	assert_null(frame_lookup(&ft, NFRAMES * FRAME_SIZE));
	assert_null(frame_lookup(&ft, UINT64_MAX));

	/* Misaligned, including inside a used frame. */
	assert_int_equal(frame_unref(&ft, pa + 1), EXO_ERR_ALIGN);
	assert_int_equal(frame_unref(&ft, pa + 0x800), EXO_ERR_ALIGN);
	assert_int_equal(frame_ref(&ft, pa + 8), EXO_ERR_ALIGN);
	assert_int_equal(frame_unref(&ft, UINT64_MAX), EXO_ERR_ALIGN);

	/* frame_ref of a free frame. */
	assert_int_equal(frame_ref(&ft, MIB + FRAME_SIZE * 100), EXO_ERR_STATE);

	/* None of it changed anything. */
	assert_int_equal(frame_lookup(&ft, pa)->refcount, 1);
	assert_int_equal(frame_free_count(&ft), 254);
	check_table(&ft);
}

static void test_refcount(void **state)
{
	struct frame *f;
	paddr_t pa;
	unsigned int i;

	frame_range_add_usable(&ft, 0, 4 * FRAME_SIZE);
	assert_int_equal(frame_alloc(&ft, 5, &pa), 0);
	f = frame_lookup(&ft, pa);
	assert_int_equal(f->refcount, 1);

	assert_int_equal(frame_ref(&ft, pa), 0);
	assert_int_equal(f->refcount, 2);
	assert_int_equal(frame_unref(&ft, pa), 0);
	assert_int_equal(f->state, FRAME_USED);
	assert_int_equal(f->owner, 5);
	assert_int_equal(frame_free_count(&ft), 3);
	assert_int_equal(frame_unref(&ft, pa), 0);
	assert_int_equal(f->state, FRAME_FREE);
	assert_int_equal(f->refcount, 0);
	assert_int_equal(frame_free_count(&ft), 4);
	check_table(&ft);

	/* The count saturates with EXO_ERR_LIMIT instead of wrapping. */
	assert_int_equal(frame_alloc(&ft, 5, &pa), 0);
	for (i = 1; i < UINT16_MAX; i++) {
		assert_int_equal(frame_ref(&ft, pa), 0);
	}
	assert_int_equal(f->refcount, UINT16_MAX);
	assert_int_equal(frame_ref(&ft, pa), EXO_ERR_LIMIT);
	assert_int_equal(f->refcount, UINT16_MAX);
	for (i = 1; i < UINT16_MAX; i++) {
		assert_int_equal(frame_unref(&ft, pa), 0);
	}
	assert_int_equal(f->state, FRAME_USED);
	assert_int_equal(frame_unref(&ft, pa), 0);
	assert_int_equal(f->state, FRAME_FREE);
	check_table(&ft);
}

static void test_alloc_at(void **state)
{
	struct frame *f;
	paddr_t pa;
	uint64_t n = 0;

	frame_range_add_usable(&ft, 0, 16 * FRAME_SIZE);
	frame_range_reserve(&ft, 0, FRAME_SIZE);

	/* A free frame from the middle of the list. */
	assert_int_equal(frame_alloc_at(&ft, 7 * FRAME_SIZE, 42), 0);
	f = frame_lookup(&ft, 7 * FRAME_SIZE);
	assert_int_equal(f->state, FRAME_USED);
	assert_int_equal(f->owner, 42);
	assert_int_equal(f->refcount, 1);
	assert_int_equal(frame_free_count(&ft), 14);
	check_table(&ft);

	assert_int_equal(frame_alloc_at(&ft, 7 * FRAME_SIZE, 43), EXO_ERR_BUSY);
	assert_int_equal(f->owner, 42);
	assert_int_equal(frame_alloc_at(&ft, 0, 1), EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_at(&ft, 20 * FRAME_SIZE, 1),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_at(&ft, NFRAMES * FRAME_SIZE, 1),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_at(&ft, 3 * FRAME_SIZE + 4, 1),
			 EXO_ERR_ALIGN);
	assert_int_equal(frame_free_count(&ft), 14);

	/* The head and the tail of the list too. */
	assert_int_equal(frame_alloc_at(&ft, 1 * FRAME_SIZE, 1), 0);
	assert_int_equal(frame_alloc_at(&ft, 15 * FRAME_SIZE, 1), 0);
	check_table(&ft);

	while (frame_alloc(&ft, 1, &pa) == 0) {
		assert_int_not_equal(pa, 7 * FRAME_SIZE);
		assert_int_not_equal(pa, 1 * FRAME_SIZE);
		assert_int_not_equal(pa, 15 * FRAME_SIZE);
		n++;
	}
	assert_int_equal(n, 12);
	check_table(&ft);
}

static void test_alloc_contig_aligned(void **state)
{
	paddr_t pa, single;
	uint64_t i;

	/* Frame 0 is not RAM, so no run may start there. */
	frame_range_add_usable(&ft, FRAME_SIZE, 16 * MIB);
	assert_int_equal(frame_alloc(&ft, 1, &single), 0);

	assert_int_equal(frame_alloc_contig(&ft, 512, 512, 77, &pa), 0);
	assert_int_equal(pa, 2 * MIB);
	for (i = 0; i < 512; i++) {
		struct frame *f = frame_lookup(&ft, pa + i * FRAME_SIZE);

		assert_int_equal(f->state, FRAME_USED);
		assert_int_equal(f->owner, 77);
		assert_int_equal(f->refcount, 1);
	}
	assert_int_equal(frame_free_count(&ft), NFRAMES - 1 - 1 - 512);

	assert_int_equal(frame_alloc_contig(&ft, 512, 512, 78, &pa), 0);
	assert_int_equal(pa, 4 * MIB);

	/* First fit: frame 0 is reserved, so the first 4-aligned run is 4. */
	assert_int_equal(frame_alloc_contig(&ft, 3, 4, 79, &pa), 0);
	assert_int_equal(pa, 4 * FRAME_SIZE);

	/* No alignment to speak of: first fit from the bottom. */
	assert_int_equal(frame_alloc_contig(&ft, 2, 1, 80, &pa), 0);
	assert_int_equal(pa, 2 * FRAME_SIZE);
	check_table(&ft);

	/* Invalid requests change nothing. */
	i = frame_free_count(&ft);
	pa = 0x1234;
	assert_int_equal(frame_alloc_contig(&ft, 0, 1, 1, &pa),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_contig(&ft, 1, 0, 1, &pa),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_contig(&ft, 1, 3, 1, &pa),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_contig(&ft, 1, 513, 1, &pa),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_contig(&ft, 4, UINT64_MAX, 1, &pa),
			 EXO_ERR_INVALID);
	assert_int_equal(frame_alloc_contig(&ft, NFRAMES + 1, 1, 1, &pa),
			 EXO_ERR_NO_MEMORY);
	assert_int_equal(frame_alloc_contig(&ft, UINT64_MAX, 1, 1, &pa),
			 EXO_ERR_NO_MEMORY);
	/* Alignments larger than the table fit only at frame 0, not RAM. */
	assert_int_equal(frame_alloc_contig(&ft, 1, (uint64_t)1 << 40, 1, &pa),
			 EXO_ERR_NO_MEMORY);
	assert_int_equal(frame_alloc_contig(&ft, 1, (uint64_t)1 << 63, 1, &pa),
			 EXO_ERR_NO_MEMORY);
	assert_int_equal(pa, 0x1234);
	assert_int_equal(frame_free_count(&ft), i);
	check_table(&ft);
}

static void test_alloc_contig_fragmented(void **state)
{
	paddr_t pa[64], got;
	unsigned int i;

	frame_range_add_usable(&ft, 0, 64 * FRAME_SIZE);
	for (i = 0; i < 64; i++) {
		assert_int_equal(frame_alloc(&ft, 1, &pa[i]), 0);
	}
	for (i = 0; i < 64; i += 2) {
		assert_int_equal(frame_unref(&ft, pa[i]), 0);
	}
	assert_int_equal(frame_free_count(&ft), 32);

	/* Plenty free, but no two adjacent. */
	assert_int_equal(frame_alloc_contig(&ft, 2, 1, 1, &got),
			 EXO_ERR_NO_MEMORY);
	assert_int_equal(frame_alloc_contig(&ft, 32, 1, 1, &got),
			 EXO_ERR_NO_MEMORY);
	assert_int_equal(frame_free_count(&ft), 32);
	check_table(&ft);

	/* Free frame 1 (next to free frame 0): a pair appears, at 0 only. */
	assert_int_equal(frame_unref(&ft, FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_contig(&ft, 2, 2, 1, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(frame_alloc_contig(&ft, 2, 1, 1, &got),
			 EXO_ERR_NO_MEMORY);

	/* A single frame is always a run. */
	assert_int_equal(frame_alloc_contig(&ft, 1, 1, 1, &got), 0);
	assert_int_equal(got, 2 * FRAME_SIZE);
	check_table(&ft);
}

static void test_owner_recorded(void **state)
{
	paddr_t a, b, c;

	frame_range_add_usable(&ft, 0, 8 * FRAME_SIZE);
	assert_int_equal(frame_alloc(&ft, 7, &a), 0);
	assert_int_equal(frame_alloc(&ft, FRAME_OWNER_KERNEL, &b), 0);
	assert_int_equal(frame_alloc_contig(&ft, 2, 2, 1234, &c), 0);
	assert_int_equal(frame_lookup(&ft, a)->owner, 7);
	assert_int_equal(frame_lookup(&ft, b)->owner, FRAME_OWNER_KERNEL);
	assert_int_equal(frame_lookup(&ft, c)->owner, 1234);
	assert_int_equal(frame_lookup(&ft, c + FRAME_SIZE)->owner, 1234);

	/* Lookup takes any address inside the frame. */
	assert_ptr_equal(frame_lookup(&ft, a + 0xfff), frame_lookup(&ft, a));

	assert_int_equal(frame_unref(&ft, a), 0);
	assert_int_equal(frame_lookup(&ft, a)->owner, FRAME_OWNER_NONE);
	check_table(&ft);
}

/* An owner's list of used frames, threaded through their metadata. */
static void test_owner_list(void **state)
{
	struct frame_list a, b;
	paddr_t pa[6], got;
	uint64_t seen = 0;

	frame_list_init(&a);
	frame_list_init(&b);
	frame_range_add_usable(&ft, 0, 16 * FRAME_SIZE);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(frame_alloc(&ft, 1, &pa[i]), 0);
		frame_list_add(&ft, i < 4 ? &a : &b, pa[i]);
	}
	assert_int_equal(a.count, 4);
	assert_int_equal(b.count, 2);
	/* Middle, head and tail removals keep both lists intact. */
	frame_list_remove(&ft, &a, pa[1]);
	frame_list_remove(&ft, &a, pa[3]);
	frame_list_remove(&ft, &b, pa[4]);
	assert_int_equal(a.count, 2);
	while (frame_list_pop(&ft, &a, &got) == 0) {
		assert_true(got == pa[0] || got == pa[2]);
		seen |= 1ul << (got / FRAME_SIZE);
	}
	assert_int_equal(seen, 1ul << (pa[0] / FRAME_SIZE) |
				       1ul << (pa[2] / FRAME_SIZE));
	assert_int_equal(a.count, 0);
	assert_int_equal(frame_list_pop(&ft, &a, &got), EXO_ERR_NOT_FOUND);
	assert_int_equal(frame_list_pop(&ft, &b, &got), 0);
	assert_int_equal(got, pa[5]);
	/* Off their lists, the frames free normally. */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(frame_unref(&ft, pa[i]), 0);
	}
	check_table(&ft);
}

static void test_wrapping_ranges_clipped(void **state)
{
	frame_table_init(&ft, meta, 64);

	/* Wholly above the table, and wrapping: nothing, and no crash. */
	frame_range_add_usable(&ft, UINT64_MAX - 0xfff, 0x2000);
	frame_range_add_usable(&ft, UINT64_MAX - 0x800, 0x1000);
	frame_range_add_usable(&ft, UINT64_MAX, UINT64_MAX);
	assert_int_equal(frame_free_count(&ft), 0);

	/* Runs "past 2^64": clipped at the top, never wrapped onto 0. */
	frame_range_add_usable(&ft, 16 * FRAME_SIZE, UINT64_MAX);
	assert_int_equal(frame_free_count(&ft), 48);
	assert_int_equal(meta[0].state, FRAME_RESERVED);
	assert_int_equal(meta[15].state, FRAME_RESERVED);
	assert_int_equal(meta[16].state, FRAME_FREE);
	assert_int_equal(meta[63].state, FRAME_FREE);

	frame_range_reserve(&ft, 32 * FRAME_SIZE + 1, UINT64_MAX);
	assert_int_equal(frame_free_count(&ft), 16);
	assert_int_equal(meta[31].state, FRAME_FREE);
	assert_int_equal(meta[32].state, FRAME_RESERVED);
	assert_int_equal(meta[16].state, FRAME_FREE);

	frame_range_reserve(&ft, UINT64_MAX, 2);
	frame_range_reserve(&ft, UINT64_MAX - 0xfff, UINT64_MAX);
	assert_int_equal(frame_free_count(&ft), 16);
	assert_int_equal(meta[0].state, FRAME_RESERVED);
	assert_int_equal(meta[0].owner, FRAME_OWNER_NONE);
	check_table(&ft);
}

/* xorshift64: a fixed seed makes every run the same. */
/*
 * Frames freed as zeroed go on their own list: frame_alloc_zeroed takes
 * them first and says so, frame_alloc leaves them for it, a frame still
 * referenced is not listed, and every other way in or out keeps the lists.
 */
static void test_zeroed_list(void **state)
{
	paddr_t a, b, c, got;
	bool zero;

	(void)state;
	frame_range_add_usable(&ft, 0, 8 * FRAME_SIZE);
	assert_int_equal(frame_alloc(&ft, 1, &a), 0);
	assert_int_equal(frame_alloc(&ft, 1, &b), 0);
	assert_int_equal(frame_alloc(&ft, 1, &c), 0);
	/* Nothing known zero yet: any frame, to be cleared by the caller. */
	assert_int_equal(frame_alloc_zeroed(&ft, 1, &got, &zero), 0);
	assert_false(zero);
	assert_int_equal(frame_unref(&ft, got), 0);

	assert_int_equal(frame_unref_zeroed(&ft, a), 0);
	assert_int_equal(ft.nzero, 1);
	check_table(&ft);
	/* Still referenced elsewhere: only unreferenced, not listed. */
	assert_int_equal(frame_ref(&ft, b), 0);
	assert_int_equal(frame_unref_zeroed(&ft, b), 0);
	assert_int_equal(ft.nzero, 1);
	assert_int_equal(meta[b / FRAME_SIZE].state, FRAME_USED);
	/* An ordinary allocation leaves the zeroed frame alone. */
	assert_int_equal(frame_alloc(&ft, 2, &got), 0);
	assert_true(got != a);
	assert_int_equal(frame_alloc_zeroed(&ft, 3, &got, &zero), 0);
	assert_true(zero);
	assert_int_equal(got, a);
	assert_int_equal(meta[a / FRAME_SIZE].zero, 0);
	assert_int_equal(ft.nzero, 0);
	check_table(&ft);

	/* Taken by address or in a run, it leaves the zeroed list too. */
	assert_int_equal(frame_unref_zeroed(&ft, a), 0);
	assert_int_equal(frame_alloc_at(&ft, a, 4), 0);
	assert_int_equal(ft.nzero, 0);
	assert_int_equal(frame_unref_zeroed(&ft, a), 0);
	assert_int_equal(frame_unref_zeroed(&ft, c), 0);
	frame_range_reserve(&ft, c, FRAME_SIZE);
	assert_int_equal(ft.nzero, 1);
	check_table(&ft);

	/* When only zeroed frames are left, frame_alloc takes them. */
	while (frame_alloc(&ft, 5, &got) == 0 && got != a) {
	}
	assert_int_equal(got, a);
	assert_int_equal(ft.nfree, 0);
	assert_int_equal(frame_alloc_zeroed(&ft, 1, &got, &zero),
			 EXO_ERR_NO_MEMORY);
	check_table(&ft);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Whether the model has @cnt free frames in a row starting on @align. */
static bool model_has_run(const unsigned int *model, uint64_t n, uint64_t cnt,
			  uint64_t align)
{
	uint64_t start, i;

	for (start = 0; start + cnt <= n; start += align) {
		i = 0;
		while (i < cnt && model[start + i] == 1) {
			i++;
		}
		if (i == cnt) {
			return true;
		}
	}
	return false;
}

static void test_stress_against_model(void **state)
{
	enum { N = 1024 };
	/* The model: 0 reserved, 1 free, 2+ used with refcount (v - 1). */
	static unsigned int model[N];
	/* Of the free frames: on the zeroed list. */
	static bool zeroed[N];
	uint64_t step, pfn, nfree = 0, nzero = 0, got_pfn, cnt, align, i;
	paddr_t pa;
	bool zero;
	int err;

	frame_table_init(&ft, meta, N);
	frame_range_add_usable(&ft, 0, N * FRAME_SIZE);
	frame_range_reserve(&ft, 0, 16 * FRAME_SIZE);
	frame_range_reserve(&ft, 300 * FRAME_SIZE, 40 * FRAME_SIZE - 1);
	frame_range_reserve(&ft, 700 * FRAME_SIZE + 5, 5);
	for (pfn = 0; pfn < N; pfn++) {
		model[pfn] = meta[pfn].state == FRAME_FREE ? 1 : 0;
		nfree += model[pfn] == 1;
	}
	assert_int_equal(nfree, N - 16 - 40 - 1);
	assert_int_equal(frame_free_count(&ft), nfree);

	memset(zeroed, 0, sizeof(zeroed));
	rng_state = 0x9e3779b97f4a7c15ull;
	for (step = 0; step < 200000; step++) {
		uint64_t op = rng() % 10;

		pfn = rng() % N;
		pa = pfn * FRAME_SIZE;
		switch (op) {
		case 0:
		case 1:
		case 8: /* someone who needs the frame zeroed */
			if (op == 8) {
				err = frame_alloc_zeroed(&ft, (uint32_t)pfn, &pa,
							 &zero);
			} else {
				err = frame_alloc(&ft, (uint32_t)pfn, &pa);
			}
			if (nfree == 0) {
				assert_int_equal(err, EXO_ERR_NO_MEMORY);
				break;
			}
			assert_int_equal(err, 0);
			got_pfn = pa / FRAME_SIZE;
			assert_int_equal(model[got_pfn], 1);
			if (op == 8) {
				/* Zeroed whenever there is one, and said so. */
				assert_int_equal(zero, zeroed[got_pfn]);
				assert_int_equal(zero, nzero > 0);
			} else {
				/* A zeroed frame only when there is no other. */
				assert_int_equal(zeroed[got_pfn], nfree == nzero);
			}
			model[got_pfn] = 2;
			nfree--;
			nzero -= zeroed[got_pfn];
			zeroed[got_pfn] = false;
			break;
		case 2:
			err = frame_alloc_at(&ft, pa, 1);
			if (model[pfn] == 0) {
				assert_int_equal(err, EXO_ERR_INVALID);
			} else if (model[pfn] >= 2) {
				assert_int_equal(err, EXO_ERR_BUSY);
			} else {
				assert_int_equal(err, 0);
				model[pfn] = 2;
				nfree--;
				nzero -= zeroed[pfn];
				zeroed[pfn] = false;
			}
			break;
		case 3:
			err = frame_ref(&ft, pa);
			if (model[pfn] == 0) {
				assert_int_equal(err, EXO_ERR_INVALID);
			} else if (model[pfn] == 1) {
				assert_int_equal(err, EXO_ERR_STATE);
			} else {
				assert_int_equal(err, 0);
				model[pfn]++;
			}
			break;
		case 4:
		case 5:
		case 6:
		case 9: /* the last reference of a cleared frame */
			err = op == 9 ? frame_unref_zeroed(&ft, pa)
				      : frame_unref(&ft, pa);
			if (model[pfn] == 0) {
				assert_int_equal(err, EXO_ERR_INVALID);
			} else if (model[pfn] == 1) {
				assert_int_equal(err, EXO_ERR_STATE);
			} else {
				assert_int_equal(err, 0);
				if (--model[pfn] == 1) {
					nfree++;
					nzero += op == 9;
					zeroed[pfn] = op == 9;
				}
			}
			break;
		default:
			cnt = 1 + rng() % 4;
			align = (uint64_t)1 << (rng() % 3);
			err = frame_alloc_contig(&ft, cnt, align, 2, &pa);
			if (err == 0) {
				got_pfn = pa / FRAME_SIZE;
				assert_int_equal(got_pfn % align, 0);
				assert_true(got_pfn + cnt <= N);
				for (i = got_pfn; i < got_pfn + cnt; i++) {
					assert_int_equal(model[i], 1);
					model[i] = 2;
					nfree--;
					nzero -= zeroed[i];
					zeroed[i] = false;
				}
			} else {
				assert_int_equal(err, EXO_ERR_NO_MEMORY);
				assert_false(
					model_has_run(model, N, cnt, align));
			}
			break;
		}
		assert_int_equal(frame_free_count(&ft), nfree);
		assert_int_equal(ft.nzero, nzero);
		if (step % 4096 == 0) {
			check_table(&ft);
		}
	}
	check_table(&ft);

	/* Drop every reference; everything usable comes back. */
	for (pfn = 0; pfn < N; pfn++) {
		while (model[pfn] >= 2) {
			assert_int_equal(frame_unref(&ft, pfn * FRAME_SIZE), 0);
			model[pfn]--;
		}
	}
	assert_int_equal(frame_free_count(&ft), ft.nusable);
	assert_int_equal(ft.nusable, N - 16 - 40 - 1);
	check_table(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_all_reserved, setup),
		cmocka_unit_test_setup(test_add_usable_partial_frames, setup),
		cmocka_unit_test_setup(test_reserved_never_handed_out, setup),
		cmocka_unit_test_setup(test_reserve_is_for_good, setup),
		cmocka_unit_test_setup(test_exhaustion_recovers, setup),
		cmocka_unit_test_setup(test_double_free_detected, setup),
		cmocka_unit_test_setup(test_bad_addresses, setup),
		cmocka_unit_test_setup(test_refcount, setup),
		cmocka_unit_test_setup(test_alloc_at, setup),
		cmocka_unit_test_setup(test_alloc_contig_aligned, setup),
		cmocka_unit_test_setup(test_alloc_contig_fragmented, setup),
		cmocka_unit_test_setup(test_owner_recorded, setup),
		cmocka_unit_test_setup(test_owner_list, setup),
		cmocka_unit_test_setup(test_wrapping_ranges_clipped, setup),
		cmocka_unit_test_setup(test_zeroed_list, setup),
		cmocka_unit_test_setup(test_stress_against_model, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
