/* SPDX-License-Identifier: MIT */
/*
 * Program entry for environments started by the kernel (init) or by the
 * libOS: rsp is the top of a fresh stack, with the start block of
 * <libos/spawn.h> just below it (argv at rsp - 16, argc at rsp - 8; zeros
 * from the kernel mean no arguments). Both are read before the first
 * push, then libos_start(argc, argv) runs main() and exits with its result.
 */
	.text
	.globl _start
_start:
	xor %ebp, %ebp			/* the last frame of every backtrace */
	mov -8(%rsp), %rdi		/* argc */
	mov -16(%rsp), %rsi		/* argv */
	and $~15, %rsp
	call libos_start
	ud2
	.section .note.GNU-stack, "", @progbits
