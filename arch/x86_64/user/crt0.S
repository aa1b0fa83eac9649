/* SPDX-License-Identifier: MIT */
/*
 * Program entry for environments started by the kernel (init) or by the
 * libOS: rsp is the top of a fresh stack. Calls libos_start(), which runs
 * main() and exits with its result.
 */
	.text
	.globl _start
_start:
	xor %ebp, %ebp			/* the last frame of every backtrace */
	and $~15, %rsp
	call libos_start
	ud2
	.section .note.GNU-stack, "", @progbits
