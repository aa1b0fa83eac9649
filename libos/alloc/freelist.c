/* SPDX-License-Identifier: MIT */
/*
 * alloc.freelist. Memory comes in spans, kept in a table sorted by
 * address (itself in pages from the source):
 *
 *  - chunks of FL_CHUNK_PAGES pages for requests up to FL_LARGE_MIN. A
 *    chunk starts with a bitmap holding one bit per 16-byte granule, set
 *    for the payload of each live block; then blocks follow each other up
 *    to a fence header at the chunk's end. Each block starts with a
 *    16-byte header (struct fl_hdr): its size and its predecessor's size
 *    (the boundary tags, in granules), whether it is in use, its place in
 *    the chunk, and for a block in use how many payload bytes were not
 *    asked for. A free block keeps its free-list links in its payload.
 *    Two free blocks are never neighbours: free merges them.
 *
 *  - large runs: the payload is the run itself (page-aligned); the size
 *    asked for lives in the table only.
 *
 * Trust: a header's seal hashes its address, the allocator's address, its
 * fields and, for a free block, its links. Nothing read from a header or a
 * link is used unless the seal matches, so a stray write by the program
 * (overflow, use after free) is noticed, reported, and the damaged block
 * is left alone (leaked) instead of spreading the damage. So are the
 * blocks of a free list found damaged: the list is dropped, and a block
 * met later that is on no list is quarantined (marked in use by nobody,
 * so no merge touches it). freelist_check then reports the heap as
 * corrupt, which it is. A pointer handed
 * to free is first looked up in the span table and the live bitmap, so
 * memory outside the heap is never read and the verdict on interior and
 * double frees does not depend on what the payload holds.
 *
 * Free lists: bins 2..63 hold blocks of exactly that many granules; above,
 * four bins per power of two. Lists are LIFO; bin_map says which are not
 * empty so the search for a larger block is a few bit scans. A chunk that
 * becomes entirely free is given back, except one kept as a spare so that
 * a program allocating and freeing around a boundary does not map and
 * unmap a chunk each time.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "freelist.h"

#define GRAN 16
#define HDR 16
#define CHUNK_SIZE ((size_t)FL_CHUNK_PAGES * FL_PAGE_SIZE)
#define CHUNK_GRANS (CHUNK_SIZE / GRAN)
#define BITMAP_BYTES (CHUNK_GRANS / 8)
#define FIRST_OFF BITMAP_BYTES
#define FENCE_OFF (CHUNK_SIZE - HDR)
#define FIRST_GRANS ((FENCE_OFF - FIRST_OFF) / GRAN)
#define MIN_GRANS 2 /* a header and two links */

#define INFO_USED 0x80000000u
#define INFO_IDX_SHIFT 16
#define INFO_IDX_MASK 0x1fffu /* the header's granule in its chunk */
#define INFO_SLACK_MASK 0xffffu /* in use: payload bytes not asked for */
#define SLACK_QUARANTINE 0xffffu /* "in use" by nobody: never touched */

#define SPAN_CHUNK 1u
#define SPAN_LARGE 2u

struct fl_hdr {
	uint32_t seal;
	uint32_t prev; /* granules of the block before; 0 for the first */
	uint32_t size; /* granules of this block, header included */
	uint32_t info; /* INFO_USED | index << INFO_IDX_SHIFT | slack */
};

/* In the payload of a free block. */
struct fl_free {
	struct fl_free *next;
	struct fl_free *prev;
};

struct fl_span {
	uintptr_t start;
	size_t npages;
	size_t size; /* large: bytes asked for */
	uint32_t kind; /* SPAN_* */
	uint32_t unused;
};

_Static_assert(sizeof(struct fl_hdr) == HDR, "header size");
_Static_assert(HDR % FL_ALIGN == 0 && GRAN % FL_ALIGN == 0, "alignment");
_Static_assert(sizeof(struct fl_free) <= (MIN_GRANS - 1) * GRAN,
	       "links fit the smallest block");
_Static_assert(CHUNK_GRANS - 1 <= INFO_IDX_MASK, "index fits the header");
_Static_assert(FIRST_OFF % GRAN == 0, "first block aligned");
_Static_assert((FL_LARGE_MIN + HDR + GRAN - 1) / GRAN <= FIRST_GRANS,
	       "every small request fits an empty chunk");
