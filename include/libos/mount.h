/* SPDX-License-Identifier: MIT */
/*
 * The mount table behind the POSIX file calls (<fcntl.h>, <unistd.h>,
 * <sys/stat.h>, <dirent.h>): which mounted file system (struct fs, see
 * <libos/fs.h>) serves which part of the one name space.
 *
 * "/" is a RAM file system made on first use (fs_current() if it mounts
 * without a device, else fs.ram), unless something else was mounted
 * there first. A path is served by the mount with the longest prefix;
 * calls spanning two mounts (rename) fail with EXDEV.
 */
#ifndef LIBOS_MOUNT_H
#define LIBOS_MOUNT_H

#include <libos/blockdev.h>
#include <libos/fs.h>

#define MOUNT_MAX 8

/*
 * mount_attach - serve @where (an absolute path) with @fs. Return: 0,
 * EXO_ERR_INVALID (not absolute), EXO_ERR_EXISTS (something is mounted
 * there), EXO_ERR_LIMIT (MOUNT_MAX mounts).
 */
int mount_attach(const char *where, struct fs *fs);

/*
 * mount_detach - stop serving @where and unmount its file system (all
 * changes made durable). Return: 0, EXO_ERR_NOT_FOUND, EXO_ERR_BUSY
 * (descriptors still open on it), or fs_unmount's error.
 */
int mount_detach(const char *where);

/*
 * mount_disk - mount fs.journal on @bd and attach it at @where. Return: as
 * fs_mount (fs_mount_error() says why) and mount_attach.
 */
int mount_disk(const char *where, struct blockdev *bd);

/*
 * mount_extent - mount fs.journal on this program's disk extent (the one
 * init granted it from its manifest line's `disk=`, see docs/manifest.md)
 * at @where. The extent must hold a file system (axo-mkfs on the host, or
 * fs_journal_format): a blank one is refused, never formatted. Return: 0,
 * EXO_ERR_NOT_FOUND (no extent), EXO_ERR_NO_MEMORY, or as mount_disk.
 */
int mount_extent(const char *where);

/*
 * mount_resolve - the mount serving @path, and in @rest (of @cap bytes)
 * the path inside it. Return: the fs, or NULL with *@err (EXO_ERR_INVALID
 * for a path too long, EXO_ERR_NO_MEMORY when "/" cannot be made).
 */
struct fs *mount_resolve(const char *path, char *rest, size_t cap, int *err);

/* sync every mounted file system. Return: 0 or the first error. */
int mount_sync_all(void);

#endif
