/* SPDX-License-Identifier: MIT */
/*
 * disk-raw: run as init, with the whole disk. Blocks written through the
 * block device come back unchanged, at several offsets and sizes: one
 * block, a few, more than one request holds, more than DISK_DEPTH
 * requests, page-aligned buffers (straight to the device) and unaligned
 * ones (staged), the last block of the disk, and requests kept in flight
 * with the asynchronous calls. Writes land only where they were aimed.
 */
#include <stdint.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/runtime.h>

#include "../family/check.h"

#define BUF_VA 0x0000480100000000ul
#define CHECK_VA 0x0000480200000000ul
#define MAX_BLOCKS 600u
#define BLOCK BLOCKDEV_BLOCK_SIZE

static struct disk d;

/* Fill @n blocks at @p with words naming (@seed, device block, index). */
static void fill(uint8_t *p, uint64_t first, uint32_t n, uint64_t seed)
{
	uint64_t *w = (uint64_t *)p;

	for (uint64_t b = 0; b < n; b++) {
		for (uint64_t i = 0; i < BLOCK / 8; i++) {
			w[b * (BLOCK / 8) + i] =
				seed << 48 ^ (first + b) << 16 ^ i;
		}
	}
}

/* Index of the first bad word, or -1. */
static int64_t verify(const uint8_t *p, uint64_t first, uint32_t n,
		      uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)p;

	for (uint64_t b = 0; b < n; b++) {
		for (uint64_t i = 0; i < BLOCK / 8; i++) {
			if (w[b * (BLOCK / 8) + i] !=
			    (seed << 48 ^ (first + b) << 16 ^ i)) {
				return (int64_t)(b * (BLOCK / 8) + i);
			}
		}
	}
	return -1;
}

/* Write @n blocks at @block from @buf + @skew, read back elsewhere. */
static void round_trip(uint64_t block, uint32_t n, uint32_t skew, uint64_t seed)
{
	uint8_t *src = (uint8_t *)BUF_VA + skew;
	uint8_t *dst = (uint8_t *)CHECK_VA + skew;

	printf("disk-raw: %u blocks at %lu, buffer offset %u\n", n,
	       (unsigned long)block, skew);
	fill(src, block, n, seed);
	memset(dst, 0, (size_t)n * BLOCK);
	CHECK_EQ(blockdev_write(&d.bd, block, n, src), 0);
	CHECK_EQ(blockdev_read(&d.bd, block, n, dst), 0);
	CHECK_EQ(verify(dst, block, n, seed), -1);
}

