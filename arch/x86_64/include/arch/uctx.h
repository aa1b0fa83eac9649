/* SPDX-License-Identifier: MIT */
/*
 * Entering and leaving user mode. The kernel is not preemptible and has
 * one stack: a user context lives only in its environment's struct
 * exo_regs while the kernel runs, and resuming one abandons whatever the
 * kernel stack held.
 */
#ifndef ARCH_UCTX_H
#define ARCH_UCTX_H

#include <stdint.h>

#include <exo/abi.h>

/*
 * What syscall_entry saves on the kernel stack: the registers the system
 * call ABI preserves, the argument registers (which double as the IPC
 * payload on the way out) and the return state. Handlers that change
 * the outputs write here; the exit path reloads everything from it.
 */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx;
	uint64_t r9, r8, r10, rdx, rsi, rdi;
	uint64_t rflags, rip, rsp;
};
_Static_assert(sizeof(struct syscall_frame) == 15 * 8, "syscall frame");

/* The frame of the system call in progress (valid inside a handler). */
extern struct syscall_frame *syscall_cur_frame;

/*
 * Where the arch saves the interrupted user context on a trap from user
 * mode; the exokernel points it at the running environment's registers.
 */
extern struct exo_regs *arch_user_regs;

/*
 * The running environment's info page and the system info page, whose
 * system-call counters the entry code bumps.
 */
extern void *arch_cur_info;
extern void *arch_sysinfo;

/* Set up syscall/sysret (STAR, LSTAR, SFMASK, EFER.SCE). */
void arch_syscall_init(void);

/*
 * Resume a user context and never return. With @fast, the context was
 * saved by a system call: rcx and r11 are not restored (the ABI clobbers
 * them) and sysret is used; otherwise iretq restores every register.
 */
_Noreturn void arch_user_resume(const struct exo_regs *r, int fast);

/* Copy the syscall frame into a full context (for blocking calls). */
void arch_regs_from_syscall(struct exo_regs *r, const struct syscall_frame *f,
			    int64_t ret);

/* Load @root as the page-table root if it is not already. */
void arch_switch_root(uint64_t root);

/* The page-table root the CPU is using. */
uint64_t arch_current_root(void);

/* Drop the TLB entry for @va in the current address space. */
void arch_tlb_flush_page(uint64_t va);

/* Rip and rsp that are safe to resume in user mode (user half). */
static inline int arch_user_addr_ok(uint64_t va)
{
	return va < EXO_USER_TOP;
}

#endif
