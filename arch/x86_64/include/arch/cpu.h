/* SPDX-License-Identifier: MIT */
/*
 * CPU set-up and the trap frame: segments, the task-state segment, the
 * interrupt table, and how exceptions and interrupts reach C.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

/* Segment selectors, in the order syscall/sysret require. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UCODE32 0x18
#define SEL_UDATA 0x20
#define SEL_UCODE 0x28
#define SEL_TSS 0x30

/* Interrupt vectors. */
#define VEC_PIC_BASE 32
#define VEC_TIMER (VEC_PIC_BASE + 0)
#define VEC_SPURIOUS 255

/* Interrupt stacks (TSS IST slots) for faults that must not reuse rsp. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Saved by trap.S; the layout is shared with it. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* 0 when the CPU pushes none */
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8,
	       "trap frame: vector after the GPRs");

/* Load the final GDT, TSS and IDT. Interrupts stay disabled. */
void arch_cpu_init(void);

/* The name of an exception vector ("page fault"), or NULL for others. */
const char *arch_exception_name(uint64_t vector);

/* Called from trap.S for every vector taken in kernel mode. */
void arch_trap(struct trap_frame *tf);

/* What trap.S passes for a vector taken in user mode. */
struct user_trap {
	uint64_t vector;
	uint64_t error; /* 0 when the CPU pushes none */
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct user_trap) == 7 * 8, "user trap layout");

/*
 * Called from trap.S for every vector taken in user mode, the user's
 * registers already saved in arch_user_regs. Never returns.
 */
_Noreturn void arch_user_trap(const struct user_trap *t);

/*
 * A kernel stack the backtrace may walk: [lo, hi). Returns 0 if @addr is on
 * a known kernel stack and fills the bounds, else -1.
 */
int arch_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi);

#endif
