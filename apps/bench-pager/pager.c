/* SPDX-License-Identifier: MIT */
/*
 * The pager benchmarks, run as init, through the pager interface: what an
 * application pays. Definitions in apps/bench/bench.h; the same lines as
 * apps/bench,
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 */
#include <stdint.h>

#include <arch/cycles.h>
#include <libos/pager.h>
#include <libos/runtime.h>

#include "bench.h"
#include "../bench/report.h"

#define PAGE EXO_PAGE_SIZE
#define NPAGES PROT_REGION_PAGES

static uint64_t region; /* NPAGES touched pages */
static int order[NPAGES];

/* Appel & Li's handler: unprotect the page written, resume the write. */
static int unprot(struct exo_upcall_frame *f)
{
	uint64_t va = f->addr & ~(PAGE - 1);

	if (f->vector != 14 || va < region || va >= region + NPAGES * PAGE) {
		printf("bench: unexpected fault %lu at 0x%lx error %lx pte %lx env %x\n",
		       (unsigned long)f->vector, (unsigned long)f->addr,
		       (unsigned long)f->error, (unsigned long)exo_pte(f->addr & ~4095ul), env_self());
		return 1;
	}
	return pager_protect(va, PAGE, PAGER_PROT_RW) ? 2 : 0;
}

static uint64_t bench_prot1(int trial)
{
	uint64_t t0 = arch_read_cycles(), t;

	for (int i = 0; i < PROT1_ITERS; i++) {
		pager_protect(region, PAGE,
			      (i & 1) ? PAGER_PROT_RW : PAGER_PROT_R);
	}
	t = arch_read_cycles() - t0;
	report("prot1", PROT1_ITERS, trial, t);
	return t;
}

static void bench_trap(int trial, uint64_t prot1)
{
	volatile uint64_t *p = (volatile uint64_t *)region;
	uint64_t t0, t;

	t0 = arch_read_cycles();
	for (int i = 0; i < TRAP_ITERS; i++) {
		pager_protect(region, PAGE, PAGER_PROT_R);
		*p = (uint64_t)i; /* faults; the handler unprotects */
	}
	t = arch_read_cycles() - t0;
	if (*p != (uint64_t)(TRAP_ITERS - 1)) {
		printf("bench: trap writes were lost\n");
		failed = 1;
	}
	report("trap", TRAP_ITERS, trial, t - prot1 * TRAP_ITERS / PROT1_ITERS);
}

static void bench_protn(int trial)
{
	uint64_t prot = 0, unp = 0, t0;

	for (int i = 0; i < PROT100_ITERS; i++) {
		t0 = arch_read_cycles();
		pager_protect(region, NPAGES * PAGE, PAGER_PROT_R);
		prot += arch_read_cycles() - t0;
		t0 = arch_read_cycles();
		pager_protect(region, NPAGES * PAGE, PAGER_PROT_RW);
		unp += arch_read_cycles() - t0;
	}
	report("prot100", PROT100_ITERS, trial, prot);
	report("unprot100", PROT100_ITERS, trial, unp);
}

static void bench_appel1(int trial)
{
	uint64_t t0 = arch_read_cycles();

	for (int r = 0; r < APPEL_ROUNDS; r++) {
		for (int i = 0; i < NPAGES; i++) {
			uint64_t va = region + (uint64_t)order[i] * PAGE;

			pager_protect(va, PAGE, PAGER_PROT_R);
			*(volatile uint64_t *)va = (uint64_t)r;
		}
	}
	report("appel1", (uint64_t)APPEL_ROUNDS * NPAGES, trial,
	       arch_read_cycles() - t0);
}

static void bench_appel2(int trial)
{
	uint64_t t0 = arch_read_cycles();

	for (int r = 0; r < APPEL_ROUNDS; r++) {
		pager_protect(region, NPAGES * PAGE, PAGER_PROT_R);
		for (int i = 0; i < NPAGES; i++) {
			uint64_t va = region + (uint64_t)order[i] * PAGE;

			*(volatile uint64_t *)va = (uint64_t)r;
		}
	}
	report("appel2", (uint64_t)APPEL_ROUNDS * NPAGES, trial,
	       arch_read_cycles() - t0);
}

static void bench_dirty(int trial)
{
	uint64_t t0, n = 0;

	t0 = arch_read_cycles();
	for (int i = 0; i < DIRTY_ITERS; i++) {
		n += (uint64_t)pager_dirty(region + (uint64_t)(i & 1) * PAGE);
	}
	report("dirty", DIRTY_ITERS, trial, arch_read_cycles() - t0);
	if (n != DIRTY_ITERS) {
		printf("bench: written pages read as clean\n");
		failed = 1;
	}
}

static void bench_pagefault(int trial)
{
	uint64_t va = 0, t0, t;

	if (pager_map(&va, PAGEFAULT_ANON_PAGES * PAGE, PAGER_PROT_RW, 0)) {
		printf("bench: cannot map the region\n");
		failed = 1;
		return;
	}
	t0 = arch_read_cycles();
	for (uint64_t i = 0; i < PAGEFAULT_ANON_PAGES; i++) {
		*(volatile uint64_t *)(va + i * PAGE) = i;
	}
	t = arch_read_cycles() - t0;
	pager_unmap(va, PAGEFAULT_ANON_PAGES * PAGE);
	report("pagefault_anon", PAGEFAULT_ANON_PAGES, trial, t);
}

static void bench_fork(int trial)
{
	struct exo_exit_info x;
	uint64_t t0 = arch_read_cycles();

	for (int i = 0; i < FORK_EXIT_WAIT_ITERS; i++) {
		int64_t id = pager_fork();

		if (id == 0) {
			exo_env_exit(0, 0, 0, 0, 0, 0);
		}
		if (id < 0 || wait_child((exo_envid_t)id, &x) != id ||
		    x.reason != EXO_EXIT_NORMAL || x.code != 0) {
			printf("bench: fork, exit, wait failed: %s\n",
			       exo_status_name(id < 0 ? id : 0));
			failed = 1;
			return;
		}
	}
	report("fork_exit_wait", FORK_EXIT_WAIT_ITERS, trial,
	       arch_read_cycles() - t0);
}

/* The touched region Appel & Li's benchmarks use. */
static int region_setup(void)
{
	int err;

	region = 0;
	err = pager_map(&region, NPAGES * PAGE, PAGER_PROT_RW, 0);
	for (int i = 0; !err && i < NPAGES; i++) {
		*(volatile uint64_t *)(region + (uint64_t)i * PAGE) = 1;
	}
	return err;
}

int main(void)
{
	int err;

	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	bench_page_order(order, NPAGES);
	err = set_fault_handler(unprot, NULL);
	if (err) {
		printf("bench: set-up failed: %s\n", exo_status_name(err));
		return 1;
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		/* A small process: the region exists only for its benchmarks. */
		bench_fork(t);
		err = region_setup();
		if (err) {
			printf("bench: cannot map the region: %s\n",
			       exo_status_name(err));
			return 1;
		}
		bench_trap(t, bench_prot1(t));
		bench_protn(t);
		bench_appel1(t);
		bench_appel2(t);
		bench_dirty(t);
		pager_unmap(region, NPAGES * PAGE);
		bench_pagefault(t);
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
