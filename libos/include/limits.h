/* SPDX-License-Identifier: MIT */
/*
 * <limits.h>: the compiler's own, which expects a C library's limits.h to
 * hand over to it (it then defines CHAR_BIT .. ULLONG_MAX from what the
 * compiler knows); this is that hand-over, plus what POSIX adds.
 */
#ifndef LIBOS_LIBC_LIMITS_H
#define LIBOS_LIBC_LIMITS_H

#define _LIBC_LIMITS_H_
#include_next <limits.h>

#define SSIZE_MAX LONG_MAX

#endif
