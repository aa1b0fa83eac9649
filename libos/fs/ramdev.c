/* SPDX-License-Identifier: MIT */
/* A block device over memory; see <libos/ramdev.h>. */
#include <string.h>

#include <exo/errors.h>
#include <libos/ramdev.h>
#include <libos/slot.h>

static int rd_read(struct blockdev *bd, uint64_t block, uint32_t count,
		   void *buf)
{
	struct ramdev *d = container_of(bd, struct ramdev, bd);

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	memcpy(buf, d->mem + block * BLOCKDEV_BLOCK_SIZE,
	       (size_t)count * BLOCKDEV_BLOCK_SIZE);
	return 0;
}

static int rd_write(struct blockdev *bd, uint64_t block, uint32_t count,
		    const void *buf)
{
	struct ramdev *d = container_of(bd, struct ramdev, bd);

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	memcpy(d->mem + block * BLOCKDEV_BLOCK_SIZE, buf,
	       (size_t)count * BLOCKDEV_BLOCK_SIZE);
	return 0;
}

static int rd_flush(struct blockdev *bd)
{
	return 0;
}

static const struct blockdev_ops rd_ops = {
	.read = rd_read,
	.write = rd_write,
	.flush = rd_flush,
};

void ramdev_init(struct ramdev *d, void *mem, uint64_t nblocks)
{
	d->bd.ops = &rd_ops;
	d->bd.nblocks = nblocks;
	d->mem = mem;
}
