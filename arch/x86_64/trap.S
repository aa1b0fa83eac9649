/* SPDX-License-Identifier: MIT */
/*
 * Entry stubs for all 256 interrupt vectors. Each pushes a zero error code
 * where the CPU pushes none, then its vector number, and joins trap_common,
 * which saves the general registers as a struct trap_frame (arch/cpu.h)
 * and calls arch_trap(frame); from user mode it saves them into the
 * environment's registers instead and calls arch_user_trap.
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
	testb $3, 24(%rsp)		/* the CPU's cs: from user mode? */
	jnz trap_user
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

	/*
	 * From user mode: the registers go straight into the running
	 * environment's struct exo_regs (arch_user_regs; offsets as in
	 * syscall.S), and arch_user_trap gets the vector, the error code and
	 * the CPU's frame. It never returns: the kernel resumes a user
	 * context from the saved registers, on a fresh kernel stack.
	 */
trap_user:
	push %rax
	mov arch_user_regs(%rip), %rax
	mov %rbx, 8(%rax)
	mov %rcx, 16(%rax)
	mov %rdx, 24(%rax)
	mov %rsi, 32(%rax)
	mov %rdi, 40(%rax)
	mov %rbp, 48(%rax)
	mov %r8, 64(%rax)
	mov %r9, 72(%rax)
	mov %r10, 80(%rax)
	mov %r11, 88(%rax)
	mov %r12, 96(%rax)
	mov %r13, 104(%rax)
	mov %r14, 112(%rax)
	mov %r15, 120(%rax)
	pop %rcx			/* the user's rax */
	mov %rcx, 0(%rax)
	mov 16(%rsp), %rcx		/* rip */
	mov %rcx, 128(%rax)
	mov 32(%rsp), %rcx		/* rflags */
	mov %rcx, 136(%rax)
	mov 40(%rsp), %rcx		/* rsp */
	mov %rcx, 56(%rax)
	mov %rsp, %rdi			/* struct user_trap */
	xor %ebp, %ebp			/* the end of the backtrace */
	and $-16, %rsp
	call arch_user_trap
	ud2

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
