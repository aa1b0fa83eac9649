/* SPDX-License-Identifier: MIT */
/*
 * The kernel calls the pager needs, as init: page_clear_ad clears only
 * the accessed and dirty bits of mappings the caller may change,
 * frame_refs tells the reference count only of frames the caller could
 * free, and page_share_range (dropping W on both sides) and
 * page_lend_range (read-only, elsewhere) lend only pages the caller could
 * map itself, only to a child not yet started. None
 * gives a child any say over its parent, nor anyone more rights. Numbers
 * in the gaps of the list are EXO_ERR_NOSYS.
 */
#include <stdint.h>
#include <stdlib.h>

#include <libos/runtime.h>

#define PAGE EXO_PAGE_SIZE
#define VA 0x0000210000000000ul
#define VA2 0x0000210000010000ul
#define VA3 0x0000210000020000ul /* page_share_range's pages */
#define SHARE_PAGES 8
#define VA4 0x0000210000040000ul /* page_lend_range's pages */
#define VA5 0x0000210000080000ul /* zeroed_frames' pages */
#define SPREAD 0x0000300000000000ul /* a child's tables, spread wide */
#define COW EXO_PERM_USER0
#define COW_PTE EXO_PTE_USER0
#define RIGHTS (EXO_PTE_P | EXO_PTE_W | EXO_PTE_U | EXO_PTE_NX | EXO_PTE_ADDR)

int64_t raw_syscall(uint64_t nr, uint64_t a0, uint64_t a1);

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

static uint64_t parent_pa;
static exo_envid_t parent;

/* A child: none of the parent's pages or frames are its business. */
static int meddle(uint64_t arg)
{
	if (exo_page_clear_ad(parent, VA, 1, EXO_AD_DIRTY, 0, 0) >= 0) {
		return 1;
	}
	if (exo_frame_refs(parent_pa, 0, 0, 0, 0, 0) != EXO_ERR_DENIED) {
		return 2;
	}
	/* Its own copy of VA is its own: that works. */
	if (exo_page_clear_ad(EXO_ENV_SELF, VA, 1, EXO_AD_DIRTY, 0, 0) != 1) {
		return 3;
	}
	return 0;
}

static void clear_ad(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VA;
	uint64_t before;

	CHECK(map_anon(VA, 2) == 0, "map");
	p[0] = 1;
	before = exo_pte(VA);
	CHECK((before & EXO_PTE_D) && (before & EXO_PTE_A), "written: A and D");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 1, EXO_AD_DIRTY, 0, 0) == 1,
	      "cleared one page");
	CHECK(!(exo_pte(VA) & EXO_PTE_D) && (exo_pte(VA) & EXO_PTE_A),
	      "dirty cleared, accessed kept");
	CHECK((exo_pte(VA) & RIGHTS) == (before & RIGHTS),
	      "rights and frame unchanged");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 1, EXO_AD_ACCESSED, 0, 0) ==
		      1, "accessed cleared");
	CHECK(!(exo_pte(VA) & EXO_PTE_A), "accessed now clear");
	(void)p[0];
	CHECK(exo_pte(VA) & EXO_PTE_A, "a read sets accessed again");
	CHECK(!(exo_pte(VA) & EXO_PTE_D), "but not dirty");
	p[1] = 2;
	CHECK(exo_pte(VA) & EXO_PTE_D, "a write sets dirty again");
	/* Holes are skipped; the count is of pages present. */
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 16,
				EXO_AD_ACCESSED | EXO_AD_DIRTY, 0, 0) == 2,
	      "two of sixteen pages present");
	/* Refusals. */
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 1, 0, 0, 0) ==
		      EXO_ERR_INVALID, "no bits");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 1, 4, 0, 0) ==
		      EXO_ERR_INVALID, "unknown bits");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 1, 1ul << 32 | 1, 0, 0) ==
		      EXO_ERR_INVALID, "bits wider than their field");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA + 8, 1, 1, 0, 0) ==
		      EXO_ERR_ALIGN, "unaligned");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, VA, 0, 1, 0, 0) ==
		      EXO_ERR_INVALID, "no pages");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, EXO_INFO_VA, 1, 1, 0, 0) ==
		      EXO_ERR_DENIED, "the info page is not the caller's to touch");
	CHECK(exo_page_clear_ad(EXO_ENV_SELF, 0xffff800000000000ul, 1, 1, 0,
				0) == EXO_ERR_DENIED, "kernel space");
	CHECK(exo_page_clear_ad(4000, VA, 1, 1, 0, 0) < 0, "no such env");
	printf("kcalls: page_clear_ad ok\n");
}

