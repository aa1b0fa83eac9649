/* SPDX-License-Identifier: MIT */
/*
 * <unistd.h>: the POSIX calls the libOS has so far.
 *
 * File descriptors: 0 (standard input), 1 (output) and 2 (error), all on
 * the console; 3 and up are files opened with open() (<fcntl.h>) on the
 * mounted file systems (<libos/mount.h>). The kernel's console has no
 * input yet, so read() from fd 0 returns 0 (end of file) at once. A
 * descriptor not open gives EBADF.
 */
#ifndef LIBOS_LIBC_UNISTD_H
#define LIBOS_LIBC_UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

/*
 * read, write - move up to @n bytes. Return: bytes moved (0 from read:
 * end of input), or -1 with errno EBADF (no such descriptor open for
 * this direction), EFAULT or EIO (the console refused).
 */
ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);

/* close - give up @fd. Return: 0, or -1 with errno EBADF. */
int close(int fd);

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/*
 * lseek - move the offset of file @fd. Return: the new offset, or -1 with
 * errno EBADF, ESPIPE (the console), EINVAL (negative result, bad whence).
 */
off_t lseek(int fd, off_t off, int whence);

/* fsync - make @fd's file durable. -1 with errno EBADF, EIO. */
int fsync(int fd);

/* ftruncate - set @fd's size. -1 with errno EBADF, EINVAL, EFBIG, ENOSPC. */
int ftruncate(int fd, off_t size);

/* unlink, rmdir - remove a file, an empty directory. -1 with errno
 * ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EBUSY. */
int unlink(const char *path);
int rmdir(const char *path);

/* sync - make every mounted file system durable. */
void sync(void);

/* This environment's id, and its parent's (0 for init). */
pid_t getpid(void);
pid_t getppid(void);

/*
 * sleep, usleep - return after at least @seconds (@usec microseconds)
 * of the kernel's tick count have passed. The kernel has no timers for
 * environments yet, so this yields the CPU to anyone runnable between
 * looks at the tick count: a busy wait that lets others run, not an
 * idle one. The resolution is one tick (1 ms at 1 kHz). Return: 0.
 */
unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);

/* End now with @code: no atexit handlers. */
_Noreturn void _exit(int code);

#endif
