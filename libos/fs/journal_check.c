/* SPDX-License-Identifier: MIT */
/*
 * fsck for fs.journal: check (and repair) a file system that is not
 * mounted. Works on a copy of the inode table in memory and reads
 * directory and indirect blocks from the device; repairs are written in
 * place and flushed at the end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/fs_impl.h>

#include "journal.h"

#define BS JFS_BLOCK

struct check {
	struct blockdev *bd;
	struct jfs_super sb;
	int repair;
	struct jfs_check_report *r;
	void (*say)(void *ctx, const char *line);
	void *ctx;
	struct jfs_inode *inodes;
	uint8_t *ibad; /* inode failed its checks (cleared) */
	uint8_t *idirty; /* inode changed by a repair */
	uint8_t *owned; /* block reachable */
	uint32_t *refs; /* names of each inode */
	uint32_t *subdirs; /* subdirectories of each directory */
	uint8_t *seen; /* inode reached from the root */
	uint8_t *blk;
	int quiet; /* recounting: findings already reported */
};

static int bit(const uint8_t *m, uint64_t i)
{
	return (m[i / 8] >> (i % 8)) & 1;
}

static void set_bit(uint8_t *m, uint64_t i)
{
	m[i / 8] |= (uint8_t)(1u << (i % 8));
}

static void report(struct check *c, int error, int fixed, const char *fmt,
		   unsigned long long a, unsigned long long b)
{
	char line[160];

	if (c->quiet) {
		return;
	}
	if (error) {
		c->r->errors++;
		if (fixed && c->repair) {
			c->r->repaired++;
		}
	}
	if (c->say) {
		int n = snprintf(line, sizeof(line), fmt, a, b);

		if (n > 0 && error && (size_t)n < sizeof(line)) {
			snprintf(line + n, sizeof(line) - (size_t)n, "%s",
				 fixed && c->repair ? ": fixed"
				 : c->repair	    ? ": not fixed"
						    : "");
		}
		c->say(c->ctx, line);
	}
}

/*
 * Walk the tree at *@slot (@level levels of indirection) of inode @ino
 * covering file blocks from @base: claim every block, drop bad or doubly
 * used pointers (in repair mode), count blocks into *@count and the last
 * mapped file block + 1 into *@end.
 */
static int walk_tree(struct check *c, uint32_t ino, uint32_t *slot,
		     uint32_t level, uint64_t base, uint64_t *count,
		     uint64_t *end, int *changed)
{
	uint64_t span = 1;
	uint32_t *ents;
	int err, dirty = 0;

	if (*slot == 0) {
		return 0;
	}
	if (*slot < c->sb.data_start || *slot >= c->sb.nblocks) {
		report(c, 1, 1, "inode %llu: block pointer %llu outside the "
				"data area", ino, *slot);
		*slot = 0;
		*changed = 1;
		return 0;
	}
	if (bit(c->owned, *slot)) {
		report(c, 1, 1, "inode %llu: block %llu already in use "
				"elsewhere", ino, *slot);
		*slot = 0;
		*changed = 1;
		return 0;
	}
	set_bit(c->owned, *slot);
	(*count)++;
	if (level == 0) {
		if (base + 1 > *end) {
			*end = base + 1;
		}
		return 0;
	}
	for (uint32_t l = 1; l < level; l++) {
		span *= JFS_PER_BLOCK;
	}
	ents = malloc(BS);
	if (!ents) {
		return EXO_ERR_NO_MEMORY;
	}
	err = blockdev_read(c->bd, *slot, 1, ents);
	for (uint32_t i = 0; !err && i < JFS_PER_BLOCK; i++) {
		int ch = 0;

		err = walk_tree(c, ino, &ents[i], level - 1, base + i * span,
				count, end, &ch);
		dirty |= ch;
	}
	if (!err && dirty && c->repair) {
		err = blockdev_write(c->bd, *slot, 1, ents);
	}
	free(ents);
	return err;
}

