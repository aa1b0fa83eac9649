/* SPDX-License-Identifier: MIT */
/*
 * fs.journal: an inode file system with a write-ahead metadata journal
 * and ordered data (the format is journal_format.h and docs/fs.md).
 *
 * Every metadata block changed by an operation (bitmap, inodes,
 * directories, indirect blocks) joins the running transaction: its
 * buffer is pinned in the cache, so it cannot reach its home block
 * before the transaction is in the journal. File data is written in
 * place (through the cache, or straight from the caller for whole
 * blocks). A commit writes the dirty data and, if the transaction maps
 * new data blocks, flushes the device; then it writes descriptor,
 * metadata blocks and a checksummed commit block to the journal and
 * flushes again; only then are the buffers unpinned and free to go home.
 * fsync is a commit.
 *
 * Transactions are cut only where the file system is consistent: between
 * operations, and inside long writes and truncations at points where the
 * inode has been written back. When the journal has no room for another
 * full transaction it is checkpointed: everything is written home and
 * flushed, and the journal header restarts at position 0.
 *
 * Freed blocks are not reused until the next checkpoint: a block that
 * held metadata in a journaled transaction could otherwise be
 * overwritten by new file data, and then by a replay of the old
 * transaction; and a block freed by an uncommitted transaction could
 * otherwise receive data while a crash brings back its old owner.
 *
 * Removing a file first marks its inode an orphan (nlink 0) in the same
 * transaction that removes its name; its blocks are then freed over as
 * many transactions as needed and the inode last. A crash in between
 * leaves an orphan that the next mount finishes removing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/fs_impl.h>

#include "cache.h"
#include "journal.h"

#define BS JFS_BLOCK
#define TX_CAP 512 /* most blocks in one transaction */
#define RUN_MAX 64 /* most blocks allocated between two commit points */
#define DEFAULT_CACHE 1024

struct jfs {
	struct fs base;
	struct blockdev *bd;
	struct bcache cache;
	struct jfs_super sb;
	uint8_t *avail; /* 1 bit per block: taken (used or freed pending) */
	uint8_t *pending; /* freed since the last checkpoint */
	uint64_t npending;
	uint8_t *imap; /* inode in use */
	uint64_t free_blocks, free_inodes; /* for statfs, excluding pending */
	uint64_t alloc_hint; /* where to look for a free block */
	uint32_t ihint;
	uint64_t seq; /* sequence number of the next commit */
	uint32_t jpos; /* next free journal position */
	uint32_t tx_max; /* blocks in a transaction, from the journal size */
	struct bcache_buf *tx[TX_CAP];
	uint32_t ntx;
	int data_unflushed; /* data reached the device since the last flush */
	int fresh_data; /* the running transaction allocated data blocks */
	int broken; /* a write failed: refuse changes */
	int readonly;
	uint64_t clock;
	uint8_t *jstage; /* (tx_max + 2) blocks for journal writes */
	struct fs_handle handles[FS_MAX_HANDLES];
};

static const struct fs_ops jfs_ops;

static struct jfs *to_jfs(struct fs *fs)
{
	return container_of(fs, struct jfs, base);
}

static int bit(const uint8_t *m, uint64_t i)
{
	return (m[i / 8] >> (i % 8)) & 1;
}

