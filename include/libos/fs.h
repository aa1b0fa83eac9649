/* SPDX-License-Identifier: MIT */
/*
 * The file-system interface ("fs"), for callers.
 *
 * Two kinds of object. A file-system *type* (struct fs_type) is an
 * implementation, e.g. fs.ram or fs.journal; the "fs" slot holds the
 * program's default one, and others can be named directly (fs_ram_type,
 * fs_journal_type). A *mount* (struct fs) is an instance of a type, made
 * by fs_mount() on a block device (or on nothing, for the RAM fs); a
 * program may hold many mounts at once, of the same or different types.
 *
 * Paths are relative to the mount's root: components separated by '/',
 * leading and repeated slashes ignored, "" or "/" is the root. "." and
 * ".." are refused (EXO_ERR_INVALID): the POSIX face resolves them before
 * calling. A component is at most FS_NAME_MAX bytes (else
 * EXO_ERR_TOO_BIG).
 *
 * Open files are small integer *handles* private to a mount, not
 * pointers, so that the table of open files can be exported and imported
 * into a fresh instance (fs_export_state/fs_import_state) and callers
 * keep using the same numbers.
 *
 * Errors common to every op: EXO_ERR_INVALID (malformed argument, handle
 * not open), EXO_ERR_IO (the device failed; the mount then refuses further
 * changes with EXO_ERR_STATE until it is remounted), EXO_ERR_CORRUPT (a
 * checksum or consistency check failed on data read back),
 * EXO_ERR_NO_MEMORY. Not thread-safe: one caller at a time per mount.
 */
#ifndef LIBOS_FS_H
#define LIBOS_FS_H

#include <stddef.h>
#include <stdint.h>

#include <exo/errors.h>
#include <libos/blockdev.h>
#include <libos/slot.h>

#define FS_IFACE_MAJOR 1
#define FS_IFACE_MINOR 0

#define FS_NAME_MAX 59 /* bytes in one path component */
#define FS_PATH_MAX 1024 /* bytes in a whole path */

/* fs_open flags. */
#define FS_O_READ 0x1u /* may read */
#define FS_O_WRITE 0x2u /* may write, truncate */
#define FS_O_CREATE 0x4u /* create a regular file if missing */
#define FS_O_EXCL 0x8u /* with CREATE: fail with EXO_ERR_EXISTS if present */
#define FS_O_TRUNC 0x10u /* with WRITE: truncate to 0 on open */
#define FS_O_APPEND 0x20u /* every write goes to the end */
#define FS_O_DIR 0x40u /* open a directory (for fs_readdir) */

/* fs_seek whence. */
#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2

/* File types. */
#define FS_TYPE_FILE 1
#define FS_TYPE_DIR 2

struct fs_stat {
	uint64_t ino; /* number, unique within the mount */
	uint64_t size; /* bytes (directories: bytes of entries) */
	uint64_t blocks; /* 4096-byte blocks held, including mapping blocks */
	uint32_t type; /* FS_TYPE_* */
	uint32_t nlink; /* names (directories: 2 + subdirectories) */
	uint64_t mtime; /* modification counter (no wall clock yet) */
};

struct fs_statfs {
	uint64_t block_size; /* 4096 */
	uint64_t blocks; /* total data blocks */
	uint64_t blocks_free;
	uint64_t inodes; /* total inodes (0: no fixed limit) */
	uint64_t inodes_free;
	uint32_t name_max; /* FS_NAME_MAX */
	uint32_t format_version; /* on-disk format (0: none, in memory) */
};

struct fs_dirent {
	uint64_t ino;
	uint32_t type; /* FS_TYPE_* */
	char name[FS_NAME_MAX + 1]; /* NUL-terminated */
};

struct fs;
struct fs_type;

/* Mount-time options. */
struct fs_mount_opts {
	uint32_t cache_blocks; /* buffer cache size in blocks (0: default) */
	uint32_t flags; /* FS_MOUNT_* */
};
#define FS_MOUNT_READONLY 0x1u /* refuse every change with EXO_ERR_DENIED */

/* The operations of a file-system type. */
struct fs_type_ops {
	/*
	 * Mount the file system on @bd (NULL for types that need no
	 * device), with @opts (NULL: defaults). Journaled types replay their
	 * journal first. Return: 0 and *@out, or EXO_ERR_CORRUPT (bad magic,
	 * checksum, geometry: the message from fs_mount_error says which),
	 * EXO_ERR_NOSYS (a format version this implementation cannot read),
	 * EXO_ERR_INVALID (@bd missing or too small), EXO_ERR_IO,
	 * EXO_ERR_NO_MEMORY. Nothing on the device changes when mount fails
	 * before replay.
	 */
	int (*mount)(struct fs_type *t, struct blockdev *bd,
		     const struct fs_mount_opts *opts, struct fs **out);
};

struct fs_type {
	const struct fs_type_ops *ops;
	const char *name; /* "fs.ram", "fs.journal" */
};