_Static_assert(FL_NBINS % 64 == 0, "bin map words");

static struct freelist *fl_of(struct alloc *a)
{
	return container_of(a, struct freelist, base);
}

/* Headers and their fields. */

static struct fl_free *links(struct fl_hdr *h)
{
	return (struct fl_free *)(h + 1);
}

static struct fl_hdr *hdr_of_links(struct fl_free *f)
{
	return (struct fl_hdr *)f - 1;
}

static bool used(const struct fl_hdr *h)
{
	return h->info & INFO_USED;
}

static uint32_t hdr_idx(const struct fl_hdr *h)
{
	return h->info >> INFO_IDX_SHIFT & INFO_IDX_MASK;
}

static uint32_t idx_info(uint32_t idx)
{
	return idx << INFO_IDX_SHIFT;
}

static bool is_fence(const struct fl_hdr *h)
{
	return h->size == 1;
}

static struct fl_hdr *next_hdr(struct fl_hdr *h)
{
	return (struct fl_hdr *)((uintptr_t)h + (uintptr_t)h->size * GRAN);
}

static uintptr_t chunk_of(const struct fl_hdr *h)
{
	return (uintptr_t)h - (uintptr_t)hdr_idx(h) * GRAN;
}

static size_t payload_size(const struct fl_hdr *h)
{
	return ((size_t)h->size - 1) * GRAN;
}

/* Bytes the program asked for, of a block in use. */
static size_t asked(const struct fl_hdr *h)
{
	return payload_size(h) - (h->info & INFO_SLACK_MASK);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 29;
	x *= 0x94d049bb133111ebull;
	return x ^ x >> 32;
}

static uint32_t seal(const struct freelist *fl, struct fl_hdr *h)
{
	uint64_t x = (uint64_t)(uintptr_t)h * 0x9e3779b97f4a7c15ull;

	x ^= mix((uint64_t)(uintptr_t)fl ^ 0x5eed);
	x = mix(x ^ ((uint64_t)h->prev << 32 | h->size));
	x = mix(x ^ h->info);
	if (!used(h)) {
		x = mix(x ^ (uint64_t)(uintptr_t)links(h)->next);
		x = mix(x ^ (uint64_t)(uintptr_t)links(h)->prev);
	}
	return (uint32_t)x;
}

static bool hdr_ok(const struct freelist *fl, struct fl_hdr *h)
{
	return h->seal == seal(fl, h);
}

static void reseal(const struct freelist *fl, struct fl_hdr *h)
{
	h->seal = seal(fl, h);
}

/* Write a header; for a free block, set its links first. */
static void hdr_put(const struct freelist *fl, struct fl_hdr *h, uint32_t prev,
		    uint32_t size, uint32_t info)
{
	h->prev = prev;
	h->size = size;
	h->info = info;
	reseal(fl, h);
}

/* A header merged into another: it must never pass for one again. */
static void scrub(struct fl_hdr *h)
{
	h->seal = ~h->seal;
}

/* Live bitmap: one bit per granule of the chunk, set at live payloads. */

static bool live_bit(uintptr_t chunk, size_t gran)
{
	const uint8_t *map = (const uint8_t *)chunk;

	return map[gran / 8] >> (gran % 8) & 1;
}

static void live_set(struct fl_hdr *h, bool live)
{
	uint8_t *map = (uint8_t *)chunk_of(h);
	size_t gran = hdr_idx(h) + 1;
	unsigned int bit = 1u << (gran % 8);

	if (live) {
		map[gran / 8] |= bit;
	} else {
		map[gran / 8] &= ~bit;
	}
}

static void tell(struct freelist *fl, const void *p, const char *why)
{
	if (fl->report) {
		fl->report(fl, fl->op, p, why);
	}
}

static void corrupt(struct freelist *fl, const void *p, const char *why)
{
	fl->stats.corruptions++;
	tell(fl, p, why);
}

/* The span table. */

static size_t span_find(const struct freelist *fl, uintptr_t a)
{
	size_t lo = 0, hi = fl->nspans;
	const struct fl_span *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fl->spans[mid].start <= a) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == 0) {
		return fl->nspans;
	}
	s = &fl->spans[lo - 1];
	if (a - s->start < s->npages * FL_PAGE_SIZE) {
		return lo - 1;
	}
	return fl->nspans;
}

