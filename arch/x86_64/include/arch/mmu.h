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
 * Page-table summaries. Every frame in use as a user page table (root,
 * middle or last level) has a 64-bit summary, arch_pt_sums[its frame
 * number]: bit g clear means entries 8g .. 8g+7 of the table are all
 * zero. Every write that may make an entry nonzero goes through
 * arch_pt_set (or pt_set), which sets that entry's bit; writes that only
 * change a nonzero entry, or clear one, need nothing (a bit may stay set
 * over an emptied group: a scan that finds the group all zero clears it).
 * So scans read only the groups whose bit is set (a fork reads the few
 * present entries of sparse tables, not all 512), and a table is emptied
 * by zeroing only those groups: a torn-down table goes back to the frame
 * allocator known to be zero. An entry is zero or present: nothing else
 * is ever written to one. vm_pt_alloc clears a new table's summary.
 */
extern uint64_t *arch_pt_sums;

/* The summary bit of entry @i. */
static inline uint64_t pt_group_bit(unsigned i)
{
	return 1ul << (i >> 3);
}

/* t[@i] = @v in the table @t whose summary is *@sum. */
static inline void pt_set(uint64_t *t, uint64_t *sum, unsigned i, uint64_t v)
{
	t[i] = v;
	*sum |= pt_group_bit(i);
}

/*
 * pt_first_present - the first index in [@i, @lim) of a present entry of
 * the table @t (512 entries) whose summary is *@sum, or @lim when there is
 * none (@i <= @lim <= 512). Only groups whose bit is set are read; one
 * found all zero has its bit cleared.
 */
static inline unsigned pt_first_present(const uint64_t *t, uint64_t *sum,
					unsigned i, unsigned lim)
{
	while (i < lim) {
		const uint64_t *p;
		uint64_t m;
		unsigned g, j, end;

		/* Runs of present entries: the next one is usually it. */
		if (t[i] & PTE_P) {
			return i;
		}
		m = *sum & (~0ul << (i >> 3));
		if (!m) {
			return lim;
		}
		g = (unsigned)__builtin_ctzl(m);
		j = g << 3;
		if (j >= lim) {
			return lim;
		}
		end = j + 8 < lim ? j + 8 : lim;
		for (j = j > i ? j : i; j < end; j++) {
			if (t[j] & PTE_P) {
				return j;
			}
		}
		p = t + (g << 3);
		if (!(p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7])) {
			*sum &= ~(1ul << g);
		}
		i = end;
	}
	return lim;
}

/* Called by pt_clear for each present entry of a table. */
typedef void (*arch_leaf_fn)(void *ctx, uint64_t pte);

/*
 * pt_clear - call @leaf (when not NULL) for each present entry of the
 * table @t whose summary is *@sum, in order, then zero the table: only
 * the groups whose bit is set are read and written. The summary is 0
 * after.
 */
static inline void pt_clear(uint64_t *t, uint64_t *sum, arch_leaf_fn leaf,
			    void *ctx)
{
	for (uint64_t m = *sum; m; m &= m - 1) {
		uint64_t *p = t + ((unsigned)__builtin_ctzl(m) << 3);

		for (unsigned j = 0; j < 8; j++) {
			if (leaf && (p[j] & PTE_P)) {
				leaf(ctx, p[j]);
			}
			p[j] = 0;
		}
	}
	*sum = 0;
}

/* The summary of the page table at @t (through the direct map). */
static inline uint64_t *arch_pt_sum(const uint64_t *t)
{
	return &arch_pt_sums[((uint64_t)t - DMAP_BASE) >> PAGE_SHIFT];
}

/* *@slot = @v, @slot an entry of a user page table (direct map). */
static inline void arch_pt_set(uint64_t *slot, uint64_t v)
{
	uint64_t a = (uint64_t)slot - DMAP_BASE;

	*slot = v;
	arch_pt_sums[a >> PAGE_SHIFT] |= 1ul << ((a >> 6) & 63);
}

/* pt_first_present of the user page table @t (through the direct map). */
static inline unsigned arch_pt_first_present(const uint64_t *t, unsigned i,
					     unsigned lim)
{
	return pt_first_present(t, arch_pt_sum(t), i, lim);
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

/*
 * arch_pt_clear - pt_clear of the user page table at @table_pa: @leaf (or
 * NULL) sees each present entry, and the table is all zero after.
 */
void arch_pt_clear(uint64_t table_pa, arch_leaf_fn leaf, void *ctx);

/* Physical address of the page tables in use. */
uint64_t arch_mmu_root(void);

#endif
