/* SPDX-License-Identifier: MIT */
/*
 * kmain: from the boot stub to a running kernel. Parses what the boot loader
 * handed over, reports it, brings up memory and time, then runs the self
 * test named on the command line (if any) or idles.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <arch/mmu.h>
#include <axo/config.h>
#include <exo/errors.h>

#include "boot/bootinfo.h"
#include "boot/multiboot2.h"
#include "debug/panic.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "selftest.h"

#define TIMER_HZ 1000

void kmain(uint32_t magic, uint32_t info_pa, uint64_t boot_tsc);

static struct boot_info boot_info;

static void parse_boot_info(uint32_t magic, uint32_t info_pa)
{
	uint32_t total;
	int err;

	if (magic != MB2_BOOTLOADER_MAGIC) {
		panic("not started by a Multiboot2 loader (magic 0x%x)", magic);
	}
	/* The boot direct map covers the first 4 GiB; a 32-bit address is
	 * inside it, but the structure must not run past it. */
	total = *(const volatile uint32_t *)phys_to_virt(info_pa);
	if ((uint64_t)info_pa + BOOT_INFO_MAX > (4ul << 30)) {
		panic("Multiboot2 information at 0x%x is too high", info_pa);
	}
	err = mb2_parse(phys_to_virt(info_pa),
			total < BOOT_INFO_MAX ? total : BOOT_INFO_MAX, info_pa,
			&boot_info);
	if (err) {
		panic("bad Multiboot2 information: %s at offset %u (%s)",
		      boot_info.error ? boot_info.error : "?",
		      boot_info.error_offset, exo_status_name(err));
	}
}

static void report_boot_info(const struct boot_info *bi)
{
	log_info("boot", "loader \"%s\", command line \"%s\"", bi->loader,
		 bi->cmdline);
	log_info("boot", "memory map: %u regions", bi->mmap_count);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		log_info("boot", "  [0x%012lx-0x%012lx) %8lu KiB %s",
			 (unsigned long)r->base,
			 (unsigned long)(r->base + r->length),
			 (unsigned long)(r->length >> 10),
			 boot_mem_type_name(r->type));
	}
	log_info("boot", "modules: %u", bi->module_count);
	for (uint32_t i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];

		log_info("boot", "  %s at [0x%lx-0x%lx) %lu bytes", m->name,
			 (unsigned long)m->start, (unsigned long)m->end,
			 (unsigned long)(m->end - m->start));
	}
}

void kmain(uint32_t magic, uint32_t info_pa, uint64_t boot_tsc)
{
	uint64_t ready, hz;

	arch_set_boot_cycles(boot_tsc);
	arch_early_init();
	log_init(arch_console_write, arch_time_ns);
	kprintf("\nAxolotl %s, an exokernel for x86-64\n", CONFIG_VERSION);

	parse_boot_info(magic, info_pa);
	report_boot_info(&boot_info);
	kmem_init(&boot_info);
	arch_timer_init(TIMER_HZ);

	ready = arch_cycles() - arch_boot_cycles();
	hz = arch_cycles_per_sec();
	log_info("boot",
		 "TSC %lu.%03lu MHz; ready %lu us after entry (%lu cycles)",
		 (unsigned long)(hz / 1000000),
		 (unsigned long)(hz / 1000 % 1000),
		 (unsigned long)(hz ? ready * 1000000 / hz : 0),
		 (unsigned long)ready);

	selftest_run(&boot_info);

	log_info("boot", "idle");
	for (;;) {
		arch_idle();
	}
}
