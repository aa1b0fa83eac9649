/* SPDX-License-Identifier: MIT */
/*
 * System-call handlers, declared from include/exo/syscalls.def. Every
 * handler takes the six argument registers and returns the status (or a
 * non-negative result); handlers that block or switch environments do not
 * return.
 */
#ifndef SYSCALL_SYSCALL_H
#define SYSCALL_SYSCALL_H

#include <stdint.h>

typedef int64_t (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t,
			      uint64_t, uint64_t);

#define EXO_SYSCALL(num, name, nargs)                                   \
	int64_t sys_##name(uint64_t a0, uint64_t a1, uint64_t a2,       \
			   uint64_t a3, uint64_t a4, uint64_t a5);
#include <exo/syscalls.def>
#undef EXO_SYSCALL

/* The dispatch table and its length, read by the entry code. */
extern const syscall_fn syscall_table[];
extern const uint64_t syscall_count;

#endif
