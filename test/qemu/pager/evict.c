/* SPDX-License-Identifier: MIT */
/*
 * Eviction under a memory limit, as init: a workload over more pages than
 * may be resident, whose results must still be right; then a fork with
 * most pages in the swap store, after which parent, child and grandchild
 * each read all their data back and write their own. Built once per
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

static uint64_t expect[PAGES];
static volatile uint64_t *p;

/* Every page holds expect[i] ^ @x at its start and the complement at its end. */
static int all_right(uint64_t x)
{
	for (uint64_t i = 0; i < PAGES; i++) {
		if (p[i * 512] != (expect[i] ^ x) ||
		    p[i * 512 + 511] != ~(expect[i] ^ x)) {
			printf("FAIL: page %lu holds 0x%lx, not 0x%lx\n",
			       (unsigned long)i, (unsigned long)p[i * 512],
			       (unsigned long)(expect[i] ^ x));
			return 0;
		}
	}
	return 1;
}

static void write_all(uint64_t x)
{
	for (uint64_t i = 0; i < PAGES; i++) {
		p[i * 512] = expect[i] ^ x;
		p[i * 512 + 511] = ~(expect[i] ^ x);
	}
}

/*
 * The child of a fork under the limit: it reads back everything (from its
 * copies of the swapped-out pages, and the pages it shares), then writes
 * its own data, with the limit still kept; it forks once more itself.
 */
static void forked_child(uint64_t x, int depth)
{
	struct exo_exit_info info;
	struct pager_stats st0, st;
	int64_t g;

	pager_stats(&st0);
	CHECK(all_right(0), "the child (depth %d) reads the parent's data", depth);
	write_all(x);
	CHECK(all_right(x), "the child (depth %d) reads its own data", depth);
	pager_stats(&st);
	CHECK(st.swap_ins > st0.swap_ins && st.evictions > st0.evictions,
	      "the child swapped in and out itself");
	CHECK(st.resident <= LIMIT, "the child keeps the limit (%lu)",
	      (unsigned long)st.resident);
	if (depth == 1) {
		/* Its own pages are now partly lent frames of its parent's. */
		g = pager_fork();
		CHECK(g >= 0, "the child forks (%s)", exo_status_name(g));
		if (g == 0) {
			CHECK(all_right(x), "the grandchild reads the child's data");
			write_all(x * 3);
			CHECK(all_right(x * 3), "the grandchild its own");
			exit(0);
		}
		CHECK(wait_child((exo_envid_t)g, &info) == g &&
			      info.reason == EXO_EXIT_NORMAL && info.code == 0,
		      "the grandchild ended well");
		CHECK(all_right(x), "the child's data after the grandchild's");
	}
	exit(0);
}

int main(void)
{
	struct exo_exit_info info;
	int64_t child;
	struct pager_stats st;
	uint64_t va = 0, seed = 12345;

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
	p[3 * 512] = expect[3]; /* the handler made it writable again */
	/* Fork with most pages in the swap store. */
	child = pager_fork();
	CHECK(child >= 0, "fork under a limit (%s)", exo_status_name(child));
	if (child == 0) {
		forked_child(0x5555555555555555ul, 1);
	}
	CHECK(wait_child((exo_envid_t)child, &info) == child, "wait");
	CHECK(info.reason == EXO_EXIT_NORMAL && info.code == 0,
	      "the child read and wrote its data (%u, %ld)",
	      (unsigned)info.reason, (long)info.code);
	CHECK(all_right(0), "the parent's data is its own after the child's");
	write_all(0xaaaaaaaaaaaaaaaaul);
	CHECK(all_right(0xaaaaaaaaaaaaaaaaul), "the parent writes its own");
	pager_stats(&st);
	CHECK(st.resident <= LIMIT, "the parent keeps the limit");
	printf("pager: fork under a limit of %d with %d pages: parent, child "
	       "and grandchild read back and write their own data\n", LIMIT,
	       PAGES);
	CHECK(pager_unmap(va, PAGES * PAGE) == 0, "unmap");
	pager_stats(&st);
	CHECK(st.resident == 0, "nothing resident after unmap");
	printf("pager: %s kept %d of %d pages resident: %lu evictions, %lu "
	       "swap-ins, results right\n", POLICY, LIMIT, PAGES,
	       (unsigned long)st.evictions, (unsigned long)st.swap_ins);
	printf("pager: all %d checks passed\n", checks);
	return 0;
}
