/* SPDX-License-Identifier: MIT */
/* <sys/types.h>: the POSIX face's scalar types (x86-64, LP64). */
#ifndef LIBOS_LIBC_SYS_TYPES_H
#define LIBOS_LIBC_SYS_TYPES_H

#include <stddef.h>

typedef long ssize_t; /* a size or -1 */
typedef int pid_t; /* an environment id */
typedef long off_t;
typedef unsigned int useconds_t;

#endif
