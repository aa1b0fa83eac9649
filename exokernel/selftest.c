/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include <arch/arch.h>
#include <arch/mmu.h>
#include <exo/errors.h>
#include <exo/testexit.h>

#include "debug/ksyms.h"
#include "debug/panic.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "selftest.h"

static int failures;
static int checks;

extern char kernel_stack_guard[];

#define check(cond)                                                            \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond)) {                                                 \
			failures++;                                            \
			log_error("selftest", "FAIL %s:%d: %s", __FILE__,      \
				  __LINE__, #cond);                            \
		}                                                              \
	} while (0)

/* Every free frame can be taken, each once, and all come back. */
static void test_frames(void)
{
	uint64_t before = frame_free_count(&kframes);
	paddr_t first = 0, prev = 0, pa;
	uint64_t n = 0;
	int err;

	/* Chain the frames through their own first word to avoid a list. */
	while (!(err = frame_alloc(&kframes, FRAME_OWNER_KERNEL, &pa))) {
		check((pa & (FRAME_SIZE - 1)) == 0);
		check(pa >= (1ul << 20) && pa < kmem_phys_end());
		*(paddr_t *)phys_to_virt(pa) = prev;
		prev = pa;
		if (!first) {
			first = pa;
		}
		n++;
	}
	check(err == EXO_ERR_NO_MEMORY);
	check(n == before);
	check(frame_free_count(&kframes) == 0);
	while (prev) {
		paddr_t next = *(paddr_t *)phys_to_virt(prev);

		check(frame_unref(&kframes, prev) == 0);
		prev = next;
	}
	check(frame_free_count(&kframes) == before);
	if (first) {
		check(frame_unref(&kframes, first) == EXO_ERR_STATE);
	}
	check(frame_unref(&kframes, 0) == EXO_ERR_INVALID);
	log_info("selftest", "frames: took and returned all %lu free frames",
		 (unsigned long)n);
}

static void test_heap(void)
{
	void *p[64];
	uint64_t in_use = kheap.stats.bytes_in_use;

	for (int i = 0; i < 64; i++) {
		size_t size = 1 + i * 97;

		p[i] = kmalloc(size);
		check(p[i] != NULL);
		check(((uintptr_t)p[i] & 15) == 0);
		memset(p[i], i, size);
	}
	for (int i = 0; i < 64; i++) {
		check(((unsigned char *)p[i])[0] == i);
		kfree(p[i]);
	}
	check(kheap.stats.bytes_in_use == in_use);
	check(heap_free(&kheap, p[3]) == EXO_ERR_INVALID); /* double free */
}

static void test_timer(void)
{
	uint64_t t0 = arch_timer_ticks();
	int spins = 0;

	while (arch_timer_ticks() < t0 + 10 && spins++ < 1000) {
		arch_idle();
	}
	check(arch_timer_ticks() >= t0 + 10);
	check(arch_cycles_per_sec() > 0);
	log_info("selftest", "timer: %lu ticks so far",
		 (unsigned long)arch_timer_ticks());
}

static const char rodata_probe[] = "read-only";
static int data_probe;

static void test_page_tables(void)
{
	uint64_t root = arch_mmu_root();
	uint64_t nx = arch_mmu_has_nx() ? PTE_NX : 0;
	uint64_t e;
	int level;

	e = arch_pt_walk(root, (uint64_t)test_page_tables, &level);
	check((e & PTE_P) && !(e & PTE_W) && !(e & PTE_NX) && level == 1);
	e = arch_pt_walk(root, (uint64_t)rodata_probe, &level);
	check((e & PTE_P) && !(e & PTE_W) && (e & PTE_NX) == nx);
	e = arch_pt_walk(root, (uint64_t)&data_probe, &level);
	check((e & PTE_P) && (e & PTE_W) && (e & PTE_NX) == nx);
	check(arch_pt_walk(root, (uint64_t)kernel_stack_guard, NULL) == 0);
	e = arch_pt_walk(root, DMAP_BASE + (1ul << 20), &level);
	check((e & PTE_P) && (e & PTE_W) && level == 2);
	check(arch_pt_walk(root, 1ul << 20, NULL) == 0); /* no identity map */
	log_info("selftest", "page tables: kernel sections mapped by rights%s",
		 nx ? ", NX on" : "");
}

static void test_symbols(void)
{
	uint64_t off;
	const char *name = ksyms_lookup((uint64_t)test_symbols + 1, &off);

	check(ksyms_count_all() > 0);
	check(name && strcmp(name, "test_symbols") == 0 && off == 1);
}

static void test_boot(void)
{
	test_frames();
	test_heap();
	test_timer();
	test_page_tables();
	test_symbols();
	log_info("selftest", "boot: %d checks, %d failed", checks, failures);
	arch_exit(failures ? EXO_TEST_FAIL : EXO_TEST_PASS);
}

/*
 * The deliberate faults go through two named, non-inlined levels so the
 * test can assert that the backtrace names them.
 */
static volatile uint64_t *volatile fault_target =
	(volatile uint64_t *)0xffff8fffdead0000ul;

__attribute__((noinline)) static void fault_inner(void)
{
	/*
	 * Log first: the call forces the frame record to be complete before
	 * the store. A fault inside a function's prologue would show its
	 * caller's caller next, as every frame-pointer backtrace does.
	 */
	log_info("selftest", "writing to an unmapped page");
	*fault_target = 0x1234;
	log_error("selftest", "a write to an unmapped page did not fault");
}

static volatile int fault_returns;

__attribute__((noinline)) static void fault_outer(void)
{
	fault_inner();
	fault_returns++; /* keeps the call from becoming a tail jump */
}

/* Both volatile: 1 / x would otherwise be computed without a division. */
static volatile int dividend = 1, divisor;

__attribute__((noinline)) static void divide_by_zero(void)
{
	volatile int x = dividend / divisor;

	(void)x;
}

__attribute__((noinline)) static void invalid_opcode(void)
{
	__builtin_trap();
}

/* Far deeper than the 16 KiB kernel stack; volatile, so never folded. */
static volatile uint64_t recurse_limit = 1ul << 40;

__attribute__((noinline)) static uint64_t recurse(uint64_t n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n >= recurse_limit) {
		return 0;
	}
	return recurse(n + 1) + pad[0];
}

void selftest_run(const struct boot_info *bi)
{
	char name[32];

	if (!boot_cmdline_get(bi, "test", name, sizeof(name))) {
		return;
	}
	log_info("selftest", "running \"%s\"", name);
	if (strcmp(name, "boot") == 0) {
		test_boot();
	} else if (strcmp(name, "fault") == 0) {
		fault_outer();
	} else if (strcmp(name, "divide") == 0) {
		divide_by_zero();
	} else if (strcmp(name, "ud") == 0) {
		invalid_opcode();
	} else if (strcmp(name, "stack-overflow") == 0) {
		recurse(0);
	} else if (strcmp(name, "panic") == 0) {
		panic("deliberate panic from the self test");
	} else if (strcmp(name, "hang") == 0) {
		/* Spin with interrupts on: only the runner's timeout ends it. */
		for (;;) {
			arch_idle();
		}
	} else {
		log_error("selftest", "unknown test \"%s\"", name);
		arch_exit(EXO_TEST_FAIL);
	}
	log_error("selftest", "\"%s\" returned", name);
	arch_exit(EXO_TEST_FAIL);
}
