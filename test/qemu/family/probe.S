/* SPDX-License-Identifier: MIT */
/*
 * Code whose faults the family tests provoke on purpose, at instructions
 * a handler can recognise by address:
 *
 *  - probe_read/probe_write: a fault anywhere between probe_start and
 *    probe_end is resumed at probe_recover, which makes the probe return 1;
 *  - probe_ud2, probe_divide: a single faulting instruction the handler
 *    skips or repairs;
 *  - probe_regs_*: every general register holds REG_PATTERN(n) (and CF and
 *    DF are set) across a fault, then all of them are stored for the test;
 *  - raw_child_code: position-independent code for a child populated by
 *    hand; it exits with 77 if it started with every register 0 and rsp
 *    RAW_CHILD_RSP.
 */
#include "check.h"

	.text

	.globl probe_start
probe_start:

/* int probe_read(uint64_t va) */
	.globl probe_read
	.type probe_read, @function
probe_read:
	xor %eax, %eax
	mov (%rdi), %rdx
	ret
	.size probe_read, . - probe_read

/* int probe_write(uint64_t va, uint64_t value) */
	.globl probe_write
	.type probe_write, @function
probe_write:
	xor %eax, %eax
	mov %rsi, (%rdi)
	ret
	.size probe_write, . - probe_write

	.globl probe_end
probe_end:

/* Where a faulting probe resumes: its rsp still points at the return. */
	.globl probe_recover
	.type probe_recover, @function
probe_recover:
	mov $1, %eax
	ret
	.size probe_recover, . - probe_recover

/* uint64_t probe_ud2(void): 1 if the ud2 (2 bytes) was skipped. */
	.globl probe_ud2
	.globl probe_ud2_insn
	.type probe_ud2, @function
probe_ud2:
	xor %eax, %eax
probe_ud2_insn:
	ud2
	inc %eax
	ret
	.size probe_ud2, . - probe_ud2

/* uint64_t probe_divide(uint64_t n): n / rcx, rcx being 0 at first. */
	.globl probe_divide
	.globl probe_divide_insn
	.type probe_divide, @function
probe_divide:
	mov %rdi, %rax
	xor %edx, %edx
	xor %ecx, %ecx
probe_divide_insn:
	div %rcx
	ret
	.size probe_divide, . - probe_divide

/*
 * Load REG_PATTERN into every register but rsp, set CF and DF, run the
 * faulting instruction, then store every register and rflags into
 * probe_regs_after and restore what the C ABI needs.
 */
	.macro regs_probe name, insn:vararg
	.globl \name
	.globl \name\()_insn
	.type \name, @function
\name:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, probe_regs_rsp_before(%rip)
	movabs $REG_PATTERN(0), %rax
	movabs $REG_PATTERN(1), %rbx
	movabs $REG_PATTERN(2), %rcx
	movabs $REG_PATTERN(3), %rdx
	movabs $REG_PATTERN(4), %rsi
	movabs $REG_PATTERN(5), %rdi
	movabs $REG_PATTERN(6), %rbp
	movabs $REG_PATTERN(8), %r8
	movabs $REG_PATTERN(9), %r9
	movabs $REG_PATTERN(10), %r10
	movabs $REG_PATTERN(11), %r11
	movabs $REG_PATTERN(12), %r12
	movabs $REG_PATTERN(13), %r13
	movabs $REG_PATTERN(14), %r14
	movabs $REG_PATTERN(15), %r15
	std
	stc
\name\()_insn:
	\insn
	pushfq
	popq probe_regs_after+136(%rip)
	cld
	mov %rax, probe_regs_after+0(%rip)
	mov %rbx, probe_regs_after+8(%rip)
	mov %rcx, probe_regs_after+16(%rip)
	mov %rdx, probe_regs_after+24(%rip)
	mov %rsi, probe_regs_after+32(%rip)
	mov %rdi, probe_regs_after+40(%rip)
	mov %rbp, probe_regs_after+48(%rip)
	mov %rsp, probe_regs_after+56(%rip)
	mov %r8, probe_regs_after+64(%rip)
	mov %r9, probe_regs_after+72(%rip)
	mov %r10, probe_regs_after+80(%rip)
	mov %r11, probe_regs_after+88(%rip)
	mov %r12, probe_regs_after+96(%rip)
	mov %r13, probe_regs_after+104(%rip)
	mov %r14, probe_regs_after+112(%rip)
	mov %r15, probe_regs_after+120(%rip)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
	.size \name, . - \name
	.endm

	regs_probe probe_regs_ud2, ud2
	regs_probe probe_regs_store, movabs %rax, PROBE_STORE_VA

/* Copied into a child's frame; see the top of the file. */
	.globl raw_child_code
	.globl raw_child_code_end
raw_child_code:
	or %rbx, %rax
	or %rcx, %rax
	or %rdx, %rax
	or %rsi, %rax
	or %rdi, %rax
	or %rbp, %rax
	or %r8, %rax
	or %r9, %rax
	or %r10, %rax
	or %r11, %rax
	or %r12, %rax
	or %r13, %rax
	or %r14, %rax
	or %r15, %rax
	mov %rsp, %rdi
	sub $RAW_CHILD_RSP, %rdi
	or %rax, %rdi
	add $77, %rdi
	mov $6, %eax			/* env_exit */
	syscall
	ud2
raw_child_code_end:

	.bss
	.balign 16
	.globl probe_regs_after
probe_regs_after:
	.skip 144
	.globl probe_regs_rsp_before
probe_regs_rsp_before:
	.skip 8

	.section .note.GNU-stack, "", @progbits
