/* SPDX-License-Identifier: MIT */
/*
 * <fcntl.h>: opening files. Descriptors 3 and up name open files of the
 * mounted file systems (<libos/mount.h>); see docs/fs.md.
 */
#ifndef LIBOS_LIBC_FCNTL_H
#define LIBOS_LIBC_FCNTL_H

#include <sys/types.h>

#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_ACCMODE 03
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_DIRECTORY 0200000

/*
 * open - open @path (absolute, or relative to "/"; "." and ".." resolved)
 * with @flags; a mode argument after them is accepted and ignored (there
 * are no permissions). Return: a descriptor >= 3, or -1 with errno ENOENT,
 * EEXIST, ENOTDIR, EISDIR, EMFILE (descriptor table full), EAGAIN (the
 * file system's handle table is full), ENOSPC, EINVAL, ENAMETOOLONG, EIO.
 */
int open(const char *path, int flags, ...);

/* creat - open(@path, O_WRONLY | O_CREAT | O_TRUNC). */
int creat(const char *path, int mode);

#endif