static int walk_inode(struct check *c, uint32_t ino)
{
	struct jfs_inode *ip = &c->inodes[ino];
	uint64_t count = 0, end = 0, base = JFS_NDIRECT, span = JFS_PER_BLOCK;
	int changed = 0, err;

	for (uint32_t i = 0; i < JFS_NDIRECT; i++) {
		err = walk_tree(c, ino, &ip->direct[i], 0, i, &count, &end,
				&changed);
		if (err) {
			return err;
		}
	}
	for (uint32_t l = 0; l < 3; l++) {
		err = walk_tree(c, ino, &ip->ind[l], l + 1, base, &count, &end,
				&changed);
		if (err) {
			return err;
		}
		base += span;
		span *= JFS_PER_BLOCK;
	}
	if (end > (ip->size + BS - 1) / BS) {
		report(c, 1, 1, "inode %llu: blocks mapped past its size "
				"(%llu bytes)", ino, ip->size);
		ip->size = end * BS;
		changed = 1;
	}
	if (count != ip->blocks) {
		report(c, 1, 1, "inode %llu: block count %llu is wrong", ino,
		       ip->blocks);
		ip->blocks = (uint32_t)count;
		changed = 1;
	}
	if (changed) {
		set_bit(c->idirty, ino);
	}
	return 0;
}

/* The device block of file block @lb of @ip, or 0. */
static uint32_t map(struct check *c, const struct jfs_inode *ip, uint64_t lb)
{
	uint32_t cur, level;
	uint64_t span = JFS_PER_BLOCK, idx;
	uint32_t *ents;

	if (lb < JFS_NDIRECT) {
		return ip->direct[lb];
	}
	idx = lb - JFS_NDIRECT;
	for (level = 1; idx >= span && level < 3; level++) {
		idx -= span;
		span *= JFS_PER_BLOCK;
	}
	if (idx >= span) {
		return 0;
	}
	cur = ip->ind[level - 1];
	ents = malloc(BS);
	if (!ents) {
		return 0;
	}
	while (cur && level > 0) {
		span /= JFS_PER_BLOCK;
		if (cur < c->sb.data_start || cur >= c->sb.nblocks ||
		    blockdev_read(c->bd, cur, 1, ents)) {
			cur = 0;
			break;
		}
		cur = ents[idx / span];
		idx %= span;
		level--;
	}
	free(ents);
	return cur;
}

/* Check the entries of directory @dir; queue unseen subdirectories. */
static int check_dir(struct check *c, uint32_t dir, uint32_t *queue,
		     uint32_t *tail)
{
	struct jfs_inode *dp = &c->inodes[dir];
	uint64_t nslots = dp->size / sizeof(struct jfs_dirent);
	struct jfs_dirent *ents = (struct jfs_dirent *)c->blk;

	for (uint64_t s = 0; s < nslots; s += JFS_DIRENTS_PER_BLOCK) {
		uint32_t blk = map(c, dp, s / JFS_DIRENTS_PER_BLOCK);
		int dirty = 0, err;

		if (blk == 0) {
			continue;
		}
		err = blockdev_read(c->bd, blk, 1, c->blk);
		if (err) {
			return err;
		}
		for (uint32_t i = 0; i < JFS_DIRENTS_PER_BLOCK && s + i < nslots;
		     i++) {
			struct jfs_dirent *e = &ents[i];
			uint32_t ino = e->ino;
			struct jfs_inode *ip;

			if (ino == 0) {
				continue;
			}
			if (e->len == 0 || e->len > FS_NAME_MAX ||
			    memchr(e->name, '/', e->len) ||
			    memchr(e->name, '\0', e->len)) {
				report(c, 1, 1, "directory %llu: malformed "
						"entry in slot %llu", dir, s + i);
				goto drop;
			}
			if (ino >= c->sb.ninodes || ino == JFS_ROOT ||
			    c->inodes[ino].type == JFS_TYPE_FREE) {
				report(c, 1, 1, "directory %llu: entry names "
						"inode %llu, which is not in use",
				       dir, ino);
				goto drop;
			}
			ip = &c->inodes[ino];
			if (bit(c->seen, ino)) {
				report(c, 1, 1, "directory %llu: inode %llu "
						"has a second name", dir, ino);
				goto drop;
			}
			set_bit(c->seen, ino);
			c->refs[ino]++;
			if (ip->type == JFS_TYPE_DIR) {
				c->subdirs[dir]++;
				c->r->dirs++;
				if (ip->parent != dir) {
					report(c, 1, 1, "directory %llu: parent "
							"should be %llu", ino,
					       dir);
					ip->parent = dir;
					set_bit(c->idirty, ino);
				}
				queue[(*tail)++] = ino;
			} else {
				c->r->files++;
			}
			continue;
drop:
			memset(e, 0, sizeof(*e));
			dirty = 1;
		}
		if (dirty && c->repair) {
			err = blockdev_write(c->bd, blk, 1, c->blk);
			if (err) {
				return err;
			}
		}
	}
	return 0;
}

