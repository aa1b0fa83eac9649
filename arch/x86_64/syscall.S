/* SPDX-License-Identifier: MIT */
/*
 * System-call entry and the two ways back to user mode.
 *
 * syscall leaves the user rip in rcx and rflags in r11 and masks IF (see
 * SFMASK in uctx.c); we switch to the kernel stack, build a struct
 * syscall_frame, count the call, and jump through the table generated from
 * include/exo/syscalls.def. Arguments arrive in rdi, rsi, rdx, r10, r8, r9;
 * the C ABI wants the fourth in rcx.
 */
#define INFO_SYSCALLS 16	/* offsetof(struct exo_env_info, syscalls) */
#define SYSINFO_SYSCALLS 32	/* offsetof(struct exo_sys_info, syscalls) */
#define RFLAGS_IF 0x200

	.text
	.code64

	.globl syscall_entry
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	movabs $kernel_stack_top, %rsp
	pushq syscall_user_rsp(%rip)
	push %rcx			/* user rip */
	push %r11			/* user rflags */
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, syscall_cur_frame(%rip)
	xor %ebp, %ebp			/* backtraces end here */
	mov arch_cur_info(%rip), %r11
	incq INFO_SYSCALLS(%r11)
	mov arch_sysinfo(%rip), %r11
	incq SYSINFO_SYSCALLS(%r11)
	cmp syscall_count(%rip), %rax
	jae 1f
	mov %r10, %rcx
	call *syscall_table(, %rax, 8)
	jmp syscall_exit
1:	mov $-5, %rax			/* EXO_ERR_NOSYS */

	/* rax holds the status; everything else comes from the frame. */
	.globl syscall_exit
syscall_exit:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %r11
	pop %rcx
	pop %rsp
	sysretq

/*
 * arch_user_resume(const struct exo_regs *r, int fast)
 * struct exo_regs: rax 0, rbx 8, rcx 16, rdx 24, rsi 32, rdi 40, rbp 48,
 * rsp 56, r8 64 .. r15 120, rip 128, rflags 136.
 */
	.globl arch_user_resume
arch_user_resume:
	movabs $kernel_stack_top, %rsp	/* nothing on the kernel stack lives on */
	test %esi, %esi
	jz 2f
	/* sysret: rcx <- rip, r11 <- rflags. */
	mov 128(%rdi), %rcx
	mov 136(%rdi), %r11
	or $RFLAGS_IF, %r11
	and $~0x3000, %r11		/* IOPL 0 */
	mov 0(%rdi), %rax
	mov 8(%rdi), %rbx
	mov 24(%rdi), %rdx
	mov 32(%rdi), %rsi
	mov 48(%rdi), %rbp
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	mov 56(%rdi), %rsp
	mov 40(%rdi), %rdi
	sysretq
2:	/* iretq frame: ss, rsp, rflags, cs, rip. */
	pushq $0x23			/* SEL_UDATA | 3 */
	pushq 56(%rdi)
	mov 136(%rdi), %rax
	or $RFLAGS_IF, %rax
	and $~0x3000, %rax		/* IOPL 0 */
	push %rax
	pushq $0x2b			/* SEL_UCODE | 3 */
	pushq 128(%rdi)
	mov 0(%rdi), %rax
	mov 8(%rdi), %rbx
	mov 16(%rdi), %rcx
	mov 24(%rdi), %rdx
	mov 32(%rdi), %rsi
	mov 48(%rdi), %rbp
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 88(%rdi), %r11
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	mov 40(%rdi), %rdi
	iretq

	.bss
	.balign 8
syscall_user_rsp:
	.quad 0
