/* SPDX-License-Identifier: MIT */
/*
 * Module gates (see <libos/module_slot.h>): the op standing for every op
 * of a gate that is not open, and module_guard.
 *
 * struct module_call: prev 0, slot 8, rbp 16, rip 24, rsp 32, rbx 40,
 * r12 48, r13 56, r14 64, r15 72. MODULE_CALL_GUARD is 2.
 */

	.text
	/*
	 * module_gate_closed_op - every op of a gate that is not open. The
	 * gate's call lands here with r10 = the slot, (%rsp) = the resume
	 * address (a gate site), 8(%rsp) = the caller's record, the op's
	 * arguments in rsi, rdx, rcx. rbx and r12 are free (the gate
	 * clobbers them). It waits, heals or refuses (module_gate_slow), then
	 * either goes on to the real op with the current instance, or returns
	 * the error as the op's result.
	 */
	.globl module_gate_closed_op
	.type module_gate_closed_op, @function
module_gate_closed_op:
	mov %rsp, %r12
	and $-16, %rsp			/* C wants it aligned */
	push %rsi
	push %rdx
	push %rcx
	push %r8
	push %r9
	push %r10
	sub $16, %rsp			/* the op, from module_gate_slow */
	mov %r10, %rdi
	lea 8(%r12), %rsi
	mov (%r12), %rdx
	mov %rsp, %rcx
	call module_gate_slow		/* (slot, record, resume, &op) */
	mov (%rsp), %r11
	add $16, %rsp
	pop %r10
	pop %r9
	pop %r8
	pop %rcx
	pop %rdx
	pop %rsi
	mov %r12, %rsp
	test %eax, %eax
	jnz 1f
	mov 16(%r10), %rdi		/* the instance now serving */
	jmp *%r11
1:	cltq
	ret
	.size module_gate_closed_op, . - module_gate_closed_op

	/* int module_guard(struct module_slot *s, struct module_call *c) */
	.globl module_guard
	.type module_guard, @function
module_guard:
	mov (%rsp), %rax
	mov %rax, 24(%rsi)
	lea 8(%rsp), %rax
	mov %rax, 32(%rsi)
	mov %rbp, 16(%rsi)
	mov %rbx, 40(%rsi)
	mov %r12, 48(%rsi)
	mov %r13, 56(%rsi)
	mov %r14, 64(%rsi)
	mov %r15, 72(%rsi)
	mov %rdi, %rax
	or $2, %rax
	mov %rax, 8(%rsi)
	mov module_call_top(%rip), %rax
	mov %rax, 0(%rsi)
	mov %rsi, module_call_top(%rip)
	xor %eax, %eax
	ret
	.size module_guard, . - module_guard
	.section .note.GNU-stack, "", @progbits