/* The operations of a mount. Each takes the mount first. */
struct fs_ops {
	/*
	 * Write everything back, make it durable, close every handle and
	 * free the mount. Return: 0 or EXO_ERR_IO (the mount is freed
	 * anyway).
	 */
	int (*unmount)(struct fs *fs);
	/*
	 * Open @path with FS_O_* @flags. Return: a handle >= 0, or
	 * EXO_ERR_NOT_FOUND (missing, no CREATE), EXO_ERR_EXISTS (CREATE|
	 * EXCL and present), EXO_ERR_NOT_DIR (a component, or the target
	 * with FS_O_DIR, is not a directory), EXO_ERR_IS_DIR (a directory
	 * opened for writing or without FS_O_DIR), EXO_ERR_LIMIT (too many
	 * open handles), EXO_ERR_NO_SPACE (no inode for CREATE),
	 * EXO_ERR_DENIED (read-only mount and WRITE/CREATE/TRUNC).
	 */
	int (*open)(struct fs *fs, const char *path, uint32_t flags);
	/* Close handle @h. Return: 0 or EXO_ERR_INVALID. */
	int (*close)(struct fs *fs, int h);
	/*
	 * Read up to @n bytes at the handle's offset and advance it.
	 * Return: bytes read (0 at end of file), or EXO_ERR_DENIED (not
	 * opened for reading), EXO_ERR_IS_DIR, EXO_ERR_NOT_FOUND (the file
	 * was unlinked since it was opened).
	 */
	int64_t (*read)(struct fs *fs, int h, void *buf, size_t n);
	/*
	 * Write @n bytes at the handle's offset (the end with FS_O_APPEND)
	 * and advance it. Return: bytes written, fewer only when the device
	 * filled part way; EXO_ERR_NO_SPACE when nothing could be written;
	 * EXO_ERR_DENIED (not opened for writing), EXO_ERR_TOO_BIG (beyond
	 * the largest file), EXO_ERR_NOT_FOUND (unlinked since opened).
	 */
	int64_t (*write)(struct fs *fs, int h, const void *buf, size_t n);
	/*
	 * Move the handle's offset (FS_SEEK_*), possibly past the end.
	 * Return: the new offset, or EXO_ERR_INVALID (negative result or bad
	 * @whence).
	 */
	int64_t (*seek)(struct fs *fs, int h, int64_t off, int whence);
	/*
	 * Set the file's size to @size: shrinking frees blocks, growing
	 * reads back as zeros. Return: 0, EXO_ERR_DENIED (not opened for
	 * writing), EXO_ERR_TOO_BIG, EXO_ERR_NO_SPACE.
	 */
	int (*truncate)(struct fs *fs, int h, uint64_t size);
	/*
	 * The next entry of the directory open as @h (FS_O_DIR), in no
	 * particular order. Return: 1 and *@out, 0 at the end, or
	 * EXO_ERR_NOT_DIR (@h is not a directory).
	 */
	int (*readdir)(struct fs *fs, int h, struct fs_dirent *out);
	/*
	 * Make directory @path. Return: 0, EXO_ERR_EXISTS, EXO_ERR_NOT_FOUND
	 * (parent missing), EXO_ERR_NOT_DIR, EXO_ERR_NO_SPACE.
	 */
	int (*mkdir)(struct fs *fs, const char *path);
	/*
	 * Remove the regular file @path. Handles open on it then fail with
	 * EXO_ERR_NOT_FOUND. Return: 0, EXO_ERR_NOT_FOUND, EXO_ERR_IS_DIR.
	 */
	int (*unlink)(struct fs *fs, const char *path);
	/*
	 * Remove the empty directory @path. Return: 0, EXO_ERR_NOT_FOUND,
	 * EXO_ERR_NOT_DIR, EXO_ERR_NOT_EMPTY, EXO_ERR_BUSY (the root).
	 */
	int (*rmdir)(struct fs *fs, const char *path);
	/*
	 * Rename @from to @to, replacing a regular file, or an empty
	 * directory when @from is a directory. Return: 0,
	 * EXO_ERR_NOT_FOUND, EXO_ERR_IS_DIR / EXO_ERR_NOT_DIR (kinds
	 * differ), EXO_ERR_NOT_EMPTY, EXO_ERR_INVALID (a directory into its
	 * own subtree, or the root), EXO_ERR_NO_SPACE.
	 */
	int (*rename)(struct fs *fs, const char *from, const char *to);
	/* Describe @path. Return: 0, EXO_ERR_NOT_FOUND, EXO_ERR_NOT_DIR. */
	int (*stat)(struct fs *fs, const char *path, struct fs_stat *out);
	/* Describe the file open as @h. Return: 0, EXO_ERR_NOT_FOUND. */
	int (*fstat)(struct fs *fs, int h, struct fs_stat *out);
	/*
	 * Make the file open as @h, its contents and its name, durable: when
	 * this returns 0, a crash loses none of it. Return: 0, EXO_ERR_IO.
	 */
	int (*fsync)(struct fs *fs, int h);
	/* Make every change so far durable. Return: 0, EXO_ERR_IO. */
	int (*sync)(struct fs *fs);
	/* Fill @out. Return: 0. */
	int (*statfs)(struct fs *fs, struct fs_statfs *out);
	/*
	 * Write the mount's live state (open handles with offsets and
	 * flags) into @buf of @cap bytes, in the versioned format of
	 * <libos/fs_impl.h>, after making every change durable. Return: the
	 * bytes written, or EXO_ERR_TOO_BIG (@cap too small; nothing
	 * written), EXO_ERR_IO.
	 */
	int64_t (*export_state)(struct fs *fs, void *buf, size_t cap);
	/*
	 * Take over the open handles in @buf (from export_state of a mount
	 * of the same device, by this or another implementation of the same
	 * on-disk format), with the same numbers. The mount must have no
	 * handles open. Return: 0, EXO_ERR_CORRUPT (bad magic, checksum or
	 * length), EXO_ERR_NOSYS (newer state version), EXO_ERR_NOT_FOUND (a
	 * file no longer exists), EXO_ERR_BUSY (handles already open),
	 * EXO_ERR_LIMIT. On error nothing changes.
	 */
	int (*import_state)(struct fs *fs, const void *buf, size_t len);
};

