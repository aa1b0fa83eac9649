/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdint.h>

#include <arch/arch.h>
#include <exo/testexit.h>

#include "debug/ksyms.h"
#include "debug/panic.h"
#include "log/log.h"

static volatile int panicking;

int panic_begin(void)
{
	arch_irq_disable();
	return panicking++;
}

_Noreturn void panic_end(void)
{
	kprintf("*** end of panic report ***\n");
	arch_exit(EXO_TEST_PANIC);
}

static void print_symbolised(uint64_t addr, uint64_t lookup)
{
	uint64_t off = 0;
	const char *name = ksyms_lookup(lookup, &off);

	if (name) {
		kprintf("0x%016lx <%s+0x%lx>", (unsigned long)addr, name,
			(unsigned long)(off + (addr - lookup)));
	} else {
		kprintf("0x%016lx", (unsigned long)addr);
	}
}

void debug_print_addr(uint64_t addr)
{
	print_symbolised(addr, addr);
}

void debug_print_return(uint64_t ret)
{
	/*
	 * A call to a function that never returns can be the last
	 * instruction of its caller; the byte before the return address
	 * is always inside the call.
	 */
	print_symbolised(ret, ret - 1);
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	if (panic_begin()) {
		kprintf("\n*** nested panic ***\n");
		arch_exit(EXO_TEST_PANIC);
	}
	kprintf("\n*** KERNEL PANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf(" ***\nbacktrace:\n");
	arch_backtrace((uint64_t)__builtin_frame_address(0));
	panic_end();
}