static void *take_pages(struct freelist *fl, size_t count)
{
	void *p = fl->pages->alloc_pages(fl->ctx, count);

	if (p == NULL) {
		return NULL;
	}
	if ((uintptr_t)p & (FL_PAGE_SIZE - 1)) {
		/* The layout depends on page alignment; refuse it. */
		fl->pages->free_pages(fl->ctx, p, count);
		return NULL;
	}
	fl->stats.pages_held += count;
	return p;
}

static void give_pages(struct freelist *fl, void *p, size_t count)
{
	fl->stats.pages_held -= count;
	fl->pages->free_pages(fl->ctx, p, count);
}

/* Make room for one more span. The table is never shrunk. */
static bool span_reserve(struct freelist *fl)
{
	size_t pages = fl->span_pages ? fl->span_pages * 2 : 1;
	struct fl_span *t;

	if ((fl->nspans + 1) * sizeof(*t) <= fl->span_pages * FL_PAGE_SIZE) {
		return true;
	}
	t = take_pages(fl, pages);
	if (t == NULL) {
		return false;
	}
	if (fl->nspans) {
		memcpy(t, fl->spans, fl->nspans * sizeof(*t));
	}
	if (fl->spans) {
		give_pages(fl, fl->spans, fl->span_pages);
	}
	fl->spans = t;
	fl->span_pages = pages;
	return true;
}

/* Insert in address order; span_reserve made room. */
static void span_insert(struct freelist *fl, uintptr_t start, size_t npages,
			size_t size, uint32_t kind)
{
	size_t i = fl->nspans;

	while (i > 0 && fl->spans[i - 1].start > start) {
		fl->spans[i] = fl->spans[i - 1];
		i--;
	}
	fl->spans[i].start = start;
	fl->spans[i].npages = npages;
	fl->spans[i].size = size;
	fl->spans[i].kind = kind;
	fl->spans[i].unused = 0;
	fl->nspans++;
}

static void span_remove(struct freelist *fl, size_t i)
{
	fl->nspans--;
	memmove(&fl->spans[i], &fl->spans[i + 1],
		(fl->nspans - i) * sizeof(fl->spans[0]));
}

/* Free lists. */

static unsigned int bin_of(uint32_t grans)
{
	unsigned int log, bin;

	if (grans < 64) {
		return grans;
	}
	log = 63 - (unsigned int)__builtin_clzll(grans);
	bin = 64 + (log - 6) * 4 + (grans >> (log - 2) & 3);
	return bin < FL_NBINS ? bin : FL_NBINS - 1;
}

static void bin_mark(struct freelist *fl, unsigned int b, bool full)
{
	if (full) {
		fl->bin_map[b / 64] |= 1ull << (b % 64);
	} else {
		fl->bin_map[b / 64] &= ~(1ull << (b % 64));
	}
}

/* The first bin at or after @b that is not empty, or FL_NBINS. */
static unsigned int bin_next(const struct freelist *fl, unsigned int b)
{
	while (b < FL_NBINS) {
		uint64_t w = fl->bin_map[b / 64] >> (b % 64);

		if (w) {
			return b + (unsigned int)__builtin_ctzll(w);
		}
		b = (b / 64 + 1) * 64;
	}
	return FL_NBINS;
}

/* A list found inconsistent is abandoned: its blocks leak. */
static void bin_drop(struct freelist *fl, unsigned int b, const void *where)
{
	corrupt(fl, where, "free list damaged (write after free?)");
	fl->bins[b] = NULL;
	bin_mark(fl, b, false);
}

/* Is @h, a free block in bin @b, properly linked after @prev? */
static bool node_ok(const struct freelist *fl, struct fl_hdr *h, unsigned int b,
		    struct fl_free *prev)
{
	return hdr_ok(fl, h) && !used(h) && !is_fence(h) &&
	       bin_of(h->size) == b && links(h)->prev == prev;
}