static void frame_refs(void)
{
	struct exo_exit_info x;
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	int64_t child, cpa;

	CHECK(pa > 0, "a frame");
	CHECK(exo_frame_refs((uint64_t)pa, 0, 0, 0, 0, 0) == 1, "owner only");
	CHECK(exo_page_map(EXO_ENV_SELF, VA2, (uint64_t)pa, EXO_PERM_R, 0, 0) ==
		      0, "map");
	CHECK(exo_frame_refs((uint64_t)pa, 0, 0, 0, 0, 0) == 2, "and a mapping");
	CHECK(exo_page_map(EXO_ENV_SELF, VA2 + PAGE, (uint64_t)pa, EXO_PERM_R,
			   0, 0) == 0, "map twice");
	CHECK(exo_frame_refs((uint64_t)pa, 0, 0, 0, 0, 0) == 3, "two mappings");
	exo_page_unmap(EXO_ENV_SELF, VA2, 2, 0, 0, 0);
	CHECK(exo_frame_refs((uint64_t)pa, 0, 0, 0, 0, 0) == 1, "unmapped");
	CHECK(exo_frame_refs((uint64_t)pa + 8, 0, 0, 0, 0, 0) == EXO_ERR_ALIGN,
	      "unaligned");
	CHECK(exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0) == 0, "freed");
	CHECK(exo_frame_refs((uint64_t)pa, 0, 0, 0, 0, 0) == EXO_ERR_STATE,
	      "a free frame");
	CHECK(exo_frame_refs(0xfffff000ul, 0, 0, 0, 0, 0) < 0,
	      "no such frame");
	/* A child may not ask about ours; we may about our child's. */
	*(volatile uint64_t *)VA = 3; /* dirty, for the child to try */
	parent = env_self();
	parent_pa = exo_pte(VA) & EXO_PTE_ADDR;
	child = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(child > 0, "a child");
	cpa = exo_frame_alloc(EXO_FRAME_ANY, (uint64_t)child, 0, 0, 0, 0);
	CHECK(cpa > 0, "a frame of the child's");
	CHECK(exo_frame_refs((uint64_t)cpa, 0, 0, 0, 0, 0) == 1,
	      "the parent may ask about its child's frame");
	exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
	child = spawn_fn(meddle, 0);
	CHECK(child > 0, "spawn");
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_NORMAL && x.code == 0,
	      "the child could not touch the parent's bits or frames (%ld)",
	      (long)x.code);
	CHECK(exo_pte(VA) & EXO_PTE_D, "the parent's page is still dirty");
	printf("kcalls: frame_refs ok\n");
}

static volatile uint64_t share_faults;

/* A write to a page page_share_range made read-only: count it, undo it. */
static int share_fault(struct exo_upcall_frame *f)
{
	uint64_t va = f->addr & ~(PAGE - 1);

	if (f->vector != 14 || va != VA3) {
		return 1;
	}
	share_faults++;
	return exo_page_protect(EXO_ENV_SELF, va, 1, EXO_PERM_R | EXO_PERM_W,
				0, 0) == 1 ? 0 : 1;
}

/* Blocks until destroyed: a child that is already running. */
static int sleeper(uint64_t arg)
{
	struct exo_msg m;

	for (;;) {
		m.cap = EXO_CAP_NONE;
		exo_ipc_recv_msg(0, &m);
	}
	return 0;
}

/* A child: it may not lend into its parent, nor lend what it was lent. */
static int share_meddle(uint64_t arg)
{
	uint64_t code = (uint64_t)share_meddle & ~(PAGE - 1);
	int64_t g;

	if (exo_page_share_range(parent, VA3, VA3 + PAGE, COW, 0, 0) !=
	    EXO_ERR_DENIED) {
		return 1;
	}
	g = exo_env_create(0, 0, 0, 0, 0, 0);
	if (g < 0) {
		return 2;
	}
	/* Its code is the parent's frames, lent: the call stops at once. */
	if (exo_page_share_range((uint64_t)g, code, code + PAGE, COW, 0, 0) !=
	    (int64_t)code) {
		return 3;
	}
	exo_env_destroy((uint64_t)g, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)g, 0, 0, 0, 0, 0);
	return 0;
}

