/* SPDX-License-Identifier: MIT */
/*
 * The two kernel calls the pager needs, as init: page_clear_ad clears
 * only the accessed and dirty bits of mappings the caller may change, and
 * frame_refs tells the reference count only of frames the caller could
 * free. Neither gives a child any say over its parent, nor anyone more
 * rights. Numbers in the gaps of the list are EXO_ERR_NOSYS.
 */
#include <stdint.h>
#include <stdlib.h>

#include <libos/runtime.h>

#define PAGE EXO_PAGE_SIZE
#define VA 0x0000210000000000ul
#define VA2 0x0000210000010000ul
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

static void gaps(void)
{
	CHECK(raw_syscall(29, 0, 0) == EXO_ERR_NOSYS, "29 is a gap here");
	CHECK(raw_syscall(39, 0, 0) == EXO_ERR_NOSYS, "39");
	CHECK(raw_syscall(42, 0, 0) == EXO_ERR_NOSYS, "42");
	CHECK(raw_syscall(1000, 0, 0) == EXO_ERR_NOSYS, "past the end");
	CHECK(raw_syscall(~0ul, 0, 0) == EXO_ERR_NOSYS, "far past the end");
	printf("kcalls: gaps in the list are NOSYS\n");
}

int main(void)
{
	clear_ad();
	frame_refs();
	gaps();
	printf("kcalls: all %d checks passed\n", checks);
	return 0;
}
