/* SPDX-License-Identifier: MIT */
/*
 * The pager in the running system, as init: regions and demand-zero, the
 * Appel & Li primitives (trap, prot, unprot, dirty, map2), copy-on-write
 * fork of a process with a large heap, 100 nested forks, and a growing
 * stack whose overflow hits its guard page and is reported.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libos/pager.h>
#include <libos/runtime.h>

#define PAGE EXO_PAGE_SIZE
#define HEAP_PAGES 1024 /* 4 MiB */
#define NEST 100

static int checks;

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

static uint64_t frames(void)
{
	return exo_env_info()->frames;
}

/* Faults the pager hands on: counted, and the page made writable. */
static volatile int traps;
static volatile uint64_t trap_addr;

static int on_fault(struct exo_upcall_frame *f)
{
	uint64_t va = f->addr & ~(PAGE - 1);

	if (f->vector != 14) {
		printf("FAIL: unexpected fault %lu at 0x%lx\n",
		       (unsigned long)f->vector, (unsigned long)f->addr);
		return 1;
	}
	traps++;
	trap_addr = f->addr;
	if (pager_protect(va, PAGE, PAGER_PROT_RW) == EXO_ERR_NOT_FOUND) {
		/* map2's alias is in no region: the raw call then. */
		return exo_page_protect(EXO_ENV_SELF, va, 1, EXO_PERM_R |
					EXO_PERM_W, 0, 0) == 1 ? 0 : 2;
	}
	return 0;
}

static void regions(void)
{
	struct pager_stats st0, st1;
	uint64_t va = 0, fixed, f0;
	volatile uint64_t *p;

	pager_stats(&st0);
	f0 = frames();
	CHECK(pager_map(&va, 64 * PAGE, PAGER_PROT_RW, 0) == 0, "map");
	CHECK(va >= PAGER_REGION_BASE && va < PAGER_REGION_TOP,
	      "placed at 0x%lx", (unsigned long)va);
	CHECK(frames() == f0, "lazy: no frame before a touch");
	p = (volatile uint64_t *)va;
	CHECK(p[0] == 0 && p[512 * 10] == 0, "pages read as zero");
	p[512 * 3] = 42;
	CHECK(p[512 * 3] == 42, "written");
	CHECK(frames() == f0 + 3, "three pages backed, not %lu",
	      (unsigned long)(frames() - f0));
	pager_stats(&st1);
	CHECK(st1.zero_fills == st0.zero_fills + 3, "zero fills counted");

	/* Eager: every frame at once. */
	fixed = 0x0000300000000000ul;
	f0 = frames();
	CHECK(pager_map(&fixed, 16 * PAGE, PAGER_PROT_RW,
			PAGER_MAP_FIXED | PAGER_MAP_EAGER) == 0, "eager map");
	CHECK(fixed == 0x0000300000000000ul, "fixed address kept");
	CHECK(frames() == f0 + 16, "eager backs all 16 pages");

	/* Refusals change nothing. */
	CHECK(pager_map(&fixed, PAGE, PAGER_PROT_RW, PAGER_MAP_FIXED) ==
		      EXO_ERR_EXISTS, "overlapping fixed map refused");
	fixed = 0x0000300000000123ul;
	CHECK(pager_map(&fixed, PAGE, PAGER_PROT_RW, PAGER_MAP_FIXED) ==
		      EXO_ERR_ALIGN, "unaligned fixed map refused");
	CHECK(pager_map(&fixed, 0, PAGER_PROT_RW, 0) == EXO_ERR_INVALID,
	      "empty map refused");
	CHECK(pager_map(&fixed, PAGE, 0x80, 0) == EXO_ERR_INVALID,
	      "unknown rights refused");
	CHECK(pager_protect(0x0000310000000000ul, PAGE, PAGER_PROT_R) ==
		      EXO_ERR_NOT_FOUND, "protect outside regions refused");

	/* Unmap gives the frames back, splitting the region. */
	f0 = frames();
	CHECK(pager_unmap(0x0000300000000000ul + 4 * PAGE, 8 * PAGE) == 0,
	      "unmap the middle");
	CHECK(frames() == f0 - 8, "8 frames back");
	CHECK(pager_unmap(0x0000300000000000ul, 16 * PAGE) == 0, "unmap rest");
	CHECK(frames() == f0 - 16, "all 16 back");
	CHECK(pager_unmap(va, 64 * PAGE) == 0, "unmap the lazy one");
	printf("pager: regions, demand-zero, eager: ok\n");
}

