/* SPDX-License-Identifier: MIT */
/* The buffer cache over a block device; see cache.h. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>

#include "cache.h"

#define BS BLOCKDEV_BLOCK_SIZE

static uint32_t hash_of(struct bcache *c, uint64_t block)
{
	return (uint32_t)((block * 0x9e3779b97f4a7c15ull) >> 32) & c->hmask;
}

static void lru_unlink(struct bcache_buf *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

static void lru_front(struct bcache *c, struct bcache_buf *b)
{
	b->next = c->lru.next;
	b->prev = &c->lru;
	c->lru.next->prev = b;
	c->lru.next = b;
}

static void hash_remove(struct bcache *c, struct bcache_buf *b)
{
	struct bcache_buf **p = &c->hash[hash_of(c, b->block)];

	while (*p && *p != b) {
		p = &(*p)->hnext;
	}
	if (*p) {
		*p = b->hnext;
	}
	b->hnext = NULL;
}

int bcache_init(struct bcache *c, struct blockdev *bd, uint32_t nbufs)
{
	uint32_t h = 1;

	memset(c, 0, sizeof(*c));
	if (nbufs < BCACHE_MIN || nbufs > (1u << 24)) {
		return EXO_ERR_INVALID;
	}
	while (h < nbufs) {
		h <<= 1;
	}
	c->bd = bd;
	c->nbufs = nbufs;
	c->hmask = h - 1;
	c->bufs = calloc(nbufs, sizeof(*c->bufs));
	c->mem = malloc((size_t)nbufs * BS);
	c->hash = calloc(h, sizeof(*c->hash));
	c->stage = malloc((size_t)BCACHE_BATCH * BS);
	c->sorted = malloc(nbufs * sizeof(*c->sorted));
	if (!c->bufs || !c->mem || !c->hash || !c->stage || !c->sorted) {
		bcache_fini(c);
		return EXO_ERR_NO_MEMORY;
	}
	c->lru.next = c->lru.prev = &c->lru;
	for (uint32_t i = 0; i < nbufs; i++) {
		c->bufs[i].data = c->mem + (size_t)i * BS;
		c->bufs[i].block = UINT64_MAX;
		lru_front(c, &c->bufs[i]);
	}
	return 0;
}

void bcache_fini(struct bcache *c)
{
	free(c->bufs);
	free(c->mem);
	free(c->hash);
	free(c->stage);
	free(c->sorted);
	memset(c, 0, sizeof(*c));
}

struct bcache_buf *bcache_lookup(struct bcache *c, uint64_t block)
{
	struct bcache_buf *b = c->hash[hash_of(c, block)];

	while (b && b->block != block) {
		b = b->hnext;
	}
	return b;
}

/* Write @n buffers of consecutive blocks (in @run) in one device write. */
static int write_run(struct bcache *c, struct bcache_buf **run, uint32_t n)
{
	int err;

	if (n == 1) {
		err = blockdev_write(c->bd, run[0]->block, 1, run[0]->data);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			memcpy(c->stage + (size_t)i * BS, run[i]->data, BS);
		}
		err = blockdev_write(c->bd, run[0]->block, n, c->stage);
	}
	if (err) {
		return err;
	}
	for (uint32_t i = 0; i < n; i++) {
		run[i]->dirty = 0;
	}
	c->stats.writes++;
	c->stats.blocks_written += n;
	return 0;
}

/*
 * Write @b, gathering the dirty unpinned buffers of the blocks that
 * follow it, so eviction of a long dirty file is one write per batch.
 */
static int write_one(struct bcache *c, struct bcache_buf *b)
{
	struct bcache_buf *run[BCACHE_BATCH];
	uint32_t n = 0;

	run[n++] = b;
	while (n < BCACHE_BATCH) {
		struct bcache_buf *x = bcache_lookup(c, b->block + n);

		if (!x || !x->dirty || x->pinned || !x->valid) {
			break;
		}
		run[n++] = x;
	}
	return write_run(c, run, n);
}

