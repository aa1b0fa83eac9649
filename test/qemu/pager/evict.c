/* SPDX-License-Identifier: MIT */
/*
 * Eviction under a memory limit, as init: a workload over more pages than
 * may be resident, whose results must still be right. Built once per
 * replacement policy (POLICY).
 */
#include <stdint.h>
#include <stdlib.h>

#include <libos/pager.h>
#include <libos/runtime.h>

#define PAGE EXO_PAGE_SIZE
#define LIMIT 32
#define PAGES 256

int pager_cow_use_policy(const char *name);

static int checks;

/* Writes to read-only pages: counted, and the page made writable. */
static volatile int traps;

static int on_fault(struct exo_upcall_frame *f)
{
	traps++;
	return pager_protect(f->addr & ~(PAGE - 1), PAGE, PAGER_PROT_RW) ? 2
									 : 0;
}

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("FAIL: %s:%d: ", __FILE__, __LINE__);      \
			printf(__VA_ARGS__);                               \
			printf("\n");                                      \
			exit(1);                                           \
		}                                                          \
		checks++;                                                  \
	} while (0)

int main(void)
{
	static uint64_t expect[PAGES];
	struct pager_stats st;
	uint64_t va = 0, seed = 12345;
	volatile uint64_t *p;

	CHECK(pager_cow_use_policy(POLICY) == 0, "policy %s", POLICY);
	CHECK(pager_set_limit(1) == EXO_ERR_INVALID, "a limit of 1 refused");
	CHECK(pager_set_limit(LIMIT) == 0, "limit");
	CHECK(pager_map(&va, PAGES * PAGE, PAGER_PROT_RW, 0) == 0, "map");
	p = (volatile uint64_t *)va;
	for (uint64_t i = 0; i < PAGES; i++) {
		expect[i] = i * 0x9e3779b97f4a7c15ul;
		p[i * 512] = expect[i];
		p[i * 512 + 511] = ~expect[i];
	}
	/* Random updates: a working set eight times the limit. */
	for (int k = 0; k < 2000; k++) {
		uint64_t i;

		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		i = (seed >> 33) % PAGES;
		CHECK(p[i * 512] == expect[i], "page %lu kept its data",
		      (unsigned long)i);
		expect[i] += 1;
		p[i * 512] = expect[i];
		p[i * 512 + 511] = ~expect[i];
	}
	for (uint64_t i = 0; i < PAGES; i++) {
		CHECK(p[i * 512] == expect[i] && p[i * 512 + 511] == ~expect[i],
		      "page %lu right at the end", (unsigned long)i);
	}
	pager_stats(&st);
	CHECK(st.resident <= LIMIT, "at most %d resident (%lu)", LIMIT,
	      (unsigned long)st.resident);
	CHECK(st.evictions > PAGES && st.swap_ins > 0,
	      "pages went out and came back");
	/* A read-only page pushed out comes back read-only. */
	CHECK(set_fault_handler(on_fault, NULL) == 0, "fault handler");
	CHECK(pager_protect(va + 3 * PAGE, PAGE, PAGER_PROT_R) == 0,
	      "protect page 3");
	for (uint64_t i = 0; i < PAGES; i++) {
		CHECK(i == 3 || p[i * 512] == expect[i], "page %lu read",
		      (unsigned long)i);
	}
	CHECK(!(exo_pte(va + 3 * PAGE) & EXO_PTE_P), "page 3 went out");
	CHECK(p[3 * 512] == expect[3], "page 3 read back");
	CHECK(!(exo_pte(va + 3 * PAGE) & EXO_PTE_W), "still read-only");
	p[3 * 512] = 3;
	CHECK(traps == 1 && p[3 * 512] == 3, "a write trapped once (%d)",
	      traps);
	CHECK(pager_fork() == EXO_ERR_STATE, "no fork with pages out");
	CHECK(pager_unmap(va, PAGES * PAGE) == 0, "unmap");
	pager_stats(&st);
	CHECK(st.resident == 0, "nothing resident after unmap");
	printf("pager: %s kept %d of %d pages resident: %lu evictions, %lu "
	       "swap-ins, results right\n", POLICY, LIMIT, PAGES,
	       (unsigned long)st.evictions, (unsigned long)st.swap_ins);
	printf("pager: all %d checks passed\n", checks);
	return 0;
}
