/* SPDX-License-Identifier: MIT */
/* <sys/stat.h>: what a file is, and making directories. */
#ifndef LIBOS_LIBC_SYS_STAT_H
#define LIBOS_LIBC_SYS_STAT_H

#include <stdint.h>
#include <sys/types.h>

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)

typedef unsigned int mode_t;

struct stat {
	uint64_t st_ino;
	mode_t st_mode; /* S_IFDIR or S_IFREG, and 0755 / 0644 */
	uint32_t st_nlink;
	off_t st_size;
	uint64_t st_blocks; /* 512-byte units, as POSIX counts them */
	uint64_t st_blksize;
	uint64_t st_mtime; /* a modification counter, not a time */
};

/*
 * stat, fstat - describe @path or @fd. Return: 0, or -1 with errno
 * ENOENT, ENOTDIR, EBADF.
 */
int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);

/* mkdir - make directory @path (@mode ignored). -1 with errno EEXIST,
 * ENOENT, ENOTDIR, ENOSPC. */
int mkdir(const char *path, mode_t mode);

#endif
