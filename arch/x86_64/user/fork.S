/* SPDX-License-Identifier: MIT */
/*
 * The two halves of a fork that returns twice (libos/pager): the parent
 * saves its callee-saved registers, stack pointer and return address in
 * pager_fork_ctx (struct pager_fork_ctx: rbx 0, rbp 8, r12 16, r13 24,
 * r14 32, r15 40, rsp 48, rip 56) and gets 0; the child, started at
 * pager_ctx_resume in a copy of that memory, reloads them and "returns"
 * 1 from the same call.
 */
	.text
	.globl pager_ctx_save
	.type pager_ctx_save, @function
pager_ctx_save:				/* rdi = the context */
	mov (%rsp), %rax
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rcx		/* rsp once returned */
	mov %rcx, 48(%rdi)
	mov %rax, 56(%rdi)
	xor %eax, %eax
	ret
	.size pager_ctx_save, . - pager_ctx_save

	.globl pager_ctx_resume
	.type pager_ctx_resume, @function
pager_ctx_resume:
	lea pager_fork_ctx(%rip), %rdi
	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	mov $1, %eax
	jmp *56(%rdi)
	.size pager_ctx_resume, . - pager_ctx_resume
	.section .note.GNU-stack, "", @progbits
