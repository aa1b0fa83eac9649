/* SPDX-License-Identifier: MIT */
/*
 * A block device: 4096-byte blocks numbered 0..nblocks-1. The disk layer
 * provides one over a disk extent; file systems and the buffer cache use
 * it; host tools and tests provide their own over a file or memory.
 */
#ifndef LIBOS_BLOCKDEV_H
#define LIBOS_BLOCKDEV_H

#include <stdint.h>

#include <exo/errors.h>

#define BLOCKDEV_BLOCK_SIZE 4096u

struct blockdev;

struct blockdev_ops {
	/*
	 * Read @count blocks from @block into @buf (count*4096 bytes).
	 * 0 or EXO_ERR_* (EXO_ERR_INVALID out of range, EXO_ERR_IO device
	 * error).
	 */
	int (*read)(struct blockdev *bd, uint64_t block, uint32_t count,
		    void *buf);
	/*
	 * Write @count blocks at @block from @buf. Completes when the device
	 * has the data (not necessarily durable until flush). Errors as
	 * read.
	 */
	int (*write)(struct blockdev *bd, uint64_t block, uint32_t count,
		     const void *buf);
	/* Make every completed write durable (a write barrier). 0 or EXO_ERR_IO. */
	int (*flush)(struct blockdev *bd);
};

struct blockdev {
	const struct blockdev_ops *ops;
	uint64_t nblocks;
};

static inline int blockdev_read(struct blockdev *bd, uint64_t block,
				uint32_t count, void *buf)
{
	return bd->ops->read(bd, block, count, buf);
}

static inline int blockdev_write(struct blockdev *bd, uint64_t block,
				 uint32_t count, const void *buf)
{
	return bd->ops->write(bd, block, count, buf);
}

static inline int blockdev_flush(struct blockdev *bd)
{
	return bd->ops->flush(bd);
}

#endif
