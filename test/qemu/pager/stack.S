/* SPDX-License-Identifier: MIT */
/*
 * on_stack(fn, arg, top): call fn(arg) with rsp = top, and come back to
 * the caller's stack with fn's result.
 */
	.text
	.globl on_stack
	.type on_stack, @function
on_stack:
	push %rbp
	mov %rsp, %rbp
	mov %rdx, %rsp
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov %rbp, %rsp
	pop %rbp
	ret
	.size on_stack, . - on_stack
	.section .note.GNU-stack, "", @progbits