static void bin_insert(struct freelist *fl, struct fl_hdr *h)
{
	unsigned int b = bin_of(h->size);
	struct fl_free *f = links(h), *head = fl->bins[b];

	if (head && !node_ok(fl, hdr_of_links(head), b, NULL)) {
		bin_drop(fl, b, hdr_of_links(head));
		head = NULL;
	}
	f->next = head;
	f->prev = NULL;
	reseal(fl, h);
	if (head) {
		head->prev = f;
		reseal(fl, hdr_of_links(head));
	}
	fl->bins[b] = f;
	bin_mark(fl, b, true);
}

/*
 * Take the free block @h (sealed) off its list. False when its links do
 * not agree with its neighbours' (it is on no usable list): nothing is
 * changed then.
 */
static bool bin_unlink(struct freelist *fl, struct fl_hdr *h)
{
	unsigned int b = bin_of(h->size);
	struct fl_free *f = links(h);
	struct fl_hdr *ph = f->prev ? hdr_of_links(f->prev) : NULL;
	struct fl_hdr *nh = f->next ? hdr_of_links(f->next) : NULL;

	if (ph ? !(hdr_ok(fl, ph) && !used(ph) && f->prev->next == f)
	       : fl->bins[b] != f) {
		return false;
	}
	if (nh && !(hdr_ok(fl, nh) && !used(nh) && f->next->prev == f)) {
		return false;
	}
	if (ph) {
		f->prev->next = f->next;
		reseal(fl, ph);
	} else {
		fl->bins[b] = f->next;
		bin_mark(fl, b, f->next != NULL);
	}
	if (nh) {
		f->next->prev = f->prev;
		reseal(fl, nh);
	}
	return true;
}

/*
 * A free block whose list is gone (dropped as damaged): mark it in use by
 * nobody, so that no merge ever touches it.
 */
static void quarantine(struct freelist *fl, struct fl_hdr *h)
{
	hdr_put(fl, h, h->prev, h->size,
		INFO_USED | idx_info(hdr_idx(h)) | SLACK_QUARANTINE);
}

/* The first block of bin @b with at least @need granules, still linked. */
static struct fl_hdr *bin_fit(struct freelist *fl, unsigned int b,
			      uint32_t need)
{
	struct fl_free *prev = NULL, *f = fl->bins[b];
	size_t steps = 0;

	while (f) {
		struct fl_hdr *h = hdr_of_links(f);

		if (!node_ok(fl, h, b, prev) || ++steps > CHUNK_GRANS * 64) {
			bin_drop(fl, b, h);
			return NULL;
		}
		if (h->size >= need) {
			return h;
		}
		prev = f;
		f = f->next;
	}
	return NULL;
}

/* Chunks. */

/* A new chunk: one free block, on no list yet. */
static struct fl_hdr *chunk_new(struct freelist *fl)
{
	struct fl_hdr *first, *fence;
	uintptr_t c;

	if (!span_reserve(fl)) {
		return NULL;
	}
	c = (uintptr_t)take_pages(fl, FL_CHUNK_PAGES);
	if (c == 0) {
		return NULL;
	}
	memset((void *)c, 0, BITMAP_BYTES);
	first = (struct fl_hdr *)(c + FIRST_OFF);
	fence = (struct fl_hdr *)(c + FENCE_OFF);
	links(first)->next = NULL;
	links(first)->prev = NULL;
	hdr_put(fl, first, 0, FIRST_GRANS, idx_info(FIRST_OFF / GRAN));
	hdr_put(fl, fence, FIRST_GRANS, 1,
		INFO_USED | idx_info(FENCE_OFF / GRAN));
	span_insert(fl, c, FL_CHUNK_PAGES, 0, SPAN_CHUNK);
	return first;
}

/* @h, on no list, covers its whole chunk. */
static bool whole_chunk(struct fl_hdr *h)
{
	return h->prev == 0 && h->size == FIRST_GRANS;
}

/* The chunk of @h (on no list) has nothing live: keep it or give it back. */
static void chunk_empty(struct freelist *fl, struct fl_hdr *h)
{
	uintptr_t c = chunk_of(h);
	size_t i;

	if (fl->spare == 0) {
		fl->spare = c;
		bin_insert(fl, h);
		return;
	}
	i = span_find(fl, c);
	span_remove(fl, i);
	give_pages(fl, (void *)c, FL_CHUNK_PAGES);
}

