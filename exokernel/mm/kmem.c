/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <exo/errors.h>

#include "debug/panic.h"
#include "log/log.h"
#include "mm/kmem.h"

struct frame_table kframes;
struct heap kheap;

static paddr_t phys_end;

extern char kernel_phys_start[], kernel_phys_end[];

#define LOW_MEMORY_END (1ul << 20) /* BIOS data, real-mode IVT, ROMs */
#define BOOT_MAP_LIMIT (4ul << 30) /* reach of the boot direct map */

static paddr_t align_up(paddr_t v, paddr_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int overlaps(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
	return a0 < b1 && b0 < a1;
}

/*
 * First place in usable RAM, above 1 MiB and below the boot map's reach,
 * where @size bytes fit without touching any of @res.
 */
static paddr_t find_room(const struct boot_info *bi, uint64_t size,
			 const struct boot_range *res, size_t nres)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];
		paddr_t start, end = r->base + r->length;

		if (r->type != BOOT_MEM_USABLE) {
			continue;
		}
		start = align_up(r->base < LOW_MEMORY_END ? LOW_MEMORY_END
							  : r->base,
				 FRAME_SIZE);
		for (;;) {
			size_t j;

			if (start + size > end ||
			    start + size > BOOT_MAP_LIMIT) {
				break;
			}
			for (j = 0; j < nres; j++) {
				if (overlaps(start, start + size, res[j].start,
					     res[j].end)) {
					start = align_up(res[j].end,
							 FRAME_SIZE);
					break;
				}
			}
			if (j == nres) {
				return start;
			}
		}
	}
	return 0;
}

static uint64_t pt_alloc(void *ctx, int level)
{
	paddr_t pa;

	/*
	 * Lowest free frame: page tables are built through the boot direct
	 * map, which reaches only the first 4 GiB.
	 */
	if (frame_alloc_contig(ctx, 1, 1, FRAME_OWNER_KERNEL, &pa)) {
		return 0;
	}
	memset(phys_to_virt(pa), 0, FRAME_SIZE);
	return pa;
}

static void *heap_pages(void *ctx, size_t count)
{
	paddr_t pa;
	int err;

	if (count == 1) {
		err = frame_alloc(ctx, FRAME_OWNER_KERNEL, &pa);
	} else {
		err = frame_alloc_contig(ctx, count, 1, FRAME_OWNER_KERNEL,
					 &pa);
	}
	return err ? NULL : phys_to_virt(pa);
}

static void heap_unpages(void *ctx, void *pages, size_t count)
{
	paddr_t pa = virt_to_phys(pages);

	for (size_t i = 0; i < count; i++) {
		kassert(frame_unref(ctx, pa + i * FRAME_SIZE) == 0);
	}
}

static const struct heap_page_ops kheap_ops = {
	.alloc_pages = heap_pages,
	.free_pages = heap_unpages,
};

void kmem_init(const struct boot_info *bi)
{
	struct boot_range res[BOOT_MAX_MODULES + 3];
	size_t nres;
	uint64_t nframes, meta_size, frames_size;
	paddr_t meta;
	int err;

	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		if (r->type == BOOT_MEM_USABLE &&
		    r->base + r->length > phys_end) {
			phys_end = r->base + r->length;
		}
	}
	if (phys_end > DMAP_MAX) {
		log_warn("mm", "ignoring RAM above %lu GiB",
			 (unsigned long)(DMAP_MAX >> 30));
		phys_end = DMAP_MAX;
	}
	phys_end &= ~(FRAME_SIZE - 1);
	if (!phys_end) {
		panic("the memory map lists no usable RAM");
	}
	nframes = phys_end / FRAME_SIZE;
	/* The frame metadata, then the page-table summaries (arch/mmu.h). */
	frames_size = align_up(nframes * sizeof(struct frame), FRAME_SIZE);
	meta_size = frames_size + align_up(nframes * sizeof(uint64_t), FRAME_SIZE);

	nres = boot_info_reserved(bi, res, BOOT_MAX_MODULES + 1);
	res[nres].start = (paddr_t)kernel_phys_start;
	res[nres].end = (paddr_t)kernel_phys_end;
	nres++;
	meta = find_room(bi, meta_size, res, nres);
	if (!meta) {
		panic("no room for %lu KiB of frame metadata",
		      (unsigned long)(meta_size >> 10));
	}
	res[nres].start = meta;
	res[nres].end = meta + meta_size;
	nres++;

	frame_table_init(&kframes, phys_to_virt(meta), nframes);
	arch_pt_sums = phys_to_virt(meta + frames_size);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		if (bi->mmap[i].type == BOOT_MEM_USABLE) {
			frame_range_add_usable(&kframes, bi->mmap[i].base,
					       bi->mmap[i].length);
		}
	}
	/* Where firmware lists a range twice, reserved wins. */
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		if (bi->mmap[i].type != BOOT_MEM_USABLE) {
			frame_range_reserve(&kframes, bi->mmap[i].base,
					    bi->mmap[i].length);
		}
	}
	frame_range_reserve(&kframes, 0, LOW_MEMORY_END);
	for (size_t i = 0; i < nres; i++) {
		frame_range_reserve(&kframes, res[i].start,
				    res[i].end - res[i].start);
	}

	err = arch_mmu_init(align_up(phys_end, LARGE_PAGE_SIZE), pt_alloc,
			    &kframes);
	if (err) {
		panic("cannot build kernel page tables: %s",
		      exo_status_name(err));
	}
	heap_init(&kheap, &kheap_ops, &kframes);
	log_info("mm",
		 "%lu MiB usable, %lu frames free, metadata %lu KiB at 0x%lx",
		 (unsigned long)(kframes.nusable * FRAME_SIZE >> 20),
		 (unsigned long)frame_free_count(&kframes),
		 (unsigned long)(meta_size >> 10), (unsigned long)meta);
}

void *kmalloc(size_t size)
{
	return heap_alloc(&kheap, size);
}

void kfree(void *p)
{
	kassert(heap_free(&kheap, p) == 0);
}

paddr_t kmem_phys_end(void)
{
	return phys_end;
}
