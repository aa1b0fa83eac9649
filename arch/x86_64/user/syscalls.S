/* SPDX-License-Identifier: MIT */
/*
 * One stub exo_<name> per line of include/exo/syscalls.def. The C calling
 * convention passes the fourth argument in rcx, which syscall overwrites,
 * so it moves to r10; the kernel preserves every register but rax, rcx and
 * r11 (and, for IPC, the payload registers, which these stubs ignore; see
 * ipc.S for the calls that return a message).
 */
#define EXO_SYSCALL(num, name, nargs)	\
	.globl exo_##name;		\
	.type exo_##name, @function;	\
exo_##name:				\
	mov $num, %eax;			\
	mov %rcx, %r10;			\
	syscall;			\
	ret;				\
	.size exo_##name, . - exo_##name;

	.text
#include <exo/syscalls.def>
	.section .note.GNU-stack, "", @progbits
