/* SPDX-License-Identifier: MIT */
/*
 * Where every interrupt and exception lands. An exception in the kernel is
 * a kernel bug, so it produces the panic report: what happened, the error
 * code decoded, the faulting address, every register and a symbolised
 * backtrace through the trap to its cause.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/pci.h>
#include <arch/uctx.h>
#include <arch/x86.h>
#include <exo/testexit.h>

#include "debug/ksyms.h"
#include "debug/panic.h"
#include "log/log.h"
#include "timer.h"

#define VEC_PAGE_FAULT 14
#define BACKTRACE_MAX 32

static const char *const exception_names[32] = {
	[0] = "divide error",
	[1] = "debug",
	[2] = "non-maskable interrupt",
	[3] = "breakpoint",
	[4] = "overflow",
	[5] = "bound range exceeded",
	[6] = "invalid opcode",
	[7] = "device not available",
	[8] = "double fault",
	[10] = "invalid TSS",
	[11] = "segment not present",
	[12] = "stack-segment fault",
	[13] = "general protection fault",
	[14] = "page fault",
	[16] = "x87 floating-point error",
	[17] = "alignment check",
	[18] = "machine check",
	[19] = "SIMD floating-point error",
	[20] = "virtualization exception",
	[21] = "control protection exception",
	[28] = "hypervisor injection exception",
	[29] = "VMM communication exception",
	[30] = "security exception",
};

static const char *const exception_mnemonics[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "",    "#TS", "#NP", "#SS", "#GP", "#PF", "",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "",	 "",
	"",    "",    "",    "",    "#HV", "#VC", "#SX", "",
};

const char *arch_exception_name(uint64_t vector)
{
	if (vector >= 32) {
		return NULL;
	}
	return exception_names[vector];
}

/* Print frames from @rbp up, numbering them from @first. */
static void backtrace_from(uint64_t rbp, int first)
{
	uint64_t lo, hi;
	int depth;

	for (depth = first; depth < BACKTRACE_MAX; depth++) {
		uint64_t *frame = (uint64_t *)rbp;

		/*
		 * Walk only while the frame record lies wholly on a known
		 * kernel stack; anything else ends the trace safely.
		 */
		if (!rbp || (rbp & 7) || arch_stack_bounds(rbp, &lo, &hi) ||
		    rbp + 16 > hi) {
			break;
		}
		if (!frame[1]) {
			break;
		}
		kprintf("  #%-2d ", depth);
		debug_print_return(frame[1]);
		kprintf("\n");
		if (frame[0] <= rbp) {
			break; /* frames must go up the stack */
		}
		rbp = frame[0];
	}
	if (depth == 0) {
		kprintf("  (no frames)\n");
	}
}

void arch_backtrace(uint64_t rbp)
{
	backtrace_from(rbp, 0);
}

/*
 * A fault on a function's first instruction, or on a jump to a bad address,
 * comes before the function saved its frame pointer: rbp still names the
 * caller's caller, and the caller is only in the return address on top of
 * the stack. Print it (when it is kernel code) so no frame goes missing.
 * Returns how many frames it printed.
 */
static int print_entry_caller(const struct trap_frame *tf)
{
	uint64_t off, lo, hi, ret;

	if (ksyms_lookup(tf->rip, &off) && off != 0) {
		return 0;
	}
	if ((tf->rsp & 7) || arch_stack_bounds(tf->rsp, &lo, &hi) ||
	    tf->rsp + 8 > hi) {
		return 0;
	}
	ret = *(const uint64_t *)tf->rsp;
	if (!ksyms_lookup(ret - 1, &off)) {
		return 0;
	}
	kprintf("  #1  ");
	debug_print_return(ret);
	kprintf(" (return address on the stack)\n");
	return 1;
}

static void decode_page_fault(uint64_t err)
{
	kprintf(" [%s, %s, %s%s%s]", err & 1 ? "protection" : "not present",
		err & 2 ? "write" : "read", err & 4 ? "user" : "kernel",
		err & 8 ? ", reserved bit" : "",
		err & 16 ? ", instruction fetch" : "");
}