static void share_range(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VA3;
	struct exo_exit_info x;
	int64_t child, sl, pa[SHARE_PAGES], cap, r;
	uint64_t before[SHARE_PAGES];

	/*
	 * Pages 0, 2, 3: read-write; 1: read-only; 4: a hole; 5: mapped
	 * through a read-only capability of our own frame; 6: read-write,
	 * 7: read-only and already marked.
	 */
	for (int i = 0; i < SHARE_PAGES; i++) {
		uint32_t perm = (i == 1 || i == 7) ? EXO_PERM_R :
						     EXO_PERM_R | EXO_PERM_W;

		if (i == 7) {
			perm |= COW;
		}
		pa[i] = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
		CHECK(pa[i] > 0, "a frame");
		if (i == 4) {
			continue;
		}
		if (i == 5) {
			cap = exo_cap_frame((uint64_t)pa[i], EXO_CAP_R, 0, 0, 0,
					    0);
			CHECK(cap >= 0, "a read-only capability");
			CHECK(exo_cap_map(EXO_ENV_SELF, VA3 + 5 * PAGE,
					  (uint64_t)cap, EXO_PERM_R, 0, 0) == 0,
			      "mapped through it");
			continue;
		}
		CHECK(exo_page_map(EXO_ENV_SELF, VA3 + (uint64_t)i * PAGE,
				   (uint64_t)pa[i], perm, 0, 0) == 0, "map");
	}
	p[0] = 1; /* the TLB holds page 0 writable now */
	for (int i = 0; i < SHARE_PAGES; i++) {
		before[i] = exo_pte(VA3 + (uint64_t)i * PAGE);
	}
	child = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(child > 0, "a child");

	/* Refusals change nothing. */
	CHECK(exo_page_share_range(EXO_ENV_SELF, VA3, VA3 + PAGE, COW, 0, 0) ==
		      EXO_ERR_INVALID, "not into itself");
	CHECK(exo_page_share_range(4000, VA3, VA3 + PAGE, COW, 0, 0) ==
		      EXO_ERR_NOT_FOUND, "no such env");
	CHECK(exo_page_share_range((uint64_t)child, VA3 + 8, VA3 + PAGE, COW, 0,
				   0) == EXO_ERR_ALIGN, "unaligned start");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + 8, COW, 0, 0) ==
		      EXO_ERR_ALIGN, "unaligned end");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3, COW, 0, 0) ==
		      EXO_ERR_INVALID, "empty");
	CHECK(exo_page_share_range((uint64_t)child, VA3 + PAGE, VA3, COW, 0,
				   0) == EXO_ERR_INVALID, "backwards");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE, 0, 0, 0) ==
		      EXO_ERR_INVALID, "no mark");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE,
				   EXO_PERM_W, 0, 0) == EXO_ERR_INVALID,
	      "W is not a mark");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE,
				   EXO_PERM_USER0 | EXO_PERM_USER1, 0,
				   0) == EXO_ERR_INVALID, "two marks");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE,
				   1ul << 32 | COW, 0, 0) == EXO_ERR_INVALID,
	      "a mark wider than its field");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE, COW, COW,
				   0) == EXO_ERR_INVALID,
	      "the read-only mark is the mark");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE, COW,
				   EXO_PERM_W, 0) == EXO_ERR_INVALID,
	      "W is not a read-only mark");
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE, COW,
				   EXO_PERM_USER1 | EXO_PERM_USER2,
				   0) == EXO_ERR_INVALID, "two read-only marks");
	CHECK(exo_page_share_range((uint64_t)child, 0, VA3, COW, 0, 0) ==
		      EXO_ERR_DENIED, "page zero");
	CHECK(exo_page_share_range((uint64_t)child, VA3,
				   0xffff800000001000ul, COW, 0,
				   0) == EXO_ERR_DENIED, "into kernel space");
	CHECK(exo_page_share_range((uint64_t)child, VA3, EXO_USER_TOP, COW, 0,
				   0) == EXO_ERR_DENIED, "the view and info pages");
	for (int i = 0; i < SHARE_PAGES; i++) {
		CHECK(exo_pte(VA3 + (uint64_t)i * PAGE) == before[i],
		      "page %d unchanged by the refusals", i);
	}

	/* It lends pages 0-3 and stops at the capability's page. */
	CHECK(set_fault_handler(share_fault, NULL) == 0, "handler");
	r = exo_page_share_range((uint64_t)child, VA3, VA3 + SHARE_PAGES * PAGE,
				 COW, EXO_PERM_USER1, 0);
	CHECK(r == (int64_t)(VA3 + 5 * PAGE),
	      "stopped at the capability's page (0x%lx)", (unsigned long)r);
	for (int i = 0; i < 4; i++) {
		uint64_t pte = exo_pte(VA3 + (uint64_t)i * PAGE);

		CHECK((pte & EXO_PTE_ADDR) == (uint64_t)pa[i] &&
			      !(pte & EXO_PTE_W),
		      "page %d: same frame, read-only now", i);
		CHECK(!(pte & COW_PTE) == !(before[i] & EXO_PTE_W),
		      "page %d: marked only if it was writable", i);
		CHECK(!(pte & EXO_PTE_USER1) ==
			      !!(before[i] & (EXO_PTE_W | COW_PTE)),
		      "page %d: the read-only mark only if it was neither "
		      "writable nor marked", i);
		CHECK(exo_frame_refs((uint64_t)pa[i], 0, 0, 0, 0, 0) == 3,
		      "page %d: owner, ours and the child's", i);
	}
	/*
	 * The child's mappings of our frames have a ceiling: no raising
	 * them to W, one page or several (the range check must not be
	 * skipped for a child whose only ceilings came from the lending).
	 */
	CHECK(exo_page_protect((uint64_t)child, VA3, 2, EXO_PERM_R | EXO_PERM_W,
			       0, 0) == EXO_ERR_DENIED,
	      "lent pages are not raised to W, two at a time");
	CHECK(exo_page_protect((uint64_t)child, VA3 + PAGE, 1,
			       EXO_PERM_R | EXO_PERM_W, 0, 0) == EXO_ERR_DENIED,
	      "nor one at a time");
	CHECK(exo_pte(VA3 + 5 * PAGE) == before[5] &&
		      (exo_pte(VA3 + 6 * PAGE) & EXO_PTE_W),
	      "nothing past the stop changed");
	CHECK(exo_frame_refs((uint64_t)pa[5], 0, 0, 0, 0, 0) == 2,
	      "the capability's page is not lent");
	/* The old writable TLB entry is gone: a write faults once. */
	p[0] = 2;
	CHECK(share_faults == 1 && p[0] == 2, "a write to a lent page faults");

	/* Going on after the stop lends the rest; marked stays marked. */
	CHECK(exo_page_share_range((uint64_t)child, VA3 + 6 * PAGE,
				   VA3 + SHARE_PAGES * PAGE, COW, 0,
				   0) == (int64_t)(VA3 + SHARE_PAGES * PAGE),
	      "the rest");
	CHECK(exo_pte(VA3 + 6 * PAGE) & COW_PTE, "page 6 marked");
	CHECK(exo_pte(VA3 + 7 * PAGE) == before[7], "page 7 as it was");
	CHECK(exo_frame_refs((uint64_t)pa[7], 0, 0, 0, 0, 0) == 3,
	      "page 7 lent");
	/* Lending again replaces the child's mappings: no extra reference. */
	CHECK(exo_page_share_range((uint64_t)child, VA3 + 6 * PAGE,
				   VA3 + SHARE_PAGES * PAGE, COW, 0,
				   0) == (int64_t)(VA3 + SHARE_PAGES * PAGE),
	      "again");
	CHECK(exo_frame_refs((uint64_t)pa[6], 0, 0, 0, 0, 0) == 3,
	      "still one mapping in the child");

	/* The child's end gives the references back. */
	exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
	for (int i = 0; i < SHARE_PAGES; i++) {
		if (i != 4 && i != 5) {
			CHECK(exo_frame_refs((uint64_t)pa[i], 0, 0, 0, 0, 0) ==
				      2, "page %d: the child let go", i);
		}
	}
	CHECK(exo_page_share_range((uint64_t)child, VA3, VA3 + PAGE, COW, 0,
				   0) == EXO_ERR_NOT_FOUND, "a child gone");

	/* Only into a child not yet started. */
	sl = spawn_fn(sleeper, 0);
	CHECK(sl > 0, "a running child");
	CHECK(exo_page_share_range((uint64_t)sl, VA3, VA3 + PAGE, COW, 0, 0) ==
		      EXO_ERR_STATE, "not into a running child");
	exo_env_destroy((uint64_t)sl, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)sl, 0, 0, 0, 0, 0);

	/* Nor into its parent, nor on what it was lent. */
	parent = env_self();
	child = spawn_fn(share_meddle, 0);
	CHECK(child > 0, "spawn");
	CHECK(wait_child((exo_envid_t)child, &x) == child, "wait");
	CHECK(x.reason == EXO_EXIT_NORMAL && x.code == 0,
	      "a child could not lend into its parent or lend on (%ld)",
	      (long)x.code);
	printf("kcalls: page_share_range ok\n");
}