int main(void)
{
	struct exo_disk_completion c;
	int64_t slot;
	uint32_t seen;

	check_begin("disk-raw");
	slot = disk_extent();
	CHECK_EQ(slot, 0); /* the kernel puts the whole disk in init's slot 0 */
	CHECK_EQ(disk_open(&d, slot), 0);
	printf("disk-raw: extent of %lu blocks from %lu, rights 0x%x\n",
	       (unsigned long)d.bd.nblocks, (unsigned long)d.start, d.rights);
	CHECK_EQ(d.start, 0);
	CHECK_EQ(d.bd.nblocks, 64u * 1024 * 1024 / BLOCK);
	CHECK_EQ(d.rights, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT);
	CHECK_EQ(map_anon(BUF_VA, MAX_BLOCKS + 1), 0);
	CHECK_EQ(map_anon(CHECK_VA, MAX_BLOCKS + 1), 0);

	step("a fresh disk reads as zeros");
	memset((void *)CHECK_VA, 0xee, 4 * BLOCK);
	CHECK_EQ(blockdev_read(&d.bd, 10, 4, (void *)CHECK_VA), 0);
	for (uint64_t i = 0; i < 4 * BLOCK; i++) {
		CHECK_EQ(((uint8_t *)CHECK_VA)[i], 0);
	}

	step("round trips, page-aligned buffers (no copy)");
	round_trip(0, 1, 0, 1);
	round_trip(1, 3, 0, 2);
	round_trip(100, 32, 0, 3); /* one full request */
	round_trip(200, 33, 0, 4); /* a request and a block */
	round_trip(1000, MAX_BLOCKS, 0, 5); /* many requests, DISK_DEPTH deep */
	round_trip(d.bd.nblocks - 2, 2, 0, 6); /* the end of the disk */

	step("round trips, unaligned buffers (staged)");
	round_trip(50, 1, 8, 7);
	round_trip(3000, 70, 100, 8);
	round_trip(4000, 300, 4095, 9);

	step("writes land only where they were aimed");
	/* Block 0 and 1..3 were written above: neighbours stay intact. */
	CHECK_EQ(blockdev_read(&d.bd, 0, 4, (void *)CHECK_VA), 0);
	CHECK_EQ(verify((uint8_t *)CHECK_VA, 0, 1, 1), -1);
	CHECK_EQ(verify((uint8_t *)CHECK_VA + BLOCK, 1, 3, 2), -1);
	CHECK_EQ(blockdev_read(&d.bd, 99, 1, (void *)CHECK_VA), 0);
	for (uint64_t i = 0; i < BLOCK; i++) {
		CHECK_EQ(((uint8_t *)CHECK_VA)[i], 0);
	}
	CHECK_EQ(blockdev_read(&d.bd, 132, 1, (void *)CHECK_VA), 0);
	for (uint64_t i = 0; i < BLOCK; i++) {
		CHECK_EQ(((uint8_t *)CHECK_VA)[i], 0);
	}

	step("a flush completes");
	CHECK_EQ(blockdev_flush(&d.bd), 0);

	step("asynchronous requests: 16 in flight, completions by tag");
	fill((uint8_t *)BUF_VA, 5000, 16, 10);
	for (uint32_t i = 0; i < 16; i++) {
		CHECK_EQ(disk_submit(&d, EXO_DISK_WRITE, 5000 + i, 1,
				     (uint8_t *)BUF_VA + i * BLOCK, 100 + i),
			 0);
	}
	seen = 0;
	for (uint32_t i = 0; i < 16; i++) {
		CHECK_EQ(disk_wait(&c), 0);
		CHECK(c.tag >= 100 && c.tag < 116);
		CHECK_EQ(c.status, 0);
		CHECK(!(seen & (1u << (c.tag - 100))));
		seen |= 1u << (c.tag - 100);
	}
	CHECK_EQ(seen, 0xffff);
	CHECK_EQ(disk_wait(&c), EXO_ERR_STATE); /* nothing outstanding */
	CHECK_EQ(disk_poll(&c), 0);
	memset((void *)CHECK_VA, 0, 16 * BLOCK);
	for (uint32_t i = 0; i < 16; i++) {
		CHECK_EQ(disk_submit(&d, EXO_DISK_READ, 5015 - i, 1,
				     (uint8_t *)CHECK_VA + (15 - i) * BLOCK, i),
			 0);
	}
	CHECK_EQ(disk_submit(&d, EXO_DISK_FLUSH, 0, 0, NULL, 99), 0);
	for (uint32_t i = 0; i < 17; i++) {
		CHECK_EQ(disk_wait(&c), 0);
		CHECK_EQ(c.status, 0);
	}
	CHECK_EQ(verify((uint8_t *)CHECK_VA, 5000, 16, 10), -1);

	step("a synchronous transfer keeps the caller's completions");
	CHECK_EQ(disk_submit(&d, EXO_DISK_READ, 5000, 1, (void *)CHECK_VA, 7),
		 0);
	CHECK_EQ(blockdev_read(&d.bd, 1000, 64, (void *)BUF_VA), 0);
	CHECK_EQ(verify((uint8_t *)BUF_VA, 1000, 64, 5), -1);
	CHECK_EQ(disk_wait(&c), 0);
	CHECK_EQ(c.tag, 7);
	CHECK_EQ(c.status, 0);

	step("the block device refuses ranges outside the extent");
	CHECK_EQ(blockdev_read(&d.bd, d.bd.nblocks, 1, (void *)BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(blockdev_write(&d.bd, d.bd.nblocks - 1, 2, (void *)BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(blockdev_read(&d.bd, ~0ul, 2, (void *)BUF_VA),
		 EXO_ERR_INVALID);
	CHECK_EQ(disk_submit(&d, EXO_DISK_READ, 0, 1, (void *)BUF_VA,
			     DISK_TAG_LIBRARY),
		 EXO_ERR_INVALID);
	return check_end();
}
