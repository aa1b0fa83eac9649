/* SPDX-License-Identifier: MIT */
/*
 * The module framework in a running environment: module images mapped
 * with page system calls in [MODULE_IMAGE_BASE, MODULE_IMAGE_TOP), the
 * libOS export table, the cycle counter and timer ticks, and the hook in
 * the libOS's upcall dispatch that lets faults and overruns in modules be
 * unwound to their gate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cycles.h>
#include <exo/errors.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>
#include <libos/sched_impl.h>

#define MODULE_IMAGE_BASE 0x0000500000000000ul
#define MODULE_IMAGE_TOP 0x0000600000000000ul

static uint64_t next_va = MODULE_IMAGE_BASE;

static uint64_t exo_map(void *ctx, uint64_t size)
{
	uint64_t va = next_va;

	/* A guard page between images; address space is not reused. */
	if (size > MODULE_IMAGE_TOP - next_va - EXO_PAGE_SIZE) {
		return 0;
	}
	if (map_anon(va, size / EXO_PAGE_SIZE)) {
		return 0;
	}
	next_va += size + EXO_PAGE_SIZE;
	return va;
}

static int exo_protect(void *ctx, uint64_t va, uint64_t size, uint32_t prot)
{
	uint32_t perm = EXO_PERM_R;
	int64_t n;

	if (prot & MODULE_PROT_W) {
		perm |= EXO_PERM_W;
	}
	if (prot & MODULE_PROT_X) {
		perm |= EXO_PERM_X;
	}
	n = exo_page_protect(EXO_ENV_SELF, va, size / EXO_PAGE_SIZE, perm, 0,
			     0);
	return n < 0 ? (int)n : 0;
}

static void exo_unmap(void *ctx, uint64_t va, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += EXO_PAGE_SIZE) {
		uint64_t pte = exo_pte(va + off);

		exo_page_unmap(EXO_ENV_SELF, va + off, 1, 0, 0, 0);
		if (pte & EXO_PTE_P) {
			exo_frame_free(pte & EXO_PTE_ADDR, 0, 0, 0, 0, 0);
		}
	}
}

static const struct module_map_ops exo_map_ops = {
	.map = exo_map,
	.protect = exo_protect,
	.unmap = exo_unmap,
};

uint64_t module_cycles(void)
{
	return arch_read_cycles();
}

void module_yield(void)
{
	exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
}

static uint64_t exo_ticks(void)
{
	return exo_sys_info()->ticks;
}

static void exo_relax(void)
{
	module_yield();
}

static void exo_log(const char *line)
{
	printf("%s\n", line);
}

static const struct module_export exports[] = {
	{ "memcpy", (const void *)memcpy, 0 },
	{ "memmove", (const void *)memmove, 0 },
	{ "memset", (const void *)memset, 0 },
	{ "memcmp", (const void *)memcmp, 0 },
	{ "strlen", (const void *)strlen, 0 },
	{ "strcmp", (const void *)strcmp, 0 },
	{ "strncmp", (const void *)strncmp, 0 },
	{ "snprintf", (const void *)snprintf, 0 },
	{ "printf", (const void *)printf, 0 },
	{ "malloc", (const void *)malloc, 0 },
	{ "calloc", (const void *)calloc, 0 },
	{ "realloc", (const void *)realloc, 0 },
	{ "free", (const void *)free, 0 },
	{ "module_cycles", (const void *)module_cycles, 0 },
	{ "module_yield", (const void *)module_yield, 0 },
	/* 1.1: what scheduling policies built as images need. */
	{ "strncpy", (const void *)strncpy, 1 },
	{ "sched_module_host_get", (const void *)sched_module_host_get, 1 },
};

const struct module_exports module_exports_libos = {
	.major = MODULE_EXPORTS_MAJOR,
	.minor = MODULE_EXPORTS_MINOR,
	.count = sizeof(exports) / sizeof(exports[0]),
	.sym = exports,
};

static const struct module_sys exo_sys = {
	.cycles = module_cycles,
	.ticks = exo_ticks,
	.relax = exo_relax,
	.log = exo_log,
	.exports = &module_exports_libos,
	.mops = &exo_map_ops,
	.mctx = NULL,
};

const struct module_sys *module_sys = &exo_sys;

int module_healing_enable(void)
{
	return set_upcall_filter(module_upcall);
}
