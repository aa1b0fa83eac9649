/* SPDX-License-Identifier: MIT */
/*
 * fs.journal internals shared by the file system, mkfs and fsck (host
 * tools built from the same sources).
 */
#ifndef LIBOS_FS_JOURNAL_H
#define LIBOS_FS_JOURNAL_H

#include <stdint.h>

#include <libos/blockdev.h>

#include "journal_format.h"

/*
 * jfs_super_read - read and check the superblock of @bd: magic, version,
 * checksum, geometry against the device. Return: 0, EXO_ERR_CORRUPT or
 * EXO_ERR_NOSYS (a newer version) with *@why saying what is wrong,
 * EXO_ERR_IO.
 */
int jfs_super_read(struct blockdev *bd, struct jfs_super *sb,
		   const char **why);

/* The checksum inode @ino must carry. */
uint32_t jfs_inode_checksum(uint32_t ino, const struct jfs_inode *ip);

/*
 * jfs_inode_check - is @ip, read as inode @ino, well formed: free and all
 * zero, or a correct checksum, a known type, pointers inside the data
 * area, size within the largest file? Return: 0 or EXO_ERR_CORRUPT with
 * *@why.
 */
int jfs_inode_check(const struct jfs_super *sb, uint32_t ino,
		    const struct jfs_inode *ip, const char **why);

/* Largest file, in blocks. */
#define JFS_MAX_FILE_BLOCKS                                                    \
	(JFS_NDIRECT + (uint64_t)JFS_PER_BLOCK +                               \
	 (uint64_t)JFS_PER_BLOCK * JFS_PER_BLOCK +                             \
	 (uint64_t)JFS_PER_BLOCK * JFS_PER_BLOCK * JFS_PER_BLOCK)

/*
 * jfs_journal_replay - find the committed transactions in the journal;
 * with @apply, write them to their home blocks, flush, and reset the
 * journal header (only if there were any). *@ntx gets how many, *@next
 * the sequence number to use next. Return: 0, EXO_ERR_CORRUPT (the header
 * is damaged, or a committed transaction names a block outside the
 * metadata-capable area), EXO_ERR_IO.
 */
int jfs_journal_replay(struct blockdev *bd, const struct jfs_super *sb,
		       int apply, uint32_t *ntx, uint64_t *next,
		       const char **why);

/*
 * jfs_journal_reset - write the journal header saying the next
 * transaction is @seq at position 0 (@blk: a block of scratch). No flush.
 * Return: 0, EXO_ERR_IO.
 */
int jfs_journal_reset(struct blockdev *bd, const struct jfs_super *sb,
		      uint64_t seq, uint8_t *blk);

/* Set the checksum of commit record @cm. */
void jfs_commit_seal(struct jfs_jcommit *cm);

struct jfs_mkfs_opts {
	uint32_t ninodes; /* 0: one per 16 KiB, at least 64 */
	uint32_t journal_blocks; /* 0: 1/64 of the device, 256..4096 */
	uint64_t nblocks; /* 0: the whole device */
};

/*
 * jfs_mkfs - write an empty fs.journal file system (a root directory) to
 * @bd. Return: 0, EXO_ERR_INVALID (device too small for the layout, with
 * *@why), EXO_ERR_IO.
 */
int jfs_mkfs(struct blockdev *bd, const struct jfs_mkfs_opts *o,
	     const char **why);

/* What fsck found and did. */
struct jfs_check_report {
	uint32_t errors; /* inconsistencies found */
	uint32_t repaired; /* of those, fixed */
	uint32_t replayed; /* journal transactions applied */
	uint32_t files, dirs; /* reachable */
	uint64_t blocks_used; /* reachable data and mapping blocks */
};

/*
 * jfs_check - check the file system on @bd: superblock, journal, every
 * inode, the directory tree from the root (entries, cycles, parents),
 * block ownership (each block at most once, inside the data area),
 * bitmap against reachability, link counts, orphans. With @repair,
 * replay the journal and fix what it finds (bitmap rebuilt, link counts
 * set, bad entries and pointers dropped, unreachable inodes freed). Each
 * finding is passed to @say (a line without newline) if not NULL.
 * Return: 0 (ran; see @r), EXO_ERR_CORRUPT (superblock unusable:
 * nothing checked), EXO_ERR_NOSYS, EXO_ERR_IO, EXO_ERR_NO_MEMORY.
 */
int jfs_check(struct blockdev *bd, int repair, struct jfs_check_report *r,
	      void (*say)(void *ctx, const char *line), void *ctx);

#endif