/*
 * Put @h (sealed, marked free, on no list) on its list after merging it
 * with free neighbours, and fix the next block's boundary tag.
 */
static void make_free(struct freelist *fl, struct fl_hdr *h)
{
	struct fl_hdr *n = next_hdr(h);
	uint32_t prev = h->prev, size = h->size, idx = hdr_idx(h);
	bool n_ok = hdr_ok(fl, n);

	if (n_ok && !used(n)) {
		if (bin_unlink(fl, n)) {
			struct fl_hdr *nn = next_hdr(n);

			size += n->size;
			scrub(n);
			n = nn;
			n_ok = hdr_ok(fl, n);
		} else {
			quarantine(fl, n);
		}
	}
	if (prev) {
		struct fl_hdr *p =
			(struct fl_hdr *)((uintptr_t)h - prev * GRAN);

		if (!hdr_ok(fl, p) || p->size != prev) {
			corrupt(fl, p, "block header damaged");
		} else if (!used(p) && bin_unlink(fl, p)) {
			scrub(h);
			h = p;
			size += p->size;
			prev = p->prev;
			idx = hdr_idx(p);
		} else if (!used(p)) {
			quarantine(fl, p);
		}
	}
	links(h)->next = NULL;
	links(h)->prev = NULL;
	hdr_put(fl, h, prev, size, idx_info(idx));
	if (!n_ok) {
		corrupt(fl, n, "block header damaged");
	} else {
		n->prev = size;
		reseal(fl, n);
	}
	if (whole_chunk(h)) {
		chunk_empty(fl, h);
	} else {
		bin_insert(fl, h);
	}
}

/*
 * Cut @h down to @need granules, freeing the rest if it can be a block.
 * False, with nothing changed, when the block after @h is damaged (its
 * boundary tag could not be kept right).
 */
static bool split(struct freelist *fl, struct fl_hdr *h, uint32_t need)
{
	uint32_t rest = h->size - need;
	struct fl_hdr *t;

	if (rest < MIN_GRANS) {
		return true;
	}
	if (!hdr_ok(fl, next_hdr(h))) {
		corrupt(fl, next_hdr(h), "block header damaged");
		return false;
	}
	h->size = need;
	reseal(fl, h);
	t = (struct fl_hdr *)((uintptr_t)h + (uintptr_t)need * GRAN);
	links(t)->next = NULL;
	links(t)->prev = NULL;
	hdr_put(fl, t, need, rest, idx_info(hdr_idx(h) + need));
	make_free(fl, t);
	return true;
}

/* Granules of a block with @n payload bytes (n <= FL_LARGE_MIN). */
static uint32_t grans_for(size_t n)
{
	uint32_t g = (uint32_t)((n + HDR + GRAN - 1) / GRAN);

	return g < MIN_GRANS ? MIN_GRANS : g;
}

static void mark_used(struct freelist *fl, struct fl_hdr *h, size_t n)
{
	hdr_put(fl, h, h->prev, h->size,
		INFO_USED | idx_info(hdr_idx(h)) |
			(uint32_t)(payload_size(h) - n));
	live_set(h, true);
}

/* A free block of at least @need granules, off its list, or NULL. */
static struct fl_hdr *find_fit(struct freelist *fl, uint32_t need)
{
	unsigned int b;

	for (b = bin_of(need); b < FL_NBINS; b = bin_next(fl, b + 1)) {
		struct fl_hdr *h = bin_fit(fl, b, need);

		if (h && bin_unlink(fl, h)) {
			if (whole_chunk(h)) {
				fl->spare = 0;
			}
			return h;
		}
		if (h) {
			bin_drop(fl, b, h);
		}
	}
	return chunk_new(fl);
}

static void *alloc_small(struct freelist *fl, size_t n)
{
	uint32_t need = grans_for(n);
	struct fl_hdr *h;

	for (;;) {
		h = find_fit(fl, need);
		if (h == NULL) {
			return NULL;
		}
		/* In use before the split, so the tail does not merge back. */
		hdr_put(fl, h, h->prev, h->size,
			INFO_USED | idx_info(hdr_idx(h)));
		if (split(fl, h, need)) {
			break;
		}
		/* Its neighbour is damaged: leave the block alone for good. */
		quarantine(fl, h);
	}
	mark_used(fl, h, n);
	fl->stats.bytes_in_use += n;
	return h + 1;
}

