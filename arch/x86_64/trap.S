/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs for all 256 interrupt vectors. Each pushes a zero error code
 * where the CPU pushes none, then its vector number, and joins trap_common,
 * which saves the general registers as a struct trap_frame (arch/cpu.h)
 * and calls arch_trap(frame).
 */

	.text
	.code64
	.altmacro

	.macro vector v
	.balign 16
vector_\v:
	.if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.globl trap_vectors_start
trap_vectors_start:
	.set i, 0
	.rept 256
	vector %i
	.set i, i + 1
	.endr

trap_common:
	cld				/* user mode may have left DF set */
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	/* A frame record so backtraces pass through the trap to its cause. */
	mov %rsp, %rdi
	push 17 * 8(%rsp)		/* interrupted rip */
	push %rbp
	mov %rsp, %rbp
	call arch_trap
	add $16, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp			/* vector and error code */
	iretq

	/* The address of each stub, for the IDT. */
	.section .rodata
	.balign 8
	.globl trap_vector_table
trap_vector_table:
	.set i, 0
	.rept 256
	.quad trap_vectors_start + i * 16
	.set i, i + 1
	.endr