/* page_lend_range: read-only pages of ours at another place in a child. */
static void lend_range(void)
{
	const uint64_t dst = 0x0000230000000000ul;
	int64_t child, sl, pa[4], cap, r;

	/* Pages 0-1 read-only, 2 a hole, 3 through a read-only capability. */
	for (int i = 0; i < 4; i++) {
		pa[i] = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
		CHECK(pa[i] > 0, "a frame");
	}
	CHECK(exo_page_map(EXO_ENV_SELF, VA4, (uint64_t)pa[0], EXO_PERM_R, 0,
			   0) == 0 &&
		      exo_page_map(EXO_ENV_SELF, VA4 + PAGE, (uint64_t)pa[1],
				   EXO_PERM_R | EXO_PERM_W, 0, 0) == 0,
	      "map");
	cap = exo_cap_frame((uint64_t)pa[3], EXO_CAP_R, 0, 0, 0, 0);
	CHECK(cap >= 0 && exo_cap_map(EXO_ENV_SELF, VA4 + 3 * PAGE,
				      (uint64_t)cap, EXO_PERM_R, 0, 0) == 0,
	      "mapped through a capability");
	child = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(child > 0, "a child");

	CHECK(exo_page_lend_range(EXO_ENV_SELF, VA4, dst, 1, EXO_PERM_R, 0) ==
		      EXO_ERR_INVALID, "not into itself");
	CHECK(exo_page_lend_range((uint64_t)child, VA4, dst, 1,
				  EXO_PERM_R | EXO_PERM_W, 0) == EXO_ERR_INVALID,
	      "read-only only");
	CHECK(exo_page_lend_range((uint64_t)child, VA4, dst, 1, 0x100, 0) ==
		      EXO_ERR_INVALID, "unknown rights");
	CHECK(exo_page_lend_range((uint64_t)child, VA4 + 8, dst, 1, EXO_PERM_R,
				  0) == EXO_ERR_ALIGN, "unaligned source");
	CHECK(exo_page_lend_range((uint64_t)child, VA4, dst + 8, 1, EXO_PERM_R,
				  0) == EXO_ERR_ALIGN, "unaligned destination");
	CHECK(exo_page_lend_range((uint64_t)child, VA4, dst, 0, EXO_PERM_R, 0) ==
		      EXO_ERR_INVALID, "no pages");
	CHECK(exo_page_lend_range((uint64_t)child, VA4, 0xffff800000000000ul, 1,
				  EXO_PERM_R, 0) == EXO_ERR_DENIED,
	      "into kernel space");
	CHECK(exo_page_lend_range((uint64_t)child, EXO_INFO_VA, dst, 1,
				  EXO_PERM_R, 0) == EXO_ERR_DENIED,
	      "from the info page");
	CHECK(exo_page_lend_range(4000, VA4, dst, 1, EXO_PERM_R, 0) ==
		      EXO_ERR_NOT_FOUND, "no such env");
	CHECK(exo_frame_refs((uint64_t)pa[0], 0, 0, 0, 0, 0) == 2,
	      "nothing lent by the refusals");

	/* Pages 0 and 1 are lent (a writable one too, read-only); 2 stops it. */
	r = exo_page_lend_range((uint64_t)child, VA4, dst, 4,
				EXO_PERM_R | EXO_PERM_X, 0);
	CHECK(r == 2, "lent up to the hole (%ld)", (long)r);
	CHECK(exo_frame_refs((uint64_t)pa[0], 0, 0, 0, 0, 0) == 3 &&
		      exo_frame_refs((uint64_t)pa[1], 0, 0, 0, 0, 0) == 3,
	      "one more reference each");
	CHECK(exo_pte(VA4 + PAGE) & EXO_PTE_W, "ours stays writable");
	/* The child's mappings have a ceiling: no raising them to W. */
	CHECK(exo_page_protect((uint64_t)child, dst, 2, EXO_PERM_R | EXO_PERM_W,
			       0, 0) == EXO_ERR_DENIED,
	      "lent pages are not raised to W, two at a time");
	CHECK(exo_page_protect((uint64_t)child, dst, 1, EXO_PERM_R | EXO_PERM_W,
			       0, 0) == EXO_ERR_DENIED,
	      "nor one at a time");
	CHECK(exo_page_lend_range((uint64_t)child, VA4 + 3 * PAGE, dst, 1,
				  EXO_PERM_R, 0) == 0,
	      "a page mapped through a capability is not lent");
	CHECK(exo_frame_refs((uint64_t)pa[3], 0, 0, 0, 0, 0) == 2,
	      "its frame unchanged");
	/* Lending again over the same place replaces, it does not add. */
	CHECK(exo_page_lend_range((uint64_t)child, VA4, dst, 1, EXO_PERM_R,
				  0) == 1 &&
		      exo_frame_refs((uint64_t)pa[0], 0, 0, 0, 0, 0) == 3,
	      "lent again");
	exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
	CHECK(exo_frame_refs((uint64_t)pa[0], 0, 0, 0, 0, 0) == 2 &&
		      exo_frame_refs((uint64_t)pa[1], 0, 0, 0, 0, 0) == 2,
	      "the child let go");

	sl = spawn_fn(sleeper, 0);
	CHECK(sl > 0, "a running child");
	CHECK(exo_page_lend_range((uint64_t)sl, VA4, dst, 1, EXO_PERM_R, 0) ==
		      EXO_ERR_STATE, "not into a running child");
	exo_env_destroy((uint64_t)sl, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)sl, 0, 0, 0, 0, 0);
	printf("kcalls: page_lend_range ok\n");
}

