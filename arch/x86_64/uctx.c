/* SPDX-License-Identifier: MIT */
/* System-call set-up and the small pieces of user-context switching. */
#include <stdint.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/uctx.h>
#include <arch/x86.h>

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define EFER_SCE (1u << 0)

/* Flags cleared on entry: IF, TF, DF, AC, NT. */
#define SFMASK_BITS (0x200u | 0x100u | 0x400u | 0x40000u | 0x4000u)

struct exo_regs *arch_user_regs;

/* Counter pages syscall.S bumps on every call; set by the exokernel. */
void *arch_cur_info;
void *arch_sysinfo;

extern char syscall_entry[], syscall_compat_entry[];

_Static_assert(__builtin_offsetof(struct exo_env_info, syscalls) == 16,
	       "syscall.S INFO_SYSCALLS");
_Static_assert(__builtin_offsetof(struct exo_sys_info, syscalls) == 32,
	       "syscall.S SYSINFO_SYSCALLS");
_Static_assert(__builtin_offsetof(struct exo_regs, rip) == 128 &&
		       __builtin_offsetof(struct exo_regs, rflags) == 136 &&
		       __builtin_offsetof(struct exo_regs, r8) == 64,
	       "syscall.S exo_regs offsets");
_Static_assert(SEL_UDATA == 0x20 && SEL_UCODE == 0x28,
	       "syscall.S user selectors");

void arch_syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret: CS = base + 16, SS = base + 8, from the 32-bit user code. */
	wrmsr(MSR_STAR, ((uint64_t)SEL_UCODE32 << 48) |
				((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/*
	 * User code can far-return into the 32-bit code segment and execute
	 * syscall there; where the CPU honours CSTAR (AMD, QEMU), a zero
	 * CSTAR would start ring 0 at address 0.
	 */
	wrmsr(MSR_CSTAR, (uint64_t)syscall_compat_entry);
	wrmsr(MSR_SFMASK, SFMASK_BITS);
}

void arch_switch_root(uint64_t root)
{
	if (read_cr3() != root) {
		write_cr3(root);
	}
}

uint64_t arch_current_root(void)
{
	return read_cr3();
}

void arch_tlb_flush_page(uint64_t va)
{
	invlpg(va);
}

void arch_tlb_flush_range(uint64_t va, uint64_t npages)
{
	if (npages > ARCH_TLB_FLUSH_ALL_PAGES) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t end = va + npages * PAGE_SIZE; va < end; va += PAGE_SIZE) {
		invlpg(va);
	}
}
