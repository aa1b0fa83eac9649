/* SPDX-License-Identifier: MIT */
/*
 * disk-hostile: run as init, with the whole disk. Every malformed or
 * unauthorised request fails with its error and changes nothing: no
 * completion appears, no block changes. Covered: bad slots, slots of
 * other types, empty and revoked slots, ranges outside the extent,
 * counts of 0 and above the limit, bad operations, misaligned,
 * unmapped, kernel and read-only buffers, sub-extents that would grow,
 * rights that would grow, read-only extents, a child without any
 * extent, a full queue, and requests whose buffer is unmapped and freed
 * or whose environment exits while the device works on them.
 */
#include <stdint.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/runtime.h>

#include "../family/check.h"

#define BUF_VA 0x0000480100000000ul
#define RO_VA 0x0000480200000000ul
#define HOLE_VA 0x0000480300000000ul /* never mapped */
#define LONE_VA 0x0000480400000000ul
#define BLOCK BLOCKDEV_BLOCK_SIZE
#define MARK 0x5eed5eed5eed5eedul
/*
 * The test's disk is throttled to 100 requests a second, with bursts of
 * 10 let through at once: a request behind this many others stays on the
 * device for tens of milliseconds.
 */
#define THROTTLE_AHEAD 20

static struct disk root;

static int64_t submit(int64_t slot, uint64_t op, uint64_t block, uint64_t count,
		      uint64_t buf)
{
	return exo_disk_submit((uint64_t)slot, op, block, count, buf, 1234);
}

/* No completion is waiting: what failed left nothing behind. */
static void nothing_pending(void)
{
	struct exo_disk_completion c;

	CHECK_EQ(exo_disk_complete((uint64_t)&c, 1, 0, 0, 0, 0), 0);
}

/* Mark blocks [@b, @b + @n) of the disk so changes are seen. */
static void mark(uint64_t b, uint32_t n)
{
	uint64_t *w = (uint64_t *)BUF_VA;

	for (uint64_t i = 0; i < n * BLOCK / 8; i++) {
		w[i] = MARK ^ (b * BLOCK / 8 + i);
	}
	CHECK_EQ(blockdev_write(&root.bd, b, n, (void *)BUF_VA), 0);
}

static void marked(uint64_t b, uint32_t n)
{
	const uint64_t *w = (const uint64_t *)BUF_VA;

	memset((void *)BUF_VA, 0, n * BLOCK);
	CHECK_EQ(blockdev_read(&root.bd, b, n, (void *)BUF_VA), 0);
	for (uint64_t i = 0; i < n * BLOCK / 8; i++) {
		CHECK_EQ(w[i], MARK ^ (b * BLOCK / 8 + i));
	}
}

/* A child with no extent tries init's slots. */
static int no_extent(uint64_t arg)
{
	struct exo_disk_info info;

	CHECK_EQ(disk_extent(), EXO_ERR_NOT_FOUND);
	CHECK_EQ(map_anon(BUF_VA, 1), 0);
	for (int64_t s = 0; s < EXO_CAP_SLOTS; s++) {
		CHECK_EQ(submit(s, EXO_DISK_READ, 0, 1, BUF_VA),
			 EXO_ERR_NOT_FOUND);
		CHECK_EQ(submit(s, EXO_DISK_WRITE, 0, 1, BUF_VA),
			 EXO_ERR_NOT_FOUND);
		CHECK_EQ(
			exo_disk_info((uint64_t)s, (uint64_t)&info, 0, 0, 0, 0),
			EXO_ERR_NOT_FOUND);
		CHECK_EQ(exo_disk_derive((uint64_t)s, EXO_ENV_SELF, 0, 1,
					 EXO_CAP_R, 0),
			 EXO_ERR_NOT_FOUND);
	}
	return 0;
}

/*
 * A child that waits for the extent its parent grants it, starts long
 * reads into its own memory, and exits at once.
 */
