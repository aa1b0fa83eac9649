/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator: one struct frame per 4 KiB frame, free frames on
 * two doubly linked lists threaded through the metadata by frame number:
 * those of unknown contents (free_head) and those known to be zero
 * (zero_head).
 *
 * Invariants, kept by every function below:
 *  - a frame is on a free list iff its state is FRAME_FREE, and on the
 *    zeroed one iff its zero flag is set; the flag is clear on every
 *    frame that is not free;
 *  - ft->nfree is the length of both lists together, ft->nzero that of
 *    the zeroed one;
 *  - FRAME_USED frames have 1 <= refcount and a real owner; every other
 *    frame has refcount 0;
 *  - a FRAME_RESERVED frame whose owner is FRAME_OWNER_KERNEL was reserved
 *    by frame_range_reserve and never becomes usable again; one whose owner
 *    is FRAME_OWNER_NONE has merely not been added as usable (yet);
 *  - ft->nusable counts frames that are FRAME_FREE or FRAME_USED.
 *
 * Every physical address from a caller is untrusted: range ends are computed
 * without wrapping, and no frame number reaches the table unless it is below
 * ft->nframes.
 */
#include <stdbool.h>
#include <stddef.h>

#include <exo/errors.h>

#include "mm/frame.h"

#define FRAME_MASK (FRAME_SIZE - 1)

static paddr_t pfn_to_pa(uint64_t pfn)
{
	return (paddr_t)pfn << FRAME_SHIFT;
}

/*
 * The end of [base, base + len), clipped to the top of the address space
 * instead of wrapping: a range that claims to run past 2^64 is taken to run
 * up to it, never to restart at 0.
 */
static uint64_t range_end(paddr_t base, uint64_t len)
{
	if (len > UINT64_MAX - base) {
		return UINT64_MAX;
	}
	return base + len;
}

/* Put @pfn on the free list, the zeroed one when @zero. */
static void free_list_push(struct frame_table *ft, uint32_t pfn, bool zero)
{
	struct frame *f = &ft->frames[pfn];
	uint32_t *head = zero ? &ft->zero_head : &ft->free_head;

	f->state = FRAME_FREE;
	f->zero = zero;
	f->owner = FRAME_OWNER_NONE;
	f->refcount = 0;
	f->prev = FRAME_NIL;
	f->next = *head;
	if (*head != FRAME_NIL) {
		ft->frames[*head].prev = pfn;
	}
	*head = pfn;
	ft->nfree++;
	ft->nzero += zero;
}

/* Take @pfn, which must be FRAME_FREE, off its free list. O(1). */
static void free_list_unlink(struct frame_table *ft, uint32_t pfn)
{
	struct frame *f = &ft->frames[pfn];

	if (f->prev != FRAME_NIL) {
		ft->frames[f->prev].next = f->next;
	} else if (f->zero) {
		ft->zero_head = f->next;
	} else {
		ft->free_head = f->next;
	}
	if (f->next != FRAME_NIL) {
		ft->frames[f->next].prev = f->prev;
	}
	f->next = FRAME_NIL;
	f->prev = FRAME_NIL;
	ft->nfree--;
	ft->nzero -= f->zero;
	f->zero = 0;
}

/* Hand the free frame @pfn to @owner with one reference. */
static void take(struct frame_table *ft, uint32_t pfn, uint32_t owner)
{
	struct frame *f = &ft->frames[pfn];

	free_list_unlink(ft, pfn);
	f->state = FRAME_USED;
	f->owner = owner;
	f->refcount = 1;
}

/*
 * Check an address naming one frame and return its number in @pfn.
 * Reserved frames are refused here; the caller sorts free from used.
 */
static int check_frame(const struct frame_table *ft, paddr_t pa, uint32_t *pfn)
{
	uint64_t n;

	if (pa & FRAME_MASK) {
		return EXO_ERR_ALIGN;
	}
	n = pa >> FRAME_SHIFT;
	if (n >= ft->nframes) {
		return EXO_ERR_INVALID;
	}
	if (ft->frames[n].state == FRAME_RESERVED) {
		return EXO_ERR_INVALID;
	}
	*pfn = (uint32_t)n;
	return 0;
}

