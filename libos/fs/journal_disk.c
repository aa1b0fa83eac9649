/* SPDX-License-Identifier: MIT */
/*
 * fs.journal on disk: checking the superblock and inodes, replaying the
 * journal, making a new file system. Used by the file system and by the
 * host tools alike.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/fs_impl.h>

#include "journal.h"

static uint32_t super_checksum(const struct jfs_super *sb)
{
	struct jfs_super s = *sb;

	s.checksum = 0;
	return fs_crc32c(0, &s, sizeof(s));
}

int jfs_super_read(struct blockdev *bd, struct jfs_super *sb,
		   const char **why)
{
	uint8_t *blk = malloc(JFS_BLOCK);
	int err;

	if (!blk) {
		return EXO_ERR_NO_MEMORY;
	}
	if (bd->nblocks < 1) {
		free(blk);
		*why = "device is empty";
		return EXO_ERR_CORRUPT;
	}
	err = blockdev_read(bd, 0, 1, blk);
	memcpy(sb, blk, sizeof(*sb));
	free(blk);
	if (err) {
		*why = "cannot read the superblock";
		return err;
	}
	if (sb->magic != JFS_MAGIC) {
		*why = "not an fs.journal file system (bad magic)";
		return EXO_ERR_CORRUPT;
	}
	if (super_checksum(sb) != sb->checksum) {
		*why = "superblock checksum mismatch";
		return EXO_ERR_CORRUPT;
	}
	if (sb->version > JFS_VERSION) {
		*why = "format version newer than this implementation reads";
		return EXO_ERR_NOSYS;
	}
	if (sb->version != JFS_VERSION) {
		*why = "unknown format version";
		return EXO_ERR_CORRUPT;
	}
	if (sb->block_size != JFS_BLOCK || sb->flags != 0 ||
	    sb->root != JFS_ROOT) {
		*why = "unsupported block size, flags or root";
		return EXO_ERR_CORRUPT;
	}
	if (sb->nblocks > bd->nblocks || sb->nblocks > UINT32_MAX ||
	    sb->nblocks < 8) {
		*why = "file system larger than its device";
		return EXO_ERR_CORRUPT;
	}
	if (sb->ninodes < JFS_INODES_PER_BLOCK ||
	    sb->ninodes % JFS_INODES_PER_BLOCK ||
	    sb->inode_blocks != sb->ninodes / JFS_INODES_PER_BLOCK ||
	    sb->bitmap_start != 1 ||
	    (uint64_t)sb->bitmap_blocks * JFS_BLOCK * 8 < sb->nblocks ||
	    (uint64_t)(sb->bitmap_blocks - 1) * JFS_BLOCK * 8 >= sb->nblocks ||
	    sb->inode_start != sb->bitmap_start + sb->bitmap_blocks ||
	    sb->journal_start != sb->inode_start + sb->inode_blocks ||
	    sb->journal_blocks < JFS_MIN_JOURNAL ||
	    (uint64_t)sb->data_start !=
		    (uint64_t)sb->journal_start + sb->journal_blocks ||
	    sb->data_start >= sb->nblocks) {
		*why = "inconsistent geometry in the superblock";
		return EXO_ERR_CORRUPT;
	}
	return 0;
}

uint32_t jfs_inode_checksum(uint32_t ino, const struct jfs_inode *ip)
{
	struct jfs_inode c = *ip;

	c.checksum = 0;
	return fs_crc32c(fs_crc32c(0, &ino, 4), &c, sizeof(c));
}

static int ptr_ok(const struct jfs_super *sb, uint32_t b)
{
	return b == 0 || (b >= sb->data_start && b < sb->nblocks);
}

int jfs_inode_check(const struct jfs_super *sb, uint32_t ino,
		    const struct jfs_inode *ip, const char **why)
{
	static const struct jfs_inode zero;

	if (memcmp(ip, &zero, sizeof(zero)) == 0) {
		return 0;
	}
	if (jfs_inode_checksum(ino, ip) != ip->checksum) {
		*why = "inode checksum mismatch";
		return EXO_ERR_CORRUPT;
	}
	if (ip->type == JFS_TYPE_FREE) {
		return 0;
	}
	if (ip->type != JFS_TYPE_FILE && ip->type != JFS_TYPE_DIR) {
		*why = "inode of unknown type";
		return EXO_ERR_CORRUPT;
	}
	if (ip->size > JFS_MAX_FILE_BLOCKS * JFS_BLOCK ||
	    (ip->type == JFS_TYPE_DIR &&
	     (ip->size % sizeof(struct jfs_dirent) ||
	      ip->parent == 0 || ip->parent >= sb->ninodes))) {
		*why = "inode size or parent out of range";
		return EXO_ERR_CORRUPT;
	}
	for (uint32_t i = 0; i < JFS_NDIRECT; i++) {
		if (!ptr_ok(sb, ip->direct[i])) {
			*why = "inode block pointer outside the data area";
			return EXO_ERR_CORRUPT;
		}
	}
	for (uint32_t i = 0; i < 3; i++) {
		if (!ptr_ok(sb, ip->ind[i])) {
			*why = "inode block pointer outside the data area";
			return EXO_ERR_CORRUPT;
		}
	}
	return 0;
}

static uint32_t jheader_checksum(const struct jfs_jheader *h)
{
	struct jfs_jheader c = *h;

	c.checksum = 0;
	return fs_crc32c(0, &c, sizeof(c));
}

static uint32_t jcommit_checksum(const struct jfs_jcommit *cm)
{
	struct jfs_jcommit c = *cm;

	c.checksum = 0;
	return fs_crc32c(0, &c, sizeof(c));
}

/* A block a transaction may name: anything but the superblock and journal. */
static int target_ok(const struct jfs_super *sb, uint32_t b)
{
	return b >= 1 && b < sb->nblocks &&
	       (b < sb->journal_start || b >= sb->data_start);
}