/* The object every mount embeds first. */
struct fs {
	const struct fs_ops *ops;
	const struct fs_type *type;
};

/* The slot serving "fs": the program's default file-system type. */
extern struct libos_slot fs_slot;

/* The file-system type bound in the "fs" slot, or NULL. */
static inline struct fs_type *fs_current(void)
{
	const struct libos_impl *impl = fs_slot.impl;

	return impl ? (struct fs_type *)impl->self : NULL;
}

/* The two types of the libOS, whichever is in the slot, and their ops. */
extern struct fs_type fs_ram_type;
extern struct fs_type fs_journal_type;
extern const struct fs_type_ops fs_ram_type_ops;
extern const struct fs_type_ops fs_journal_type_ops;

static inline int fs_mount(struct fs_type *t, struct blockdev *bd,
			   const struct fs_mount_opts *opts, struct fs **out)
{
	return t->ops->mount(t, bd, opts, out);
}

/*
 * fs_journal_format - write an empty fs.journal file system over all of
 * @bd, with the default geometry (axo-mkfs offers the others). Return: 0,
 * EXO_ERR_INVALID (device too small), EXO_ERR_IO, EXO_ERR_NO_MEMORY.
 */
int fs_journal_format(struct blockdev *bd);

/*
 * The reason the last failed mount in this program gave (e.g. "superblock
 * checksum mismatch"), or "" if none.
 */
const char *fs_mount_error(void);

static inline int fs_unmount(struct fs *fs)
{
	return fs->ops->unmount(fs);
}

static inline int fs_open(struct fs *fs, const char *path, uint32_t flags)
{
	return fs->ops->open(fs, path, flags);
}

static inline int fs_close(struct fs *fs, int h)
{
	return fs->ops->close(fs, h);
}

static inline int64_t fs_read(struct fs *fs, int h, void *buf, size_t n)
{
	return fs->ops->read(fs, h, buf, n);
}

static inline int64_t fs_write(struct fs *fs, int h, const void *buf,
			       size_t n)
{
	return fs->ops->write(fs, h, buf, n);
}

static inline int64_t fs_seek(struct fs *fs, int h, int64_t off, int whence)
{
	return fs->ops->seek(fs, h, off, whence);
}

static inline int fs_truncate(struct fs *fs, int h, uint64_t size)
{
	return fs->ops->truncate(fs, h, size);
}

static inline int fs_readdir(struct fs *fs, int h, struct fs_dirent *out)
{
	return fs->ops->readdir(fs, h, out);
}

static inline int fs_mkdir(struct fs *fs, const char *path)
{
	return fs->ops->mkdir(fs, path);
}

static inline int fs_unlink(struct fs *fs, const char *path)
{
	return fs->ops->unlink(fs, path);
}

static inline int fs_rmdir(struct fs *fs, const char *path)
{
	return fs->ops->rmdir(fs, path);
}

static inline int fs_rename(struct fs *fs, const char *from, const char *to)
{
	return fs->ops->rename(fs, from, to);
}

static inline int fs_stat(struct fs *fs, const char *path,
			  struct fs_stat *out)
{
	return fs->ops->stat(fs, path, out);
}

static inline int fs_fstat(struct fs *fs, int h, struct fs_stat *out)
{
	return fs->ops->fstat(fs, h, out);
}

static inline int fs_fsync(struct fs *fs, int h)
{
	return fs->ops->fsync(fs, h);
}

static inline int fs_sync(struct fs *fs)
{
	return fs->ops->sync(fs);
}

static inline int fs_statfs(struct fs *fs, struct fs_statfs *out)
{
	return fs->ops->statfs(fs, out);
}

static inline int64_t fs_export_state(struct fs *fs, void *buf, size_t cap)
{
	return fs->ops->export_state(fs, buf, cap);
}

static inline int fs_import_state(struct fs *fs, const void *buf, size_t len)
{
	return fs->ops->import_state(fs, buf, len);
}

#endif
