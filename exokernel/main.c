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
#include <exo/testexit.h>

#include "boot/bootinfo.h"
#include "boot/multiboot2.h"
#include "debug/panic.h"
#include "disk/disk.h"
#include "env/env.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "vm/vm.h"
#include "selftest.h"

#define TIMER_HZ 1000

void kmain(uint32_t magic, uint32_t info_pa, uint64_t boot_tsc);
static void start_init(const struct boot_info *bi);

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
	vm_pt_check = boot_cmdline_get(&boot_info, "ptcheck", NULL, 0);
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
	disk_init();
	start_init(&boot_info);

	log_info("boot", "no init module: idle");
	for (;;) {
		arch_idle();
	}
}

static exo_envid_t init_id;
static struct exo_exit_info init_exit;
static uint64_t frames_free_at_start;

/* Start the first environment from the boot module named "init". */
static void start_init(const struct boot_info *bi)
{
	const struct boot_module *m = boot_info_module(bi, "init");
	struct env *e;
	int err;

	if (!m) {
		return;
	}
	env_init();
	sysinfo->tick_hz = TIMER_HZ;
	frames_free_at_start = frame_free_count(&kframes);
	err = env_load_elf(phys_to_virt(m->start), m->end - m->start, 0, &e);
	if (!err) {
		/* First, so that it is init's slot 0 (docs/disk.md). */
		int slot = disk_give_root(e);

		if (slot >= 0) {
			log_info("boot", "init holds the whole disk in slot %d",
				 slot);
		}
		err = env_give_modules(e, bi);
	}
	if (err) {
		panic("cannot start init: %s", exo_status_name(err));
	}
	init_id = e->id;
	log_info("boot", "init is environment %x", e->id);
	arch_irq_disable();
	sched_next();
}

void kernel_env_ended(const struct env *e)
{
	if (e->id == init_id) {
		init_exit = e->exit;
	}
}

/*
 * Every frame an environment held must be back: nothing owned by an
 * environment or orphaned, no page table left. Returns the leak count.
 */
static uint64_t count_leaks(void)
{
	uint64_t leaked = 0;

	for (uint64_t pfn = 0; pfn < kframes.nframes; pfn++) {
		const struct frame *f = &kframes.frames[pfn];

		if (f->state == FRAME_USED && f->owner != FRAME_OWNER_KERNEL) {
			leaked++;
		}
	}
	return leaked + (uint64_t)(vm_kernel_frames > 0 ? vm_kernel_frames : 0);
}

static _Noreturn void finish(bool ok)
{
	uint64_t leaked = count_leaks();

	log_info("kernel", "frames: %lu free (%lu at start), %lu leaked",
		 (unsigned long)frame_free_count(&kframes),
		 (unsigned long)frames_free_at_start, (unsigned long)leaked);
	log_info("kernel", "%lu system calls, %lu faults, %lu context switches",
		 (unsigned long)sysinfo->syscalls,
		 (unsigned long)sysinfo->faults,
		 (unsigned long)sysinfo->context_switches);
	arch_exit(ok && !leaked ? EXO_TEST_PASS : EXO_TEST_FAIL);
}

_Noreturn void kernel_shutdown(void)
{
	log_info("kernel", "all environments have ended; init %s with %ld",
		 init_exit.reason == EXO_EXIT_NORMAL ? "exited" : "was killed",
		 (long)init_exit.code);
	finish(init_exit.reason == EXO_EXIT_NORMAL && init_exit.code == 0);
}

_Noreturn void kernel_deadlock(void)
{
	finish(false);
}