/* A buffer to reuse for @block: the least recently used free one. */
static int take(struct bcache *c, uint64_t block, struct bcache_buf **out)
{
	struct bcache_buf *b;
	int err;

	for (b = c->lru.prev; b != &c->lru; b = b->prev) {
		if (b->refs == 0 && !b->pinned) {
			break;
		}
	}
	if (b == &c->lru) {
		return EXO_ERR_LIMIT;
	}
	if (b->dirty) {
		err = write_one(c, b);
		if (err) {
			return err;
		}
	}
	if (b->block != UINT64_MAX) {
		hash_remove(c, b);
	}
	b->block = block;
	b->valid = 0;
	b->dirty = 0;
	b->hnext = c->hash[hash_of(c, block)];
	c->hash[hash_of(c, block)] = b;
	*out = b;
	return 0;
}

static int get(struct bcache *c, uint64_t block, int read,
	       struct bcache_buf **out)
{
	struct bcache_buf *b;
	int err;

	if (block >= c->bd->nblocks) {
		return EXO_ERR_INVALID;
	}
	b = bcache_lookup(c, block);
	if (b && b->valid) {
		c->stats.hits++;
	} else {
		if (!b) {
			err = take(c, block, &b);
			if (err) {
				return err;
			}
		}
		if (read) {
			err = blockdev_read(c->bd, block, 1, b->data);
			if (err) {
				hash_remove(c, b);
				b->block = UINT64_MAX;
				return err;
			}
			c->stats.misses++;
		} else {
			memset(b->data, 0, BS);
		}
		b->valid = 1;
	}
	if (!read) {
		memset(b->data, 0, BS);
	}
	b->refs++;
	lru_unlink(b);
	lru_front(c, b);
	*out = b;
	return 0;
}

int bcache_get(struct bcache *c, uint64_t block, struct bcache_buf **out)
{
	return get(c, block, 1, out);
}

int bcache_get_zero(struct bcache *c, uint64_t block, struct bcache_buf **out)
{
	return get(c, block, 0, out);
}

void bcache_put(struct bcache *c, struct bcache_buf *b)
{
	if (b->refs > 0) {
		b->refs--;
	}
}

void bcache_forget(struct bcache *c, uint64_t block)
{
	struct bcache_buf *b = bcache_lookup(c, block);

	if (!b || b->refs || b->pinned) {
		return;
	}
	hash_remove(c, b);
	b->block = UINT64_MAX;
	b->valid = 0;
	b->dirty = 0;
	lru_unlink(b);
	/* Reuse it first. */
	b->prev = c->lru.prev;
	b->next = &c->lru;
	c->lru.prev->next = b;
	c->lru.prev = b;
}

static int cmp_block(const void *a, const void *b)
{
	uint64_t x = (*(struct bcache_buf *const *)a)->block;
	uint64_t y = (*(struct bcache_buf *const *)b)->block;

	return x < y ? -1 : x > y;
}

int bcache_write_back(struct bcache *c)
{
	uint32_t n = 0, i = 0;

	for (uint32_t k = 0; k < c->nbufs; k++) {
		struct bcache_buf *b = &c->bufs[k];

		if (b->dirty && !b->pinned && b->valid) {
			c->sorted[n++] = b;
		}
	}
	if (n == 0) {
		return 0;
	}
	qsort(c->sorted, n, sizeof(*c->sorted), cmp_block);
	while (i < n) {
		uint32_t len = 1;
		int err;

		while (i + len < n && len < BCACHE_BATCH &&
		       c->sorted[i + len]->block == c->sorted[i]->block + len) {
			len++;
		}
		err = write_run(c, &c->sorted[i], len);
		if (err) {
			return err;
		}
		i += len;
	}
	return 0;
}

int bcache_flush(struct bcache *c)
{
	int err = bcache_write_back(c);

	if (err) {
		return err;
	}
	c->stats.flushes++;
	return blockdev_flush(c->bd);
}

uint32_t bcache_blocks(struct bcache *c, uint64_t *out, uint32_t max)
{
	uint32_t n = 0;

	for (struct bcache_buf *b = c->lru.next; b != &c->lru && n < max;
	     b = b->next) {
		if (b->valid) {
			out[n++] = b->block;
		}
	}
	return n;
}