void frame_table_init(struct frame_table *ft, struct frame *meta,
		      uint64_t nframes)
{
	uint64_t i;

	/* Frame numbers travel in 32-bit links where FRAME_NIL is the end. */
	if (nframes >= FRAME_NIL) {
		nframes = FRAME_NIL - 1;
	}
	ft->frames = meta;
	ft->nframes = nframes;
	ft->free_head = FRAME_NIL;
	ft->zero_head = FRAME_NIL;
	ft->nfree = 0;
	ft->nzero = 0;
	ft->nusable = 0;
	for (i = 0; i < nframes; i++) {
		meta[i].owner = FRAME_OWNER_NONE;
		meta[i].refcount = 0;
		meta[i].state = FRAME_RESERVED;
		meta[i].zero = 0;
		meta[i].next = FRAME_NIL;
		meta[i].prev = FRAME_NIL;
	}
}

void frame_range_add_usable(struct frame_table *ft, paddr_t base, uint64_t len)
{
	uint64_t first, end, pfn;

	/* Only whole frames: round the start up and the end down. */
	first = (base >> FRAME_SHIFT) + ((base & FRAME_MASK) ? 1 : 0);
	end = range_end(base, len) >> FRAME_SHIFT;
	if (end > ft->nframes) {
		end = ft->nframes;
	}
	/*
	 * Walk downwards so that, with LIFO allocation from the head, a fresh
	 * range is handed out from its low end first.
	 */
	for (pfn = end; pfn > first; pfn--) {
		struct frame *f = &ft->frames[pfn - 1];

		if (f->state != FRAME_RESERVED ||
		    f->owner == FRAME_OWNER_KERNEL) {
			continue;
		}
		free_list_push(ft, (uint32_t)(pfn - 1), false);
		ft->nusable++;
	}
}

void frame_range_reserve(struct frame_table *ft, paddr_t base, uint64_t len)
{
	uint64_t first, last, end, pfn;

	if (len == 0) {
		return;
	}
	/* Every frame touched: round the start down and the end up. */
	first = base >> FRAME_SHIFT;
	last = range_end(base, len);
	end = (last >> FRAME_SHIFT) + ((last & FRAME_MASK) ? 1 : 0);
	if (end > ft->nframes) {
		end = ft->nframes;
	}
	for (pfn = first; pfn < end; pfn++) {
		struct frame *f = &ft->frames[pfn];

		if (f->state == FRAME_USED) {
			continue;
		}
		if (f->state == FRAME_FREE) {
			free_list_unlink(ft, (uint32_t)pfn);
			ft->nusable--;
		}
		/* The kernel owner marks the reservation as permanent. */
		f->state = FRAME_RESERVED;
		f->owner = FRAME_OWNER_KERNEL;
		f->refcount = 0;
	}
}

/*
 * take() of the first frame of the free list @head (not empty), whose
 * zero flag is @zero: what every page fault's allocation does, so it
 * skips the unlinking of a frame in the middle of a list.
 */
static paddr_t take_first(struct frame_table *ft, uint32_t *head, bool zero,
			  uint32_t owner)
{
	uint32_t pfn = *head;
	struct frame *f = &ft->frames[pfn];

	*head = f->next;
	if (f->next != FRAME_NIL) {
		ft->frames[f->next].prev = FRAME_NIL;
	}
	f->next = FRAME_NIL;
	ft->nfree--;
	ft->nzero -= zero;
	f->zero = 0;
	f->state = FRAME_USED;
	f->owner = owner;
	f->refcount = 1;
	return pfn_to_pa(pfn);
}

int frame_alloc(struct frame_table *ft, uint32_t owner, paddr_t *out)
{
	/* Zeroed frames are kept for those who need them zeroed. */
	if (ft->free_head != FRAME_NIL) {
		*out = take_first(ft, &ft->free_head, false, owner);
	} else if (ft->zero_head != FRAME_NIL) {
		*out = take_first(ft, &ft->zero_head, true, owner);
	} else {
		return EXO_ERR_NO_MEMORY;
	}
	return 0;
}

int frame_alloc_zeroed(struct frame_table *ft, uint32_t owner, paddr_t *out,
		       bool *zero)
{
	if (ft->zero_head != FRAME_NIL) {
		*out = take_first(ft, &ft->zero_head, true, owner);
		*zero = true;
	} else if (ft->free_head != FRAME_NIL) {
		*out = take_first(ft, &ft->free_head, false, owner);
		*zero = false;
	} else {
		return EXO_ERR_NO_MEMORY;
	}
	return 0;
}

int frame_alloc_at(struct frame_table *ft, paddr_t pa, uint32_t owner)
{
	uint32_t pfn;
	int err;

	err = check_frame(ft, pa, &pfn);
	if (err) {
		return err;
	}
	if (ft->frames[pfn].state != FRAME_FREE) {
		return EXO_ERR_BUSY;
	}
	take(ft, pfn, owner);
	return 0;
}

