/* SPDX-License-Identifier: MIT */
/* Leaving the program: exit with its atexit handlers, _Exit, abort, assert. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libos/exo.h>

#define ABORT_CODE 134 /* 128 + SIGABRT, as a shell reports it */

static void (*handlers[ATEXIT_MAX])(void);
static int nhandlers;

int atexit(void (*fn)(void))
{
	if (nhandlers == ATEXIT_MAX) {
		return -1;
	}
	handlers[nhandlers++] = fn;
	return 0;
}

_Noreturn void _Exit(int code)
{
	for (;;) {
		exo_env_exit((uint64_t)(int64_t)code, 0, 0, 0, 0, 0);
	}
}

_Noreturn void _exit(int code)
{
	_Exit(code);
}

_Noreturn void exit(int code)
{
	/* A handler may itself call exit: each runs once. */
	while (nhandlers > 0) {
		handlers[--nhandlers]();
	}
	_Exit(code);
}

_Noreturn void abort(void)
{
	_Exit(ABORT_CODE);
}

_Noreturn void libc_assert_fail(const char *expr, const char *file, int line,
				const char *func)
{
	fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, func,
		expr);
	abort();
}