static void set_bit(uint8_t *m, uint64_t i)
{
	m[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void clear_bit(uint8_t *m, uint64_t i)
{
	m[i / 8] &= (uint8_t)~(1u << (i % 8));
}

/* Transactions */

static int commit(struct jfs *j);

/* @b joins the running transaction (pinned, held until commit). */
static int meta_dirty(struct jfs *j, struct bcache_buf *b)
{
	if (!b->pinned) {
		if (j->ntx == j->tx_max) {
			return EXO_ERR_LIMIT; /* callers reserve room first */
		}
		b->pinned = 1;
		b->refs++;
		j->tx[j->ntx++] = b;
	}
	b->dirty = 1;
	return 0;
}

/* Commit now if fewer than @need more blocks fit the transaction. */
static int tx_room(struct jfs *j, uint32_t need)
{
	if (j->ntx + need > j->tx_max) {
		return commit(j);
	}
	return 0;
}

static int fail(struct jfs *j, int err)
{
	if (err == EXO_ERR_IO) {
		j->broken = 1;
	}
	return err;
}

/* Write home everything, flush, restart the journal, reuse freed blocks. */
static int checkpoint(struct jfs *j)
{
	int err;

	if (j->ntx) {
		return EXO_ERR_STATE;
	}
	err = bcache_flush(&j->cache);
	if (!err) {
		err = jfs_journal_reset(j->bd, &j->sb, j->seq, j->jstage);
	}
	if (!err) {
		err = blockdev_flush(j->bd);
	}
	if (err) {
		return fail(j, err);
	}
	j->jpos = 0;
	j->data_unflushed = 0;
	if (j->npending) {
		for (uint64_t i = 0; i < (j->sb.nblocks + 7) / 8; i++) {
			j->avail[i] &= (uint8_t)~j->pending[i];
			j->pending[i] = 0;
		}
		j->free_blocks += j->npending;
		j->npending = 0;
	}
	return 0;
}

static int commit(struct jfs *j)
{
	struct jfs_jdesc *d = (struct jfs_jdesc *)j->jstage;
	struct jfs_jcommit cm;
	uint32_t n = j->ntx;
	uint64_t sum;
	int err;

	if (j->broken) {
		return EXO_ERR_IO;
	}
	/*
	 * Ordered data: the contents of blocks this transaction maps anew
	 * are durable before the commit record that names them. Data that
	 * only overwrites blocks already mapped needs no flush of its own:
	 * the one after the journal write makes it durable with the rest.
	 */
	err = bcache_write_back(&j->cache);
	if (err) {
		return fail(j, err);
	}
	if ((j->cache.stats.writes || j->data_unflushed) &&
	    (n == 0 || j->fresh_data)) {
		err = blockdev_flush(j->bd);
		if (err) {
			return fail(j, err);
		}
	}
	j->cache.stats.writes = 0;
	j->data_unflushed = 0;
	j->fresh_data = 0;
	if (n == 0) {
		return 0;
	}
	memset(j->jstage, 0, BS);
	d->magic = JFS_JDESC_MAGIC;
	d->count = n;
	d->seq = j->seq;
	for (uint32_t i = 0; i < n; i++) {
		d->target[i] = (uint32_t)j->tx[i]->block;
		memcpy(j->jstage + (size_t)(i + 1) * BS, j->tx[i]->data, BS);
	}
	sum = fs_sum64(0, j->jstage, (size_t)(n + 1) * BS);
	memset(&cm, 0, sizeof(cm));
	cm.magic = JFS_JCOMMIT_MAGIC;
	cm.count = n;
	cm.seq = j->seq;
	cm.data_sum = sum;
	jfs_commit_seal(&cm);
	memset(j->jstage + (size_t)(n + 1) * BS, 0, BS);
	memcpy(j->jstage + (size_t)(n + 1) * BS, &cm, sizeof(cm));
	/* One write, one flush: the checksum tells a torn one. */
	err = blockdev_write(j->bd, j->sb.journal_start + 1 + j->jpos, n + 2,
			     j->jstage);
	if (!err) {
		err = blockdev_flush(j->bd);
	}
	if (err) {
		return fail(j, err);
	}
	for (uint32_t i = 0; i < n; i++) {
		j->tx[i]->pinned = 0;
		bcache_put(&j->cache, j->tx[i]);
	}
	j->ntx = 0;
	j->jpos += n + 2;
	j->seq++;
	if (j->jpos + j->tx_max + 2 > j->sb.journal_blocks - 1) {
		return checkpoint(j);
	}
	return 0;
}

/* Blocks and inodes */

static int bitmap_set(struct jfs *j, uint64_t blk, int used)
{
	struct bcache_buf *b;
	uint64_t per = (uint64_t)BS * 8;
	int err = bcache_get(&j->cache, j->sb.bitmap_start + blk / per, &b);

	if (err) {
		return err;
	}
	err = meta_dirty(j, b);
	if (!err) {
		if (used) {
			set_bit(b->data, blk % per);
		} else {
			clear_bit(b->data, blk % per);
		}
	}
	bcache_put(&j->cache, b);
	return err;
}

static int balloc(struct jfs *j, uint64_t goal, uint32_t *out)
{
	uint64_t n = j->sb.nblocks, start = j->sb.data_start;
	uint64_t i;
	int err;

	if (goal < start || goal >= n) {
		goal = j->alloc_hint;
	}
	if (goal < start || goal >= n) {
		goal = start;
	}
	i = goal;
	for (uint64_t k = 0; k < n - start; k++, i++) {
		if (i >= n) {
			i = start;
		}
		if ((i % 8) == 0 && j->avail[i / 8] == 0xff && i + 8 <= n) {
			k += 7;
			i += 7;
			continue;
		}
		if (!bit(j->avail, i)) {
			err = bitmap_set(j, i, 1);
			if (err) {
				return err;
			}
			set_bit(j->avail, i);
			j->free_blocks--;
			j->alloc_hint = i + 1;
			*out = (uint32_t)i;
			return 0;
		}
	}
	return EXO_ERR_NO_SPACE;
}

static int bfree(struct jfs *j, uint32_t blk)
{
	int err = bitmap_set(j, blk, 0);

	if (err) {
		return err;
	}
	if (!bit(j->pending, blk)) {
		set_bit(j->pending, blk);
		j->npending++;
	}
	bcache_forget(&j->cache, blk);
	return 0;
}

static int iget(struct jfs *j, uint32_t ino, struct jfs_inode *ip)
{
	struct bcache_buf *b;
	const char *why;
	int err;

	if (ino == 0 || ino >= j->sb.ninodes) {
		return EXO_ERR_CORRUPT;
	}
	err = bcache_get(&j->cache,
			 j->sb.inode_start + ino / JFS_INODES_PER_BLOCK, &b);
	if (err) {
		return err;
	}
	memcpy(ip, b->data + (ino % JFS_INODES_PER_BLOCK) * sizeof(*ip),
	       sizeof(*ip));
	bcache_put(&j->cache, b);
	return jfs_inode_check(&j->sb, ino, ip, &why);
}

static int iput(struct jfs *j, uint32_t ino, struct jfs_inode *ip)
{
	struct bcache_buf *b;
	int err;

	ip->checksum = jfs_inode_checksum(ino, ip);
	err = bcache_get(&j->cache,
			 j->sb.inode_start + ino / JFS_INODES_PER_BLOCK, &b);
	if (err) {
		return err;
	}
	err = meta_dirty(j, b);
	if (!err) {
		memcpy(b->data + (ino % JFS_INODES_PER_BLOCK) * sizeof(*ip),
		       ip, sizeof(*ip));
	}
	bcache_put(&j->cache, b);
	return err;
}

static int ialloc(struct jfs *j, uint16_t type, uint32_t parent,
		  uint32_t *out, struct jfs_inode *ip)
{
	uint32_t n = j->sb.ninodes, i = j->ihint;
	int err;

	for (uint32_t k = 0; k < n; k++, i++) {
		if (i >= n || i < 2) {
			i = 2;
		}
		if (!bit(j->imap, i)) {
			err = iget(j, i, ip);
			if (err) {
				return err;
			}
			uint64_t gen = ip->gen + 1;

			memset(ip, 0, sizeof(*ip));
			ip->type = type;
			ip->nlink = type == JFS_TYPE_DIR ? 2 : 1;
			ip->parent = type == JFS_TYPE_DIR ? parent : 0;
			ip->gen = gen;
			ip->mtime = ++j->clock;
			err = iput(j, i, ip);
			if (err) {
				return err;
			}
			set_bit(j->imap, i);
			j->free_inodes--;
			j->ihint = i + 1;
			*out = i;
			return 0;
		}
	}
	return EXO_ERR_NO_SPACE;
}

/* Block mapping */

static int ptr_bad(struct jfs *j, uint32_t b)
{
	return b != 0 && (b < j->sb.data_start || b >= j->sb.nblocks);
}

/*
 * The device block of file block @lb of inode @ip (changed in place when
 * @alloc maps new blocks; the caller writes it back). *@out 0: a hole.
 * *@fresh: the data block was just allocated (its contents are garbage).
 */
static int bmap(struct jfs *j, struct jfs_inode *ip, uint64_t lb, int alloc,
		uint32_t *out, int *fresh)
{
	uint32_t *slot, level = 0, cur, goal;
	uint64_t span = 1, idx = lb;
	struct bcache_buf *b;
	int err;

	*out = 0;
	if (fresh) {
		*fresh = 0;
	}
	goal = ip->direct[0] ? ip->direct[0] + (uint32_t)lb : 0;
	if (lb < JFS_NDIRECT) {
		slot = &ip->direct[lb];
		if (*slot == 0 && alloc) {
			err = balloc(j, goal, slot);
			if (err) {
				return err;
			}
			ip->blocks++;
			j->fresh_data = 1;
			if (fresh) {
				*fresh = 1;
			}
		}
		*out = *slot;
		return 0;
	}
	idx -= JFS_NDIRECT;
	for (level = 1, span = JFS_PER_BLOCK; idx >= span && level < 3;
	     level++) {
		idx -= span;
		span *= JFS_PER_BLOCK;
	}
	if (idx >= span) {
		return EXO_ERR_TOO_BIG;
	}
	slot = &ip->ind[level - 1];
	if (*slot == 0) {
		if (!alloc) {
			return 0;
		}
		err = balloc(j, goal, slot);
		if (err) {
			return err;
		}
		ip->blocks++;
		err = bcache_get_zero(&j->cache, *slot, &b);
		if (err) {
			return err;
		}
		err = meta_dirty(j, b);
		bcache_put(&j->cache, b);
		if (err) {
			return err;
		}
	}
	cur = *slot;
	while (level > 0) {
		uint32_t *ent, next;

		span /= JFS_PER_BLOCK;
		if (ptr_bad(j, cur)) {
			return EXO_ERR_CORRUPT;
		}
		err = bcache_get(&j->cache, cur, &b);
		if (err) {
			return err;
		}
		ent = (uint32_t *)b->data + (idx / span);
		next = *ent;
		if (ptr_bad(j, next)) {
			bcache_put(&j->cache, b);
			return EXO_ERR_CORRUPT;
		}
		if (next == 0) {
			if (!alloc) {
				bcache_put(&j->cache, b);
				return 0;
			}
			err = balloc(j, level == 1 ? goal : cur + 1, &next);
			if (!err) {
				err = meta_dirty(j, b);
			}
			if (err) {
				bcache_put(&j->cache, b);
				return err;
			}
			*ent = next;
			ip->blocks++;
			if (level > 1) {
				struct bcache_buf *z;

				err = bcache_get_zero(&j->cache, next, &z);
				if (!err) {
					err = meta_dirty(j, z);
					bcache_put(&j->cache, z);
				}
			} else {
				j->fresh_data = 1;
				if (fresh) {
					*fresh = 1;
				}
			}
		}
		bcache_put(&j->cache, b);
		if (err) {
			return err;
		}
		idx %= span;
		cur = next;
		level--;
	}
	*out = cur;
	return 0;
}

/* Truncation */

struct trunc {
	struct jfs *j;
	uint32_t ino;
	struct jfs_inode *ip;
	uint64_t from; /* first file block to free */
};

/* A point where a commit may happen: the inode written back first. */
static int trunc_point(struct trunc *t)
{
	int err;

	if (t->j->ntx + 8 <= t->j->tx_max) {
		return 0;
	}
	err = iput(t->j, t->ino, t->ip);
	return err ? err : commit(t->j);
}

/*
 * Free every block of the subtree at *@slot (in @holder, a metadata
 * buffer, or the inode when NULL) covering file blocks from @base, @level
 * levels of indirection deep, that maps a file block >= t->from. Frees
 * the mapping block too when nothing below it remains.
 */
static int trunc_tree(struct trunc *t, struct bcache_buf *holder,
		      uint32_t *slot, uint32_t level, uint64_t base)
{
	struct jfs *j = t->j;
	uint64_t span = 1;
	struct bcache_buf *b;
	int err, empty = 1;

	if (*slot == 0) {
		return 0;
	}
	if (ptr_bad(j, *slot)) {
		return EXO_ERR_CORRUPT;
	}
	for (uint32_t l = 0; l < level; l++) {
		span *= JFS_PER_BLOCK;
	}
	if (base + span <= t->from) {
		return 0; /* wholly kept */
	}
	if (level > 0) {
		uint64_t sub = span / JFS_PER_BLOCK;

		err = bcache_get(&j->cache, *slot, &b);
		if (err) {
			return err;
		}
		for (uint32_t i = 0; i < JFS_PER_BLOCK; i++) {
			uint32_t *e = (uint32_t *)b->data + i;

			if (*e == 0) {
				continue;
			}
			if (base + (i + 1) * sub <= t->from) {
				empty = 0;
				continue;
			}
			err = trunc_point(t);
			if (!err) {
				err = trunc_tree(t, b, e, level - 1,
						 base + i * sub);
			}
			if (err) {
				bcache_put(&j->cache, b);
				return err;
			}
			if (*e) {
				empty = 0;
			}
		}
		bcache_put(&j->cache, b);
		if (!empty) {
			return 0;
		}
	}
	if (holder) {
		err = meta_dirty(j, holder);
		if (err) {
			return err;
		}
	}
	err = bfree(j, *slot);
	if (err) {
		return err;
	}
	*slot = 0;
	t->ip->blocks--;
	return 0;
}

/* Free the blocks of @ino from file block @from on; *@ip written back. */
static int trunc_blocks(struct jfs *j, uint32_t ino, struct jfs_inode *ip,
			uint64_t from)
{
	struct trunc t = { j, ino, ip, from };
	uint64_t base = JFS_NDIRECT, span = JFS_PER_BLOCK;
	int err;

	for (uint32_t i = 0; i < JFS_NDIRECT; i++) {
		if (i >= from && ip->direct[i]) {
			err = trunc_point(&t);
			if (!err) {
				err = trunc_tree(&t, NULL, &ip->direct[i], 0, i);
			}
			if (err) {
				return err;
			}
		}
	}
	for (uint32_t l = 0; l < 3; l++) {
		err = trunc_point(&t);
		if (!err) {
			err = trunc_tree(&t, NULL, &ip->ind[l], l + 1, base);
		}
		if (err) {
			return err;
		}
		base += span;
		span *= JFS_PER_BLOCK;
	}
	return iput(j, ino, ip);
}

/* Set @ino's size to @size, freeing blocks past it, zeroing the tail. */
static int set_size(struct jfs *j, uint32_t ino, struct jfs_inode *ip,
		    uint64_t size)
{
	uint64_t keep = (size + BS - 1) / BS;
	int err;

	if (size < ip->size) {
		if (size % BS) {
			uint32_t blk;
			struct bcache_buf *b;

			err = bmap(j, ip, size / BS, 0, &blk, NULL);
			if (!err && blk) {
				err = bcache_get(&j->cache, blk, &b);
				if (!err) {
					memset(b->data + size % BS, 0,
					       BS - size % BS);
					if (ip->type == JFS_TYPE_DIR) {
						err = meta_dirty(j, b);
					} else {
						b->dirty = 1;
					}
					bcache_put(&j->cache, b);
				}
			}
			if (err) {
				return err;
			}
		}
		/*
		 * Blocks first, from the old size: a commit in between
		 * leaves holes (zeros) in the tail, never a block past the
		 * end whose old contents a later extension would show.
		 */
		err = trunc_blocks(j, ino, ip, keep);
		if (err) {
			return err;
		}
	}
	ip->size = size;
	ip->mtime = ++j->clock;
	return iput(j, ino, ip);
}

/* File data */

static int64_t file_read(struct jfs *j, struct jfs_inode *ip, uint64_t off,
			 uint8_t *out, size_t n)
{
	size_t done = 0;
	int err;

	if (off >= ip->size) {
		return 0;
	}
	if (n > ip->size - off) {
		n = (size_t)(ip->size - off);
	}
	while (done < n) {
		uint64_t pos = off + done, lb = pos / BS;
		size_t at = (size_t)(pos % BS), k = BS - at;
		uint32_t blk;
		struct bcache_buf *b;

		if (k > n - done) {
			k = n - done;
		}
		err = bmap(j, ip, lb, 0, &blk, NULL);
		if (err) {
			return err;
		}
		if (blk == 0) {
			memset(out + done, 0, k);
		} else if (at == 0 && k == BS && !bcache_lookup(&j->cache, blk)) {
			/* Whole uncached blocks: one read per contiguous run. */
			uint32_t run = 1, next;

			while (done + (size_t)(run + 1) * BS <= n &&
			       run < 256) {
				err = bmap(j, ip, lb + run, 0, &next, NULL);
				if (err) {
					return err;
				}
				if (next != blk + run ||
				    bcache_lookup(&j->cache, next)) {
					break;
				}
				run++;
			}
			err = blockdev_read(j->bd, blk, run, out + done);
			if (err) {
				return err;
			}
			k = (size_t)run * BS;
		} else {
			err = bcache_get(&j->cache, blk, &b);
			if (err) {
				return err;
			}
			memcpy(out + done, b->data + at, k);
			bcache_put(&j->cache, b);
		}
		done += k;
	}
	return (int64_t)done;
}

/*
 * Write @n bytes at @off of file @ino. Returns bytes written, or an error
 * if none were. The inode is written back at every commit point.
 */
static int64_t file_write(struct jfs *j, uint32_t ino, struct jfs_inode *ip,
			  uint64_t off, const uint8_t *in, size_t n)
{
	uint32_t run_max = j->tx_max > 16 ? j->tx_max - 8 : 8;
	size_t done = 0;
	int err = 0, retried = 0;

	if (run_max > RUN_MAX) {
		run_max = RUN_MAX;
	}
	if (off > JFS_MAX_FILE_BLOCKS * BS ||
	    n > JFS_MAX_FILE_BLOCKS * BS - off) {
		return EXO_ERR_TOO_BIG;
	}
	while (done < n) {
		uint64_t pos = off + done, lb = pos / BS;
		size_t at = (size_t)(pos % BS);
		uint32_t blk, count = 0;
		int fresh;

		/* A commit point: the inode is written back first. */
		err = iput(j, ino, ip);
		if (!err) {
			err = tx_room(j, run_max + 8);
		}
		if (err) {
			break;
		}
		if (at == 0 && n - done >= BS) {
			/* Whole blocks: map a contiguous run, write it direct. */
			uint32_t first = 0, extra = 0;

			while (count < run_max && n - done >= (count + 1) * BS) {
				err = bmap(j, ip, lb + count, 1, &blk, &fresh);
				if (err) {
					break;
				}
				if (count == 0) {
					first = blk;
				} else if (blk != first + count) {
					/*
					 * Mapped already: it is written with
					 * this run, before any commit point.
					 */
					extra = blk;
					break;
				}
				count++;
			}
			if (count == 0) {
				goto full;
			}
			err = blockdev_write(j->bd, first, count, in + done);
			if (!err && extra) {
				err = blockdev_write(j->bd, extra, 1,
						     in + done +
							     (size_t)count * BS);
			}
			if (err) {
				err = fail(j, err);
				break;
			}
			j->data_unflushed = 1;
			for (uint32_t i = 0; i <= count; i++) {
				uint32_t blkno = i < count ? first + i : extra;
				struct bcache_buf *c;

				if (blkno == 0) {
					continue;
				}
				c = bcache_lookup(&j->cache, blkno);
				if (c && c->valid) {
					memcpy(c->data, in + done + (size_t)i * BS,
					       BS);
					c->dirty = 0;
				}
			}
			done += (size_t)(count + (extra ? 1 : 0)) * BS;
		} else {
			struct bcache_buf *b;
			size_t k = BS - at;

			if (k > n - done) {
				k = n - done;
			}
			err = bmap(j, ip, lb, 1, &blk, &fresh);
			if (err) {
				goto full;
			}
			err = fresh ? bcache_get_zero(&j->cache, blk, &b)
				    : bcache_get(&j->cache, blk, &b);
			if (err) {
				break;
			}
			memcpy(b->data + at, in + done, k);
			b->dirty = 1;
			bcache_put(&j->cache, b);
			done += k;
		}
		if (off + done > ip->size) {
			ip->size = off + done;
		}
		continue;
full:
		if (err == EXO_ERR_NO_SPACE && j->npending && !retried) {
			/* Freed blocks come back at a checkpoint. */
			retried = 1;
			err = iput(j, ino, ip);
			if (!err) {
				err = commit(j);
			}
			if (!err) {
				err = checkpoint(j);
			}
			if (!err) {
				continue;
			}
		}
		if (off + done > ip->size) {
			ip->size = off + done;
		}
		break;
	}
	ip->mtime = ++j->clock;
	if (iput(j, ino, ip) && !err) {
		err = EXO_ERR_IO;
	}
	if (done) {
		return (int64_t)done;
	}
	return err;
}

/* Directories */

/* Find @name in directory @dip: its inode and slot, or NOT_FOUND. */
static int dir_find(struct jfs *j, struct jfs_inode *dip, const char *name,
		    size_t len, uint32_t *ino, uint64_t *slot)
{
	uint64_t nslots = dip->size / sizeof(struct jfs_dirent);

	for (uint64_t s = 0; s < nslots; s += JFS_DIRENTS_PER_BLOCK) {
		struct bcache_buf *b;
		uint32_t blk;
		int err = bmap(j, dip, s / JFS_DIRENTS_PER_BLOCK, 0, &blk, NULL);

		if (err) {
			return err;
		}
		if (blk == 0) {
			continue;
		}
		err = bcache_get(&j->cache, blk, &b);
		if (err) {
			return err;
		}
		for (uint64_t i = 0; i < JFS_DIRENTS_PER_BLOCK && s + i < nslots;
		     i++) {
			const struct jfs_dirent *e =
				(const struct jfs_dirent *)b->data + i;

			if (e->ino && e->len == len &&
			    memcmp(e->name, name, len) == 0) {
				*ino = e->ino;
				if (slot) {
					*slot = s + i;
				}
				bcache_put(&j->cache, b);
				return 0;
			}
		}
		bcache_put(&j->cache, b);
	}
	return EXO_ERR_NOT_FOUND;
}

/* Set slot @slot of directory @dip to (@ino, @name); a new slot grows it. */
static int dir_set(struct jfs *j, struct jfs_inode *dip, uint64_t slot,
		   uint32_t ino, const char *name, size_t len)
{
	struct bcache_buf *b;
	struct jfs_dirent *e;
	uint32_t blk;
	int fresh, err;

	err = bmap(j, dip, slot / JFS_DIRENTS_PER_BLOCK, 1, &blk, &fresh);
	if (err) {
		return err;
	}
	err = fresh ? bcache_get_zero(&j->cache, blk, &b)
		    : bcache_get(&j->cache, blk, &b);
	if (err) {
		return err;
	}
	err = meta_dirty(j, b);
	if (!err) {
		e = (struct jfs_dirent *)b->data + slot % JFS_DIRENTS_PER_BLOCK;
		memset(e, 0, sizeof(*e));
		e->ino = ino;
		if (ino) {
			e->len = (uint8_t)len;
			memcpy(e->name, name, len);
		}
		if ((slot + 1) * sizeof(*e) > dip->size) {
			dip->size = (slot + 1) * sizeof(*e);
		}
		dip->mtime = ++j->clock;
	}
	bcache_put(&j->cache, b);
	return err;
}

/* A free slot of @dip (or the next past its end). */
static int dir_free_slot(struct jfs *j, struct jfs_inode *dip, uint64_t *slot)
{
	uint64_t nslots = dip->size / sizeof(struct jfs_dirent);

	for (uint64_t s = 0; s < nslots; s += JFS_DIRENTS_PER_BLOCK) {
		struct bcache_buf *b;
		uint32_t blk;
		int err = bmap(j, dip, s / JFS_DIRENTS_PER_BLOCK, 0, &blk, NULL);

		if (err) {
			return err;
		}
		if (blk == 0) {
			*slot = s;
			return 0;
		}
		err = bcache_get(&j->cache, blk, &b);
		if (err) {
			return err;
		}
		for (uint64_t i = 0; i < JFS_DIRENTS_PER_BLOCK && s + i < nslots;
		     i++) {
			if (((struct jfs_dirent *)b->data)[i].ino == 0) {
				*slot = s + i;
				bcache_put(&j->cache, b);
				return 0;
			}
		}
		bcache_put(&j->cache, b);
	}
	*slot = nslots;
	return 0;
}

static int dir_empty(struct jfs *j, struct jfs_inode *dip)
{
	uint32_t ino;
	uint64_t nslots = dip->size / sizeof(struct jfs_dirent);

	for (uint64_t s = 0; s < nslots; s++) {
		struct bcache_buf *b;
		uint32_t blk;
		int err = bmap(j, dip, s / JFS_DIRENTS_PER_BLOCK, 0, &blk, NULL);

		if (err) {
			return err;
		}
		if (blk == 0) {
			s += JFS_DIRENTS_PER_BLOCK - 1;
			continue;
		}
		err = bcache_get(&j->cache, blk, &b);
		if (err) {
			return err;
		}
		ino = ((struct jfs_dirent *)b->data)[s % JFS_DIRENTS_PER_BLOCK].ino;
		bcache_put(&j->cache, b);
		if (ino) {
			return 0;
		}
	}
	return 1;
}

/* Paths */

static int walk(struct jfs *j, const char *path, size_t end, uint32_t *out)
{
	char buf[FS_PATH_MAX];
	const char *p = buf, *name;
	struct jfs_inode ip;
	uint32_t cur = JFS_ROOT;
	size_t len;
	int rc;

	if (end >= FS_PATH_MAX) {
		return EXO_ERR_INVALID;
	}
	memcpy(buf, path, end);
	buf[end] = '\0';
	while ((rc = fs_path_next(&p, &name, &len)) == 1) {
		rc = iget(j, cur, &ip);
		if (rc) {
			return rc;
		}
		if (ip.type != JFS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		rc = dir_find(j, &ip, name, len, &cur, NULL);
		if (rc) {
			return rc;
		}
		if (cur >= j->sb.ninodes || !bit(j->imap, cur)) {
			return EXO_ERR_CORRUPT;
		}
	}
	if (rc < 0) {
		return rc;
	}
	*out = cur;
	return 0;
}

static int lookup(struct jfs *j, const char *path, uint32_t *ino)
{
	size_t n = strlen(path);

	return n >= FS_PATH_MAX ? EXO_ERR_INVALID : walk(j, path, n, ino);
}

static int parent_of(struct jfs *j, const char *path, uint32_t *dir,
		     struct jfs_inode *dip, const char **name, size_t *len)
{
	size_t end;
	int rc = fs_path_split(path, &end, name, len);

	if (!rc) {
		rc = walk(j, path, end, dir);
	}
	if (!rc) {
		rc = iget(j, *dir, dip);
	}
	if (!rc && dip->type != JFS_TYPE_DIR) {
		rc = EXO_ERR_NOT_DIR;
	}
	return rc;
}

static int may_change(struct jfs *j)
{
	if (j->readonly) {
		return EXO_ERR_DENIED;
	}
	return j->broken ? EXO_ERR_IO : 0;
}

/* End of an operation: commit if the transaction is getting big. */
static int op_end(struct jfs *j, int rc)
{
	int err = 0;

	if (j->ntx > j->tx_max / 2) {
		err = commit(j);
	}
	return rc ? rc : err;
}

/*
 * Remove inode @ino, whose name is already gone in the running
 * transaction and whose nlink is 0: free its blocks (over several
 * transactions if need be), then the inode.
 */
static int release(struct jfs *j, uint32_t ino, struct jfs_inode *ip)
{
	int err = trunc_blocks(j, ino, ip, 0);
	uint64_t gen = ip->gen + 1;

	if (err) {
		return err;
	}
	memset(ip, 0, sizeof(*ip));
	ip->gen = gen;
	err = iput(j, ino, ip);
	if (err) {
		return err;
	}
	clear_bit(j->imap, ino);
	j->free_inodes++;
	return 0;
}

/* Operations */

static struct fs_handle *live(struct jfs *j, int h, struct jfs_inode *ip,
			      int *err)
{
	struct fs_handle *fh = fs_handle_get(j->handles, h);

	if (!fh) {
		*err = EXO_ERR_INVALID;
		return NULL;
	}
	if (fh->ino >= j->sb.ninodes || !bit(j->imap, fh->ino)) {
		*err = EXO_ERR_NOT_FOUND;
		return NULL;
	}
	*err = iget(j, (uint32_t)fh->ino, ip);
	if (*err) {
		return NULL;
	}
	if (ip->type == JFS_TYPE_FREE || ip->gen != fh->gen || ip->nlink == 0) {
		*err = EXO_ERR_NOT_FOUND;
		return NULL;
	}
	return fh;
}

static void jfs_free(struct jfs *j)
{
	for (uint32_t i = 0; i < j->ntx; i++) {
		j->tx[i]->pinned = 0;
	}
	bcache_fini(&j->cache);
	free(j->avail);
	free(j->pending);
	free(j->imap);
	free(j->jstage);
	free(j);
}

static int jfs_sync(struct fs *fs)
{
	struct jfs *j = to_jfs(fs);
	int err;

	if (j->readonly) {
		return 0;
	}
	err = commit(j);
	return err ? err : checkpoint(j);
}

static int jfs_unmount(struct fs *fs)
{
	struct jfs *j = to_jfs(fs);
	int err = j->broken ? EXO_ERR_IO : jfs_sync(fs);

	jfs_free(j);
	return err;
}

static int jfs_open(struct fs *fs, const char *path, uint32_t flags)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip, dip;
	uint32_t ino, dir;
	const char *name;
	size_t len;
	uint64_t slot;
	int rc, h;

	if (flags & ~0x7fu || (flags & (FS_O_READ | FS_O_WRITE | FS_O_DIR)) == 0) {
		return EXO_ERR_INVALID;
	}
	if ((flags & (FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC)) &&
	    (rc = may_change(j))) {
		return rc;
	}
	rc = lookup(j, path, &ino);
	if (rc == EXO_ERR_NOT_FOUND && (flags & FS_O_CREATE)) {
		rc = parent_of(j, path, &dir, &dip, &name, &len);
		if (rc) {
			return rc;
		}
		h = fs_handle_alloc(j->handles);
		if (h < 0) {
			return h;
		}
		rc = dir_free_slot(j, &dip, &slot);
		if (!rc) {
			rc = tx_room(j, 16);
		}
		if (!rc) {
			rc = ialloc(j, JFS_TYPE_FILE, 0, &ino, &ip);
		}
		if (!rc) {
			rc = dir_set(j, &dip, slot, ino, name, len);
			if (rc) {
				/* Undo in the same transaction. */
				release(j, ino, &ip);
			}
		}
		if (!rc) {
			rc = iput(j, dir, &dip);
		}
		if (rc) {
			j->handles[h].used = 0;
			return op_end(j, rc);
		}
		goto opened;
	}
	if (rc) {
		return rc;
	}
	if ((flags & FS_O_CREATE) && (flags & FS_O_EXCL)) {
		return EXO_ERR_EXISTS;
	}
	rc = iget(j, ino, &ip);
	if (rc) {
		return rc;
	}
	if (flags & FS_O_DIR) {
		if (ip.type != JFS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		if (flags & (FS_O_WRITE | FS_O_TRUNC | FS_O_APPEND)) {
			return EXO_ERR_IS_DIR;
		}
	} else if (ip.type == JFS_TYPE_DIR) {
		return EXO_ERR_IS_DIR;
	}
	h = fs_handle_alloc(j->handles);
	if (h < 0) {
		return h;
	}
	if ((flags & FS_O_TRUNC) && (flags & FS_O_WRITE) && ip.size) {
		rc = set_size(j, ino, &ip, 0);
		if (rc) {
			j->handles[h].used = 0;
			return op_end(j, rc);
		}
	}
opened:
	j->handles[h].flags = flags;
	j->handles[h].ino = ino;
	j->handles[h].gen = ip.gen;
	rc = op_end(j, 0);
	if (rc) {
		j->handles[h].used = 0;
		return rc;
	}
	return h;
}

static int jfs_close(struct fs *fs, int h)
{
	return fs_handle_close(to_jfs(fs)->handles, h);
}

static int64_t jfs_read(struct fs *fs, int h, void *buf, size_t n)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	struct fs_handle *fh;
	int64_t r;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	if (ip.type != JFS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_READ)) {
		return EXO_ERR_DENIED;
	}
	r = file_read(j, &ip, fh->offset, buf, n);
	if (r > 0) {
		fh->offset += (uint64_t)r;
	}
	return r;
}

static int64_t jfs_write(struct fs *fs, int h, const void *buf, size_t n)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	struct fs_handle *fh;
	int64_t r;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	if (ip.type != JFS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_WRITE)) {
		return EXO_ERR_DENIED;
	}
	if ((err = may_change(j))) {
		return err;
	}
	if (fh->flags & FS_O_APPEND) {
		fh->offset = ip.size;
	}
	if (n == 0) {
		return 0;
	}
	r = file_write(j, (uint32_t)fh->ino, &ip, fh->offset, buf, n);
	if (r > 0) {
		fh->offset += (uint64_t)r;
	}
	err = op_end(j, 0);
	return r > 0 || !err ? r : err;
}

