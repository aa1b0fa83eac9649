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
 * Where the arch saves the user context on a system call or a trap from
 * user mode; the exokernel points it at the running environment's
 * registers. A system call's handler finds its caller's registers there
 * and may write outputs into them (rax is the handler's result).
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

/* Load @root as the page-table root if it is not already. */
void arch_switch_root(uint64_t root);

/* The page-table root the CPU is using. */
uint64_t arch_current_root(void);

/* Drop the TLB entry for @va in the current address space. */
void arch_tlb_flush_page(uint64_t va);

/*
 * Drop the TLB entries for @npages pages from @va in the current address
 * space: one INVLPG per page for a few pages, one reload of the root (which
 * drops every non-global entry) above ARCH_TLB_FLUSH_ALL_PAGES, as Linux does.
 */
#define ARCH_TLB_FLUSH_ALL_PAGES 32
void arch_tlb_flush_range(uint64_t va, uint64_t npages);

/* Rip and rsp that are safe to resume in user mode (user half). */
static inline int arch_user_addr_ok(uint64_t va)
{
	return va < EXO_USER_TOP;
}

#endif