static void *alloc_large(struct freelist *fl, size_t n)
{
	size_t npages = n / FL_PAGE_SIZE + (n % FL_PAGE_SIZE != 0);
	void *run;

	if (!span_reserve(fl)) {
		return NULL;
	}
	run = take_pages(fl, npages);
	if (run == NULL) {
		return NULL;
	}
	span_insert(fl, (uintptr_t)run, npages, n, SPAN_LARGE);
	fl->stats.bytes_in_use += n;
	return run;
}

static void *fl_alloc(struct freelist *fl, size_t n)
{
	void *p = n > FL_LARGE_MIN ? alloc_large(fl, n) : alloc_small(fl, n);

	if (p) {
		fl->stats.allocs++;
		fl->stats.blocks_in_use++;
	}
	return p;
}

/* What free and realloc are given. */
struct live {
	struct fl_hdr *hdr; /* small: its header */
	size_t span; /* large: its span */
};

static const char damaged[] = "header of a live block damaged (overflow?)";

/*
 * Find the live block @p. Return: NULL, or why it is not one (damaged
 * when its header was overwritten). Reads nothing outside the heap.
 */
static const char *find_live(struct freelist *fl, void *p, struct live *out)
{
	uintptr_t a = (uintptr_t)p, c, off;
	size_t i = span_find(fl, a);
	struct fl_hdr *h;

	if (i == fl->nspans) {
		return "not allocated here (or freed already)";
	}
	c = fl->spans[i].start;
	off = a - c;
	if (fl->spans[i].kind == SPAN_LARGE) {
		if (off != 0) {
			return "points inside a block";
		}
		out->hdr = NULL;
		out->span = i;
		return NULL;
	}
	if (off % GRAN || off < FIRST_OFF + HDR || off >= FENCE_OFF) {
		return "not the start of a block";
	}
	h = (struct fl_hdr *)(a - HDR);
	if (!live_bit(c, off / GRAN)) {
		if (hdr_ok(fl, h) && !used(h)) {
			return "double free";
		}
		return "not the start of a block";
	}
	if (!hdr_ok(fl, h) || !used(h) || hdr_idx(h) != off / GRAN - 1) {
		return damaged;
	}
	out->hdr = h;
	return NULL;
}

/* free or realloc was handed @p, which is not a live block, for @why. */
static void refuse(struct freelist *fl, void *p, const char *why)
{
	fl->stats.bad_frees++;
	if (why == damaged) {
		fl->stats.corruptions++;
	}
	tell(fl, p, why);
}

static void release(struct freelist *fl, struct live *l)
{
	fl->stats.frees++;
	fl->stats.blocks_in_use--;
	if (l->hdr == NULL) {
		struct fl_span s = fl->spans[l->span];

		fl->stats.bytes_in_use -= s.size;
		span_remove(fl, l->span);
		give_pages(fl, (void *)s.start, s.npages);
		return;
	}
	fl->stats.bytes_in_use -= asked(l->hdr);
	live_set(l->hdr, false);
	links(l->hdr)->next = NULL;
	links(l->hdr)->prev = NULL;
	hdr_put(fl, l->hdr, l->hdr->prev, l->hdr->size,
		idx_info(hdr_idx(l->hdr)));
	make_free(fl, l->hdr);
}

static void *fl_malloc(struct alloc *a, size_t n)
{
	struct freelist *fl = fl_of(a);

	fl->op = "malloc";
	return fl_alloc(fl, n);
}

static void fl_free(struct alloc *a, void *p)
{
	struct freelist *fl = fl_of(a);
	const char *why;
	struct live l;

	if (p == NULL) {
		return;
	}
	fl->op = "free";
	why = find_live(fl, p, &l);
	if (why) {
		refuse(fl, p, why);
		return;
	}
	release(fl, &l);
}

