/* SPDX-License-Identifier: MIT */
/*
 * The POSIX calls: descriptors 0-2 on the console (3 and up are files,
 * libos/libc/file.c), identity, sleeping.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <libos/console.h>
#include <libos/exo.h>
#include <libos/file.h>

#define NFDS 3

static unsigned char closed[NFDS]; /* set: close() was called */

/* Is @fd open for reading (@out 0) or writing (@out 1)? */
static int fd_ok(int fd, int out)
{
	if (fd < 0 || fd >= NFDS || closed[fd]) {
		return 0;
	}
	return out ? fd != STDIN_FILENO : fd == STDIN_FILENO;
}

/* A result of the console: bytes, or -1 with errno. */
static ssize_t result(int64_t r)
{
	if (r < 0) {
		errno = errno_from_exo(r);
		return -1;
	}
	return (ssize_t)r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd >= FILE_FD_BASE) {
		return file_write(fd, buf, n);
	}
	if (!fd_ok(fd, 1)) {
		errno = EBADF;
		return -1;
	}
	if (n == 0) {
		return 0;
	}
	return result(console_write(buf, n));
}

ssize_t read(int fd, void *buf, size_t n)
{
	struct console *c = console_current();

	if (fd >= FILE_FD_BASE) {
		return file_read(fd, buf, n);
	}
	if (!fd_ok(fd, 0)) {
		errno = EBADF;
		return -1;
	}
	if (n == 0 || c == NULL) {
		return 0;
	}
	return result(console_in(c, buf, n));
}

int close(int fd)
{
	if (fd >= FILE_FD_BASE) {
		return file_close(fd);
	}
	if (fd < 0 || fd >= NFDS || closed[fd]) {
		errno = EBADF;
		return -1;
	}
	closed[fd] = 1;
	return 0;
}

pid_t getpid(void)
{
	return (pid_t)exo_env_info()->id;
}

pid_t getppid(void)
{
	return (pid_t)exo_env_info()->parent;
}

/*
 * Yield until more than @n ticks have passed: at least @n whole tick
 * periods, whatever part of one had gone when we looked first.
 */
static void wait_ticks(uint64_t n)
{
	const volatile struct exo_sys_info *sys = exo_sys_info();
	uint64_t start = sys->ticks;

	if (n == 0) {
		return;
	}
	while (sys->ticks - start <= n) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
}

static uint64_t tick_hz(void)
{
	uint32_t hz = exo_sys_info()->tick_hz;

	return hz ? hz : 1000;
}

unsigned int sleep(unsigned int seconds)
{
	wait_ticks((uint64_t)seconds * tick_hz());
	return 0;
}

int usleep(useconds_t usec)
{
	wait_ticks(((uint64_t)usec * tick_hz() + 999999) / 1000000);
	return 0;
}