static int exit_in_flight(uint64_t arg)
{
	uint64_t t0 = ticks();
	int64_t slot;

	while ((slot = disk_extent()) < 0) {
		CHECK(ticks() - t0 < 5000);
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	CHECK_EQ(map_anon(BUF_VA, EXO_DISK_MAX_BLOCKS), 0);
	for (uint64_t i = 0; i < THROTTLE_AHEAD + 4; i++) {
		CHECK_EQ(submit((int64_t)slot, EXO_DISK_READ,
				i % 4 * EXO_DISK_MAX_BLOCKS,
				EXO_DISK_MAX_BLOCKS, BUF_VA),
			 0);
	}
	exo_env_exit(0, 0, 0, 0, 0, 0); /* at once, not through exit() */
	return 1;
}

int main(void)
{
	struct exo_disk_info info;
	struct exo_disk_completion c[EXO_DISK_QUEUE + 1];
	int64_t slot, sub, ro, frame_slot, r;
	int64_t pa;
	exo_envid_t kid;

	check_begin("disk-hostile");
	slot = disk_extent();
	CHECK_EQ(slot, 0);
	CHECK_EQ(disk_open(&root, slot), 0);
	CHECK_EQ(map_anon(BUF_VA, 64), 0);
	mark(0, 64);

	step("bad slots");
	CHECK_EQ(submit(-1, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(submit(EXO_CAP_SLOTS, EXO_DISK_READ, 0, 1, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(1 << 20, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(submit(40, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_disk_info(40, (uint64_t)&info, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	pa = exo_pte(BUF_VA) & EXO_PTE_ADDR;
	frame_slot =
		exo_cap_frame((uint64_t)pa, EXO_CAP_R | EXO_CAP_W, 0, 0, 0, 0);
	CHECK(frame_slot > 0);
	CHECK_EQ(submit(frame_slot, EXO_DISK_READ, 0, 1, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_info((uint64_t)frame_slot, (uint64_t)&info, 0, 0, 0,
			       0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)frame_slot, EXO_ENV_SELF, 0, 1,
				 EXO_CAP_R, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_drop((uint64_t)frame_slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_disk_info((uint64_t)slot, 0x10, 0, 0, 0, 0),
		 EXO_ERR_FAULT);
	CHECK_EQ(
		exo_disk_info((uint64_t)slot, 0xffff800000000000ul, 0, 0, 0, 0),
		EXO_ERR_FAULT);
	nothing_pending();

	step("ranges, counts and operations");
	CHECK_EQ(submit(slot, EXO_DISK_READ, root.bd.nblocks, 1, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, root.bd.nblocks - 1, 2, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, ~0ul, 2, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 1ul << 62, 1, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 0, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(
		submit(slot, EXO_DISK_READ, 0, EXO_DISK_MAX_BLOCKS + 1, BUF_VA),
		EXO_ERR_TOO_BIG);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1ul << 40, BUF_VA),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(submit(slot, 0, 0, 1, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, 4, 0, 1, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, 1ul << 32 | EXO_DISK_READ, 0, 1, BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_FLUSH, 1, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_FLUSH, 0, 1, 0), EXO_ERR_INVALID);
	CHECK_EQ(submit(slot, EXO_DISK_FLUSH, 0, 0, BUF_VA), EXO_ERR_INVALID);
	nothing_pending();

	step("buffers: misaligned, unmapped, kernel, read-only, half mapped");
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, BUF_VA + 8), EXO_ERR_ALIGN);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 0, 1, BUF_VA + 2048),
		 EXO_ERR_ALIGN);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, HOLE_VA), EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 0, 1, HOLE_VA), EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, 0), EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 0, 1, 0xffffffff80000000ul),
		 EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, 0xffff800000100000ul),
		 EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, EXO_PT_VIEW), EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 0, 1, EXO_PT_VIEW),
		 EXO_ERR_FAULT);
	/* The device would write into pages the caller may only read. */
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, EXO_INFO_VA), EXO_ERR_FAULT);
	CHECK_EQ(map_anon(RO_VA, 2), 0);
	CHECK(exo_page_protect(EXO_ENV_SELF, RO_VA, 2, EXO_PERM_R, 0, 0) >= 0);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 2, RO_VA), EXO_ERR_FAULT);
	/* Writing out of read-only memory is fine: the device only reads. */
	CHECK_EQ(blockdev_write(&root.bd, 100, 2, (void *)RO_VA), 0);
	/* The last page of the buffer is missing: nothing starts. */
	CHECK_EQ(map_anon(LONE_VA, 1), 0);
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 2, LONE_VA), EXO_ERR_FAULT);
	CHECK_EQ(submit(slot, EXO_DISK_WRITE, 0, 32, LONE_VA), EXO_ERR_FAULT);
	nothing_pending();
	marked(0, 64);

	step("sub-extents: narrower only, rights a subset");
	sub = exo_disk_derive((uint64_t)slot, EXO_ENV_SELF, 16, 8,
			      EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0);
	CHECK(sub > 0);
	CHECK_EQ(exo_disk_info((uint64_t)sub, (uint64_t)&info, 0, 0, 0, 0), 0);
	CHECK_EQ(info.start, 16);
	CHECK_EQ(info.blocks, 8);
	CHECK_EQ(info.device_blocks, root.bd.nblocks);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 0, 9, EXO_CAP_R,
				 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 8, 1, EXO_CAP_R,
				 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 1, ~0ul,
				 EXO_CAP_R, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 0, 0, EXO_CAP_R,
				 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 0, 1,
				 EXO_CAP_CONTROL, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 0, 1,
				 1ul << 16 | EXO_CAP_R, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(
		exo_disk_derive((uint64_t)sub, 0x7fffff42u, 0, 1, EXO_CAP_R, 0),
		EXO_ERR_NOT_FOUND);
	ro = exo_disk_derive((uint64_t)sub, EXO_ENV_SELF, 4, 4, EXO_CAP_R, 0);
	CHECK(ro > 0);
	CHECK_EQ(
		exo_disk_derive((uint64_t)ro, EXO_ENV_SELF, 0, 1, EXO_CAP_R, 0),
		EXO_ERR_DENIED); /* no GRANT */
	CHECK_EQ(exo_cap_grant((uint64_t)ro, EXO_ENV_SELF, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_DENIED);
	nothing_pending();

	step("a sub-extent's block 0 is its parent's block 16");
	CHECK_EQ(submit(sub, EXO_DISK_READ, 8, 1, BUF_VA), EXO_ERR_INVALID);
	CHECK_EQ(submit(sub, EXO_DISK_READ, 0, 1, BUF_VA), 0);
	CHECK_EQ(disk_wait(c), EXO_ERR_STATE); /* not disk_submit's */
	do {
		r = exo_disk_complete((uint64_t)c, 1, 0, 0, 0, 0);
		if (r == 0) {
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
	} while (r == 0);
	CHECK_EQ(r, 1);
	CHECK_EQ(c[0].tag, 1234);
	CHECK_EQ(c[0].status, 0);
	CHECK_EQ(((uint64_t *)BUF_VA)[0], MARK ^ (16 * BLOCK / 8));

	step("a read-only extent refuses writes and flushes");
	CHECK_EQ(submit(ro, EXO_DISK_WRITE, 0, 1, BUF_VA), EXO_ERR_DENIED);
	CHECK_EQ(submit(ro, EXO_DISK_FLUSH, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_disk_info((uint64_t)ro, (uint64_t)&info, 0, 0, 0, 0), 0);
	CHECK_EQ(info.start, 20);
	CHECK_EQ(info.rights, EXO_CAP_R);
	nothing_pending();

	step("revoked extents take no requests");
	CHECK_EQ(exo_cap_revoke((uint64_t)sub, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(submit(ro, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_disk_info((uint64_t)ro, (uint64_t)&info, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_drop((uint64_t)sub, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(submit(sub, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_NOT_FOUND);
	nothing_pending();
	marked(0, 64);

	step("a child without an extent reaches nothing");
	kid = child_spawn(no_extent, 0);
	child_expect_exit(kid, 0);
	marked(0, 64);

	step("the queue is bounded");
	for (uint32_t i = 0; i < EXO_DISK_QUEUE; i++) {
		CHECK_EQ(exo_disk_submit((uint64_t)slot, EXO_DISK_READ, i, 1,
					 BUF_VA + (i % 64) * BLOCK, i),
			 0);
	}
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, BUF_VA), EXO_ERR_LIMIT);
	CHECK_EQ(exo_disk_complete((uint64_t)c, 0, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_complete(HOLE_VA, 1, 0, 0, 0, 0) == EXO_ERR_FAULT ||
			 exo_disk_complete(HOLE_VA, 1, 0, 0, 0, 0) == 0,
		 1);
	for (uint32_t got = 0; got < EXO_DISK_QUEUE;) {
		r = exo_disk_complete((uint64_t)c, EXO_DISK_QUEUE + 1, 0, 0, 0,
				      0);
		CHECK(r >= 0);
		for (int64_t i = 0; i < r; i++) {
			CHECK_EQ(c[i].status, 0);
		}
		got += (uint32_t)r;
		if (r == 0) {
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
	}
	nothing_pending();

	step("a buffer unmapped and freed while the device fills it");
	pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	CHECK(pa > 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, LONE_VA + BLOCK, (uint64_t)pa,
			      EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	/* Behind THROTTLE_AHEAD others, the device takes its time over it. */
	for (uint32_t i = 0; i < THROTTLE_AHEAD; i++) {
		CHECK_EQ(submit(slot, EXO_DISK_READ, i, 1, BUF_VA), 0);
	}
	CHECK_EQ(submit(slot, EXO_DISK_READ, 0, 1, LONE_VA + BLOCK), 0);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, LONE_VA + BLOCK, 1, 0, 0, 0), 0);
	/* Pinned until the device is done: freeing waits for that. */
	r = exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0);
	printf("disk-hostile: frame_free while in flight: %s\n",
	       exo_status_name(r));
	CHECK_EQ(r, EXO_ERR_BUSY); /* the disk is throttled: still working */
	for (uint32_t got = 0; got < THROTTLE_AHEAD + 1;) {
		r = exo_disk_complete((uint64_t)c, EXO_DISK_QUEUE, 0, 0, 0, 0);
		CHECK(r >= 0);
		for (int64_t i = 0; i < r; i++) {
			CHECK_EQ(c[i].status, 0);
		}
		got += (uint32_t)r;
		if (r == 0) {
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
	}
	CHECK_EQ(exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0), 0);

	step("a child exits with 24 requests in flight");
	kid = child_spawn(exit_in_flight, 0);
	CHECK(exo_disk_derive((uint64_t)slot, kid, 0, 4 * EXO_DISK_MAX_BLOCKS,
			      EXO_CAP_R, 0) >= 0);
	child_expect_exit(kid, 0);
	marked(0, 64);
	nothing_pending();
	return check_end();
}