static void appel_li(void)
{
	struct pager_stats st0, st1;
	uint64_t va = 0, alias = 0x0000320000000000ul;
	volatile uint64_t *p, *q;
	int t0;

	CHECK(pager_map(&va, 100 * PAGE, PAGER_PROT_RW, 0) == 0, "map");
	p = (volatile uint64_t *)va;
	for (int i = 0; i < 100; i++) {
		p[i * 512] = (uint64_t)i;
	}
	/* trap + prot1 + unprot */
	t0 = traps;
	CHECK(pager_protect(va + 7 * PAGE, PAGE, PAGER_PROT_R) == 0, "prot1");
	CHECK(p[7 * 512] == 7, "readable while protected");
	p[7 * 512] = 77;
	CHECK(traps == t0 + 1 && trap_addr == va + 7 * PAGE,
	      "the write trapped to the handler at 0x%lx",
	      (unsigned long)trap_addr);
	CHECK(p[7 * 512] == 77, "and completed after unprot");
	/*
	 * A resident page protected within its region's rights changes only
	 * its PTE; its rights are still its own: map2 cannot exceed them.
	 */
	pager_stats(&st0);
	CHECK(pager_protect(va + 8 * PAGE, PAGE, PAGER_PROT_R) == 0, "prot1");
	pager_stats(&st1);
	CHECK(st1.regions == st0.regions, "the region table did not change");
	CHECK(!(exo_pte(va + 8 * PAGE) & EXO_PTE_W), "the page is read-only");
	CHECK(pager_map2(va + 8 * PAGE, alias, PAGER_PROT_RW) ==
		      EXO_ERR_DENIED, "map2 beyond the page's rights refused");
	CHECK(pager_protect(va + 8 * PAGE, PAGE, PAGER_PROT_RW) == 0,
	      "unprot");
	CHECK(exo_pte(va + 8 * PAGE) & EXO_PTE_W, "the page is writable");
	/* Beyond the region's rights the table changes. */
	CHECK(pager_protect(va + 8 * PAGE, PAGE, PAGER_PROT_ALL) == 0, "RWX");
	pager_stats(&st1);
	CHECK(st1.regions == st0.regions + 2, "split in three, not %lu",
	      (unsigned long)(st1.regions - st0.regions));
	CHECK(!(exo_pte(va + 8 * PAGE) & EXO_PTE_NX), "executable");
	/* Back within that one's rights: in place, the pieces stay. */
	CHECK(pager_protect(va + 8 * PAGE, PAGE, PAGER_PROT_RW) == 0, "RW");
	pager_stats(&st1);
	CHECK(st1.regions == st0.regions + 2, "the table did not change");
	CHECK(exo_pte(va + 8 * PAGE) & EXO_PTE_NX, "not executable");
	/* protN: every page traps once. */
	t0 = traps;
	CHECK(pager_protect(va, 100 * PAGE, PAGER_PROT_R) == 0, "prot100");
	for (int i = 0; i < 100; i++) {
		p[i * 512] += 1000;
	}
	CHECK(traps == t0 + 100, "100 traps, not %d", traps - t0);
	CHECK(p[99 * 512] == 1099, "writes completed");
	/* dirty, from the page-table view. */
	CHECK(pager_clean(va, 100) == 100, "cleaned 100 pages");
	CHECK(!pager_dirty(va + 5 * PAGE), "clean after pager_clean");
	CHECK(p[5 * 512] == 1005, "a read");
	CHECK(!pager_dirty(va + 5 * PAGE), "a read leaves it clean");
	p[5 * 512] = 5;
	CHECK(pager_dirty(va + 5 * PAGE), "dirty after a write");
	CHECK(!pager_dirty(va + 6 * PAGE), "its neighbour is not");
	/* map2: the same frame read-only at a second address. */
	CHECK(pager_map2(va + 9 * PAGE, alias, PAGER_PROT_R) == 0, "map2");
	q = (volatile uint64_t *)alias;
	CHECK(q[0] == 1009, "alias reads the page");
	p[9 * 512] = 99;
	CHECK(q[0] == 99, "alias sees writes through the first address");
	t0 = traps;
	q[1] = 1; /* read-only alias: handed on, the handler unprotects */
	CHECK(traps == t0 + 1 && trap_addr == alias + 8,
	      "a write to the read-only alias trapped");
	CHECK(p[9 * 512 + 1] == 1, "and, made writable, wrote the frame");
	CHECK(pager_map2(va, va + PAGE, PAGER_PROT_R) == EXO_ERR_EXISTS,
	      "map2 onto a region refused");
	CHECK(pager_map2(va, alias + PAGE, PAGER_PROT_ALL) == EXO_ERR_DENIED,
	      "map2 beyond the region's rights refused");
	exo_page_unmap(EXO_ENV_SELF, alias, 1, 0, 0, 0);
	CHECK(pager_unmap(va, 100 * PAGE) == 0, "unmap");
	printf("pager: trap, prot1, protN, unprot, dirty, map2: ok\n");
}

