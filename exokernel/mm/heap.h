/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: small allocations (kmalloc-style) carved from pages that
 * a page source provides. Sizes up to HEAP_MAX_SMALL come from power-of-two
 * size classes on pages of their own; larger ones take whole contiguous
 * pages. Every block carries a header that lets heap_free detect frees of
 * pointers it never handed out and double frees, and panic-free callers get
 * an error instead of corruption.
 *
 * The heap knows nothing of frames or page tables: it asks its page source,
 * so the same code runs in the kernel and in host tests.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE_SIZE 4096
#define HEAP_ALIGN 16
#define HEAP_MAX_SMALL 2048
#define HEAP_NCLASSES 8 /* 16, 32, ..., 2048 */

struct heap;
struct heap_large; /* private to the implementation */

/* Where the heap gets its memory from. Both ops are required. */
struct heap_page_ops {
	/* @count contiguous, HEAP_PAGE_SIZE-aligned pages, or NULL. */
	void *(*alloc_pages)(void *ctx, size_t count);
	/* Give back what one alloc_pages call returned. */
	void (*free_pages)(void *ctx, void *pages, size_t count);
};

struct heap_stats {
	uint64_t allocs; /* successful heap_alloc calls */
	uint64_t frees; /* successful heap_free calls */
	uint64_t bad_frees; /* heap_free calls refused */
	uint64_t bytes_in_use; /* requested bytes outstanding */
	uint64_t pages_held; /* pages currently taken from the source */
};

struct heap {
	const struct heap_page_ops *ops;
	void *ctx;
	void *free_list[HEAP_NCLASSES]; /* free blocks of each class */
	/*
	 * Live large blocks, linked through their first page. heap_free looks
	 * a large pointer up here before touching its memory, so a double free
	 * of pages already given back is caught without reading them.
	 */
	struct heap_large *large;
	struct heap_stats stats;
};

/* heap_init - an empty heap drawing pages from @ops with @ctx. */
void heap_init(struct heap *h, const struct heap_page_ops *ops, void *ctx);

/*
 * heap_alloc - @size bytes aligned to HEAP_ALIGN, or NULL when @size is 0,
 * absurdly large, or the page source is exhausted. Contents are undefined.
 */
void *heap_alloc(struct heap *h, size_t size);

/* heap_zalloc - heap_alloc, zero-filled. */
void *heap_zalloc(struct heap *h, size_t size);

/*
 * heap_free - give back a block from heap_alloc. NULL is ignored. Of the
 * memory around @p it reads at most the 16 bytes below @p, in @p's own page.
 * Freeing a large block is linear in the number of live large blocks.
 * Return: 0, or EXO_ERR_INVALID when @p was not handed out by this heap, is
 * misaligned or points inside a block, or was already freed (nothing but
 * stats.bad_frees is changed then).
 */
int heap_free(struct heap *h, void *p);

/*
 * heap_block_size - usable size of the live block @p (at least what was
 * asked for), or 0 if @p is not a live block of this heap.
 */
size_t heap_block_size(struct heap *h, void *p);

#endif