static int64_t jfs_seek(struct fs *fs, int h, int64_t off, int whence)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	struct fs_handle *fh;
	int64_t base;
	uint64_t max = JFS_MAX_FILE_BLOCKS * BS;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	switch (whence) {
	case FS_SEEK_SET:
		base = 0;
		break;
	case FS_SEEK_CUR:
		base = (int64_t)fh->offset;
		break;
	case FS_SEEK_END:
		base = (int64_t)ip.size;
		break;
	default:
		return EXO_ERR_INVALID;
	}
	if ((off < 0 && base + off < 0) ||
	    (off > 0 && (uint64_t)off > max - (uint64_t)base)) {
		return EXO_ERR_INVALID;
	}
	fh->offset = (uint64_t)(base + off);
	return (int64_t)fh->offset;
}

static int jfs_truncate(struct fs *fs, int h, uint64_t size)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	if (ip.type != JFS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_WRITE)) {
		return EXO_ERR_DENIED;
	}
	if (size > JFS_MAX_FILE_BLOCKS * BS) {
		return EXO_ERR_TOO_BIG;
	}
	if ((err = may_change(j))) {
		return err;
	}
	err = tx_room(j, 16);
	if (!err) {
		err = set_size(j, (uint32_t)fh->ino, &ip, size);
	}
	return op_end(j, err);
}

