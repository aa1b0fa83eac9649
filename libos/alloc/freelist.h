/* SPDX-License-Identifier: MIT */
/*
 * alloc.freelist, the libOS's default allocator: boundary-tagged blocks
 * on segregated free lists, carved from chunks of pages, split on
 * allocation and coalesced on free; requests above FL_LARGE_MIN get page
 * runs of their own, given back on free. Every pointer handed to free or
 * realloc is checked against a table of the allocator's spans and a map
 * of live block starts before anything is written, so foreign, interior
 * and double frees are refused without damage.
 *
 * Nothing here touches the kernel: pages come from an alloc_page_ops, so
 * the same code serves programs (libos/alloc/heap.c) and host tests.
 */
#ifndef ALLOC_FREELIST_H
#define ALLOC_FREELIST_H

#include <stddef.h>
#include <stdint.h>

#include <libos/alloc_impl.h>

#define FL_PAGE_SIZE 4096
#define FL_ALIGN 16
#define FL_CHUNK_PAGES 32 /* small blocks live in chunks of 128 KiB */
#define FL_LARGE_MIN (32 * 1024) /* larger requests get page runs */
#define FL_NBINS 128

struct freelist;
struct fl_free; /* private */
struct fl_span; /* private */

/*
 * Told about a pointer refused by free or realloc, and about damaged
 * heap metadata (a header or free-list link that user code overwrote):
 * @op is the operation ("free", "realloc", ...), @p the pointer or the
 * damaged header, @why a short reason.
 */
typedef void (*freelist_report_fn)(struct freelist *fl, const char *op,
				   const void *p, const char *why);

struct freelist {
	struct alloc base; /* first: the interface's object */
	const struct alloc_page_ops *pages;
	void *ctx; /* for pages */
	freelist_report_fn report; /* may be NULL */
	const char *op; /* the operation running, for reports */
	struct fl_free *bins[FL_NBINS]; /* free blocks by size */
	uint64_t bin_map[FL_NBINS / 64]; /* bit set: bin not empty */
	struct fl_span *spans; /* chunks and large runs, by address */
	size_t nspans;
	size_t span_pages; /* pages holding spans */
	uintptr_t spare; /* an entirely free chunk kept for reuse, or 0 */
	struct alloc_stats stats;
};

/* The allocator's ops, for registering an instance (see heap.c). */
extern const struct alloc_ops freelist_ops;

/*
 * freelist_init - an empty allocator taking pages from @pages with @ctx
 * and reporting refusals to @report (NULL: count them silently). Use it
 * through fl->base and the wrappers of <libos/alloc.h>.
 */
void freelist_init(struct freelist *fl, const struct alloc_page_ops *pages,
		   void *ctx, freelist_report_fn report);

/*
 * freelist_check - walk every span, block, free list and counter and check
 * they agree. Return: 0, or EXO_ERR_CORRUPT (after reporting what).
 */
int freelist_check(struct freelist *fl);

#endif
