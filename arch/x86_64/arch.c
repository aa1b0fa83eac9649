/* SPDX-License-Identifier: MIT */
/* The arch_* hooks that do not belong to a more specific file. */
#include <stdint.h>

#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include <exo/testexit.h>

#include "serial.h"

void arch_early_init(void)
{
	serial_init();
	arch_cpu_init();
}

void arch_console_write(const char *s, size_t len)
{
	serial_write(s, len);
}

bool arch_aux_present(void)
{
	return serial_aux_present();
}

size_t arch_aux_read(char *buf, size_t len)
{
	return serial_aux_read(buf, len);
}

void arch_irq_disable(void)
{
	cli();
}

void arch_idle(void)
{
	sti_hlt();
}

_Noreturn void arch_exit(uint32_t code)
{
	cli();
	/* QEMU exits here when it has an isa-debug-exit device... */
	outl(EXO_TEST_PORT, code);
	/* ...otherwise stop this CPU for good. */
	for (;;) {
		hlt();
	}
}