static int write_inodes(struct check *c)
{
	for (uint32_t b = 0; b < c->sb.inode_blocks; b++) {
		int any = 0, err;

		for (uint32_t k = 0; k < JFS_INODES_PER_BLOCK; k++) {
			uint32_t ino = b * JFS_INODES_PER_BLOCK + k;

			if (bit(c->idirty, ino)) {
				c->inodes[ino].checksum = jfs_inode_checksum(
					ino, &c->inodes[ino]);
				any = 1;
			}
		}
		if (any) {
			err = blockdev_write(c->bd, c->sb.inode_start + b, 1,
					     &c->inodes[(size_t)b *
							JFS_INODES_PER_BLOCK]);
			if (err) {
				return err;
			}
		}
	}
	return 0;
}

/* Forget inode @ino's blocks (it is being freed). */
static void free_inode(struct check *c, uint32_t ino)
{
	uint64_t gen = c->inodes[ino].gen + 1;

	memset(&c->inodes[ino], 0, sizeof(c->inodes[ino]));
	c->inodes[ino].gen = gen;
	set_bit(c->idirty, ino);
}

int jfs_check(struct blockdev *bd, int repair, struct jfs_check_report *r,
	      void (*say)(void *ctx, const char *line), void *ctx)
{
	struct check c = { .bd = bd, .repair = repair, .r = r, .say = say,
			   .ctx = ctx };
	const char *why = "";
	uint32_t ntx, *queue = NULL, head = 0, tail = 0;
	uint64_t next, n;
	int err;

	memset(r, 0, sizeof(*r));
	err = jfs_super_read(bd, &c.sb, &why);
	if (err) {
		report(&c, 0, 0, "superblock unusable:", 0, 0);
		if (say) {
			say(ctx, why);
		}
		return err;
	}
	err = jfs_journal_replay(bd, &c.sb, repair, &ntx, &next, &why);
	if (err) {
		if (say) {
			say(ctx, why);
		}
		return err;
	}
	if (ntx) {
		r->replayed = repair ? ntx : 0;
		report(&c, 0, 0,
		       repair ? "journal: replayed %llu committed transactions"
			      : "journal: %llu committed transactions not yet "
				"applied (checked as on disk; repair or mount "
				"replays them)",
		       ntx, 0);
	}
	n = c.sb.nblocks;
	c.inodes = malloc((size_t)c.sb.inode_blocks * BS);
	c.ibad = calloc(1, c.sb.ninodes / 8 + 1);
	c.idirty = calloc(1, c.sb.ninodes / 8 + 1);
	c.seen = calloc(1, c.sb.ninodes / 8 + 1);
	c.refs = calloc(c.sb.ninodes, sizeof(uint32_t));
	c.subdirs = calloc(c.sb.ninodes, sizeof(uint32_t));
	c.owned = calloc(1, (size_t)(n + 7) / 8 + BS);
	c.blk = malloc(BS);
	queue = malloc(c.sb.ninodes * sizeof(uint32_t));
	if (!c.inodes || !c.ibad || !c.idirty || !c.seen || !c.refs ||
	    !c.subdirs || !c.owned || !c.blk || !queue) {
		err = EXO_ERR_NO_MEMORY;
		goto out;
	}
	err = blockdev_read(bd, c.sb.inode_start, c.sb.inode_blocks, c.inodes);
	if (err) {
		goto out;
	}
	/* Inodes on their own. */
	for (uint32_t ino = 1; ino < c.sb.ninodes; ino++) {
		if (jfs_inode_check(&c.sb, ino, &c.inodes[ino], &why)) {
			report(&c, 1, 1, "inode %llu: fails its checks, cleared", ino, 0);
			if (say) {
				say(ctx, why);
			}
			free_inode(&c, ino);
		}
	}
	if (c.inodes[JFS_ROOT].type != JFS_TYPE_DIR) {
		report(&c, 1, 1, "root directory missing: made anew, empty "
				 "(everything else is unreachable)", 0, 0);
		if (!repair) {
			goto out;
		}
		free_inode(&c, JFS_ROOT);
		c.inodes[JFS_ROOT].type = JFS_TYPE_DIR;
		c.inodes[JFS_ROOT].nlink = 2;
		c.inodes[JFS_ROOT].parent = JFS_ROOT;
	}
	/* Metadata area, and every inode's blocks. */
	for (uint64_t b = 0; b < c.sb.data_start; b++) {
		set_bit(c.owned, b);
	}
	for (uint32_t ino = 1; ino < c.sb.ninodes; ino++) {
		if (c.inodes[ino].type != JFS_TYPE_FREE) {
			err = walk_inode(&c, ino);
			if (err) {
				goto out;
			}
		}
	}
	/* The tree from the root. */
	set_bit(c.seen, JFS_ROOT);
	queue[tail++] = JFS_ROOT;
	c.r->dirs++;
	while (head < tail) {
		err = check_dir(&c, queue[head++], queue, &tail);
		if (err) {
			goto out;
		}
	}
	if (c.inodes[JFS_ROOT].parent != JFS_ROOT) {
		report(&c, 1, 1, "root: parent should be itself", 0, 0);
		c.inodes[JFS_ROOT].parent = JFS_ROOT;
		set_bit(c.idirty, JFS_ROOT);
	}
	/* Link counts, orphans, lost inodes. */
	for (uint32_t ino = 1; ino < c.sb.ninodes; ino++) {
		struct jfs_inode *ip = &c.inodes[ino];
		uint32_t want;

		if (ip->type == JFS_TYPE_FREE) {
			continue;
		}
		if (!bit(c.seen, ino)) {
			if (ip->nlink == 0) {
				report(&c, 0, 0, "inode %llu: orphan of an "
						 "interrupted removal (freed at "
						 "mount)", ino, 0);
			} else {
				report(&c, 1, 1, "inode %llu: in use but in no "
						 "directory", ino, 0);
			}
			if (repair) {
				free_inode(&c, ino);
			}
			continue;
		}
		want = ip->type == JFS_TYPE_DIR ? 2 + c.subdirs[ino]
						: c.refs[ino];
		if (ip->nlink != want) {
			report(&c, 1, 1, "inode %llu: link count %llu is wrong",
			       ino, ip->nlink);
			ip->nlink = (uint16_t)want;
			set_bit(c.idirty, ino);
		}
	}
	/* Blocks of freed inodes are no longer owned: recount. */
	if (repair) {
		memset(c.owned, 0, (size_t)(n + 7) / 8);
		for (uint64_t b = 0; b < c.sb.data_start; b++) {
			set_bit(c.owned, b);
		}
		c.quiet = 1;
		for (uint32_t ino = 1; ino < c.sb.ninodes; ino++) {
			if (c.inodes[ino].type != JFS_TYPE_FREE) {
				err = walk_inode(&c, ino);
				if (err) {
					goto out;
				}
			}
		}
		c.quiet = 0;
	}
	for (uint64_t b = c.sb.data_start; b < n; b++) {
		r->blocks_used += bit(c.owned, b);
	}
	/* The bitmap against what is reachable. */
	for (uint32_t i = 0; i < c.sb.bitmap_blocks; i++) {
		uint64_t first = (uint64_t)i * BS * 8;
		int dirty = 0;

		err = blockdev_read(bd, c.sb.bitmap_start + i, 1, c.blk);
		if (err) {
			goto out;
		}
		for (uint64_t k = 0; k < (uint64_t)BS * 8; k++) {
			uint64_t b = first + k;
			int want = b >= n ? 1 : bit(c.owned, b);

			if (bit(c.blk, k) == want) {
				continue;
			}
			if (b < n) {
				report(&c, 1, 1,
				       want ? "block %llu: in use but marked "
					      "free"
					    : "block %llu: marked used but not "
					      "in use",
				       b, 0);
			} else {
				report(&c, 1, 1, "block %llu: past the end but "
						 "marked free", b, 0);
			}
			c.blk[k / 8] ^= (uint8_t)(1u << (k % 8));
			dirty = 1;
		}
		if (dirty && repair) {
			err = blockdev_write(bd, c.sb.bitmap_start + i, 1, c.blk);
			if (err) {
				goto out;
			}
		}
	}
	if (repair) {
		err = write_inodes(&c);
		if (!err) {
			err = blockdev_flush(bd);
		}
	}
out:
	free(c.inodes);
	free(c.ibad);
	free(c.idirty);
	free(c.seen);
	free(c.refs);
	free(c.subdirs);
	free(c.owned);
	free(c.blk);
	free(queue);
	return err;
}