static int jfs_readdir(struct fs *fs, int h, struct fs_dirent *out)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip, child;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	if (ip.type != JFS_TYPE_DIR) {
		return EXO_ERR_NOT_DIR;
	}
	while (fh->offset < ip.size / sizeof(struct jfs_dirent)) {
		uint64_t s = fh->offset++;
		struct jfs_dirent e;
		struct bcache_buf *b;
		uint32_t blk;

		err = bmap(j, &ip, s / JFS_DIRENTS_PER_BLOCK, 0, &blk, NULL);
		if (err) {
			return err;
		}
		if (blk == 0) {
			continue;
		}
		err = bcache_get(&j->cache, blk, &b);
		if (err) {
			return err;
		}
		e = ((struct jfs_dirent *)b->data)[s % JFS_DIRENTS_PER_BLOCK];
		bcache_put(&j->cache, b);
		if (e.ino == 0) {
			continue;
		}
		if (e.len == 0 || e.len > FS_NAME_MAX ||
		    e.ino >= j->sb.ninodes) {
			return EXO_ERR_CORRUPT;
		}
		err = iget(j, e.ino, &child);
		if (err) {
			return err;
		}
		out->ino = e.ino;
		out->type = child.type == JFS_TYPE_DIR ? FS_TYPE_DIR
						       : FS_TYPE_FILE;
		memcpy(out->name, e.name, e.len);
		out->name[e.len] = '\0';
		return 1;
	}
	return 0;
}