int frame_alloc_contig(struct frame_table *ft, uint64_t count,
		       uint64_t align_frames, uint32_t owner, paddr_t *out)
{
	uint64_t start, i;

	if (count == 0 || align_frames == 0 ||
	    (align_frames & (align_frames - 1)) != 0) {
		return EXO_ERR_INVALID;
	}
	if (count > ft->nframes || count > ft->nfree) {
		return EXO_ERR_NO_MEMORY;
	}
	/*
	 * First fit over aligned starts. On meeting a non-free frame at
	 * start + i, no run starting at or before it can succeed, so the
	 * search resumes at the next aligned start after it; every frame is
	 * looked at a bounded number of times. Testing start first keeps
	 * "nframes - start" from wrapping, and "count <= nframes - start"
	 * keeps start + count from overflowing.
	 */
	start = 0;
	while (start < ft->nframes && count <= ft->nframes - start) {
		for (i = 0; i < count; i++) {
			if (ft->frames[start + i].state != FRAME_FREE) {
				break;
			}
		}
		if (i == count) {
			for (i = 0; i < count; i++) {
				take(ft, (uint32_t)(start + i), owner);
			}
			*out = pfn_to_pa(start);
			return 0;
		}
		/*
		 * start + i < 2^32 and align_frames <= 2^63, so the sum cannot
		 * overflow; rounding down keeps it above start + i.
		 */
		start = (start + i + align_frames) & ~(align_frames - 1);
	}
	return EXO_ERR_NO_MEMORY;
}

int frame_ref(struct frame_table *ft, paddr_t pa)
{
	struct frame *f;
	uint32_t pfn;
	int err;

	err = check_frame(ft, pa, &pfn);
	if (err) {
		return err;
	}
	f = &ft->frames[pfn];
	if (f->state != FRAME_USED) {
		return EXO_ERR_STATE;
	}
	if (f->refcount == UINT16_MAX) {
		return EXO_ERR_LIMIT;
	}
	f->refcount++;
	return 0;
}

static int unref(struct frame_table *ft, paddr_t pa, bool zero)
{
	struct frame *f;
	uint32_t pfn;
	int err;

	err = check_frame(ft, pa, &pfn);
	if (err) {
		return err;
	}
	f = &ft->frames[pfn];
	if (f->state != FRAME_USED) {
		return EXO_ERR_STATE;
	}
	if (--f->refcount == 0) {
		free_list_push(ft, pfn, zero);
	}
	return 0;
}

int frame_unref(struct frame_table *ft, paddr_t pa)
{
	return unref(ft, pa, false);
}

int frame_unref_zeroed(struct frame_table *ft, paddr_t pa)
{
	return unref(ft, pa, true);
}

struct frame *frame_lookup(struct frame_table *ft, paddr_t pa)
{
	uint64_t pfn = pa >> FRAME_SHIFT;

	if (pfn >= ft->nframes) {
		return NULL;
	}
	return &ft->frames[pfn];
}

void frame_list_add(struct frame_table *ft, struct frame_list *l, paddr_t pa)
{
	uint32_t pfn = (uint32_t)(pa >> FRAME_SHIFT);
	struct frame *f = &ft->frames[pfn];

	f->prev = FRAME_NIL;
	f->next = l->head;
	if (l->head != FRAME_NIL) {
		ft->frames[l->head].prev = pfn;
	}
	l->head = pfn;
	l->count++;
}

void frame_list_remove(struct frame_table *ft, struct frame_list *l,
		       paddr_t pa)
{
	uint32_t pfn = (uint32_t)(pa >> FRAME_SHIFT);
	struct frame *f = &ft->frames[pfn];

	if (f->prev != FRAME_NIL) {
		ft->frames[f->prev].next = f->next;
	} else {
		l->head = f->next;
	}
	if (f->next != FRAME_NIL) {
		ft->frames[f->next].prev = f->prev;
	}
	f->next = f->prev = FRAME_NIL;
	l->count--;
}

int frame_list_pop(struct frame_table *ft, struct frame_list *l, paddr_t *out)
{
	paddr_t pa;

	if (l->head == FRAME_NIL) {
		return EXO_ERR_NOT_FOUND;
	}
	pa = (paddr_t)l->head << FRAME_SHIFT;
	frame_list_remove(ft, l, pa);
	*out = pa;
	return 0;
}
