/* SPDX-License-Identifier: MIT */
/*
 * System-call entry and the two ways back to user mode.
 *
 * syscall leaves the user rip in rcx and rflags in r11 and masks IF (see
 * SFMASK in uctx.c); we save the context into the environment's registers,
 * switch to the kernel stack, count the call, and jump through the table
 * generated from include/exo/syscalls.def. Arguments arrive in rdi, rsi,
 * rdx, r10, r8, r9; the C ABI wants the fourth in rcx.
 */
#define INFO_SYSCALLS 16	/* offsetof(struct exo_env_info, syscalls) */
#define SYSINFO_SYSCALLS 32	/* offsetof(struct exo_sys_info, syscalls) */
#define RFLAGS_IF 0x200

	.text
	.code64

	.globl syscall_entry
syscall_entry:
	/*
	 * Save the user context straight into the running environment's
	 * struct exo_regs (arch_user_regs): a call that blocks has nothing
	 * left to copy. rsp is the only free register until it is saved.
	 * rcx and r11 (rip and rflags) are clobbered by the ABI; their slots
	 * are never resumed from (sysret reloads them from rip and rflags).
	 */
	mov %rsp, syscall_user_rsp(%rip)
	mov arch_user_regs(%rip), %rsp
	mov %rbx, 8(%rsp)
	mov %rdx, 24(%rsp)
	mov %rsi, 32(%rsp)
	mov %rdi, 40(%rsp)
	mov %rbp, 48(%rsp)
	mov %r8, 64(%rsp)
	mov %r9, 72(%rsp)
	mov %r10, 80(%rsp)
	mov %r12, 96(%rsp)
	mov %r13, 104(%rsp)
	mov %r14, 112(%rsp)
	mov %r15, 120(%rsp)
	mov %rcx, 128(%rsp)
	mov %r11, 136(%rsp)
	mov syscall_user_rsp(%rip), %rcx
	mov %rcx, 56(%rsp)
	movabs $kernel_stack_top, %rsp
	mov arch_cur_info(%rip), %r11
	incq INFO_SYSCALLS(%r11)
	mov arch_sysinfo(%rip), %r11
	incq SYSINFO_SYSCALLS(%r11)
	cmp syscall_count(%rip), %rax
	jae 1f
	lea syscall_table(%rip), %r11
	mov (%r11, %rax, 8), %r11
	test %r11, %r11			/* a gap in the numbers */
	jz 1f
	mov %r10, %rcx
	call *%r11
	jmp syscall_exit
1:	mov $-5, %rax			/* EXO_ERR_NOSYS */

	/*
	 * The handler returned: rax is its result. rbx, rbp and r12-r15
	 * still hold the user's values (the C ABI preserved them); the
	 * caller-saved registers come back from the saved context, including
	 * any IPC outputs the handler wrote there. Nothing of the kernel's
	 * is left in a register.
	 */
syscall_exit:
	mov arch_user_regs(%rip), %rcx
	mov 24(%rcx), %rdx
	mov 32(%rcx), %rsi
	mov 40(%rcx), %rdi
	mov 64(%rcx), %r8
	mov 72(%rcx), %r9
	mov 80(%rcx), %r10
	mov 136(%rcx), %r11
	mov 56(%rcx), %rsp
	mov 128(%rcx), %rcx
	sysretq

/*
 * syscall from 32-bit compatibility mode (MSR_CSTAR). There is no 32-bit
 * system-call ABI: refuse it at once, still on the user's stack and with
 * interrupts masked, touching no memory. sysretl returns to compatibility
 * mode at ecx.
 */
	.globl syscall_compat_entry
syscall_compat_entry:
	mov $-5, %eax			/* EXO_ERR_NOSYS */
	sysretl

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
	/*
	 * sysret: rcx <- rip, r11 <- rflags. A context saved by syscall_entry
	 * has IF set and IOPL 0 already.
	 */
	mov 128(%rdi), %rcx
	mov 136(%rdi), %r11
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
