/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator. Every 4 KiB frame of physical memory up to the
 * highest usable address has a metadata entry recording its state, owner and
 * reference count; the kernel's later ownership checks (mapping a frame,
 * granting it) read this metadata. Free frames sit on doubly linked lists
 * threaded through the metadata, so taking any free frame, or one specific
 * frame, is O(1).
 *
 * There are two free lists: frames whose contents are unknown, and frames
 * known to hold only zeros (freed by a caller that cleared them, such as
 * page-table teardown, through frame_unref_zeroed). Whoever needs a
 * zeroed frame asks frame_alloc_zeroed first and clears the frame only
 * when it came from the other list; whoever overwrites a frame anyway
 * takes frame_alloc, which leaves the zeroed ones for the others.
 *
 * The allocator never touches frame contents, so it runs unchanged on the
 * host. It is not locked: the kernel serialises calls.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define FRAME_SHIFT 12
#define FRAME_SIZE ((paddr_t)1 << FRAME_SHIFT)

/* Owners that are not environments. Environment ids are below these. */
#define FRAME_OWNER_NONE 0xffffffffu
#define FRAME_OWNER_KERNEL 0xfffffffeu

enum frame_state {
	FRAME_RESERVED = 0, /* not RAM, or RAM the allocator must not give */
	FRAME_FREE = 1, /* on the free list */
	FRAME_USED = 2, /* allocated; owner and refcount valid */
};

#define FRAME_NIL 0xffffffffu /* end of a free-list link */

struct frame {
	/*
	 * FRAME_USED: the owner. FRAME_RESERVED: FRAME_OWNER_KERNEL once
	 * frame_range_reserve has claimed it for good, else FRAME_OWNER_NONE.
	 * FRAME_FREE: FRAME_OWNER_NONE.
	 */
	uint32_t owner;
	uint16_t refcount; /* >= 1 while FRAME_USED, else 0 */
	uint8_t state; /* enum frame_state */
	uint8_t zero; /* FRAME_FREE: on the zeroed list (holds only zeros) */
	uint32_t next; /* free-list links (frame numbers), FRAME_NIL at ends */
	uint32_t prev;
};
_Static_assert(sizeof(struct frame) == 16, "frame metadata is 16 bytes");

struct frame_table {
	struct frame *frames; /* frames[pfn] describes frame pfn */
	uint64_t nframes; /* frames described: pfn < nframes */
	uint32_t free_head; /* first free frame of unknown contents, or FRAME_NIL */
	uint32_t zero_head; /* first free frame known to be zero, or FRAME_NIL */
	uint64_t nfree; /* frames on both free lists */
	uint64_t nzero; /* of which on the zeroed list */
	uint64_t nusable; /* frames ever added as usable and not reserved */
};

/*
 * frame_table_init - describe @nframes frames (pfn 0 .. nframes-1) with the
 * caller's metadata array @meta, all FRAME_RESERVED, nothing free.
 * @nframes must be below FRAME_NIL; a larger value is clipped to
 * FRAME_NIL - 1.
 */
void frame_table_init(struct frame_table *ft, struct frame *meta,
		      uint64_t nframes);

/*
 * frame_range_add_usable - make every frame lying wholly inside
 * [@base, @base + @len) free, unless it is already free or used or was
 * reserved by frame_range_reserve. Partial frames at either end and frames
 * beyond the table are ignored; a range whose end would pass 2^64 is clipped
 * there.
 */
void frame_range_add_usable(struct frame_table *ft, paddr_t base, uint64_t len);

/*
 * frame_range_reserve - take every frame touching [@base, @base + @len) off
 * the free list and mark it FRAME_RESERVED, for good: a later
 * frame_range_add_usable over it leaves it reserved, so reservations and
 * usable ranges may be given in any order. Used frames in the range are left
 * alone (reserving is done before any allocation). A range whose end would
 * pass 2^64 is clipped there.
 */
void frame_range_reserve(struct frame_table *ft, paddr_t base, uint64_t len);

