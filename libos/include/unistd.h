/* SPDX-License-Identifier: MIT */
/*
 * <unistd.h>: the POSIX calls the libOS has so far.
 *
 * File descriptors: 0 (standard input), 1 (output) and 2 (error), all on
 * the console; there are no files yet. The kernel's console has no input
 * yet, so read() from fd 0 returns 0 (end of file) at once. Any other
 * descriptor, or one closed, gives EBADF.
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
