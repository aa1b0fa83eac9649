/* SPDX-License-Identifier: MIT */
/*
 * Module gates (see <libos/module_slot.h>). module_gate_enter and
 * module_guard record a resume point like setjmp: the return address,
 * the stack pointer after return, and the callee-saved registers. The
 * libOS exception handler (module_upcall) resumes there with an error in
 * rax when the module faults or overruns; everything else the caller had
 * is in its own frame, which the module never owned.
 *
 * struct module_gate: state 0, inflight 4, calls 8.
 * struct module_call: rip 0, rsp 8, rbp 16, rbx 24, r12 32, r13 40,
 * r14 48, r15 56, prev 64, slot 72, counted 80.
 */
#define GATE_OPEN 0
#define GATE_WATCH 2

	.macro save_point
	mov (%rsp), %rax
	mov %rax, 0(%rsi)
	lea 8(%rsp), %rax
	mov %rax, 8(%rsi)
	mov %rbp, 16(%rsi)
	mov %rbx, 24(%rsi)
	mov %r12, 32(%rsi)
	mov %r13, 40(%rsi)
	mov %r14, 48(%rsi)
	mov %r15, 56(%rsi)
	mov %rdi, 72(%rsi)
	.endm

	.text
	/* int module_gate_enter(struct module_slot *s, struct module_call *c) */
	.globl module_gate_enter
	.type module_gate_enter, @function
module_gate_enter:
	save_point
	movq $1, 80(%rsi)
1:	incl 4(%rdi)			/* in first, then look: a swap that */
	cmpl $GATE_OPEN, 0(%rdi)	/* closes after this sees us */
	jne 2f
3:	incq 8(%rdi)
	mov module_call_top(%rip), %rax
	mov %rax, 64(%rsi)
	mov %rsi, module_call_top(%rip)
	xor %eax, %eax
	ret
2:	decl 4(%rdi)
	push %rdi
	push %rsi
	sub $8, %rsp
	call module_gate_slow		/* 0: retry, 1: go on watched, <0 */
	add $8, %rsp
	pop %rsi
	pop %rdi
	test %eax, %eax
	jz 1b
	js 4f
	incl 4(%rdi)
	cmpl $GATE_WATCH, 0(%rdi)	/* still watching: go on */
	je 3b
	jmp 2b				/* it moved on meanwhile: ask again */
4:	ret
	.size module_gate_enter, . - module_gate_enter

	/* int module_guard(struct module_slot *s, struct module_call *c) */
	.globl module_guard
	.type module_guard, @function
module_guard:
	save_point
	movq $0, 80(%rsi)
	mov module_call_top(%rip), %rax
	mov %rax, 64(%rsi)
	mov %rsi, module_call_top(%rip)
	xor %eax, %eax
	ret
	.size module_guard, . - module_guard
	.section .note.GNU-stack, "", @progbits