/* Resize the small block @h to @n bytes where it is, if it can. */
static bool resize_small(struct freelist *fl, struct fl_hdr *h, size_t n)
{
	uint32_t need = grans_for(n);
	size_t old = asked(h);
	struct fl_hdr *next = next_hdr(h);

	if (need > h->size) {
		struct fl_hdr *after;

		if (!hdr_ok(fl, next) || used(next) ||
		    h->size + next->size < need) {
			return false;
		}
		after = next_hdr(next);
		if (!hdr_ok(fl, after) || !bin_unlink(fl, next)) {
			return false;
		}
		h->size += next->size;
		scrub(next);
		after->prev = h->size;
		reseal(fl, after);
		reseal(fl, h);
	}
	if (!split(fl, h, need)) {
		return false;
	}
	hdr_put(fl, h, h->prev, h->size,
		INFO_USED | idx_info(hdr_idx(h)) |
			(uint32_t)(payload_size(h) - n));
	fl->stats.bytes_in_use += n;
	fl->stats.bytes_in_use -= old;
	return true;
}

static void *fl_realloc(struct alloc *a, void *p, size_t n)
{
	struct freelist *fl = fl_of(a);
	const char *why;
	struct live l;
	size_t old;
	void *q;

	if (p == NULL) {
		return fl_malloc(a, n);
	}
	fl->op = "realloc";
	why = find_live(fl, p, &l);
	if (why) {
		refuse(fl, p, why);
		return NULL;
	}
	if (n == 0) {
		release(fl, &l);
		return NULL;
	}
	if (l.hdr == NULL) {
		struct fl_span *s = &fl->spans[l.span];
		size_t room = s->npages * FL_PAGE_SIZE;

		old = s->size;
		/* Stay while it fits and at least half the run is used. */
		if (n > FL_LARGE_MIN && n <= room && n > room / 2) {
			fl->stats.bytes_in_use += n;
			fl->stats.bytes_in_use -= old;
			s->size = n;
			return p;
		}
	} else {
		old = asked(l.hdr);
		if (n <= FL_LARGE_MIN && resize_small(fl, l.hdr, n)) {
			return p;
		}
	}
	q = fl_alloc(fl, n);
	if (q == NULL) {
		return NULL;
	}
	memcpy(q, p, old < n ? old : n);
	/* The new block may have moved the span table: look again. */
	if (find_live(fl, p, &l) == NULL) {
		release(fl, &l);
	}
	return q;
}

static size_t fl_usable_size(struct alloc *a, void *p)
{
	struct freelist *fl = fl_of(a);
	struct live l;

	/* A question, not a mistake: nothing is reported. */
	if (p == NULL || find_live(fl, p, &l)) {
		return 0;
	}
	if (l.hdr == NULL) {
		return fl->spans[l.span].npages * FL_PAGE_SIZE;
	}
	return payload_size(l.hdr);
}

static void fl_stats(struct alloc *a, struct alloc_stats *out)
{
	*out = fl_of(a)->stats;
}

const struct alloc_ops freelist_ops = {
	.malloc = fl_malloc,
	.free = fl_free,
	.realloc = fl_realloc,
	.usable_size = fl_usable_size,
	.stats = fl_stats,
};

void freelist_init(struct freelist *fl, const struct alloc_page_ops *pages,
		   void *ctx, freelist_report_fn report)
{
	memset(fl, 0, sizeof(*fl));
	fl->base.ops = &freelist_ops;
	fl->pages = pages;
	fl->ctx = ctx;
	fl->report = report;
	fl->op = "";
}

/* Consistency check. */

struct tally {
	uint64_t blocks, bytes, free_blocks, pages;
};

static bool check_chunk(struct freelist *fl, const struct fl_span *s,
			struct tally *t)
{
	uintptr_t c = s->start;
	struct fl_hdr *h = (struct fl_hdr *)(c + FIRST_OFF);
	uint32_t prev = 0;
	uint64_t live = 0, bits = 0;
	bool prev_free = false;
	size_t g;

