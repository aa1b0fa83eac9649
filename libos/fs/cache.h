/* SPDX-License-Identifier: MIT */
/*
 * The buffer cache: a fixed number of 4096-byte buffers over a block
 * device, found by block number through a hash, reused least recently
 * used first, written back lazily (on eviction, on bcache_write_back and
 * bcache_flush), contiguous dirty buffers in one device write.
 *
 * A buffer is *pinned* while a journal transaction that changed it has
 * not committed: it is then never written to its home block nor evicted.
 * Not thread-safe.
 */
#ifndef LIBOS_FS_CACHE_H
#define LIBOS_FS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <libos/blockdev.h>

struct bcache_buf {
	uint64_t block;
	uint8_t *data; /* BLOCKDEV_BLOCK_SIZE bytes */
	uint32_t refs; /* holders between get and put */
	uint8_t valid; /* data holds the block */
	uint8_t dirty; /* data is newer than the device */
	uint8_t pinned; /* in a running transaction: keep, do not write */
	struct bcache_buf *hnext; /* hash chain */
	struct bcache_buf *prev, *next; /* LRU list, most recent first */
};

struct bcache_stats {
	uint64_t hits, misses; /* bcache_get found / read the block */
	uint64_t writes, blocks_written; /* device writes and their blocks */
	uint64_t flushes; /* device flushes */
};

struct bcache {
	struct blockdev *bd;
	uint32_t nbufs;
	struct bcache_buf *bufs;
	uint8_t *mem;
	struct bcache_buf **hash;
	uint32_t hmask;
	struct bcache_buf lru; /* list head */
	uint8_t *stage; /* BCACHE_BATCH blocks for gathered writes */
	struct bcache_buf **sorted; /* scratch for write-back */
	struct bcache_stats stats;
};

#define BCACHE_BATCH 64 /* most blocks in one gathered write */
#define BCACHE_MIN 16

/*
 * bcache_init - a cache of @nbufs (at least BCACHE_MIN) buffers over @bd.
 * Return: 0, EXO_ERR_INVALID, EXO_ERR_NO_MEMORY.
 */
int bcache_init(struct bcache *c, struct blockdev *bd, uint32_t nbufs);

/* Free the cache, dropping anything dirty (write it back first). */
void bcache_fini(struct bcache *c);

/*
 * bcache_get - the buffer of @block with a reference, read from the
 * device if not cached. Return: 0 and *@out, EXO_ERR_INVALID (@block out
 * of range), EXO_ERR_IO, EXO_ERR_LIMIT (every buffer is held or pinned).
 */
int bcache_get(struct bcache *c, uint64_t block, struct bcache_buf **out);

/* As bcache_get, but the block's old contents are not wanted: zeroed. */
int bcache_get_zero(struct bcache *c, uint64_t block,
		    struct bcache_buf **out);

/* Drop a reference from bcache_get. */
void bcache_put(struct bcache *c, struct bcache_buf *b);

/* The cached buffer of @block, without a reference or I/O, or NULL. */
struct bcache_buf *bcache_lookup(struct bcache *c, uint64_t block);

/* Forget @block if cached and neither held nor pinned (it was freed). */
void bcache_forget(struct bcache *c, uint64_t block);

/*
 * bcache_write_back - write every dirty, unpinned buffer to the device,
 * in block order, contiguous runs gathered. Return: 0, EXO_ERR_IO.
 */
int bcache_write_back(struct bcache *c);

/* bcache_flush - bcache_write_back, then the device's flush. */
int bcache_flush(struct bcache *c);

/*
 * bcache_blocks - up to @max cached valid block numbers into @out, most
 * recently used first (for exporting a warm cache). Return: how many.
 */
uint32_t bcache_blocks(struct bcache *c, uint64_t *out, uint32_t max);

#endif
