/* SPDX-License-Identifier: MIT */
/*
 * Switching user-level threads (libos/sched/thread.c). A switched-out
 * thread is a struct exo_regs, the same record a preemption upcall frame
 * holds, so a thread that gave the CPU up and one that was preempted are
 * resumed alike, by thread_switch here or by exo_upcall_entry.
 *
 *	void thread_switch(struct exo_regs *save, const struct exo_regs *load,
 *			   uint32_t preempt_off, int load_full);
 *
 * saves in @save what a function call must keep (rbx, rbp, r12-r15) and
 * a resume point (our return, with the stack as after it), sets
 * sched_preempt_off to the value @load's thread had, and resumes @load.
 * With @load_full 0, @load was saved here too: only those registers are
 * loaded and we jump to its resume point. Otherwise (a thread that was
 * preempted, or one never run) every register is loaded: rip and rax
 * pushed below its rsp (libOS code has no red zone) and taken by pop/ret,
 * as upcall.S does. A preemption upcall that lands anywhere in
 * [thread_switch, thread_switch_end) is deferred by the scheduler: the
 * registers are half loaded there.
 *
 * Offsets in struct exo_regs: rax 0, rbx 8, rcx 16, rdx 24, rsi 32, rdi 40,
 * rbp 48, rsp 56, r8 64 .. r15 120, rip 128, rflags 136.
 */
	.text
	.globl thread_switch, thread_switch_end
	.type thread_switch, @function
thread_switch:
	mov %rbx, 8(%rdi)
	mov %rbp, 48(%rdi)
	mov %r12, 96(%rdi)
	mov %r13, 104(%rdi)
	mov %r14, 112(%rdi)
	mov %r15, 120(%rdi)
	mov (%rsp), %rax
	mov %rax, 128(%rdi)		/* resume at our return address */
	lea 8(%rsp), %rax
	mov %rax, 56(%rdi)		/* with the stack as after ret */
	movl %edx, sched_preempt_off(%rip)
	test %ecx, %ecx
	jnz 1f
	mov 8(%rsi), %rbx
	mov 48(%rsi), %rbp
	mov 96(%rsi), %r12
	mov 104(%rsi), %r13
	mov 112(%rsi), %r14
	mov 120(%rsi), %r15
	mov 56(%rsi), %rsp
	jmp *128(%rsi)
1:	mov %rsi, %rax
	mov 56(%rax), %rcx		/* the target's rsp */
	sub $16, %rcx
	mov 128(%rax), %rdx
	mov %rdx, 8(%rcx)		/* rip, for ret */
	mov 0(%rax), %rdx
	mov %rdx, 0(%rcx)		/* rax, for pop */
	pushq 136(%rax)
	popfq
	mov %rcx, %rsp
	mov 8(%rax), %rbx
	mov 16(%rax), %rcx
	mov 24(%rax), %rdx
	mov 32(%rax), %rsi
	mov 40(%rax), %rdi
	mov 48(%rax), %rbp
	mov 64(%rax), %r8
	mov 72(%rax), %r9
	mov 80(%rax), %r10
	mov 88(%rax), %r11
	mov 96(%rax), %r12
	mov 104(%rax), %r13
	mov 112(%rax), %r14
	mov 120(%rax), %r15
	pop %rax
	ret
thread_switch_end:
	.size thread_switch, . - thread_switch
	.section .note.GNU-stack, "", @progbits