static void gaps(void)
{
	CHECK(raw_syscall(29, 0, 0) == EXO_ERR_NOSYS, "29 is a gap here");
	CHECK(raw_syscall(39, 0, 0) == EXO_ERR_NOSYS, "39");
	CHECK(raw_syscall(44, 0, 0) == EXO_ERR_NOSYS, "44");
	CHECK(raw_syscall(1000, 0, 0) == EXO_ERR_NOSYS, "past the end");
	CHECK(raw_syscall(~0ul, 0, 0) == EXO_ERR_NOSYS, "far past the end");
	printf("kcalls: gaps in the list are NOSYS\n");
}

/*
 * A torn-down environment's page tables go back to the kernel emptied,
 * onto the list of frames known to be zero, and frame_alloc hands those
 * out first without clearing them again: every frame got right after a
 * child with many tables ended must read as zeros.
 */
static void zeroed_frames(void)
{
	enum { SPOTS = 24, FRAMES = 64 };
	int64_t child, pa, got[FRAMES];

	child = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(child > 0, "a child");
	pa = exo_frame_alloc(EXO_FRAME_ANY, (uint64_t)child, 0, 0, 0, 0);
	CHECK(pa > 0, "a frame of the child's");
	/* One frame mapped in many places: a page directory and a page
	 * table each, some entries of them at both ends. */
	for (uint64_t k = 0; k < SPOTS; k++) {
		uint64_t va = SPREAD + (k << 30) + (k % 3) * (511ul << 21) +
			      (k % 2) * 511 * PAGE;

		CHECK(exo_page_map((uint64_t)child, va, (uint64_t)pa,
				   EXO_PERM_R | EXO_PERM_W, 0, 0) == 0,
		      "map into the child at 0x%lx", (unsigned long)va);
	}
	exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
	CHECK(exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0) == child,
	      "the child reaped");
	for (int i = 0; i < FRAMES; i++) {
		const volatile uint64_t *w =
			(const volatile uint64_t *)(VA5 + (uint64_t)i * PAGE);

		got[i] = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0,
					 0);
		CHECK(got[i] > 0, "frame %d", i);
		CHECK(exo_page_map(EXO_ENV_SELF, (uint64_t)w, (uint64_t)got[i],
				   EXO_PERM_R, 0, 0) == 0,
		      "map frame %d", i);
		for (int j = 0; j < (int)(PAGE / 8); j++) {
			CHECK(w[j] == 0, "frame %d (0x%lx) word %d is 0x%lx", i,
			      (unsigned long)got[i], j, (unsigned long)w[j]);
		}
	}
	for (int i = 0; i < FRAMES; i++) {
		exo_page_unmap(EXO_ENV_SELF, VA5 + (uint64_t)i * PAGE, 1, 0, 0,
			       0);
		CHECK(exo_frame_free((uint64_t)got[i], 0, 0, 0, 0, 0) == 0,
		      "free frame %d", i);
	}
	printf("kcalls: frames after a torn-down child are zero\n");
}

int main(void)
{
	clear_ad();
	frame_refs();
	share_range();
	lend_range();
	zeroed_frames();
	gaps();
	printf("kcalls: all %d checks passed\n", checks);
	return 0;
}
