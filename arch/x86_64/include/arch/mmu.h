/* SPDX-License-Identifier: MIT */
/*
 * The kernel's view of memory on x86-64: where the kernel image and the
 * direct map of physical memory live, and the four-level page tables.
 *
 *   0xffff800000000000  direct map: physical address p is at DMAP_BASE + p
 *   0xffffffff80000000  kernel image (linked at KERNEL_VBASE + 1 MiB)
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ul
#define LARGE_PAGE_SIZE (2ul << 20)

#define KERNEL_VBASE 0xffffffff80000000ul
#define DMAP_BASE 0xffff800000000000ul
/* The direct map spans at most this much physical memory (one PML4 slot). */
#define DMAP_MAX (512ul << 30)

/* Page-table entry bits. */
#define PTE_P (1ul << 0) /* present */
#define PTE_W (1ul << 1) /* writable */
#define PTE_U (1ul << 2) /* user accessible */
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4) /* cache disabled */
#define PTE_A (1ul << 5) /* accessed */
#define PTE_D (1ul << 6) /* dirty */
#define PTE_PS (1ul << 7) /* large page (in a PD or PDPT entry) */
#define PTE_G (1ul << 8) /* global */
#define PTE_NX (1ul << 63) /* no execute, when EFER.NXE is on */
#define PTE_ADDR 0x000ffffffffff000ul

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(DMAP_BASE + pa);
}

/* The physical address of a kernel-image or direct-map virtual address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - DMAP_BASE;
}

/*
 * Supplies zeroed page-table pages: their physical address, or 0 if none.
 * @level is the level of the table wanted: 4 for a root, 3 and 2 for the
 * middle levels, 1 for a last-level table (whose entries map pages).
 */
typedef uint64_t (*arch_pt_alloc_fn)(void *ctx, int level);

/*
 * arch_mmu_init - build the kernel's final page tables and switch to them:
 * a direct map of [0, @phys_end) with 2 MiB pages (read-write, never
 * executable), and the kernel image mapped with 4 KiB pages by section
 * (text read-execute, read-only data read-only, data read-write), with an
 * unmapped guard page under every kernel stack. The boot identity map is
 * gone afterwards. Page-table pages come from @alloc.
 * Return: 0, or EXO_ERR_NO_MEMORY / EXO_ERR_TOO_BIG (@phys_end > DMAP_MAX).
 */
int arch_mmu_init(uint64_t phys_end, arch_pt_alloc_fn alloc, void *ctx);

/* True once the CPU enforces no-execute (EFER.NXE). */
bool arch_mmu_has_nx(void);

/*
 * arch_pt_walk - the leaf entry mapping @va in the tables rooted at @root_pa
 * (physical), following large pages; 0 if unmapped. @level_out gets 1 for a
 * 4 KiB page, 2 for 2 MiB.
 */
uint64_t arch_pt_walk(uint64_t root_pa, uint64_t va, int *level_out);

/*
 * User address spaces. The user half is PML4 slots 0..254; slot 255 is
 * the read-only recursive view (EXO_PT_VIEW); slots 256..511 are the
 * kernel's, shared by every address space.
 */
#define PT_VIEW_SLOT 255

/*
 * arch_as_init - turn the zeroed page at @root into a new address space:
 * the kernel half copied from the kernel's tables and the read-only view.
 */
void arch_as_init(uint64_t root);

/*
 * arch_pt_slot - pointer (through the direct map) to the leaf entry for
 * user address @va under @root. With @alloc, missing tables are created
 * (user-accessible, writable: the leaf decides); without, NULL when one is
 * missing. NULL also when @alloc fails.
 */
uint64_t *arch_pt_slot(uint64_t root, uint64_t va, arch_pt_alloc_fn alloc,
		       void *ctx);

/*
 * arch_pt_first_present - the first index in [@i, @lim) of a present
 * entry of the page table @t (512 entries, through the direct map), or
 * @lim when there is none (@i <= @lim <= 512). Empty entries are all
 * zeros (nothing else is ever written to one) and most entries are
 * empty: sixteen are or-ed together at a time, through a pointer, so a
 * group costs about one instruction an entry.
 */
static inline unsigned arch_pt_first_present(const uint64_t *t, unsigned i,
					     unsigned lim)
{
	const uint64_t *p = t + i, *e = t + lim;

	while (e - p >= 16) {
		if ((p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7] |
		     p[8] | p[9] | p[10] | p[11] | p[12] | p[13] | p[14] |
		     p[15]) &
		    PTE_P) {
			break;
		}
		p += 16;
	}
	if (e - p >= 8 &&
	    !((p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]) & PTE_P)) {
		p += 8;
	}
	for (; p < e; p++) {
		if (*p & PTE_P) {
			return (unsigned)(p - t);
		}
	}
	return lim;
}

/*
 * arch_pt_leaf_table - the last-level table (512 entries) covering @va
 * under @root, or NULL when a table on the way is missing. Inline and
 * unrolled: it is on the fault and protect paths.
 */
static inline uint64_t *arch_pt_leaf_table(uint64_t root, uint64_t va)
{
	uint64_t e = ((uint64_t *)phys_to_virt(root))[(va >> 39) & 511];

	if (!(e & PTE_P)) {
		return NULL;
	}
	e = ((uint64_t *)phys_to_virt(e & PTE_ADDR))[(va >> 30) & 511];
	if (!(e & PTE_P)) {
		return NULL;
	}
	e = ((uint64_t *)phys_to_virt(e & PTE_ADDR))[(va >> 21) & 511];
	if (!(e & PTE_P)) {
		return NULL;
	}
	return (uint64_t *)phys_to_virt(e & PTE_ADDR);
}

/*
 * arch_pt_next_leaf - the first last-level table under @root that covers
 * some address of [@va, @end), skipping missing tables at every level (so
 * an empty 512 GiB costs one look): returns it (through the direct map)
 * and sets *@base to the 2 MiB-aligned address it starts at; NULL when
 * the range holds none.
 */
uint64_t *arch_pt_next_leaf(uint64_t root, uint64_t va, uint64_t end,
			    uint64_t *base);

/* arch_pt_slot without creating anything: the leaf entry, or NULL. */
static inline uint64_t *arch_pt_lookup(uint64_t root, uint64_t va)
{
	uint64_t *t = arch_pt_leaf_table(root, va);

	return t ? &t[(va >> PAGE_SHIFT) & 511] : NULL;
}

/* Zero the 4 KiB page at @p (kernel address): rep stosq, as Linux does. */
static inline void arch_zero_page(void *p)
{
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep stosq"
			 : "+D"(p), "+c"(n)
			 : "a"(0ul)
			 : "memory");
}

/* PTE_NX when the CPU enforces it, else 0 (then the bit is reserved). */
extern uint64_t arch_pte_nx;

/* Called by arch_pt_leaves for each present entry of a last-level table. */
typedef void (*arch_leaf_fn)(void *ctx, uint64_t pte);

/*
 * arch_pt_leaves - call @leaf for every present entry of the last-level
 * table at @table_pa (entries are not cleared).
 */
void arch_pt_leaves(uint64_t table_pa, arch_leaf_fn leaf, void *ctx);

/* Physical address of the page tables in use. */
uint64_t arch_mmu_root(void);

#endif