static int jfs_mkdir(struct fs *fs, const char *path)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode dip, ip;
	uint32_t dir, ino, existing;
	const char *name;
	size_t len;
	uint64_t slot;
	int rc;

	if ((rc = may_change(j))) {
		return rc;
	}
	rc = parent_of(j, path, &dir, &dip, &name, &len);
	if (rc) {
		return rc;
	}
	rc = dir_find(j, &dip, name, len, &existing, NULL);
	if (rc != EXO_ERR_NOT_FOUND) {
		return rc ? rc : EXO_ERR_EXISTS;
	}
	rc = dir_free_slot(j, &dip, &slot);
	if (!rc) {
		rc = tx_room(j, 16);
	}
	if (!rc) {
		rc = ialloc(j, JFS_TYPE_DIR, dir, &ino, &ip);
	}
	if (!rc) {
		rc = dir_set(j, &dip, slot, ino, name, len);
		if (rc) {
			release(j, ino, &ip);
		}
	}
	if (!rc) {
		dip.nlink++;
		rc = iput(j, dir, &dip);
	}
	return op_end(j, rc);
}

/*
 * Remove the name @path: a regular file (@want_dir 0) or an empty
 * directory. The name goes and the inode becomes an orphan in one
 * transaction; its blocks and the inode are freed after.
 */
