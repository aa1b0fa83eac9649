/* SPDX-License-Identifier: MIT */
/*
 * disk-tenants, the tenant: started by init with `disk=START+64`, as
 * `t_disk_tenant NAME START PEER` while another tenant runs on its own
 * extent from block PEER. It writes its blocks, tries every way to the
 * peer's blocks (all refused), and checks at the end that its own blocks
 * are still what it wrote.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/runtime.h>

#include "../family/check.h"
#include "tenant.h"

#define BUF_VA 0x0000480100000000ul

static struct disk d;

static void expect_blocks(char name)
{
	uint8_t *buf = (uint8_t *)BUF_VA;

	memset(buf, 0, TENANT_BLOCKS * BLOCKDEV_BLOCK_SIZE);
	CHECK_EQ(blockdev_read(&d.bd, 0, TENANT_BLOCKS, buf), 0);
	for (uint32_t b = 0; b < TENANT_BLOCKS; b++) {
		CHECK_EQ(tenant_block_check(buf + b * BLOCKDEV_BLOCK_SIZE, name,
					    b),
			 1);
	}
}

int main(int argc, char **argv)
{
	uint64_t start, peer, wrap;
	struct exo_disk_info info;
	uint8_t *buf = (uint8_t *)BUF_VA;
	int64_t slot;
	char name;

	if (argc != 4) {
		printf("usage: t_disk_tenant NAME START PEER\n");
		return 2;
	}
	name = argv[1][0];
	start = strtoul(argv[2], NULL, 10);
	peer = strtoul(argv[3], NULL, 10);
	check_begin(name == 'A' ? "tenant A" : "tenant B");

	step("the extent init granted");
	slot = disk_extent();
	CHECK(slot >= 0);
	CHECK_EQ(disk_open(&d, slot), 0);
	CHECK_EQ(d.start, start);
	CHECK_EQ(d.bd.nblocks, TENANT_BLOCKS);
	CHECK_EQ(d.rights, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT);
	CHECK_EQ(map_anon(BUF_VA, TENANT_BLOCKS), 0);

	step("write every block, flush, read back");
	for (uint32_t b = 0; b < TENANT_BLOCKS; b++) {
		tenant_block_fill(buf + b * BLOCKDEV_BLOCK_SIZE, name, b);
	}
	CHECK_EQ(blockdev_write(&d.bd, 0, TENANT_BLOCKS, buf), 0);
	CHECK_EQ(blockdev_flush(&d.bd), 0);
	expect_blocks(name);

	step("every way to the peer's blocks is refused");
	/* Offsets are relative to the extent: the peer's are out of range. */
	wrap = peer - start; /* wraps when the peer lies below */
	CHECK_EQ(exo_disk_submit((uint64_t)slot, EXO_DISK_READ, wrap, 1, BUF_VA,
				 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_submit((uint64_t)slot, EXO_DISK_WRITE, wrap, 1,
				 BUF_VA, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_submit((uint64_t)slot, EXO_DISK_WRITE, TENANT_BLOCKS,
				 1, BUF_VA, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_submit((uint64_t)slot, EXO_DISK_READ,
				 TENANT_BLOCKS - 1, 2, BUF_VA, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(blockdev_read(&d.bd, wrap, 1, buf), EXO_ERR_INVALID);
	/* A sub-extent can only be narrower. */
	CHECK_EQ(exo_disk_derive((uint64_t)slot, EXO_ENV_SELF, 0,
				 TENANT_BLOCKS + 1, EXO_CAP_R, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_disk_derive((uint64_t)slot, EXO_ENV_SELF, wrap, 1,
				 EXO_CAP_R, 0),
		 EXO_ERR_INVALID);
	/* No other slot holds anything disk-like. */
	for (int64_t s = 0; s < EXO_CAP_SLOTS; s++) {
		if (s == slot) {
			continue;
		}
		CHECK_EQ(
			exo_disk_info((uint64_t)s, (uint64_t)&info, 0, 0, 0, 0),
			EXO_ERR_NOT_FOUND);
		CHECK_EQ(exo_disk_submit((uint64_t)s, EXO_DISK_READ, 0, 1,
					 BUF_VA, 0),
			 EXO_ERR_NOT_FOUND);
	}

	step("the peer ran meanwhile; our blocks are ours");
	for (int i = 0; i < 50; i++) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	expect_blocks(name);
	return check_end();
}
