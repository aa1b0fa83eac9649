/* SPDX-License-Identifier: MIT */
/*
 * alloc_exo_pages: runs of pages for allocators, from frames the kernel
 * gives this environment, mapped read-write in the heap region. Address
 * space is handed out upwards from ALLOC_HEAP_BASE; the ranges of runs
 * given back are kept (merged with their neighbours) and reused first.
 * Mapping goes in batches, so a run costs one frame_alloc per page and
 * one page_batch per BATCH pages.
 */
#include <stddef.h>
#include <stdint.h>

#include <libos/alloc_impl.h>
#include <libos/exo.h>

#define BATCH 64
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

/* Unmap @count pages from @va and free their frames. */
static void unmap_free(uintptr_t va, size_t count)
{
	uint64_t pa[BATCH];

	while (count) {
		size_t n = count > BATCH ? BATCH : count, i;

		for (i = 0; i < n; i++) {
			pa[i] = exo_pte(va + i * EXO_PAGE_SIZE);
		}
		exo_page_unmap(EXO_ENV_SELF, va, n, 0, 0, 0);
		for (i = 0; i < n; i++) {
			if (pa[i] & EXO_PTE_P) {
				exo_frame_free(pa[i] & EXO_PTE_ADDR, 0, 0, 0, 0,
					       0);
			}
		}
		va += n * EXO_PAGE_SIZE;
		count -= n;
	}
}

/* Map @n fresh frames at @va. Return: pages mapped (n unless short). */
static size_t map_batch(uintptr_t va, size_t n)
{
	struct exo_page_op ops[BATCH];
	size_t got, i;
	int64_t r;

	for (got = 0; got < n; got++) {
		int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0,
					     0, 0);

		if (pa < 0) {
			break;
		}
		ops[got].op = EXO_PAGE_OP_MAP;
		ops[got].perm = EXO_PERM_R | EXO_PERM_W;
		ops[got].count = 0;
		ops[got].va = va + got * EXO_PAGE_SIZE;
		ops[got].arg = (uint64_t)pa;
	}
	r = got ? exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, got, 0, 0, 0) : 0;
	if (r < 0) {
		r = 0;
	}
	/* Frames the batch did not map go straight back. */
	for (i = (size_t)r; i < got; i++) {
		exo_frame_free(ops[i].arg, 0, 0, 0, 0, 0);
	}
	return (size_t)r;
}

static void *exo_alloc_pages(void *ctx, size_t count)
{
	uintptr_t va;
	size_t done = 0;

	/* Fail at once rather than take every free frame and give them back. */
	if (count == 0 || count > exo_sys_info()->frames_free) {
		return NULL;
	}
	va = range_take(count);
	if (va == 0) {
		return NULL;
	}
	while (done < count) {
		size_t n = count - done > BATCH ? BATCH : count - done;
		size_t got = map_batch(va + done * EXO_PAGE_SIZE, n);

		done += got;
		if (got < n) {
			goto err_unmap;
		}
	}
	return (void *)va;

err_unmap:
	unmap_free(va, done);
	range_give(va, count);
	return NULL;
}

static void exo_free_pages(void *ctx, void *pages, size_t count)
{
	unmap_free((uintptr_t)pages, count);
	range_give((uintptr_t)pages, count);
}

const struct alloc_page_ops alloc_exo_pages = {
	.alloc_pages = exo_alloc_pages,
	.free_pages = exo_free_pages,
};