static int remove_entry(struct jfs *j, const char *path, int want_dir)
{
	struct jfs_inode dip, ip;
	uint32_t dir, ino;
	const char *name;
	size_t len;
	uint64_t slot;
	int rc;

	if ((rc = may_change(j))) {
		return rc;
	}
	rc = parent_of(j, path, &dir, &dip, &name, &len);
	if (rc == EXO_ERR_INVALID && want_dir && lookup(j, path, &ino) == 0 &&
	    ino == JFS_ROOT) {
		return EXO_ERR_BUSY;
	}
	if (rc) {
		return rc;
	}
	rc = dir_find(j, &dip, name, len, &ino, &slot);
	if (!rc) {
		rc = iget(j, ino, &ip);
	}
	if (rc) {
		return rc;
	}
	if (want_dir) {
		if (ip.type != JFS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		rc = dir_empty(j, &ip);
		if (rc <= 0) {
			return rc < 0 ? rc : EXO_ERR_NOT_EMPTY;
		}
	} else if (ip.type == JFS_TYPE_DIR) {
		return EXO_ERR_IS_DIR;
	}
	rc = tx_room(j, 16);
	if (!rc) {
		rc = dir_set(j, &dip, slot, 0, NULL, 0);
	}
	if (!rc) {
		if (want_dir) {
			dip.nlink--;
		}
		rc = iput(j, dir, &dip);
	}
	if (!rc) {
		ip.nlink = 0;
		rc = iput(j, ino, &ip);
	}
	if (!rc) {
		rc = release(j, ino, &ip);
	}
	return op_end(j, rc);
}

static int jfs_unlink(struct fs *fs, const char *path)
{
	return remove_entry(to_jfs(fs), path, 0);
}

static int jfs_rmdir(struct fs *fs, const char *path)
{
	return remove_entry(to_jfs(fs), path, 1);
}

static int jfs_rename(struct fs *fs, const char *from, const char *to)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode fdip, tdip, ip, vip;
	uint32_t fdir, tdir, ino, victim = 0;
	const char *fname, *tname;
	size_t flen, tlen;
	uint64_t fslot, tslot;
	int rc;

	if ((rc = may_change(j))) {
		return rc;
	}
	rc = parent_of(j, from, &fdir, &fdip, &fname, &flen);
	if (!rc) {
		rc = dir_find(j, &fdip, fname, flen, &ino, &fslot);
	}
	if (!rc) {
		rc = iget(j, ino, &ip);
	}
	if (rc) {
		return rc;
	}
	rc = parent_of(j, to, &tdir, &tdip, &tname, &tlen);
	if (rc) {
		return rc;
	}
	if (ip.type == JFS_TYPE_DIR) {
		struct jfs_inode a;
		uint32_t cur = tdir;

		for (uint32_t depth = 0; cur != JFS_ROOT; depth++) {
			if (cur == ino) {
				return EXO_ERR_INVALID;
			}
			rc = iget(j, cur, &a);
			if (rc) {
				return rc;
			}
			if (depth > j->sb.ninodes) {
				return EXO_ERR_CORRUPT;
			}
			cur = a.parent;
		}
	}
	rc = dir_find(j, &tdip, tname, tlen, &victim, &tslot);
	if (rc == 0) {
		if (victim == ino) {
			return 0;
		}
		rc = iget(j, victim, &vip);
		if (rc) {
			return rc;
		}
		if (ip.type == JFS_TYPE_DIR) {
			if (vip.type != JFS_TYPE_DIR) {
				return EXO_ERR_NOT_DIR;
			}
			rc = dir_empty(j, &vip);
			if (rc <= 0) {
				return rc < 0 ? rc : EXO_ERR_NOT_EMPTY;
			}
		} else if (vip.type == JFS_TYPE_DIR) {
			return EXO_ERR_IS_DIR;
		}
	} else if (rc == EXO_ERR_NOT_FOUND) {
		victim = 0;
		rc = dir_free_slot(j, &tdip, &tslot);
		if (rc) {
			return rc;
		}
	} else {
		return rc;
	}
	/* One transaction: the new name, the old name gone, the victim orphaned. */
	rc = tx_room(j, 24);
	if (rc) {
		return rc;
	}
	if (fdir == tdir) {
		rc = dir_set(j, &tdip, tslot, ino, tname, tlen);
		if (!rc) {
			rc = dir_set(j, &tdip, fslot, 0, NULL, 0);
		}
		if (!rc && victim && vip.type == JFS_TYPE_DIR) {
			tdip.nlink--;
		}
		if (!rc) {
			rc = iput(j, tdir, &tdip);
		}
	} else {
		rc = dir_set(j, &tdip, tslot, ino, tname, tlen);
		if (!rc && ip.type == JFS_TYPE_DIR) {
			tdip.nlink++;
		}
		if (!rc && victim && vip.type == JFS_TYPE_DIR) {
			tdip.nlink--;
		}
		if (!rc) {
			rc = iput(j, tdir, &tdip);
		}
		/* The parent may be the same inode as a source ancestor: reread. */
		if (!rc) {
			rc = iget(j, fdir, &fdip);
		}
		if (!rc) {
			rc = dir_set(j, &fdip, fslot, 0, NULL, 0);
		}
		if (!rc && ip.type == JFS_TYPE_DIR) {
			fdip.nlink--;
		}
		if (!rc) {
			rc = iput(j, fdir, &fdip);
		}
		if (!rc && ip.type == JFS_TYPE_DIR) {
			rc = iget(j, ino, &ip);
			if (!rc) {
				ip.parent = tdir;
				rc = iput(j, ino, &ip);
			}
		}
	}
	if (!rc && victim) {
		vip.nlink = 0;
		rc = iput(j, victim, &vip);
		if (!rc) {
			rc = release(j, victim, &vip);
		}
	}
	return op_end(j, rc);
}

