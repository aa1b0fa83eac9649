/* SPDX-License-Identifier: MIT */
/*
 * on_stack(fn, arg, top): call fn(arg) with rsp = top, and come back to
 * the caller's stack with fn's result; raw_syscall(nr, a0, a1) for any
 * number.
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

/* raw_syscall(nr, a0, a1): system call @nr, whatever the list says. */
	.text
	.globl raw_syscall
	.type raw_syscall, @function
raw_syscall:
	mov %rdi, %rax
	mov %rsi, %rdi
	mov %rdx, %rsi
	xor %edx, %edx
	xor %r10d, %r10d
	xor %r8d, %r8d
	xor %r9d, %r9d
	syscall
	ret
	.size raw_syscall, . - raw_syscall
	.section .note.GNU-stack, "", @progbits
