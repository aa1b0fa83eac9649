/* SPDX-License-Identifier: MIT */
/*
 * disk-tenants, the verifier: started by init after both tenants ended,
 * with a read-only extent over both of theirs and the gap between
 * (`disk=A+N:ro t_disk_verify A B`). Tenant A's blocks are A's, B's are
 * B's, the gap is untouched, and the extent refuses writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/runtime.h>

#include "../family/check.h"
#include "tenant.h"

#define BUF_VA 0x0000480100000000ul

int main(int argc, char **argv)
{
	uint8_t *buf = (uint8_t *)BUF_VA;
	uint64_t a, b, n;
	struct disk d;

	if (argc != 3) {
		printf("usage: t_disk_verify A_START B_START\n");
		return 2;
	}
	a = strtoul(argv[1], NULL, 10);
	b = strtoul(argv[2], NULL, 10);
	check_begin("verify");
	CHECK_EQ(disk_open(&d, disk_extent()), 0);
	CHECK_EQ(d.start, a);
	n = b + TENANT_BLOCKS - a;
	CHECK_EQ(d.bd.nblocks, n);
	CHECK_EQ(d.rights, EXO_CAP_R | EXO_CAP_GRANT);
	CHECK_EQ(map_anon(BUF_VA, n), 0);
	CHECK_EQ(blockdev_read(&d.bd, 0, (uint32_t)n, buf), 0);

	step("tenant A's blocks, the gap, tenant B's blocks");
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *p = buf + i * BLOCKDEV_BLOCK_SIZE;

		if (i < TENANT_BLOCKS) {
			CHECK_EQ(tenant_block_check(p, 'A', (uint32_t)i), 1);
		} else if (i >= b - a) {
			CHECK_EQ(tenant_block_check(p, 'B',
						    (uint32_t)(i - (b - a))),
				 1);
		} else {
			for (uint32_t j = 0; j < BLOCKDEV_BLOCK_SIZE; j++) {
				CHECK_EQ(p[j], 0);
			}
		}
	}

	step("a read-only extent takes no writes");
	CHECK_EQ(blockdev_write(&d.bd, 0, 1, buf), EXO_ERR_DENIED);
	CHECK_EQ(blockdev_flush(&d.bd), EXO_ERR_DENIED);
	return check_end();
}
