/* SPDX-License-Identifier: MIT */
/*
 * For the C library's read/write/close: descriptors FILE_FD_BASE and up
 * are files (libos/libc/file.c); below are the console's.
 */
#ifndef LIBOS_FILE_H
#define LIBOS_FILE_H

#include <stddef.h>
#include <sys/types.h>

#define FILE_FD_BASE 3

/* Is @fd an open file? */
int file_is_open(int fd);

/* read, write, close on a file descriptor: as the POSIX calls. */
ssize_t file_read(int fd, void *buf, size_t n);
ssize_t file_write(int fd, const void *buf, size_t n);
int file_close(int fd);

#endif
