/* SPDX-License-Identifier: MIT */
/* A block device in memory for host tests; see memdisk.h. */
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>

#include "memdisk.h"

#define BS BLOCKDEV_BLOCK_SIZE

static struct memdisk *to_md(struct blockdev *bd)
{
	return (struct memdisk *)bd;
}

static int md_read(struct blockdev *bd, uint64_t block, uint32_t count,
		   void *buf)
{
	struct memdisk *d = to_md(bd);

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	memcpy(buf, d->data + block * BS, (size_t)count * BS);
	d->reads++;
	return 0;
}

static void log_op(struct memdisk *d, uint32_t kind, uint64_t block,
		   uint32_t count, const void *buf)
{
	size_t n = (size_t)count * BS;

	if (d->nops == d->ops_cap) {
		d->ops_cap = d->ops_cap ? d->ops_cap * 2 : 256;
		d->ops = realloc(d->ops, d->ops_cap * sizeof(*d->ops));
	}
	d->ops[d->nops].kind = kind;
	d->ops[d->nops].block = block;
	d->ops[d->nops].count = count;
	d->ops[d->nops].data_off = d->blob_len;
	d->nops++;
	if (kind == MEMDISK_WRITE) {
		while (d->blob_len + n > d->blob_cap) {
			d->blob_cap = d->blob_cap ? d->blob_cap * 2 : 1 << 20;
			d->blob = realloc(d->blob, d->blob_cap);
		}
		memcpy(d->blob + d->blob_len, buf, n);
		d->blob_len += n;
	}
}

static int md_write(struct blockdev *bd, uint64_t block, uint32_t count,
		    const void *buf)
{
	struct memdisk *d = to_md(bd);

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	if (d->writes_left == 0) {
		return EXO_ERR_IO;
	}
	if (d->writes_left > 0) {
		d->writes_left--;
	}
	memcpy(d->data + block * BS, buf, (size_t)count * BS);
	if (d->recording) {
		log_op(d, MEMDISK_WRITE, block, count, buf);
	}
	d->writes++;
	return 0;
}

static int md_flush(struct blockdev *bd)
{
	struct memdisk *d = to_md(bd);

	if (d->recording) {
		log_op(d, MEMDISK_FLUSH, 0, 0, NULL);
	}
	d->flushes++;
	return 0;
}

static const struct blockdev_ops md_ops = {
	.read = md_read,
	.write = md_write,
	.flush = md_flush,
};

struct memdisk *memdisk_new(uint64_t nblocks)
{
	struct memdisk *d = calloc(1, sizeof(*d));

	d->bd.ops = &md_ops;
	d->bd.nblocks = nblocks;
	d->data = calloc(nblocks, BS);
	d->writes_left = -1;
	return d;
}

void memdisk_free(struct memdisk *d)
{
	free(d->data);
	free(d->ops);
	free(d->blob);
	free(d);
}

void memdisk_record(struct memdisk *d)
{
	d->recording = 1;
	d->nops = 0;
	d->blob_len = 0;
}

void memdisk_apply(const struct memdisk *d, size_t i, uint8_t *image)
{
	const struct memdisk_op *op = &d->ops[i];

	if (op->kind == MEMDISK_WRITE) {
		memcpy(image + op->block * BS, d->blob + op->data_off,
		       (size_t)op->count * BS);
	}
}
