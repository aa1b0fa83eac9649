/* SPDX-License-Identifier: MIT */
/*
 * A block device over memory the program owns (e.g. a disk image loaded
 * as a boot module and copied), for file systems without a disk. Writes
 * are durable at once; flush does nothing.
 */
#ifndef LIBOS_RAMDEV_H
#define LIBOS_RAMDEV_H

#include <stdint.h>

#include <libos/blockdev.h>

struct ramdev {
	struct blockdev bd;
	uint8_t *mem;
};

/* Serve the @nblocks blocks at @mem (nblocks * 4096 bytes) as @d. */
void ramdev_init(struct ramdev *d, void *mem, uint64_t nblocks);

#endif