/*
 * frame_alloc - take any free frame for @owner, with reference count 1:
 * one of unknown contents while there is one (the zeroed ones are kept
 * for frame_alloc_zeroed), for a caller that overwrites it anyway.
 * Return: 0 and the frame's address in @out, or EXO_ERR_NO_MEMORY.
 */
int frame_alloc(struct frame_table *ft, uint32_t owner, paddr_t *out);

/*
 * frame_alloc_zeroed - take a free frame for @owner, with reference count
 * 1, from the zeroed list when it has one (*@zero is then true: the frame
 * holds only zeros), else from the other (*@zero false: the caller must
 * clear it).
 * Return: 0 and the frame's address in @out, or EXO_ERR_NO_MEMORY.
 */
int frame_alloc_zeroed(struct frame_table *ft, uint32_t owner, paddr_t *out,
		       bool *zero);

/*
 * frame_alloc_at - take the specific free frame at @pa for @owner.
 * Return: 0, EXO_ERR_ALIGN (@pa not frame-aligned), EXO_ERR_INVALID (beyond
 * the table or reserved), EXO_ERR_BUSY (already in use).
 */
int frame_alloc_at(struct frame_table *ft, paddr_t pa, uint32_t owner);

/*
 * frame_alloc_contig - take @count physically contiguous free frames whose
 * first address is a multiple of @align_frames frames (a power of two),
 * each for @owner with reference count 1. Linear in the table size.
 * Return: 0 and the first address in @out, EXO_ERR_INVALID (count 0 or
 * alignment not a power of two), EXO_ERR_NO_MEMORY.
 */
int frame_alloc_contig(struct frame_table *ft, uint64_t count,
		       uint64_t align_frames, uint32_t owner, paddr_t *out);

/*
 * frame_ref - add a reference to the used frame at @pa.
 * Return: 0, EXO_ERR_ALIGN, EXO_ERR_INVALID (beyond the table or reserved),
 * EXO_ERR_STATE (the frame is free), EXO_ERR_LIMIT (count would overflow).
 */
int frame_ref(struct frame_table *ft, paddr_t pa);

/*
 * frame_unref - drop a reference to the used frame at @pa; the last one
 * returns it to the free list. A double free is detected, not absorbed.
 * Return: 0, EXO_ERR_ALIGN, EXO_ERR_INVALID (beyond the table or reserved),
 * EXO_ERR_STATE (the frame is already free: double free).
 */
int frame_unref(struct frame_table *ft, paddr_t pa);

/*
 * frame_unref_zeroed - frame_unref of a frame the caller has cleared: if
 * this was the last reference it goes on the zeroed list. The caller
 * vouches for the contents; a frame still referenced elsewhere is only
 * unreferenced (its other holders may write it).
 */
int frame_unref_zeroed(struct frame_table *ft, paddr_t pa);

/*
 * A list of used frames threaded through their metadata links (which only
 * the free list uses otherwise): the frames one environment owns. A frame
 * is on at most one list and must leave it before its last reference goes.
 */
struct frame_list {
	uint32_t head; /* frame number or FRAME_NIL */
	uint64_t count;
};

static inline void frame_list_init(struct frame_list *l)
{
	l->head = FRAME_NIL;
	l->count = 0;
}

/* Add the used frame at @pa (on no list) to @l. */
void frame_list_add(struct frame_table *ft, struct frame_list *l, paddr_t pa);

/* Take the frame at @pa off @l, which it must be on. */
void frame_list_remove(struct frame_table *ft, struct frame_list *l,
		       paddr_t pa);

/* Take the first frame off @l. Return: 0 and *@out, or EXO_ERR_NOT_FOUND. */
int frame_list_pop(struct frame_table *ft, struct frame_list *l, paddr_t *out);

/* The metadata of the frame holding @pa, or NULL beyond the table. */
struct frame *frame_lookup(struct frame_table *ft, paddr_t pa);

static inline uint64_t frame_free_count(const struct frame_table *ft)
{
	return ft->nfree;
}

#endif
