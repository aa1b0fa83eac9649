/* SPDX-License-Identifier: MIT */
/*
 * The kernel's page tables. Boot left a coarse map (4 GiB identity and
 * direct map, kernel at -2 GiB, everything writable and executable); this
 * replaces it with the final one: a non-executable direct map of RAM and
 * the kernel image mapped section by section with least rights.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>
#include <arch/x86.h>
#include <exo/errors.h>

extern char kernel_text_start[], kernel_text_end[];
extern char kernel_rodata_start[], kernel_rodata_end[];
extern char kernel_data_start[], kernel_data_end[];
extern char kernel_stack_guard[];

static bool nx_enabled;
uint64_t arch_pte_nx;
uint64_t *arch_pt_sums;
static uint64_t kernel_root;

#define BOOT_MAP_LIMIT (4ul << 30) /* what the boot direct map reaches */

bool arch_mmu_has_nx(void)
{
	return nx_enabled;
}

uint64_t arch_mmu_root(void)
{
	return kernel_root;
}

static inline uint64_t *table(uint64_t pa)
{
	return phys_to_virt(pa);
}

static inline unsigned index_at(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/*
 * Map @va to @pa at @leaf level (1: 4 KiB, 2: 2 MiB) with @flags, creating
 * intermediate tables from @alloc. Intermediate entries are permissive;
 * the leaf decides the rights.
 */
static int map_one(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
		   int leaf, arch_pt_alloc_fn alloc, void *ctx)
{
	uint64_t t = root;
	int level;

	for (level = 4; level > leaf; level--) {
		uint64_t *e = &table(t)[index_at(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t n = alloc(ctx, level - 1);

			if (!n || n >= BOOT_MAP_LIMIT) {
				return EXO_ERR_NO_MEMORY;
			}
			*e = n | PTE_P | PTE_W;
		}
		t = *e & PTE_ADDR;
	}
	table(t)[index_at(va, leaf)] =
		pa | flags | PTE_P | (leaf > 1 ? PTE_PS : 0);
	return 0;
}

static int map_range(uint64_t root, char *start, char *end, uint64_t flags,
		     arch_pt_alloc_fn alloc, void *ctx)
{
	uint64_t va;
	int err;

	for (va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE) {
		if (va == (uint64_t)kernel_stack_guard) {
			continue; /* the guard page stays unmapped */
		}
		err = map_one(root, va, virt_to_phys((void *)va), flags, 1,
			      alloc, ctx);
		if (err) {
			return err;
		}
	}
	return 0;
}

int arch_mmu_init(uint64_t phys_end, arch_pt_alloc_fn alloc, void *ctx)
{
	uint32_t a, b, c, d;
	uint64_t root, pa, nx;
	int err;

	if (phys_end > DMAP_MAX) {
		return EXO_ERR_TOO_BIG;
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		nx_enabled = d & (1u << 20);
	}
	/* Without EFER.NXE the NX bit is reserved and would fault. */
	nx = nx_enabled ? PTE_NX : 0;

	root = alloc(ctx, 4);
	if (!root || root >= BOOT_MAP_LIMIT) {
		return EXO_ERR_NO_MEMORY;
	}
	for (pa = 0; pa < phys_end; pa += LARGE_PAGE_SIZE) {
		err = map_one(root, DMAP_BASE + pa, pa, PTE_W | PTE_G | nx, 2,
			      alloc, ctx);
		if (err) {
			return err;
		}
	}
	err = map_range(root, kernel_text_start, kernel_text_end, PTE_G, alloc,
			ctx);
	if (!err) {
		err = map_range(root, kernel_rodata_start, kernel_rodata_end,
				PTE_G | nx, alloc, ctx);
	}
	if (!err) {
		err = map_range(root, kernel_data_start, kernel_data_end,
				PTE_W | PTE_G | nx, alloc, ctx);
	}
	if (err) {
		return err;
	}

	if (nx_enabled) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		arch_pte_nx = PTE_NX;
	}
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(root);
	kernel_root = root;
	return 0;
}

uint64_t arch_pt_walk(uint64_t root_pa, uint64_t va, int *level_out)
{
	uint64_t t = root_pa;
	int level;

	for (level = 4; level >= 1; level--) {
		uint64_t e = table(t)[index_at(va, level)];

		if (!(e & PTE_P)) {
			return 0;
		}
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			if (level_out) {
				*level_out = level;
			}
			return e;
		}
		t = e & PTE_ADDR;
	}
	return 0;
}

