/* SPDX-License-Identifier: MIT */
/*
 * Probes that do one forbidden thing from user mode each, and probe_run,
 * which a fault handler can return to (see probe.h). Every probe is
 * int64_t fn(uint64_t arg), with the argument in rdi.
 */
#include "probe.h"

	.text

/*
 * probe_run(fn, arg): callee-saved registers and the enclosing probe's
 * stack pointer go on the stack, and probe_sp records where they are. The
 * fault handler resumes at probe_landing with rsp = probe_sp and
 * rax = PROBE_FAULTED; both ways out restore the same state.
 */
	.globl probe_run
	.type probe_run, @function
probe_run:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushq probe_sp(%rip)
	mov %rsp, probe_sp(%rip)	/* 16-byte aligned here */
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
.Lrun_out:
	popq probe_sp(%rip)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size probe_run, . - probe_run

	.globl probe_landing
	.type probe_landing, @function
probe_landing:
	jmp .Lrun_out
	.size probe_landing, . - probe_landing

	.macro probe name
	.globl \name
	.type \name, @function
\name:
	.endm

	.macro endprobe name
	xor %eax, %eax
	ret
	.size \name, . - \name
	.endm

probe probe_load
	mov (%rdi), %rax
	ret
	.size probe_load, . - probe_load

probe probe_store
	movq $0x6b6b6b6b, (%rdi)
endprobe probe_store

/* Write back what is there: proves writability, changes nothing. */
probe probe_store_same
	mov (%rdi), %rax
	mov %rax, (%rdi)
endprobe probe_store_same

probe probe_exec
	call *%rdi
endprobe probe_exec

probe probe_div0
	xor %ecx, %ecx
	mov $1, %eax
	xor %edx, %edx
	div %rcx
endprobe probe_div0

probe probe_ud2
	ud2
endprobe probe_ud2

probe probe_int3
	int3
endprobe probe_int3

probe probe_int1
	.byte 0xf1			/* int1 (icebp): #DB, not DPL-checked */
endprobe probe_int1

probe probe_int_0x80
	int $0x80
endprobe probe_int_0x80

probe probe_int_timer
	int $0x20
endprobe probe_int_timer

probe probe_int_nmi
	int $2
endprobe probe_int_nmi

probe probe_int_df
	int $8
endprobe probe_int_df

probe probe_int_pf
	int $14
endprobe probe_int_pf

probe probe_hlt
	hlt
endprobe probe_hlt

probe probe_cli
	cli
endprobe probe_cli

probe probe_sti
	sti
endprobe probe_sti

probe probe_read_cr3
	mov %cr3, %rax
	ret
	.size probe_read_cr3, . - probe_read_cr3

probe probe_write_cr3
	xor %eax, %eax
	mov %rax, %cr3
endprobe probe_write_cr3

probe probe_write_cr0
	xor %eax, %eax
	mov %rax, %cr0
endprobe probe_write_cr0

probe probe_lgdt
	sub $16, %rsp
	movq $0, (%rsp)
	movq $0, 8(%rsp)
	lgdt (%rsp)
	add $16, %rsp
endprobe probe_lgdt

probe probe_lidt
	sub $16, %rsp
	movq $0, (%rsp)
	movq $0, 8(%rsp)
	lidt (%rsp)
	add $16, %rsp
endprobe probe_lidt

probe probe_ltr
	mov $PROBE_SEL_TSS, %eax
	ltr %ax
endprobe probe_ltr

/* An interrupt return into ring 0, on a stack frame we made. */
probe probe_iretq_ring0
	mov %rsp, %rax
	pushq $PROBE_SEL_KDATA
	push %rax
	pushfq
	pushq $PROBE_SEL_KCODE
	lea 1f(%rip), %rax
	push %rax
	iretq
1:
endprobe probe_iretq_ring0

probe probe_lret_ring0
	pushq $PROBE_SEL_KCODE
	lea 1f(%rip), %rax
	push %rax
	lretq
1:
endprobe probe_lret_ring0

/* A far jump through the TSS selector: a task switch. */
probe probe_ljmp_tss
	sub $16, %rsp
	lea 1f(%rip), %rax
	mov %rax, (%rsp)
	movw $PROBE_SEL_TSS, 8(%rsp)
	rex64 ljmp *(%rsp)
1:	add $16, %rsp
endprobe probe_ljmp_tss

probe probe_sysret
	lea 1f(%rip), %rcx
	pushfq
	pop %r11
	sysretq
1:
endprobe probe_sysret

probe probe_swapgs
	swapgs
endprobe probe_swapgs

probe probe_sysenter
	sysenter
endprobe probe_sysenter

probe probe_rdmsr
	mov $0xc0000082, %ecx		/* LSTAR */
	rdmsr
endprobe probe_rdmsr

probe probe_wrmsr
	mov $0xc0000082, %ecx		/* LSTAR: would take over syscall */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
endprobe probe_wrmsr

/*
 * The isa-debug-exit port, with the panic verdict: were the write let
 * through, QEMU would stop with a failing status.
 */
probe probe_out_exit
	mov $0x12, %eax
	out %eax, $0xf4
