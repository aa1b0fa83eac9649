/* SPDX-License-Identifier: MIT */
/*
 * The on-disk format of fs.journal, version 1. docs/fs.md describes it in
 * prose; this header is the definition. Everything is little-endian (the
 * only architecture is x86-64), blocks are 4096 bytes, block numbers are
 * 32-bit (at most 16 TiB).
 *
 *	block 0                 superblock
 *	bitmap_start ..         block bitmap, one bit per block, 1 = used
 *	inode_start ..          inode table, 32 inodes of 128 bytes a block
 *	journal_start           journal header
 *	journal_start+1 ..      journal transactions
 *	data_start .. nblocks-1 directory, indirect and file data blocks
 */
#ifndef LIBOS_FS_JOURNAL_FORMAT_H
#define LIBOS_FS_JOURNAL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define JFS_MAGIC 0x313053464c4f5841ull /* the bytes "AXOLFS01" */
#define JFS_VERSION 1u
#define JFS_BLOCK 4096u
#define JFS_ROOT 1u /* inode number of the root directory */
#define JFS_NDIRECT 12u
#define JFS_PER_BLOCK (JFS_BLOCK / 4) /* block numbers in an indirect block */
#define JFS_INODES_PER_BLOCK (JFS_BLOCK / sizeof(struct jfs_inode))
#define JFS_DIRENTS_PER_BLOCK (JFS_BLOCK / sizeof(struct jfs_dirent))
#define JFS_MIN_JOURNAL 64u /* blocks */

struct jfs_super {
	uint64_t magic; /* JFS_MAGIC */
	uint32_t version; /* JFS_VERSION: newer versions are refused */
	uint32_t block_size; /* JFS_BLOCK */
	uint64_t nblocks; /* blocks in the file system */
	uint32_t ninodes; /* inodes, a multiple of JFS_INODES_PER_BLOCK */
	uint32_t bitmap_start, bitmap_blocks;
	uint32_t inode_start, inode_blocks;
	uint32_t journal_start, journal_blocks; /* header + transactions */
	uint32_t data_start;
	uint32_t root; /* JFS_ROOT */
	uint32_t flags; /* 0; nonzero bits are refused */
	uint8_t uuid[16]; /* identifies the file system */
	uint8_t reserved[60];
	uint32_t checksum; /* CRC-32C of this struct with checksum 0 */
};
_Static_assert(sizeof(struct jfs_super) == 144, "superblock layout");
_Static_assert(offsetof(struct jfs_super, checksum) == 140,
	       "superblock layout");

#define JFS_TYPE_FREE 0
#define JFS_TYPE_FILE 1
#define JFS_TYPE_DIR 2

struct jfs_inode {
	uint16_t type; /* JFS_TYPE_* */
	uint16_t nlink; /* names; directories 2 + subdirectories; 0: orphan */
	uint32_t parent; /* directories: the parent's inode (root: itself) */
	uint64_t size; /* bytes (directories: 64 per entry slot) */
	uint64_t gen; /* generation, bumped each time the inode is freed */
	uint64_t mtime; /* modification counter */
	uint32_t blocks; /* blocks held, data and mapping */
	uint32_t direct[JFS_NDIRECT]; /* 0: hole */
	uint32_t ind[3]; /* single, double, triple indirect */
	uint32_t reserved[7];
	uint32_t checksum; /* CRC-32C of the inode number then this struct */
};
_Static_assert(sizeof(struct jfs_inode) == 128, "inode layout");
_Static_assert(offsetof(struct jfs_inode, direct) == 36, "inode layout");
_Static_assert(offsetof(struct jfs_inode, checksum) == 124, "inode layout");

struct jfs_dirent {
	uint32_t ino; /* 0: a free slot */
	uint8_t len; /* name bytes, 1..59 */
	char name[59]; /* not NUL-terminated */
};
_Static_assert(sizeof(struct jfs_dirent) == 64, "directory entry layout");

#define JFS_JHDR_MAGIC 0x4a484452u /* "RDHJ" */
#define JFS_JDESC_MAGIC 0x4a444553u
#define JFS_JCOMMIT_MAGIC 0x4a434d54u

/* Block journal_start. */
struct jfs_jheader {
	uint32_t magic; /* JFS_JHDR_MAGIC */
	uint32_t reserved;
	uint64_t seq; /* sequence number of the transaction at position 0 */
	uint32_t pad;
	uint32_t checksum; /* CRC-32C with checksum 0 */
};
_Static_assert(sizeof(struct jfs_jheader) == 24, "journal header layout");

/*
 * A transaction: a descriptor block, count blocks of new contents, a
 * commit block, at consecutive journal positions. It counts only if the
 * commit block is intact and its data_sum matches the descriptor and
 * every content block: a transaction torn by a crash is ignored.
 */
struct jfs_jdesc {
	uint32_t magic; /* JFS_JDESC_MAGIC */
	uint32_t count; /* content blocks that follow */
	uint64_t seq;
	uint32_t target[]; /* home block of each content block */
};
#define JFS_JDESC_MAX ((JFS_BLOCK - sizeof(struct jfs_jdesc)) / 4)

struct jfs_jcommit {
	uint32_t magic; /* JFS_JCOMMIT_MAGIC */
	uint32_t count;
	uint64_t seq;
	uint64_t data_sum; /* fs_sum64 of the descriptor and content blocks */
	uint32_t checksum; /* CRC-32C of this struct with checksum 0 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct jfs_jcommit) == 32, "commit block layout");
_Static_assert(offsetof(struct jfs_jcommit, data_sum) == 16,
	       "commit block layout");

#endif
