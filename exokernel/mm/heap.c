/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap. Two kinds of block, both with a 16-byte header (struct
 * block_hdr) right below the pointer handed out:
 *
 *  - small blocks, of power-of-two classes 16 .. HEAP_MAX_SMALL bytes. Each
 *    class carves single pages into slots of class size + 16 bytes (header,
 *    then payload), so the payload of slot i sits at page offset
 *    i * stride + 16. Free slots of a class are on h->free_list[class],
 *    linked through the first 8 bytes of their payload. Pages once carved
 *    stay with their class for good: nothing tracks how many slots of a
 *    page are in use, and the kernel's small allocations are bounded enough
 *    that giving pages back is not worth that bookkeeping.
 *
 *  - large blocks, over HEAP_MAX_SMALL bytes: a run of whole pages of their
 *    own, laid out as a struct heap_large (16 bytes), the header, then the
 *    payload at page offset 32, and given back to the source on free.
 *    Offset 32 is never a small payload's offset (those are 16, or at least
 *    stride + 16 >= 48), so a pointer's page offset alone says which kind it
 *    can be.
 *
 * heap_free trusts nothing about its argument. It reads only the header
 * right below the pointer, which lies in the pointer's own page, and a
 * large block only after finding it on h->large, so the pages of a block
 * already given back are never read. The header's magic is sealed with its
 * own address and the heap's, so a header copied elsewhere, left in freed
 * memory of another heap, or made up by chance does not pass.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "mm/heap.h"

#define HDR_SIZE 16
#define HEAP_MIN_CLASS 16
#define CLASS_LARGE 0xffffu
#define BLOCK_LIVE 0x4c56u
#define BLOCK_FREE 0x4652u
#define HDR_MAGIC 0x68656170u

#define LARGE_HDR_OFFSET 16
#define LARGE_PAYLOAD_OFFSET 32

struct block_hdr {
	uint32_t magic; /* seal(h, this header) */
	uint16_t state; /* BLOCK_LIVE or BLOCK_FREE */
	uint16_t cls; /* size class index, or CLASS_LARGE */
	uint64_t size; /* bytes asked for while live, 0 while free */
};
_Static_assert(sizeof(struct block_hdr) == HDR_SIZE, "block header size");
_Static_assert(HDR_SIZE % HEAP_ALIGN == 0, "header keeps payload aligned");

/* At the start of a large block's first page. */
struct heap_large {
	struct heap_large *next; /* next live large block, or NULL */
	uint64_t npages; /* pages in the run */
};
_Static_assert(sizeof(struct heap_large) <= LARGE_HDR_OFFSET,
	       "link fits below the header");
_Static_assert(LARGE_HDR_OFFSET + HDR_SIZE == LARGE_PAYLOAD_OFFSET,
	       "large payload follows its header");
_Static_assert((HEAP_MIN_CLASS << (HEAP_NCLASSES - 1)) == HEAP_MAX_SMALL,
	       "classes run from 16 to HEAP_MAX_SMALL");
_Static_assert(HEAP_MAX_SMALL + HDR_SIZE <= HEAP_PAGE_SIZE,
	       "the largest class fits a page");

static size_t class_size(unsigned int cls)
{
	return (size_t)HEAP_MIN_CLASS << cls;
}

static size_t class_stride(unsigned int cls)
{
	return class_size(cls) + HDR_SIZE;
}

static unsigned int size_to_class(size_t size)
{
	unsigned int cls = 0;

	while (class_size(cls) < size) {
		cls++;
	}
	return cls;
}

