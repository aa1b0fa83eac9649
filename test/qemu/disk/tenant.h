/* SPDX-License-Identifier: MIT */
/* disk-tenants: what a tenant writes in each of its blocks. */
#ifndef DISK_TENANT_H
#define DISK_TENANT_H

#include <stdint.h>
#include <stdio.h>

#include <libos/blockdev.h>

#define TENANT_BLOCKS 64u

/*
 * Block @b of tenant @name: "tenant N bbbbbb\n" (16 bytes, also read by
 * the host-side check), then @name and the block number in every byte.
 */
static inline void tenant_block_fill(uint8_t *p, char name, uint32_t b)
{
	snprintf((char *)p, 17, "tenant %c %06u\n", name, b);
	for (uint32_t i = 16; i < BLOCKDEV_BLOCK_SIZE; i++) {
		p[i] = (uint8_t)(name ^ b ^ i);
	}
}

/* 1 if @p is block @b of tenant @name, else 0. */
static inline int tenant_block_check(const uint8_t *p, char name, uint32_t b)
{
	char head[17];

	snprintf(head, sizeof(head), "tenant %c %06u\n", name, b);
	for (uint32_t i = 0; i < 16; i++) {
		if (p[i] != (uint8_t)head[i]) {
			return 0;
		}
	}
	for (uint32_t i = 16; i < BLOCKDEV_BLOCK_SIZE; i++) {
		if (p[i] != (uint8_t)(name ^ b ^ i)) {
			return 0;
		}
	}
	return 1;
}

#endif
