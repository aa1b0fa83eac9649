/* SPDX-License-Identifier: MIT */
/*
 * For implementations of the file-system interface ("fs"): registration
 * in the slot, path parsing, checksums, the mount-error message, and the
 * versioned format of exported state shared by every implementation.
 *
 * A type embeds struct fs_type; each mount embeds struct fs first and
 * recovers itself with container_of. A type announces itself with
 *
 *	FS_IMPL(ram_impl, "fs.ram", &fs_ram_type, &ram_type_ops,
 *		LIBOS_PRIO_DEFAULT);
 */
#ifndef LIBOS_FS_IMPL_H
#define LIBOS_FS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <libos/fs.h>
#include <libos/slot.h>

/* The slot's ops table is the type's (@tops, a struct fs_type_ops). */
#define FS_IMPL(var, name_, type_, tops_, prio_)                                      \
	LIBOS_IMPL(var) = {                                                    \
		.iface = "fs",                                                 \
		.major = FS_IFACE_MAJOR,                                       \
		.minor = FS_IFACE_MINOR,                                       \
		.name = (name_),                                               \
		.ops_size = sizeof(struct fs_type_ops),                        \
		.ops = (tops_),                                                \
		.self = (type_),                                               \
		.init = NULL,                                                  \
		.priority = (prio_),                                           \
	}

/* Record why a mount failed, for fs_mount_error(); returns @err. */
int fs_mount_fail(int err, const char *why);

/*
 * Path walking. fs_path_next - the next component of *@p: its start in
 * *@name and length in *@len, *@p moved past it. Return: 1 (a component),
 * 0 (no more), EXO_ERR_INVALID ("." or ".." or a path longer than
 * FS_PATH_MAX), EXO_ERR_TOO_BIG (component longer than FS_NAME_MAX).
 */
int fs_path_next(const char **p, const char **name, size_t *len);

/*
 * fs_path_split - check @path and find its last component. *@parent_end
 * is where the parent part ends (a prefix of @path), *@name and *@len the
 * last component. Return: 0, EXO_ERR_INVALID (the root has no last
 * component, ".", ".."), EXO_ERR_TOO_BIG.
 */
int fs_path_split(const char *path, size_t *parent_end, const char **name,
		  size_t *len);

/* CRC-32C (Castagnoli) of @n bytes at @p, continuing from @crc (0 to start). */
uint32_t fs_crc32c(uint32_t crc, const void *p, size_t n);

/*
 * fs_sum64 - a fast 64-bit checksum of @n bytes at @p (@n a multiple of
 * 8, @p 8-aligned), continuing from @sum (0 to start): for each
 * little-endian word w, sum = (sum ^ w) * 0x9e3779b97f4a7c15, then
 * sum ^= sum >> 32. For telling whole blocks from torn or stale ones,
 * where CRC-32C would cost four times as much; not for small records.
 */
uint64_t fs_sum64(uint64_t sum, const void *p, size_t n);

/*
 * Exported state, version 1 (little-endian, packed as declared):
 *
 *	struct fs_state_header, then @nhandles struct fs_state_handle,
 *	then @nblocks uint64_t block numbers (cache contents, a hint the
 *	importer may prefetch).
 *
 * @crc is CRC-32C of the whole record with @crc zero. An importer refuses
 * a wrong magic or checksum (EXO_ERR_CORRUPT) and a version newer than it
 * knows (EXO_ERR_NOSYS).
 */
#define FS_STATE_MAGIC 0x54535346u /* "FSST" */
#define FS_STATE_VERSION 1u

struct fs_state_header {
	uint32_t magic;
	uint16_t version;
	uint16_t nhandles;
	uint32_t nblocks;
	uint32_t length; /* bytes of the whole record */
	uint32_t crc;
	uint32_t reserved;
};
_Static_assert(sizeof(struct fs_state_header) == 24, "state header layout");

struct fs_state_handle {
	int32_t handle; /* the number callers hold */
	uint32_t flags; /* FS_O_* it was opened with */
	uint64_t ino; /* the file */
	uint64_t gen; /* its generation, to catch a reused number */
	uint64_t offset; /* the handle's position */
};
_Static_assert(sizeof(struct fs_state_handle) == 32, "state handle layout");
_Static_assert(offsetof(struct fs_state_handle, offset) == 24,
	       "state handle layout");

/*
 * fs_state_check - validate an exported record: magic, version, length,
 * checksum, counts. Return: 0, EXO_ERR_CORRUPT, EXO_ERR_NOSYS.
 */
int fs_state_check(const void *buf, size_t len);

/*
 * fs_state_seal - fill in the header of a record of @nhandles handles and
 * @nblocks block numbers already laid out in @buf, and its checksum.
 * Return: the record's length in bytes.
 */
size_t fs_state_seal(void *buf, uint16_t nhandles, uint32_t nblocks);

/* Bytes a record of @nhandles handles and @nblocks blocks needs. */
static inline size_t fs_state_size(size_t nhandles, size_t nblocks)
{
	return sizeof(struct fs_state_header) +
	       nhandles * sizeof(struct fs_state_handle) + nblocks * 8;
}

/*
 * The table of open handles, the same in every implementation so that
 * exporting and importing it is shared code.
 */
#define FS_MAX_HANDLES 128

struct fs_handle {
	uint32_t used; /* 1: open */
	uint32_t flags; /* FS_O_* */
	uint64_t ino, gen; /* the file and its generation when opened */
	uint64_t offset; /* position (directories: entry cursor) */
};

/* A free handle number in @t (marked used, zeroed), or EXO_ERR_LIMIT. */
int fs_handle_alloc(struct fs_handle *t);

/* The open handle @h of @t, or NULL if @h is out of range or closed. */
struct fs_handle *fs_handle_get(struct fs_handle *t, int h);

/* Close handle @h of @t: the close op of a file system that keeps nothing
 * else per handle. Return: 0, or EXO_ERR_INVALID if @h is not open. */
int fs_handle_close(struct fs_handle *t, int h);

/*
 * fs_handles_export - seal the open handles of @t and the @nblocks cache
 * block numbers at @blocks into @buf of @cap bytes. Return: bytes, or
 * EXO_ERR_TOO_BIG.
 */
int64_t fs_handles_export(const struct fs_handle *t, const uint64_t *blocks,
			  uint32_t nblocks, void *buf, size_t cap);

/*
 * fs_handles_import - check the record @buf, ask @valid (ctx, ino, gen,
 * flags: 0 or EXO_ERR_*) about every handle, and only if all are valid
 * fill @t (which must be empty: else EXO_ERR_BUSY). *@blocks and
 * *@nblocks point at the cache hint inside @buf. Return: 0 or the first
 * error.
 */
int fs_handles_import(struct fs_handle *t, const void *buf, size_t len,
		      int (*valid)(void *ctx, uint64_t ino, uint64_t gen,
				   uint32_t flags),
		      void *ctx, const uint8_t **blocks, uint32_t *nblocks);

#endif