	for (;;) {
		uintptr_t off = (uintptr_t)h - c;

		if (!hdr_ok(fl, h) || h->prev != prev ||
		    hdr_idx(h) != off / GRAN) {
			corrupt(fl, h, "check: bad block header");
			return false;
		}
		if (is_fence(h)) {
			if (off != FENCE_OFF || !used(h)) {
				corrupt(fl, h, "check: bad fence");
				return false;
			}
			break;
		}
		if (h->size < MIN_GRANS || off + h->size * GRAN > FENCE_OFF) {
			corrupt(fl, h, "check: bad block size");
			return false;
		}
		if (!used(h)) {
			if (prev_free || live_bit(c, off / GRAN + 1)) {
				corrupt(fl, h, "check: free block misplaced");
				return false;
			}
			if (whole_chunk(h) && fl->spare != c) {
				corrupt(fl, h, "check: empty chunk kept");
				return false;
			}
			t->free_blocks++;
		} else if ((h->info & INFO_SLACK_MASK) == SLACK_QUARANTINE) {
			if (live_bit(c, off / GRAN + 1)) {
				corrupt(fl, h, "check: quarantined block live");
				return false;
			}
		} else {
			if (!live_bit(c, off / GRAN + 1) ||
			    (h->info & INFO_SLACK_MASK) > payload_size(h)) {
				corrupt(fl, h, "check: live block not marked");
				return false;
			}
			live++;
			t->bytes += asked(h);
		}
		prev_free = !used(h);
		prev = h->size;
		h = next_hdr(h);
	}
	for (g = 0; g < CHUNK_GRANS; g++) {
		bits += live_bit(c, g);
	}
	if (bits != live) {
		corrupt(fl, (void *)c, "check: stray live bits");
		return false;
	}
	t->blocks += live;
	return true;
}

static bool check_bins(struct freelist *fl, uint64_t free_blocks)
{
	uint64_t seen = 0;
	unsigned int b;

	for (b = 0; b < FL_NBINS; b++) {
		struct fl_free *prev = NULL, *f = fl->bins[b];
		bool marked = fl->bin_map[b / 64] >> (b % 64) & 1;

		if (marked != (f != NULL)) {
			corrupt(fl, f, "check: bin map wrong");
			return false;
		}
		for (; f; prev = f, f = f->next) {
			struct fl_hdr *h = hdr_of_links(f);

			if (++seen > free_blocks ||
			    span_find(fl, (uintptr_t)h) == fl->nspans ||
			    !node_ok(fl, h, b, prev)) {
				corrupt(fl, h, "check: bad free list");
				return false;
			}
		}
	}
	if (seen != free_blocks) {
		corrupt(fl, NULL, "check: free blocks off the lists");
		return false;
	}
	return true;
}

int freelist_check(struct freelist *fl)
{
	struct tally t = { 0, 0, 0, 0 };
	uintptr_t end = 0;
	bool spare_seen = fl->spare == 0;
	size_t i;

	fl->op = "check";
	for (i = 0; i < fl->nspans; i++) {
		const struct fl_span *s = &fl->spans[i];

		if (s->start < end || s->start % FL_PAGE_SIZE) {
			corrupt(fl, (void *)s->start, "check: spans overlap");
			return EXO_ERR_CORRUPT;
		}
		end = s->start + s->npages * FL_PAGE_SIZE;
		t.pages += s->npages;
		if (s->kind == SPAN_LARGE) {
			if (s->size <= FL_LARGE_MIN ||
			    s->size > s->npages * FL_PAGE_SIZE) {
				corrupt(fl, (void *)s->start,
					"check: bad large span");
				return EXO_ERR_CORRUPT;
			}
			t.blocks++;
			t.bytes += s->size;
			continue;
		}
		if (s->kind != SPAN_CHUNK || s->npages != FL_CHUNK_PAGES ||
		    !check_chunk(fl, s, &t)) {
			if (s->kind != SPAN_CHUNK ||
			    s->npages != FL_CHUNK_PAGES) {
				corrupt(fl, (void *)s->start,
					"check: bad span");
			}
			return EXO_ERR_CORRUPT;
		}
		spare_seen |= s->start == fl->spare;
	}
	if (!spare_seen || !check_bins(fl, t.free_blocks)) {
		if (!spare_seen) {
			corrupt(fl, (void *)fl->spare, "check: spare lost");
		}
		return EXO_ERR_CORRUPT;
	}
	if (t.blocks != fl->stats.blocks_in_use ||
	    t.bytes != fl->stats.bytes_in_use ||
	    t.pages + fl->span_pages != fl->stats.pages_held ||
	    fl->stats.allocs - fl->stats.frees != fl->stats.blocks_in_use) {
		corrupt(fl, NULL, "check: counters disagree");
		return EXO_ERR_CORRUPT;
	}
	return 0;
}