static uint32_t seal(const struct heap *h, const struct block_hdr *hdr)
{
	uint64_t x = (uint64_t)(uintptr_t)hdr * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)(uintptr_t)h * 0xc2b2ae3d27d4eb4full;

	return HDR_MAGIC ^ (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static void hdr_set(const struct heap *h, struct block_hdr *hdr, uint16_t state,
		    uint16_t cls, uint64_t size)
{
	hdr->magic = seal(h, hdr);
	hdr->state = state;
	hdr->cls = cls;
	hdr->size = size;
}

static struct block_hdr *hdr_of(void *p)
{
	return (struct block_hdr *)((uintptr_t)p - HDR_SIZE);
}

static bool page_aligned(const void *p)
{
	return ((uintptr_t)p & (HEAP_PAGE_SIZE - 1)) == 0;
}

void heap_init(struct heap *h, const struct heap_page_ops *ops, void *ctx)
{
	unsigned int i;

	h->ops = ops;
	h->ctx = ctx;
	for (i = 0; i < HEAP_NCLASSES; i++) {
		h->free_list[i] = NULL;
	}
	h->large = NULL;
	memset(&h->stats, 0, sizeof(h->stats));
}

/*
 * Take one page from the source and put all its slots on the class's free
 * list, lowest first, so a class hands out addresses in ascending order.
 */
static bool refill(struct heap *h, unsigned int cls)
{
	size_t stride = class_stride(cls);
	size_t n = HEAP_PAGE_SIZE / stride;
	void *page;
	size_t i;

	page = h->ops->alloc_pages(h->ctx, 1);
	if (page == NULL) {
		return false;
	}
	if (!page_aligned(page)) {
		/* The slot layout depends on page alignment; refuse it. */
		h->ops->free_pages(h->ctx, page, 1);
		return false;
	}
	h->stats.pages_held++;
	for (i = n; i > 0; i--) {
		struct block_hdr *hdr = (struct block_hdr *)((uintptr_t)page +
							     (i - 1) * stride);
		void **slot = (void **)(hdr + 1);

		hdr_set(h, hdr, BLOCK_FREE, (uint16_t)cls, 0);
		*slot = h->free_list[cls];
		h->free_list[cls] = slot;
	}
	return true;
}

/* Whether the free-list entry @p still has the header refill gave it. */
static bool free_slot_ok(const struct heap *h, void *p, unsigned int cls)
{
	const struct block_hdr *hdr = hdr_of(p);

	return hdr->magic == seal(h, hdr) && hdr->state == BLOCK_FREE &&
	       hdr->cls == cls;
}

static void *alloc_small(struct heap *h, size_t size)
{
	unsigned int cls = size_to_class(size);
	struct block_hdr *hdr;
	void *p;

	p = h->free_list[cls];
	if (p != NULL && !free_slot_ok(h, p, cls)) {
		/*
		 * Someone wrote over a free slot. Abandon the whole list
		 * rather than follow links that cannot be trusted; its slots
		 * leak.
		 */
		h->free_list[cls] = NULL;
		p = NULL;
	}
	if (p == NULL) {
		if (!refill(h, cls)) {
			return NULL;
		}
		p = h->free_list[cls];
	}
	hdr = hdr_of(p);
	h->free_list[cls] = *(void **)p;
	hdr->state = BLOCK_LIVE;
	hdr->size = size;
	return p;
}

static void *alloc_large(struct heap *h, size_t size)
{
	struct heap_large *link;
	struct block_hdr *hdr;
	size_t npages;
	void *run;

	if (size > SIZE_MAX - (LARGE_PAYLOAD_OFFSET + HEAP_PAGE_SIZE - 1)) {
		return NULL;
	}
	npages = (size + LARGE_PAYLOAD_OFFSET + HEAP_PAGE_SIZE - 1) /
		 HEAP_PAGE_SIZE;
	run = h->ops->alloc_pages(h->ctx, npages);
	if (run == NULL) {
		return NULL;
	}
	if (!page_aligned(run)) {
		h->ops->free_pages(h->ctx, run, npages);
		return NULL;
	}
	link = run;
	link->next = h->large;
	link->npages = npages;
	h->large = link;
	hdr = (struct block_hdr *)((uintptr_t)run + LARGE_HDR_OFFSET);
	hdr_set(h, hdr, BLOCK_LIVE, CLASS_LARGE, size);
	h->stats.pages_held += npages;
	return (void *)((uintptr_t)run + LARGE_PAYLOAD_OFFSET);
}

void *heap_alloc(struct heap *h, size_t size)
{
	void *p;

	if (size == 0) {
		return NULL;
	}
	if (size <= HEAP_MAX_SMALL) {
		p = alloc_small(h, size);
	} else {
		p = alloc_large(h, size);
	}
	if (p != NULL) {
		h->stats.allocs++;
		h->stats.bytes_in_use += size;
	}
	return p;
}

void *heap_zalloc(struct heap *h, size_t size)
{
	void *p = heap_alloc(h, size);

	if (p != NULL) {
		memset(p, 0, size);
	}
	return p;
}

/*
 * The header of the live block @p, or NULL if @p is not one. For a large
 * block, *@slot is set to the list link pointing at it, for unlinking.
 */
static struct block_hdr *find_live(struct heap *h, void *p,
				   struct heap_large ***slot)
{
	uintptr_t off = (uintptr_t)p & (HEAP_PAGE_SIZE - 1);
	struct block_hdr *hdr;
	struct heap_large **l;

	if ((uintptr_t)p & (HEAP_ALIGN - 1)) {
		return NULL;
	}
	if (off == LARGE_PAYLOAD_OFFSET) {
		uintptr_t run = (uintptr_t)p - LARGE_PAYLOAD_OFFSET;

		for (l = &h->large; *l != NULL; l = &(*l)->next) {
			if ((uintptr_t)*l == run) {
				break;
			}
		}
		if (*l == NULL) {
			return NULL;
		}
		hdr = hdr_of(p);
		if (hdr->magic != seal(h, hdr) || hdr->state != BLOCK_LIVE ||
		    hdr->cls != CLASS_LARGE) {
			/* The caller wrote below its block. */
			return NULL;
		}
		*slot = l;
		return hdr;
	}
	if (off < HDR_SIZE) {
		/* The header would lie in another page. */
		return NULL;
	}
	hdr = hdr_of(p);
	if (hdr->magic != seal(h, hdr) || hdr->state != BLOCK_LIVE ||
	    hdr->cls >= HEAP_NCLASSES) {
		return NULL;
	}
	/* A genuine header sits at a slot boundary of its class. */
	if ((off - HDR_SIZE) % class_stride(hdr->cls) != 0 ||
	    off - HDR_SIZE + class_stride(hdr->cls) > HEAP_PAGE_SIZE) {
		return NULL;
	}
	*slot = NULL;
	return hdr;
}

int heap_free(struct heap *h, void *p)
{
	struct heap_large **slot;
	struct heap_large *link;
	struct block_hdr *hdr;
	uint64_t npages;

	if (p == NULL) {
		return 0;
	}
	hdr = find_live(h, p, &slot);
	if (hdr == NULL) {
		h->stats.bad_frees++;
		return EXO_ERR_INVALID;
	}
	h->stats.frees++;
	h->stats.bytes_in_use -= hdr->size;
	if (hdr->cls != CLASS_LARGE) {
		hdr->state = BLOCK_FREE;
		hdr->size = 0;
		*(void **)p = h->free_list[hdr->cls];
		h->free_list[hdr->cls] = p;
		return 0;
	}
	link = *slot;
	*slot = link->next;
	npages = link->npages;
	/* Scrub, so the pages do not carry a valid-looking header onward. */
	hdr->magic = 0;
	hdr->state = BLOCK_FREE;
	h->stats.pages_held -= npages;
	h->ops->free_pages(h->ctx, link, (size_t)npages);
	return 0;
}

size_t heap_block_size(struct heap *h, void *p)
{
	struct heap_large **slot;
	struct block_hdr *hdr;

	if (p == NULL) {
		return 0;
	}
	hdr = find_live(h, p, &slot);
	if (hdr == NULL) {
		return 0;
	}
	if (hdr->cls == CLASS_LARGE) {
		return (size_t)((*slot)->npages * HEAP_PAGE_SIZE -
				LARGE_PAYLOAD_OFFSET);
	}
	return class_size(hdr->cls);
}
