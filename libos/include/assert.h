/* SPDX-License-Identifier: MIT */
/*
 * <assert.h>: assert(e) prints the file, line, function and expression of
 * a failed assertion on the console, then ends the program through
 * abort() (exit code 134). With NDEBUG defined before including this
 * header, assert(e) does nothing and e is not evaluated. May be included
 * again with NDEBUG changed.
 */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e)                                                              \
	((e) ? (void)0 : libc_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#ifndef LIBOS_LIBC_ASSERT_H
#define LIBOS_LIBC_ASSERT_H

#define static_assert _Static_assert

/* Report a failed assertion and abort. Called by assert() only. */
_Noreturn void libc_assert_fail(const char *expr, const char *file, int line,
				const char *func);

#endif