static void fill_stat(uint32_t ino, const struct jfs_inode *ip,
		      struct fs_stat *out)
{
	out->ino = ino;
	out->type = ip->type == JFS_TYPE_DIR ? FS_TYPE_DIR : FS_TYPE_FILE;
	out->nlink = ip->nlink;
	out->mtime = ip->mtime;
	out->size = ip->size;
	out->blocks = ip->blocks;
}

static int jfs_stat(struct fs *fs, const char *path, struct fs_stat *out)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	uint32_t ino;
	int rc = lookup(j, path, &ino);

	if (!rc) {
		rc = iget(j, ino, &ip);
	}
	if (!rc) {
		fill_stat(ino, &ip, out);
	}
	return rc;
}

static int jfs_fstat(struct fs *fs, int h, struct fs_stat *out)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(j, h, &ip, &err))) {
		return err;
	}
	fill_stat((uint32_t)fh->ino, &ip, out);
	return 0;
}

static int jfs_fsync(struct fs *fs, int h)
{
	struct jfs *j = to_jfs(fs);
	struct jfs_inode ip;
	int err;

	if (!live(j, h, &ip, &err)) {
		return err;
	}
	return j->readonly ? 0 : commit(j);
}

static int jfs_statfs(struct fs *fs, struct fs_statfs *out)
{
	struct jfs *j = to_jfs(fs);

	memset(out, 0, sizeof(*out));
	out->block_size = BS;
	out->blocks = j->sb.nblocks - j->sb.data_start;
	out->blocks_free = j->free_blocks;
	out->inodes = j->sb.ninodes - 2;
	out->inodes_free = j->free_inodes;
	out->name_max = FS_NAME_MAX;
	out->format_version = j->sb.version;
	return 0;
}

#define EXPORT_BLOCKS 256 /* cache blocks named in an export */

static int64_t jfs_export(struct fs *fs, void *buf, size_t cap)
{
	struct jfs *j = to_jfs(fs);
	uint64_t blocks[EXPORT_BLOCKS];
	uint32_t n;
	int err;

	if (!j->readonly && !j->broken) {
		err = commit(j);
		if (err) {
			return err;
		}
	}
	n = bcache_blocks(&j->cache, blocks, EXPORT_BLOCKS);
	return fs_handles_export(j->handles, blocks, n, buf, cap);
}

static int jfs_valid(void *ctx, uint64_t ino, uint64_t gen, uint32_t flags)
{
	struct jfs *j = ctx;
	struct jfs_inode ip;

	if (ino == 0 || ino >= j->sb.ninodes || !bit(j->imap, ino) ||
	    iget(j, (uint32_t)ino, &ip) || ip.gen != gen || ip.nlink == 0) {
		return EXO_ERR_NOT_FOUND;
	}
	if (flags & ~0x7fu) {
		return EXO_ERR_CORRUPT;
	}
	return 0;
}