/*
 * A page protected in place keeps its rights in a fork child, and a
 * copy-on-write page given rights within its region stays marked. A page
 * that was read-only at the fork is shared, so unprotecting it on either
 * side must not let that side's writes reach the other's.
 */
static void fork_rights(void)
{
	struct exo_exit_info x;
	uint64_t va = 0;
	volatile uint64_t *p;
	int64_t child;
	int t0;

	CHECK(pager_map(&va, 4 * PAGE, PAGER_PROT_RW, 0) == 0, "map");
	p = (volatile uint64_t *)va;
	for (int i = 0; i < 4; i++) {
		p[i * 512] = (uint64_t)i;
	}
	CHECK(pager_protect(va + PAGE, PAGE, PAGER_PROT_R) == 0, "prot1");
	child = pager_fork();
	CHECK(child >= 0, "fork: %s", exo_status_name(child));
	if (child == 0) {
		uint64_t ro = exo_pte(va + PAGE), rw = exo_pte(va);

		/* Read-only, shared, not copy-on-write; page 0 is marked. */
		if (!((ro & EXO_PTE_P) && !(ro & (EXO_PTE_W | PAGER_PTE_COW)) &&
		      (ro & PAGER_PTE_SHARED) && (rw & PAGER_PTE_COW) &&
		      p[512] == 1)) {
			exit(13);
		}
		/* Unprotected in place, it is written into a copy. */
		t0 = traps;
		if (pager_protect(va + PAGE, PAGE, PAGER_PROT_RW) != 0) {
			exit(14);
		}
		p[512] = 99;
		exit(traps == t0 && p[512] == 99 ? 0 : 15);
	}
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_NORMAL && x.code == 0,
	      "the child had the same rights and wrote its own copy (%ld)",
	      (long)x.code);
	CHECK(p[512] == 1, "the child's write stayed its own (%lu)",
	      (unsigned long)p[512]);
	CHECK(exo_pte(va + PAGE) & PAGER_PTE_SHARED, "page 1 marked shared");
	/* Within the region's rights: in place, and page 2 keeps its mark. */
	CHECK(exo_pte(va + 2 * PAGE) & PAGER_PTE_COW, "page 2 marked");
	CHECK(pager_protect(va + 2 * PAGE, PAGE, PAGER_PROT_RW) == 0, "RW");
	CHECK(exo_pte(va + 2 * PAGE) & PAGER_PTE_COW, "still marked");
	t0 = traps;
	p[2 * 512] = 22; /* the pager's: copy-on-write, not a trap */
	CHECK(traps == t0 && p[2 * 512] == 22, "written without a trap");
	p[512] = 11; /* read-only: the handler's */
	CHECK(traps == t0 + 1 && p[512] == 11, "the read-only page trapped");
	CHECK(!(exo_pte(va + PAGE) & (PAGER_PTE_SHARED | PAGER_PTE_COW)),
	      "page 1 is ours alone again");
	CHECK(pager_unmap(va, 4 * PAGE) == 0, "unmap");
	printf("pager: rights in place survive a fork\n");
}

