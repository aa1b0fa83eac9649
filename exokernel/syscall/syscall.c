/* SPDX-License-Identifier: MIT */
/*
 * The dispatch table, generated from include/exo/syscalls.def, and the
 * calls that belong to no other component.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <exo/errors.h>

#include "env/env.h"
#include "syscall/syscall.h"
#include "vm/vm.h"

#define EXO_SYSCALL(num, name, nargs) [num] = sys_##name,
const syscall_fn syscall_table[] = {
#include <exo/syscalls.def>
};
#undef EXO_SYSCALL

const uint64_t syscall_count = sizeof(syscall_table) / sizeof(syscall_table[0]);

/*
 * Numbers may leave gaps (ranges reserved in syscalls.def); those slots
 * are NULL and the entry code answers EXO_ERR_NOSYS for them. A number
 * used twice is an error (-Woverride-init, under -Werror).
 */

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