int jfs_journal_replay(struct blockdev *bd, const struct jfs_super *sb,
		       int apply, uint32_t *ntx, uint64_t *next,
		       const char **why)
{
	uint8_t *desc_blk = malloc(JFS_BLOCK), *blk = malloc(JFS_BLOCK);
	const struct jfs_jdesc *desc = (const void *)desc_blk;
	struct jfs_jheader h;
	uint32_t pos = 0, n = 0;
	uint64_t seq;
	int err;

	if (!desc_blk || !blk) {
		err = EXO_ERR_NO_MEMORY;
		goto out;
	}
	err = blockdev_read(bd, sb->journal_start, 1, blk);
	if (err) {
		*why = "cannot read the journal header";
		goto out;
	}
	memcpy(&h, blk, sizeof(h));
	if (h.magic != JFS_JHDR_MAGIC || jheader_checksum(&h) != h.checksum) {
		*why = "journal header damaged";
		err = EXO_ERR_CORRUPT;
		goto out;
	}
	seq = h.seq;
	/* Each pass: check one whole transaction, then apply it. */
	for (;;) {
		struct jfs_jcommit cm;
		uint32_t base = sb->journal_start + 1 + pos;
		uint64_t sum;

		if (pos + 2 > sb->journal_blocks - 1) {
			break;
		}
		err = blockdev_read(bd, base, 1, desc_blk);
		if (err) {
			goto out;
		}
		if (desc->magic != JFS_JDESC_MAGIC || desc->seq != seq ||
		    desc->count == 0 || desc->count > JFS_JDESC_MAX ||
		    pos + desc->count + 2 > sb->journal_blocks - 1) {
			break;
		}
		err = blockdev_read(bd, base + desc->count + 1, 1, blk);
		if (err) {
			goto out;
		}
		memcpy(&cm, blk, sizeof(cm));
		if (cm.magic != JFS_JCOMMIT_MAGIC || cm.seq != seq ||
		    cm.count != desc->count ||
		    jcommit_checksum(&cm) != cm.checksum) {
			break;
		}
		sum = fs_sum64(0, desc_blk, JFS_BLOCK);
		for (uint32_t i = 0; i < desc->count; i++) {
			err = blockdev_read(bd, base + 1 + i, 1, blk);
			if (err) {
				goto out;
			}
			sum = fs_sum64(sum, blk, JFS_BLOCK);
		}
		if (sum != cm.data_sum) {
			break; /* torn: never committed */
		}
		for (uint32_t i = 0; i < desc->count; i++) {
			if (!target_ok(sb, desc->target[i])) {
				*why = "journal transaction names a block "
				       "outside the file system's metadata";
				err = EXO_ERR_CORRUPT;
				goto out;
			}
		}
		if (apply) {
			for (uint32_t i = 0; i < desc->count; i++) {
				err = blockdev_read(bd, base + 1 + i, 1, blk);
				if (!err) {
					err = blockdev_write(
						bd, desc->target[i], 1, blk);
				}
				if (err) {
					goto out;
				}
			}
		}
		pos += desc->count + 2;
		seq++;
		n++;
	}
	if (apply && n) {
		err = blockdev_flush(bd);
		if (err) {
			goto out;
		}
		memset(blk, 0, JFS_BLOCK);
		h.seq = seq;
		h.checksum = jheader_checksum(&h);
		memcpy(blk, &h, sizeof(h));
		err = blockdev_write(bd, sb->journal_start, 1, blk);
		if (!err) {
			err = blockdev_flush(bd);
		}
		if (err) {
			goto out;
		}
	}
	*ntx = n;
	*next = seq;
	err = 0;
out:
	free(desc_blk);
	free(blk);
	return err;
}

/* Write the journal header saying the next transaction is @seq at 0. */
int jfs_journal_reset(struct blockdev *bd, const struct jfs_super *sb,
		      uint64_t seq, uint8_t *blk)
{
	struct jfs_jheader h = { .magic = JFS_JHDR_MAGIC, .seq = seq };

	h.checksum = jheader_checksum(&h);
	memset(blk, 0, JFS_BLOCK);
	memcpy(blk, &h, sizeof(h));
	return blockdev_write(bd, sb->journal_start, 1, blk);
}

