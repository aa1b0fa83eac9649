/* SPDX-License-Identifier: MIT */
/*
 * The upcall entry. The kernel starts it with rsp = rdi = a struct
 * exo_upcall_frame (16-byte aligned) on the exception stack. It calls the
 * libOS's C handler, then resumes the saved context entirely in user mode:
 * the saved rip and rax go on the interrupted stack (the kernel left
 * EXO_UPCALL_GAP bytes, and libOS code has no red zone), the other
 * registers and rflags are reloaded, and pop/ret land in the old context.
 *
 * exo_upcall_entry_partial is the same with libos_upcall_partial as the
 * handler (an exception stack not yet wholly mapped: libos/runtime/env.c).
 *
 * Frame offsets: regs at 32; within regs rax 0, rbx 8, rcx 16, rdx 24,
 * rsi 32, rdi 40, rbp 48, rsp 56, r8 64 .. r15 120, rip 128, rflags 136.
 */
#define R(off) (32 + (off))(%rax)

	.text
	.globl exo_upcall_entry
	.type exo_upcall_entry, @function
exo_upcall_entry:
	xor %ebp, %ebp
	call libos_upcall		/* rdi = frame; returns to resume */
.Lresume:
	mov %rsp, %rax			/* the frame again */
	mov R(56), %rcx			/* interrupted rsp */
	sub $16, %rcx
	mov R(128), %rdx
	mov %rdx, 8(%rcx)		/* rip, for ret */
	mov R(0), %rdx
	mov %rdx, 0(%rcx)		/* rax, for pop */
	mov %rcx, R(56)
	pushq R(136)
	popfq
	mov R(8), %rbx
	mov R(16), %rcx
	mov R(24), %rdx
	mov R(32), %rsi
	mov R(40), %rdi
	mov R(48), %rbp
	mov R(64), %r8
	mov R(72), %r9
	mov R(80), %r10
	mov R(88), %r11
	mov R(96), %r12
	mov R(104), %r13
	mov R(112), %r14
	mov R(120), %r15
	mov R(56), %rsp
	pop %rax
	ret
	.size exo_upcall_entry, . - exo_upcall_entry

	.globl exo_upcall_entry_partial
	.type exo_upcall_entry_partial, @function
exo_upcall_entry_partial:
	xor %ebp, %ebp
	call libos_upcall_partial
	jmp .Lresume
	.size exo_upcall_entry_partial, . - exo_upcall_entry_partial
	.section .note.GNU-stack, "", @progbits