/*
 * The runtime's private area is the runtime's alone: a page mapped there
 * (here by hand, between the runtime's own pages) is not the child's.
 */
static void fork_private_area(void)
{
	const uint64_t va = RUNTIME_PRIVATE_LO + 0x8000000000ul;
	struct exo_exit_info x;
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	int64_t child;

	CHECK(pa >= 0, "frame: %s", exo_status_name(pa));
	CHECK(exo_page_map(EXO_ENV_SELF, va, (uint64_t)pa,
			   EXO_PERM_R | EXO_PERM_W, 0, 0) == 0,
	      "map in the private area");
	*(volatile uint64_t *)va = 7;
	CHECK(runtime_page_private(va), "runtime_page_private");
	child = pager_fork();
	CHECK(child >= 0, "fork: %s", exo_status_name(child));
	if (child == 0) {
		exit(exo_pte(va) & EXO_PTE_P ? 1 : 0);
	}
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_NORMAL && x.code == 0,
	      "the child has nothing of the private area (%ld)", (long)x.code);
	CHECK(*(volatile uint64_t *)va == 7 && (exo_pte(va) & EXO_PTE_W),
	      "ours is as it was");
	CHECK(exo_page_unmap(EXO_ENV_SELF, va, 1, 0, 0, 0) >= 0, "unmap");
	CHECK(exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0) == 0, "free");
	printf("pager: the runtime's private area is not shared\n");
}

static void fork_heap(void)
{
	struct exo_exit_info x;
	struct pager_stats st;
	uint64_t *heap = malloc(HEAP_PAGES * PAGE);
	int64_t child;

	CHECK(heap != NULL, "a 4 MiB heap block");
	for (uint64_t i = 0; i < HEAP_PAGES * 512; i += 64) {
		heap[i] = i;
	}
	child = pager_fork();
	CHECK(child >= 0, "fork: %s", exo_status_name(child));
	if (child == 0) {
		for (uint64_t i = 0; i < HEAP_PAGES * 512; i += 64) {
			if (heap[i] != i) {
				exit(10); /* did not see the parent's data */
			}
			heap[i] = i ^ 0xc41d;
		}
		for (uint64_t i = 0; i < HEAP_PAGES * 512; i += 64) {
			if (heap[i] != (i ^ 0xc41d)) {
				exit(11);
			}
		}
		pager_stats(&st);
		exit(st.cow_copies >= HEAP_PAGES ? 0 : 12);
	}
	/* The parent writes too, meanwhile or after: each keeps its own. */
	for (uint64_t i = 0; i < HEAP_PAGES * 512; i += 64) {
		heap[i] = i ^ 0x9a7e;
	}
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_NORMAL && x.code == 0,
	      "the child saw the parent's data, then only its own (%ld)",
	      (long)x.code);
	for (uint64_t i = 0; i < HEAP_PAGES * 512; i += 64) {
		CHECK(heap[i] == (i ^ 0x9a7e), "parent's data at %lu",
		      (unsigned long)i);
	}
	pager_stats(&st);
	CHECK(st.cow_copies + st.cow_reuses >= HEAP_PAGES,
	      "every heap page was made the parent's again");
	free(heap);
	printf("pager: fork with a 4 MiB heap: parent and child each see "
	       "their own data\n");
}

static volatile uint64_t level;

static int nest(uint64_t d)
{
	struct exo_exit_info x;
	int64_t child;

	level = d;
	if (d == NEST) {
		return (int)d;
	}
	child = pager_fork();
	if (child < 0) {
		printf("FAIL: fork at depth %lu: %s\n", (unsigned long)d,
		       exo_status_name(child));
		return -1;
	}
	if (child == 0) {
		exit(nest(d + 1));
	}
	if (wait_child((exo_envid_t)child, &x) != child ||
	    x.reason != EXO_EXIT_NORMAL || level != d) {
		printf("FAIL: depth %lu: child ended %u, level %lu\n",
		       (unsigned long)d, x.reason, (unsigned long)level);
		return -1;
	}
	return (int)x.code;
}

