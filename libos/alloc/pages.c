/* SPDX-License-Identifier: MIT */
/*
 * alloc_exo_pages: runs of pages for allocators, as read-write regions of
 * the pager (<libos/pager.h>) in the heap region, backed by zeroed frames
 * when first touched. Address space is handed out upwards from
 * ALLOC_HEAP_BASE; the ranges of runs given back are kept (merged with
 * their neighbours) and reused first.
 */
#include <stddef.h>
#include <stdint.h>

#include <libos/alloc_impl.h>
#include <libos/exo.h>
#include <libos/pager.h>

#define HOLES 64 /* freed ranges remembered; more only waste address space */

struct hole {
	uintptr_t start;
	size_t npages;
};

static struct hole holes[HOLES];
static size_t nholes;
static uintptr_t top = ALLOC_HEAP_BASE; /* nothing handed out above */

static uintptr_t range_take(size_t count)
{
	uintptr_t va;
	size_t i;

	for (i = 0; i < nholes; i++) {
		if (holes[i].npages >= count) {
			va = holes[i].start;
			holes[i].start += count * EXO_PAGE_SIZE;
			holes[i].npages -= count;
			if (holes[i].npages == 0) {
				holes[i] = holes[--nholes];
			}
			return va;
		}
	}
	if (count > (ALLOC_HEAP_TOP - top) / EXO_PAGE_SIZE) {
		return 0;
	}
	va = top;
	top += count * EXO_PAGE_SIZE;
	return va;
}

static void range_give(uintptr_t va, size_t count)
{
	size_t i = 0, smallest = 0;

	/* Merge with the ranges on either side, as often as they touch. */
	while (i < nholes) {
		struct hole *h = &holes[i];

		if (h->start + h->npages * EXO_PAGE_SIZE == va ||
		    va + count * EXO_PAGE_SIZE == h->start) {
			if (h->start < va) {
				va = h->start;
			}
			count += h->npages;
			*h = holes[--nholes];
			i = 0;
			continue;
		}
		i++;
	}
	if (va + count * EXO_PAGE_SIZE == top) {
		top = va;
		return;
	}
	if (nholes == HOLES) {
		for (i = 1; i < nholes; i++) {
			if (holes[i].npages < holes[smallest].npages) {
				smallest = i;
			}
		}
		if (holes[smallest].npages >= count) {
			return;
		}
		holes[smallest] = holes[--nholes];
	}
	holes[nholes].start = va;
	holes[nholes].npages = count;
	nholes++;
}

static void *exo_alloc_pages(void *ctx, size_t count)
{
	uint64_t va;

	/* Fail at once rather than promise pages that cannot be backed. */
	if (count == 0 || count > exo_sys_info()->frames_free) {
		return NULL;
	}
	va = range_take(count);
	if (va == 0) {
		return NULL;
	}
	if (pager_map(&va, count * EXO_PAGE_SIZE, PAGER_PROT_RW,
		      PAGER_MAP_FIXED)) {
		range_give(va, count);
		return NULL;
	}
	return (void *)va;
}

static void exo_free_pages(void *ctx, void *pages, size_t count)
{
	pager_unmap((uintptr_t)pages, count * EXO_PAGE_SIZE);
	range_give((uintptr_t)pages, count);
}

const struct alloc_page_ops alloc_exo_pages = {
	.alloc_pages = exo_alloc_pages,
	.free_pages = exo_free_pages,
};