endprobe probe_out_exit

probe probe_in
	in $0x60, %al
endprobe probe_in

probe probe_invlpg
	invlpg (%rdi)
endprobe probe_invlpg

probe probe_wbinvd
	wbinvd
endprobe probe_wbinvd

probe probe_clts
	clts
endprobe probe_clts

probe probe_rdpmc
	xor %ecx, %ecx
	rdpmc
endprobe probe_rdpmc

probe probe_load_ds_kernel
	mov $PROBE_SEL_KDATA, %eax
	mov %eax, %ds
endprobe probe_load_ds_kernel

probe probe_load_ss_null
	xor %eax, %eax
	mov %eax, %ss
endprobe probe_load_ss_null

probe probe_write_dr7
	mov $0x3ff, %eax		/* every breakpoint enabled */
	mov %rax, %dr7
endprobe probe_write_dr7

/* A fault with the direction flag set: the kernel must not copy backwards. */
probe probe_df_fault
	std
	ud2
	cld
endprobe probe_df_fault

/* A fault with the nested-task flag set, which iretq would act on. */
probe probe_nt_fault
	pushfq
	orq $0x4000, (%rsp)
	popfq
	ud2
endprobe probe_nt_fault

/* null with the nested-task flag set; returns its result. */
probe probe_nt_syscall
	pushfq
	orq $0x4000, (%rsp)
	popfq
	xor %eax, %eax
	syscall
	pushfq
	andq $~0x4000, (%rsp)
	popfq
	ret
	.size probe_nt_syscall, . - probe_nt_syscall

probe probe_noncanon_load
	movabs $0x0000800000000000, %rax
	mov (%rax), %rax
endprobe probe_noncanon_load

probe probe_noncanon_jump
	movabs $0x0000800000000000, %rax
	jmp *%rax
endprobe probe_noncanon_jump

/* A push with a non-canonical stack pointer: a stack fault. */
probe probe_bad_stack_push
	mov %rsp, %rdx
	movabs $0x8000000000000000, %rsp
	push %rax
	mov %rdx, %rsp
endprobe probe_bad_stack_push

/* Push until the stack runs into unmapped memory. */
probe probe_stack_overflow
1:	push %rax
	jmp 1b
	.size probe_stack_overflow, . - probe_stack_overflow

probe probe_ud2_with_rsp
	mov %rsp, saved_rsp(%rip)
	mov %rdi, %rsp
	ud2
	mov saved_rsp(%rip), %rsp
endprobe probe_ud2_with_rsp

probe probe_syscall_with_rsp
	mov %rsp, saved_rsp(%rip)
	mov %rdi, %rsp
	xor %eax, %eax			/* null */
	syscall
	mov saved_rsp(%rip), %rsp
	ret
	.size probe_syscall_with_rsp, . - probe_syscall_with_rsp

/*
 * The trap flag set by popfq, so the syscall instruction itself runs with
 * it. The #DB traps land in user mode, where the handler clears TF.
 */
probe probe_syscall_single_step
	pushfq
	orq $0x100, (%rsp)
	xor %eax, %eax			/* null */
	popfq
	syscall
	pushfq
	andq $~0x100, (%rsp)
	popfq
	ret
	.size probe_syscall_single_step, . - probe_syscall_single_step

/*
 * A far return into the 32-bit user code segment (the one sysret needs),
 * a syscall from compatibility mode, and a far jump back. No stack is
 * used in compatibility mode: only the low half of rsp would count there.
 */
probe probe_syscall_compat
	mov %rsp, saved_rsp(%rip)
	pushq $PROBE_SEL_UCODE32
	lea .Lcompat(%rip), %rax
	push %rax
	lretq
	.code32
.Lcompat:
	xor %eax, %eax			/* null */
	syscall
	ljmp $PROBE_SEL_UCODE, $.Lback64
	.code64
.Lback64:
	mov saved_rsp(%rip), %rsp
	cltq
	ret
	.size probe_syscall_compat, . - probe_syscall_compat

probe x87_load
	push %rdi
	fninit
	fildq (%rsp)
	pop %rdi
endprobe x87_load

probe x87_peek
	push %rax
	fistpq (%rsp)
	pop %rax
	ret
	.size x87_peek, . - x87_peek

/*
 * raw_syscall(nr, args): system call @nr with the six words at @args, the
 * IPC payload registers it may return in treated as clobbered.
 */
	.globl raw_syscall
	.type raw_syscall, @function
raw_syscall:
	mov %rdi, %rax
	mov 0(%rsi), %rdi
	mov 16(%rsi), %rdx
	mov 24(%rsi), %r10
	mov 32(%rsi), %r8
	mov 40(%rsi), %r9
	mov 8(%rsi), %rsi
	syscall
	ret
	.size raw_syscall, . - raw_syscall

/* raw_syscall with the direction flag set. */
	.globl raw_syscall_df
	.type raw_syscall_df, @function
raw_syscall_df:
	std
	call raw_syscall
	cld
	ret
	.size raw_syscall_df, . - raw_syscall_df

	.bss
	.balign 8
	.globl probe_sp
probe_sp:
	.quad 0
saved_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