static void nested(void)
{
	CHECK(nest(0) == NEST, "100 nested forks each returned the depth");
	printf("pager: %d nested forks\n", NEST);
}

static uint64_t stack_used_pages;

static uint64_t recurse(uint64_t n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	stack_used_pages = n;
	if (n == 0) {
		return pad[0];
	}
	return recurse(n - 1) + pad[0];
}

uint64_t on_stack(uint64_t (*fn)(uint64_t), uint64_t arg, uint64_t top);

static void stacks(void)
{
	struct exo_exit_info x;
	uint64_t top, f0;
	int64_t child;

	CHECK(pager_stack_alloc(16 * PAGE, &top) == 0, "a 64 KiB stack");
	f0 = frames();
	/* About 40 KiB deep: the stack grows into ten or so pages. */
	on_stack(recurse, 36, top);
	CHECK(frames() > f0 + 8 && frames() < f0 + 16,
	      "the stack grew on demand (%lu pages)",
	      (unsigned long)(frames() - f0));
	child = pager_fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		set_fault_handler(NULL, NULL); /* nobody else to catch it */
		on_stack(recurse, 1000, top); /* 1 MiB: overflows */
		exit(0);
	}
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_FAULT && x.vector == 14,
	      "the overflow ended the child with a page fault (%u)", x.reason);
	CHECK(x.addr < top - 16 * PAGE && x.addr >= top - 17 * PAGE,
	      "in the guard page: 0x%lx", (unsigned long)x.addr);
	printf("pager: stack overflow hit the guard page at 0x%lx and was "
	       "reported\n", (unsigned long)x.addr);
}

/* Many stacks cost one region entry; refusals; slots come back. */
static void stack_slots(void)
{
	static uint64_t tops[200];
	struct pager_stats st0, st;
	uint64_t top;

	pager_stats(&st0);
	for (int i = 0; i < 200; i++) {
		CHECK(pager_stack_alloc(8 * PAGE, &tops[i]) == 0, "stack %d", i);
	}
	pager_stats(&st);
	CHECK(st.regions == st0.regions, "200 stacks, %lu more regions",
	      (unsigned long)(st.regions - st0.regions));
	CHECK(pager_stack_alloc(0, &top) == EXO_ERR_INVALID, "size 0");
	CHECK(pager_stack_alloc(PAGER_STACK_MAX + 1, &top) == EXO_ERR_INVALID,
	      "larger than a slot");
	CHECK(pager_stack_alloc_flags(PAGE, 0x80, &top) == EXO_ERR_INVALID,
	      "unknown flags");
	CHECK(pager_stack_free(tops[5] - PAGE) == EXO_ERR_ALIGN, "not a top");
	CHECK(pager_stack_free(0x200000000000ul) == EXO_ERR_NOT_FOUND,
	      "outside the area");
	CHECK(pager_stack_free(pager_stack_top(PAGER_STACK_SLOTS - 1)) ==
		      EXO_ERR_NOT_FOUND, "a slot never handed out");
	for (int i = 0; i < 200; i++) {
		CHECK(pager_stack_free(tops[i]) == 0, "free %d", i);
	}
	CHECK(pager_stack_free(tops[0]) == EXO_ERR_NOT_FOUND, "freed twice");
	/* The last freed comes back first. */
	CHECK(pager_stack_alloc(PAGE, &top) == 0 && top == tops[199],
	      "reuse");
	CHECK(pager_stack_free(top) == 0, "free");
	printf("pager: 200 stacks in one region entry, refusals, reuse: ok\n");
}

int main(void)
{
	CHECK(set_fault_handler(on_fault, NULL) == 0, "handler");
	regions();
	appel_li();
	fork_rights();
	fork_private_area();
	fork_heap();
	nested();
	stacks();
	stack_slots();
	printf("pager: all %d checks passed\n", checks);
	return 0;
}
