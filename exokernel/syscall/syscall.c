/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table, generated from include/exo/syscalls.def, and the
 * calls that belong to no other component.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "env/env.h"
#include "syscall/syscall.h"
#include "vm/vm.h"

/*
 * Numbers are handed out in ranges, so the list may have gaps; a number
 * in a gap is EXO_ERR_NOSYS, as is one past the end.
 */
static int64_t sys_nosys(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			 uint64_t a4, uint64_t a5)
{
	return EXO_ERR_NOSYS;
}

/* Its size is one more than the highest number in the list. */
union syscall_span {
#define EXO_SYSCALL(num, name, nargs) char name[(num) + 1];
#include <exo/syscalls.def>
#undef EXO_SYSCALL
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#define EXO_SYSCALL(num, name, nargs) [num] = sys_##name,
const syscall_fn syscall_table[sizeof(union syscall_span)] = {
	[0 ... sizeof(union syscall_span) - 1] = sys_nosys,
#include <exo/syscalls.def>
};
#undef EXO_SYSCALL
#pragma GCC diagnostic pop

const uint64_t syscall_count = sizeof(syscall_table) / sizeof(syscall_table[0]);

/* Never used: a number listed twice is a duplicate case, a compile error. */
static inline void syscall_numbers_unique(int n)
{
	switch (n) {
#define EXO_SYSCALL(num, name, nargs) case num:
#include <exo/syscalls.def>
#undef EXO_SYSCALL
		break;
	}
}

/* The cheapest call there is: measures the entry and exit path. */
int64_t sys_null(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		 uint64_t a4, uint64_t a5)
{
	return 0;
}

#define CONSOLE_MAX 4096

int64_t sys_console_write(uint64_t ubuf, uint64_t len, uint64_t a2,
			  uint64_t a3, uint64_t a4, uint64_t a5)
{
	static char buf[CONSOLE_MAX];

	if (len > CONSOLE_MAX) {
		return EXO_ERR_TOO_BIG;
	}
	if (copy_from_user(curenv, buf, ubuf, len)) {
		return EXO_ERR_FAULT;
	}
	arch_console_write(buf, len);
	return (int64_t)len;
}

/*
 * The auxiliary serial line (COM2) as a byte source, for init only: it is
 * how images arrive from the host while the system runs (scripts/hotload).
 * Never blocks; the caller polls. The buffer lies in one page, so it is
 * checked whole before a byte is taken from the line.
 */
int64_t sys_aux_read(uint64_t ubuf, uint64_t len, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	char *buf;

	if (curenv->parent != 0) {
		return EXO_ERR_DENIED;
	}
	if (len == 0 || len > EXO_PAGE_SIZE) {
		return len ? EXO_ERR_TOO_BIG : 0;
	}
	buf = user_ptr(curenv, ubuf, len);
	if (!buf) {
		return EXO_ERR_FAULT;
	}
	if (!arch_aux_present()) {
		return EXO_ERR_NOT_FOUND;
	}
	return (int64_t)arch_aux_read(buf, len);
}