/* The kernel-half PML4 slots in use, found once: every space copies them. */
static int kernel_slots[256];
static int nkernel_slots;

void arch_as_init(uint64_t root)
{
	uint64_t *t = table(root);
	uint64_t *k = table(kernel_root);

	if (!nkernel_slots) {
		for (int i = 256; i < 512; i++) {
			if (k[i] & PTE_P) {
				kernel_slots[nkernel_slots++] = i;
			}
		}
	}
	for (int i = 0; i < nkernel_slots; i++) {
		arch_pt_set(&t[kernel_slots[i]], k[kernel_slots[i]]);
	}
	/*
	 * Not writable and user-readable: every table of this address space
	 * reads as data at EXO_PT_VIEW, and nothing can be written through
	 * it. Kernel-half entries lack PTE_U, so their tables stay hidden.
	 */
	arch_pt_set(&t[PT_VIEW_SLOT],
		    root | PTE_P | PTE_U | (nx_enabled ? PTE_NX : 0));
}

uint64_t *arch_pt_slot(uint64_t root, uint64_t va, arch_pt_alloc_fn alloc,
		       void *ctx)
{
	uint64_t t = root;

	for (int level = 4; level > 1; level--) {
		uint64_t *e = &table(t)[index_at(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t n;

			if (!alloc || !(n = alloc(ctx, level - 1))) {
				return NULL;
			}
			arch_pt_set(e, n | PTE_P | PTE_W | PTE_U);
		}
		t = *e & PTE_ADDR;
	}
	return &table(t)[index_at(va, 1)];
}

uint64_t *arch_pt_next_leaf(uint64_t root, uint64_t va, uint64_t end,
			    uint64_t *base)
{
next:
	while (va < end) {
		uint64_t t = root;

		for (int level = 4; level > 1; level--) {
			uint64_t span = PAGE_SIZE << (9 * (level - 1));
			uint64_t cover = span << 9; /* what this table maps */
			uint64_t tbase = va & ~(cover - 1);
			unsigned i = index_at(va, level), lim = 512, j;
			uint64_t e;

			/*
			 * Entries at or past @end are not looked at: a range
			 * ending inside this table stops the scan there.
			 */
			if (end - tbase < cover) {
				lim = (unsigned)((end - tbase + span - 1) / span);
			}
			j = arch_pt_first_present(table(t), i, lim);
			if (j == lim) {
				if (lim < 512) {
					return NULL; /* nothing more before @end */
				}
				/* Nothing more here: on past this table. */
				va = tbase + cover;
				if (va == 0) {
					return NULL; /* wrapped */
				}
				goto next;
			}
			if (j != i) {
				va = tbase + j * span;
				if (va >= end) {
					return NULL;
				}
			}
			e = table(t)[j];
			/* User tables hold no large pages; skip one if seen. */
			if (level < 4 && (e & PTE_PS)) {
				va = (va & ~(span - 1)) + span;
				goto next;
			}
			t = e & PTE_ADDR;
		}
		*base = va & ~(LARGE_PAGE_SIZE - 1);
		return table(t);
	}
	return NULL;
}

void arch_pt_clear(uint64_t table_pa, arch_leaf_fn leaf, void *ctx)
{
	uint64_t *t = table(table_pa);

	pt_clear(t, arch_pt_sum(t), leaf, ctx);
}