static _Noreturn void exception_report(struct trap_frame *tf)
{
	uint64_t v = tf->vector;
	const char *name = exception_names[v];

	if (panic_begin()) {
		kprintf("\n*** nested fault: vector %lu ***\n",
			(unsigned long)v);
		arch_exit(EXO_TEST_PANIC);
	}
	kprintf("\n*** KERNEL PANIC: %s (%s, vector %lu) ***\n",
		name ? name : "reserved exception", exception_mnemonics[v],
		(unsigned long)v);
	kprintf("error code: 0x%lx", (unsigned long)tf->error);
	if (v == VEC_PAGE_FAULT) {
		decode_page_fault(tf->error);
	}
	kprintf("\nfaulting address (cr2): 0x%016lx\n",
		(unsigned long)read_cr2());
	kprintf("rip: ");
	debug_print_addr(tf->rip);
	kprintf("\n");
	kprintf("rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax,
		tf->rbx, tf->rcx, tf->rdx);
	kprintf("rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", tf->rsi,
		tf->rdi, tf->rbp, tf->rsp);
	kprintf("r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8, tf->r9,
		tf->r10, tf->r11);
	kprintf("r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", tf->r12,
		tf->r13, tf->r14, tf->r15);
	kprintf("rip=%016lx rflags=%016lx cs=%04lx ss=%04lx\n", tf->rip,
		tf->rflags, tf->cs, tf->ss);
	kprintf("cr0=%016lx cr3=%016lx cr4=%016lx\n", read_cr0(), read_cr3(),
		read_cr4());
	kprintf("backtrace:\n  #0  ");
	debug_print_addr(tf->rip);
	kprintf("\n");
	backtrace_from(tf->rbp, 1 + print_entry_caller(tf));
	panic_end();
}

/* The trap frame of a user-mode trap, rebuilt for exception_report. */
static void user_trap_frame(const struct user_trap *t, struct trap_frame *tf)
{
	const struct exo_regs *r = arch_user_regs;

	tf->rax = r->rax;
	tf->rbx = r->rbx;
	tf->rcx = r->rcx;
	tf->rdx = r->rdx;
	tf->rsi = r->rsi;
	tf->rdi = r->rdi;
	tf->rbp = r->rbp;
	tf->r8 = r->r8;
	tf->r9 = r->r9;
	tf->r10 = r->r10;
	tf->r11 = r->r11;
	tf->r12 = r->r12;
	tf->r13 = r->r13;
	tf->r14 = r->r14;
	tf->r15 = r->r15;
	tf->vector = t->vector;
	tf->error = t->error;
	tf->rip = t->rip;
	tf->cs = t->cs;
	tf->rflags = t->rflags;
	tf->rsp = t->rsp;
	tf->ss = t->ss;
}

/* Returns 1 if the interrupt needs no further handling. */
static int handle_irq(uint64_t v)
{
	unsigned irq = v - VEC_PIC_BASE;

	if (irq == 0) {
		timer_tick();
		kernel_tick();
		return 0;
	}
	if (pic_spurious(irq)) {
		return 1;
	}
	/* The device is quieted before the PIC hears the end. */
	kernel_irq(irq);
	pic_eoi(irq);
	return 1;
}

void arch_trap(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	/* An exception in the kernel is a kernel bug. */
	if (v < 32) {
		exception_report(tf);
	}
	if (v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16) {
		handle_irq(v);
	} else {
		log_warn("trap", "unexpected interrupt vector %lu",
			 (unsigned long)v);
	}
}

_Noreturn void arch_user_trap(const struct user_trap *t)
{
	uint64_t v = t->vector;

	/* Machine trouble is never the environment's to handle. */
	if (v == 2 || v == 8 || v == 18) {
		struct trap_frame tf;

		user_trap_frame(t, &tf);
		exception_report(&tf);
	}
	if (v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16) {
		handle_irq(v);
	} else if (v >= 32) {
		log_warn("trap", "unexpected interrupt vector %lu",
			 (unsigned long)v);
	}
	kernel_user_trap(v, t->error, v == VEC_PAGE_FAULT ? read_cr2() : 0);
}
