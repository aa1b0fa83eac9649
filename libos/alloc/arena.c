/* SPDX-License-Identifier: MIT */
/*
 * An arena allocator, an alternative to the libOS default that a program
 * picks with axo_add_app(... MODULES alloc.arena): blocks are
 * carved one after another from big page runs and never reused; free only
 * checks the pointer. Memory comes back when the program ends. That is the
 * right policy for a short-lived program that allocates a lot and frees
 * little: no free lists, no coalescing, one comparison per malloc.
 */
#include <stdint.h>
#include <string.h>

#include <libos/alloc_impl.h>

#define CHUNK_PAGES 16
#define PAGE 4096

struct arena {
	struct alloc base; /* first: the slot hands out &base */
	uint8_t *next, *end; /* the free tail of the current chunk */
	struct alloc_stats stats;
};

/* Each block starts with its size, so realloc knows how much to copy. */
struct hdr {
	uint64_t size;
	uint64_t magic;
};

#define MAGIC 0xa7e4a7e4a7e4a7e4ull

static void *arena_malloc(struct alloc *a, size_t n)
{
	struct arena *ar = (struct arena *)a;
	size_t need = (sizeof(struct hdr) + n + 15) & ~(size_t)15;
	struct hdr *h;

	if (n > CHUNK_PAGES * PAGE - sizeof(struct hdr)) {
		return NULL; /* one chunk is this arena's limit */
	}
	if ((size_t)(ar->end - ar->next) < need) {
		uint8_t *chunk = alloc_exo_pages.alloc_pages(NULL, CHUNK_PAGES);

		if (!chunk) {
			return NULL;
		}
		ar->next = chunk;
		ar->end = chunk + CHUNK_PAGES * PAGE;
		ar->stats.pages_held += CHUNK_PAGES;
	}
	h = (struct hdr *)ar->next;
	h->size = n;
	h->magic = MAGIC;
	ar->next += need;
	ar->stats.allocs++;
	ar->stats.blocks_in_use++;
	ar->stats.bytes_in_use += n;
	return h + 1;
}

static struct hdr *header(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;

	return ((uintptr_t)p & 15) == 0 && h->magic == MAGIC ? h : NULL;
}

static void arena_free(struct alloc *a, void *p)
{
	struct arena *ar = (struct arena *)a;
	struct hdr *h;

	if (!p) {
		return;
	}
	h = header(p);
	if (!h) {
		ar->stats.bad_frees++;
		alloc_report("alloc.arena", "free", p, "not a block");
		return;
	}
	h->magic = 0; /* a second free is caught */
	ar->stats.frees++;
	ar->stats.blocks_in_use--;
	ar->stats.bytes_in_use -= h->size;
}

static size_t arena_usable_size(struct alloc *a, void *p)
{
	struct hdr *h = header(p);

	return h ? h->size : 0;
}

static void arena_stats(struct alloc *a, struct alloc_stats *out)
{
	*out = ((struct arena *)a)->stats;
}

static const struct alloc_ops arena_ops = {
	.malloc = arena_malloc,
	.free = arena_free,
	.realloc = alloc_default_realloc,
	.usable_size = arena_usable_size,
	.stats = arena_stats,
};

static struct arena arena = { .base.ops = &arena_ops };

ALLOC_IMPL(arena_impl, "alloc.arena", &arena_ops, &arena.base, NULL,
	   LIBOS_PRIO_MODULE);