/* Fill @cm, the commit record of a transaction. */
void jfs_commit_seal(struct jfs_jcommit *cm)
{
	cm->checksum = jcommit_checksum(cm);
}

int jfs_mkfs(struct blockdev *bd, const struct jfs_mkfs_opts *o,
	     const char **why)
{
	struct jfs_super sb;
	struct jfs_inode root;
	uint64_t nblocks = o && o->nblocks ? o->nblocks : bd->nblocks;
	uint32_t ninodes = o && o->ninodes ? o->ninodes : 0;
	uint32_t jblocks = o && o->journal_blocks ? o->journal_blocks : 0;
	uint8_t *blk;
	uint64_t b;
	int err;

	if (nblocks > bd->nblocks || nblocks > UINT32_MAX) {
		*why = "file system larger than the device or 16 TiB";
		return EXO_ERR_INVALID;
	}
	if (!ninodes) {
		ninodes = (uint32_t)(nblocks / 4);
		if (ninodes < 64) {
			ninodes = 64;
		}
	}
	ninodes = (ninodes + JFS_INODES_PER_BLOCK - 1) /
		  JFS_INODES_PER_BLOCK * JFS_INODES_PER_BLOCK;
	if (!jblocks) {
		jblocks = (uint32_t)(nblocks / 64);
		jblocks = jblocks < 256 ? 256 : jblocks > 4096 ? 4096 : jblocks;
	}
	if (jblocks < JFS_MIN_JOURNAL) {
		*why = "journal smaller than 64 blocks";
		return EXO_ERR_INVALID;
	}
	memset(&sb, 0, sizeof(sb));
	sb.magic = JFS_MAGIC;
	sb.version = JFS_VERSION;
	sb.block_size = JFS_BLOCK;
	sb.nblocks = nblocks;
	sb.ninodes = ninodes;
	sb.bitmap_start = 1;
	sb.bitmap_blocks = (uint32_t)((nblocks + JFS_BLOCK * 8 - 1) /
				      (JFS_BLOCK * 8));
	sb.inode_start = sb.bitmap_start + sb.bitmap_blocks;
	sb.inode_blocks = ninodes / JFS_INODES_PER_BLOCK;
	sb.journal_start = sb.inode_start + sb.inode_blocks;
	sb.journal_blocks = jblocks;
	sb.data_start = sb.journal_start + jblocks;
	sb.root = JFS_ROOT;
	for (int i = 0; i < 16; i++) {
		sb.uuid[i] = (uint8_t)((nblocks * 0x9e3779b97f4a7c15ull) >>
				       (i * 4 % 64)) ^ (uint8_t)i;
	}
	if ((uint64_t)sb.data_start + 1 >= nblocks) {
		*why = "device too small for the metadata";
		return EXO_ERR_INVALID;
	}
	sb.checksum = super_checksum(&sb);
	blk = malloc(JFS_BLOCK);
	if (!blk) {
		return EXO_ERR_NO_MEMORY;
	}
	/* Everything but the superblock first, so a torn mkfs never mounts. */
	for (b = sb.bitmap_start; b < sb.data_start; b++) {
		memset(blk, 0, JFS_BLOCK);
		if (b >= sb.bitmap_start && b < sb.inode_start) {
			/* Metadata blocks and the root's block are in use. */
			for (uint64_t k = (b - 1) * JFS_BLOCK * 8;
			     k < b * JFS_BLOCK * 8 && k < sb.data_start;
			     k++) {
				blk[(k % (JFS_BLOCK * 8)) / 8] |=
					(uint8_t)(1u << (k % 8));
			}
			/* Blocks past the end do not exist: mark them used. */
			for (uint64_t k = nblocks; k < b * JFS_BLOCK * 8; k++) {
				if (k >= (b - 1) * JFS_BLOCK * 8) {
					blk[(k % (JFS_BLOCK * 8)) / 8] |=
						(uint8_t)(1u << (k % 8));
				}
			}
		} else if (b == sb.inode_start) {
			memset(&root, 0, sizeof(root));
			root.type = JFS_TYPE_DIR;
			root.nlink = 2;
			root.parent = JFS_ROOT;
			root.gen = 1;
			root.mtime = 1;
			root.checksum = jfs_inode_checksum(JFS_ROOT, &root);
			memcpy(blk + sizeof(root), &root, sizeof(root));
		} else if (b == sb.journal_start) {
			err = jfs_journal_reset(bd, &sb, 1, blk);
			if (err) {
				goto out;
			}
			continue;
		}
		err = blockdev_write(bd, b, 1, blk);
		if (err) {
			goto out;
		}
	}
	err = blockdev_flush(bd);
	if (err) {
		goto out;
	}
	memset(blk, 0, JFS_BLOCK);
	memcpy(blk, &sb, sizeof(sb));
	err = blockdev_write(bd, 0, 1, blk);
	if (!err) {
		err = blockdev_flush(bd);
	}
out:
	if (err) {
		*why = "device write failed";
	}
	free(blk);
	return err;
}

int fs_journal_format(struct blockdev *bd)
{
	const char *why;

	return jfs_mkfs(bd, NULL, &why);
}