static int jfs_import(struct fs *fs, const void *buf, size_t len)
{
	struct jfs *j = to_jfs(fs);
	const uint8_t *blocks;
	uint32_t n;
	int err = fs_handles_import(j->handles, buf, len, jfs_valid, j, &blocks,
				    &n);

	if (err) {
		return err;
	}
	/* Warm the cache with what the old instance had (a hint). */
	for (uint32_t i = 0; i < n && i < j->cache.nbufs / 2; i++) {
		uint64_t b;
		struct bcache_buf *x;

		memcpy(&b, blocks + (size_t)i * 8, 8);
		if (b < j->sb.nblocks && bcache_get(&j->cache, b, &x) == 0) {
			bcache_put(&j->cache, x);
		}
	}
	return 0;
}

static const struct fs_ops jfs_ops = {
	.unmount = jfs_unmount,
	.open = jfs_open,
	.close = jfs_close,
	.read = jfs_read,
	.write = jfs_write,
	.seek = jfs_seek,
	.truncate = jfs_truncate,
	.readdir = jfs_readdir,
	.mkdir = jfs_mkdir,
	.unlink = jfs_unlink,
	.rmdir = jfs_rmdir,
	.rename = jfs_rename,
	.stat = jfs_stat,
	.fstat = jfs_fstat,
	.fsync = jfs_fsync,
	.sync = jfs_sync,
	.statfs = jfs_statfs,
	.export_state = jfs_export,
	.import_state = jfs_import,
};

/* Mounting */

/* Load the bitmap and inode table into memory, checking both. */
static int load(struct jfs *j, const char **why)
{
	uint64_t nb = j->sb.nblocks;
	uint8_t *blk = j->jstage;
	int err;

	for (uint32_t i = 0; i < j->sb.bitmap_blocks; i++) {
		uint64_t first = (uint64_t)i * BS * 8;
		size_t bytes = BS;

		err = blockdev_read(j->bd, j->sb.bitmap_start + i, 1, blk);
		if (err) {
			*why = "cannot read the bitmap";
			return err;
		}
		if (first / 8 + bytes > (nb + 7) / 8) {
			bytes = (size_t)((nb + 7) / 8 - first / 8);
		}
		memcpy(j->avail + first / 8, blk, bytes);
	}
	for (uint64_t b = 0; b < j->sb.data_start; b++) {
		if (!bit(j->avail, b)) {
			*why = "bitmap marks metadata blocks free";
			return EXO_ERR_CORRUPT;
		}
	}
	j->free_blocks = 0;
	for (uint64_t b = j->sb.data_start; b < nb; b++) {
		j->free_blocks += !bit(j->avail, b);
	}
	j->free_inodes = 0;
	for (uint32_t i = 0; i < j->sb.inode_blocks; i++) {
		err = blockdev_read(j->bd, j->sb.inode_start + i, 1, blk);
		if (err) {
			*why = "cannot read the inode table";
			return err;
		}
		for (uint32_t k = 0; k < JFS_INODES_PER_BLOCK; k++) {
			uint32_t ino = i * JFS_INODES_PER_BLOCK + k;
			struct jfs_inode ip;

			memcpy(&ip, blk + k * sizeof(ip), sizeof(ip));
			if (ino == 0) {
				continue;
			}
			err = jfs_inode_check(&j->sb, ino, &ip, why);
			if (err) {
				return err;
			}
			if (ip.type != JFS_TYPE_FREE) {
				set_bit(j->imap, ino);
			} else if (ino >= 2) {
				j->free_inodes++;
			}
			if (ip.mtime > j->clock) {
				j->clock = ip.mtime;
			}
		}
	}
	if (!bit(j->imap, JFS_ROOT)) {
		*why = "no root directory";
		return EXO_ERR_CORRUPT;
	}
	{
		struct jfs_inode root;

		err = iget(j, JFS_ROOT, &root);
		if (!err && root.type != JFS_TYPE_DIR) {
			*why = "root is not a directory";
			return EXO_ERR_CORRUPT;
		}
		if (err) {
			*why = "cannot read the root";
			return err;
		}
	}
	return 0;
}

/* Finish removing inodes a crash left orphaned (nlink 0). */
static int reap_orphans(struct jfs *j)
{
	for (uint32_t ino = 2; ino < j->sb.ninodes; ino++) {
		struct jfs_inode ip;
		int err;

		if (!bit(j->imap, ino)) {
			continue;
		}
		err = iget(j, ino, &ip);
		if (err) {
			return err;
		}
		if (ip.nlink == 0) {
			err = tx_room(j, 16);
			if (!err) {
				err = release(j, ino, &ip);
			}
			if (err) {
				return err;
			}
		}
	}
	return j->ntx ? commit(j) : 0;
}

static int jfs_mount(struct fs_type *t, struct blockdev *bd,
		     const struct fs_mount_opts *opts, struct fs **out)
{
	uint32_t cache = opts && opts->cache_blocks ? opts->cache_blocks
						    : DEFAULT_CACHE;
	const char *why = "";
	struct jfs *j;
	uint32_t ntx;
	int err;

	if (!bd || bd->nblocks < 8) {
		return fs_mount_fail(EXO_ERR_INVALID, "no device, or too small");
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		return fs_mount_fail(EXO_ERR_NO_MEMORY, "out of memory");
	}
	j->base.ops = &jfs_ops;
	j->base.type = t;
	j->bd = bd;
	j->readonly = opts && (opts->flags & FS_MOUNT_READONLY);
	err = jfs_super_read(bd, &j->sb, &why);
	if (err) {
		goto err_free;
	}
	j->tx_max = (j->sb.journal_blocks - 1 - 2) / 2;
	if (j->tx_max > TX_CAP) {
		j->tx_max = TX_CAP;
	}
	if (cache < 2 * j->tx_max + 64) {
		cache = 2 * j->tx_max + 64;
	}
	j->avail = calloc(1, (size_t)(j->sb.nblocks + 7) / 8);
	j->pending = calloc(1, (size_t)(j->sb.nblocks + 7) / 8);
	j->imap = calloc(1, (size_t)(j->sb.ninodes + 7) / 8);
	j->jstage = malloc((size_t)(j->tx_max + 2) * BS);
	if (!j->avail || !j->pending || !j->imap || !j->jstage) {
		err = EXO_ERR_NO_MEMORY;
		why = "out of memory";
		goto err_free;
	}
	err = bcache_init(&j->cache, bd, cache);
	if (err) {
		why = "out of memory for the cache";
		goto err_free;
	}
	err = jfs_journal_replay(bd, &j->sb, 1, &ntx, &j->seq, &why);
	if (err) {
		goto err_free;
	}
	err = load(j, &why);
	if (err) {
		goto err_free;
	}
	/* Start a fresh journal cycle: nothing before it needs replaying. */
	if (!j->readonly) {
		err = jfs_journal_reset(bd, &j->sb, j->seq, j->jstage);
		if (!err) {
			err = blockdev_flush(bd);
		}
		if (!err) {
			err = reap_orphans(j);
		}
		if (err) {
			why = err == EXO_ERR_CORRUPT ? "damaged orphan inode"
						     : "device write failed";
			goto err_free;
		}
	}
	*out = &j->base;
	return 0;
err_free:
	jfs_free(j);
	return fs_mount_fail(err, why);
}

const struct fs_type_ops fs_journal_type_ops = {
	.mount = jfs_mount,
};

struct fs_type fs_journal_type = {
	.ops = &fs_journal_type_ops,
	.name = "fs.journal",
};
