/* SPDX-License-Identifier: MIT */
/*
 * For implementations of the pager interface ("pager"): registration,
 * the region table, replacement policies, swap stores and the state
 * export format. Everything here except the swap store on frames is pure
 * logic that compiles on the host.
 *
 * An implementation embeds struct pager first, keeps its ops static and
 * announces itself:
 *
 *	PAGER_IMPL(my_impl, "pager.mine", &my_ops, &mine.base, my_init,
 *		   LIBOS_PRIO_APP);
 */
#ifndef LIBOS_PAGER_IMPL_H
#define LIBOS_PAGER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <libos/pager.h>
#include <libos/slot.h>

#define PAGER_IMPL(var, name_, ops_, self_, init_, prio_)                      \
	LIBOS_IMPL(var) = {                                                    \
		.iface = "pager",                                              \
		.major = PAGER_IFACE_MAJOR,                                    \
		.minor = PAGER_IFACE_MINOR,                                    \
		.name = (name_),                                               \
		.ops_size = sizeof(struct pager_ops),                          \
		.ops = (ops_),                                                 \
		.self = (self_),                                               \
		.init = (init_),                                               \
		.priority = (prio_),                                           \
	}

/*
 * pager.cow, the default, for variants built on it (pager.eager): its ops,
 * its instance (the base struct comes first), and its start-up, which a
 * variant's init calls with the ops it serves the instance with.
 */
struct cow_pager;
extern struct cow_pager pager_cow_pg;
extern const struct pager_ops pager_cow_ops;
int pager_cow_start(const struct pager_ops *ops);

/* ---- Regions ---------------------------------------------------------- */

/* Region flags beyond the caller's PAGER_MAP_* ones. */
#define REGION_STACK 0x100u /* a stack: grows down on touch */
#define REGION_GUARD 0x200u /* a guard page: every touch is an overflow */
#define REGION_STACKS 0x400u /* the stack area: slots, guards computed */

/* [start, end), page-aligned, with one set of rights and flags. */
struct pager_region {
	uint64_t start;
	uint64_t end;
	uint32_t prot; /* PAGER_PROT_* */
	uint32_t flags; /* PAGER_MAP_EAGER, REGION_* */
};
_Static_assert(sizeof(struct pager_region) == 24, "region layout");

#define REGION_MAX 64

/*
 * The regions of an address space, sorted by start, never overlapping;
 * neighbours that touch and have the same rights and flags are merged.
 */
struct region_table {
	size_t n;
	struct pager_region r[REGION_MAX];
};

/* Empty @t. */
void region_init(struct region_table *t);

/* The region holding @va, or NULL. */
const struct pager_region *region_find(const struct region_table *t,
				       uint64_t va);

/* Does any region overlap [@start, @end)? */
int region_overlaps(const struct region_table *t, uint64_t start,
		    uint64_t end);

/*
 * region_add - add [@start, @end) with @prot and @flags, merging with
 * neighbours alike. Return: 0, EXO_ERR_INVALID (empty or unaligned),
 * EXO_ERR_EXISTS (overlaps), EXO_ERR_LIMIT (table full).
 */
int region_add(struct region_table *t, uint64_t start, uint64_t end,
	       uint32_t prot, uint32_t flags);

/*
 * region_remove - take [@start, @end) out of every region, splitting a
 * region it cuts in the middle. Return: 0 (also when nothing was there),
 * EXO_ERR_INVALID, EXO_ERR_LIMIT (a split needs a slot the full table
 * lacks; nothing changed).
 */
int region_remove(struct region_table *t, uint64_t start, uint64_t end);

/*
 * region_protect - give [@start, @end) the rights @prot, splitting at its
 * ends and merging afterwards. The range must be covered by regions
 * without holes. Return: 0, EXO_ERR_INVALID, EXO_ERR_NOT_FOUND (a hole),
 * EXO_ERR_LIMIT (nothing changed).
 */
int region_protect(struct region_table *t, uint64_t start, uint64_t end,
		   uint32_t prot);

/*
 * region_holding - the one region holding all of [@start, @end) whose
 * rights allow @prot (a subset of them, not PAGER_PROT_NONE), or NULL.
 * *@hint is an index to try first (any value will do; out of range is
 * ignored); it is set to the region found, so a caller that protects
 * in one region again and again skips the search.
 */
/* Does @r hold all of [@start, @end) with rights that allow @prot? */
static inline int region_allows(const struct pager_region *r, uint64_t start,
				uint64_t end, uint32_t prot)
{
	return r->start <= start && start < end && end <= r->end &&
	       prot != PAGER_PROT_NONE && !(prot & ~r->prot);
}

static inline const struct pager_region *
region_holding(const struct region_table *t, uint64_t start, uint64_t end,
	       uint32_t prot, size_t *hint)
{
	size_t h = *hint;
	const struct pager_region *r =
		h < t->n && h < REGION_MAX ? &t->r[h] : NULL;

	/* Regions do not overlap: any entry holding @start is the one. */
	if (!r || r->start > start || r->end <= start) {
		r = region_find(t, start);
		if (!r) {
			return NULL;
		}
		*hint = (size_t)(r - t->r);
	}
	return region_allows(r, start, end, prot) ? r : NULL;
}

/*
 * The rights of one page. A region's prot is what its pages are backed
 * with, and the ceiling of its resident pages: a protect whose range lies
 * in one region, within its rights, with every page resident, changes
 * only the pages' PTEs and leaves the table alone (region_in_place). So a
 * page's rights are its PTE's when it is resident and not copy-on-write;
 * a copy-on-write page has its PTE's rights plus W if its region has W
 * (it lacks W only until written); a page that is not resident has its
 * region's. A pager that evicts must record a page's rights when it
 * takes it out; pager.cow instead edits the table on every protect once
 * a memory limit is set, so pages it evicts have their region's rights.
 */

/* The rights a present PTE gives: R, W from its W bit, X unless NX. */
static inline uint32_t pager_pte_prot(uint64_t pte)
{
	return EXO_PERM_R | ((pte & EXO_PTE_W) ? EXO_PERM_W : 0) |
	       ((pte & EXO_PTE_NX) ? 0 : EXO_PERM_X);
}

/*
 * The rights of the page with PTE @pte (0: not resident) in region @r.
 * Within r's always (on a CPU without NX every PTE reads as executable).
 */
static inline uint32_t region_page_prot(const struct pager_region *r,
					uint64_t pte)
{
	if (!(pte & EXO_PTE_P)) {
		return r->prot;
	}
	if (pte & PAGER_PTE_COW) {
		return (pager_pte_prot(pte) | EXO_PERM_W) & r->prot;
	}
	return pager_pte_prot(pte) & r->prot;
}

/* region_in_place's answers besides a rights value. */
#define REGION_IN_PLACE_NO (-1) /* the table must change: region_protect */
#define REGION_IN_PLACE_MARKED (-2) /* PTEs only, per page: some are COW */

/*
 * pager_marked_perm - the rights page_protect gives a page with PTE @pte
 * that is to have @prot: a copy-on-write page stays read-only with its
 * mark; a page a fork left shared read-only (PAGER_PTE_SHARED) keeps
 * that mark, or becomes copy-on-write if @prot has W; others get @prot.
 */
static inline uint32_t pager_marked_perm(uint64_t pte, uint32_t prot)
{
	if ((pte & PAGER_PTE_COW) ||
	    ((pte & PAGER_PTE_SHARED) && (prot & EXO_PERM_W))) {
		return (prot & ~EXO_PERM_W) | PAGER_PERM_COW;
	}
	if (pte & PAGER_PTE_SHARED) {
		return prot | PAGER_PERM_SHARED;
	}
	return prot;
}

/*
 * region_ptes_perm - may the @n pages whose PTEs are @pte[0..n-1] take
 * @prot (within their region's rights) by their PTEs alone? Each must be
 * present; a copy-on-write page also needs W in @prot, as its W comes
 * from the region. Return: the rights for one page_protect of them all
 * (@prot, or for a single marked page pager_marked_perm's), or
 * REGION_IN_PLACE_MARKED when several pages include marked ones (each
 * gets its own: a batch), or REGION_IN_PLACE_NO.
 */
static inline int region_ptes_perm(const volatile uint64_t *pte, size_t n,
				   uint32_t prot)
{
	uint64_t all = ~0ul, any = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t e = pte[i];

		all &= e;
		any |= e;
	}
	if (!(all & EXO_PTE_P)) {
		return REGION_IN_PLACE_NO;
	}
	if (!(any & (PAGER_PTE_COW | PAGER_PTE_SHARED))) {
		return (int)prot;
	}
	if ((any & PAGER_PTE_COW) && !(prot & EXO_PERM_W)) {
		return REGION_IN_PLACE_NO;
	}
	return n == 1 ? (int)pager_marked_perm(pte[0], prot)
		      : REGION_IN_PLACE_MARKED;
}

/*
 * region_in_place - how a protect of the @n pages from @start, whose PTEs
 * are @pte[0..n-1], to @prot can leave the table alone: the rights for
 * one page_protect of them all (@prot, or for a single copy-on-write page
 * its read-only rights with the mark), REGION_IN_PLACE_MARKED when each
 * copy-on-write page must keep its mark (a batch), or REGION_IN_PLACE_NO.
 * @hint as region_holding's.
 */
static inline int region_in_place(const struct region_table *t,
				  uint64_t start, uint64_t n, uint32_t prot,
				  const volatile uint64_t *pte, size_t *hint)
{
	if (!region_holding(t, start, start + n * EXO_PAGE_SIZE, prot, hint)) {
		return REGION_IN_PLACE_NO;
	}
	return region_ptes_perm(pte, n, prot);
}

/*
 * region_place - the lowest start of a free range of @len bytes within
 * [@lo, @hi), or 0 when there is none.
 */
uint64_t region_place(const struct region_table *t, uint64_t len, uint64_t lo,
		      uint64_t hi);

/* ---- The stack area --------------------------------------------------- */

/*
 * The stack slots of <libos/pager.h> (PAGER_STACK_*): one region with the
 * REGION_STACKS flag covers them all, and this table says which slot holds
 * a stack of what size. In a slot, [top - pages, top) is the stack and
 * everything below it is the guard, so 4096 stacks cost one region entry
 * and an overflow is caught however deep it lands in its slot.
 */
struct stack_slot {
	uint16_t pages; /* the stack's size in pages; 0: the slot is free */
	uint16_t deep; /* pages from the top that may be resident */
	uint16_t flags; /* PAGER_STACK_* it was allocated with */
	uint16_t reserved;
};
_Static_assert(sizeof(struct stack_slot) == 8, "stack slot layout");
_Static_assert(PAGER_STACK_SLOT / EXO_PAGE_SIZE <= UINT16_MAX,
	       "a slot's pages fit its fields");

struct stack_area {
	uint32_t used; /* slots [0, used) have been handed out at some time */
	uint32_t nfree; /* free[0, nfree): freed slots, the last freed last */
	uint16_t free[PAGER_STACK_SLOTS];
	struct stack_slot slot[PAGER_STACK_SLOTS];
};

/* A page range [lo, hi) to unmap; empty when lo == hi. */
struct stack_range {
	uint64_t lo, hi;
};

/* Empty @a: every slot free and never used. */
void stack_area_init(struct stack_area *a);

/*
 * stack_area_alloc - a slot for a stack of @max bytes (rounded up to
 * pages) with @flags, a freed slot first (the last freed), else the next
 * never used. *@top is its top; *@stale the pages a former stack of the
 * slot may have left resident below the new stack's bottom, which the
 * caller unmaps before the stack is used. Return: the slot,
 * EXO_ERR_INVALID (@max 0 or above PAGER_STACK_MAX, unknown flags),
 * EXO_ERR_LIMIT (every slot taken).
 */
long stack_area_alloc(struct stack_area *a, uint64_t max, uint32_t flags,
		      uint64_t *top, struct stack_range *stale);

/*
 * stack_area_free - the stack whose top is @top leaves its slot, which
 * keeps up to PAGER_STACK_KEEP resident pages at its top for the next
 * stack; *@stale are the pages below those, to unmap. Return: 0,
 * EXO_ERR_ALIGN (@top in the area but not a slot's top),
 * EXO_ERR_NOT_FOUND (outside the area, or a free slot).
 */
int stack_area_free(struct stack_area *a, uint64_t top,
		    struct stack_range *stale);

/* Where an address of the stack area lies. */
#define STACK_OUTSIDE 0 /* not in the area */
#define STACK_IN 1 /* in a stack */
#define STACK_GUARD 2 /* in a slot, below its stack */
#define STACK_UNUSED 3 /* in a slot that holds no stack */

struct stack_where {
	long slot;
	uint64_t top; /* the slot's top */
	uint64_t bottom; /* the stack's lowest byte (top for a free slot) */
	uint32_t flags; /* the stack's PAGER_STACK_* flags */
};

/* stack_area_find - where @va lies (STACK_*), described in *@w. */
int stack_area_find(const struct stack_area *a, uint64_t va,
		    struct stack_where *w);

/*
 * stack_area_touched - the page at @va, in a stack, is being backed:
 * its slot may now be resident that deep.
 */
void stack_area_touched(struct stack_area *a, uint64_t va);

/* ---- Replacement policies -------------------------------------------- */

/*
 * How a policy learns whether a resident page was used: referenced(ctx,
 * slot) returns the page's accessed bit and clears it. In the pager that
 * is the bit from the page-table view and page_clear_ad; in tests a fake.
 */
struct pager_ref_ops {
	int (*referenced)(void *ctx, size_t slot);
};

struct pager_policy;

/*
 * A replacement policy over frame slots 0..nslots-1, each empty or holding
 * one resident page. The pager tells it what happens; it picks victims.
 */
struct pager_policy_ops {
	/* Forget everything; @nslots (at most POLICY_SLOTS_MAX) slots. */
	void (*reset)(struct pager_policy *pol, size_t nslots);
	/* A page came into @slot. */
	void (*insert)(struct pager_policy *pol, size_t slot);
	/* The page in @slot left (unmapped, not through victim). */
	void (*remove)(struct pager_policy *pol, size_t slot);
	/*
	 * The slot to evict, every slot being full; the slot stays in use
	 * (the pager calls insert for what comes next).
	 */
	size_t (*victim)(struct pager_policy *pol, const struct pager_ref_ops *ref,
			 void *ctx);
};

#define POLICY_SLOTS_MAX 4096

struct pager_policy {
	const struct pager_policy_ops *ops;
	const char *name;
};

/* Clock (second chance): a hand sweeps the slots, clearing used bits. */
struct policy_clock {
	struct pager_policy base;
	size_t nslots;
	size_t hand;
};

/*
 * LRU approximation by aging: at each victim choice every slot's 8-bit
 * age is shifted right with its accessed bit put in at the top, and the
 * oldest (smallest age; the lowest slot on a tie) goes.
 */
struct policy_aging {
	struct pager_policy base;
	size_t nslots;
	uint8_t age[POLICY_SLOTS_MAX];
};

void policy_clock_init(struct policy_clock *c);
void policy_aging_init(struct policy_aging *a);

static inline void policy_reset(struct pager_policy *p, size_t nslots)
{
	p->ops->reset(p, nslots);
}

static inline void policy_insert(struct pager_policy *p, size_t slot)
{
	p->ops->insert(p, slot);
}

static inline void policy_remove(struct pager_policy *p, size_t slot)
{
	p->ops->remove(p, slot);
}

static inline size_t policy_victim(struct pager_policy *p,
				   const struct pager_ref_ops *ref, void *ctx)
{
	return p->ops->victim(p, ref, ctx);
}

/* ---- Swap stores ------------------------------------------------------ */

struct swap_store;

/* Where evicted pages go: numbered page-sized slots. */
struct swap_store_ops {
	/* Slots it has. */
	size_t (*capacity)(struct swap_store *s);
	/* Copy the page at @src into @slot. Return: 0 or EXO_ERR_*. */
	int (*write)(struct swap_store *s, size_t slot, const void *src);
	/* Copy @slot into the page at @dst. Return: 0 or EXO_ERR_*. */
	int (*read)(struct swap_store *s, size_t slot, void *dst);
};

struct swap_store {
	const struct swap_store_ops *ops;
};

static inline size_t swap_capacity(struct swap_store *s)
{
	return s->ops->capacity(s);
}

static inline int swap_write(struct swap_store *s, size_t slot, const void *src)
{
	return s->ops->write(s, slot, src);
}

static inline int swap_read(struct swap_store *s, size_t slot, void *dst)
{
	return s->ops->read(s, slot, dst);
}

/*
 * swap_mem_store - the swap store on a reserved memory area: @slots frames
 * this environment owns and keeps unmapped (each taken at its slot's
 * first write, its address kept in @frames[slot], which must start
 * zeroed and stay the caller's), reached through a one-page window at
 * @window. NULL for a bad argument. (Guest only.)
 */
struct swap_store *swap_mem_store(size_t slots, uint64_t window,
				  uint64_t *frames);

/* Which page each used swap slot holds. */
#define SWAP_SLOTS_MAX 4096

struct swap_map {
	size_t n; /* used entries */
	uint64_t va[SWAP_SLOTS_MAX]; /* slot -> page, 0 when free */
};

/* The slot holding page @va, or -1. */
long swap_map_find(const struct swap_map *m, uint64_t va);

/* ---- Copy-on-write ---------------------------------------------------- */

/* The kernel calls copy-on-write needs, on the caller's own pages. */
struct cow_ops {
	/* frame_refs: the frame's references, EXO_ERR_DENIED if not ours. */
	int64_t (*refs)(void *ctx, uint64_t pa);
	/* A fresh frame of ours (its address), or EXO_ERR_*. */
	int64_t (*alloc)(void *ctx);
	/* Copy the page mapped at @va into frame @pa. 0 or EXO_ERR_*. */
	int (*copy)(void *ctx, uint64_t pa, uint64_t va);
	/* Map frame @pa at @va with @perm, replacing what is there. */
	int (*map)(void *ctx, uint64_t va, uint64_t pa, uint32_t perm);
	/* Give the page at @va the rights @perm. */
	int (*protect)(void *ctx, uint64_t va, uint32_t perm);
	/* frame_free: 0, EXO_ERR_BUSY while mapped anywhere, ... */
	int (*free)(void *ctx, uint64_t pa);
};

#define COW_ORPHANS_MAX 64

/* Frames of ours we stopped mapping while others still map them. */
struct cow_orphans {
	uint64_t pa[COW_ORPHANS_MAX];
	size_t n;
	uint64_t lost; /* frames that did not fit: ours until we end */
};

#define COW_REUSED 1 /* cow_break: the page was no longer shared */
#define COW_COPIED 2 /* cow_break: the page was copied */

/*
 * cow_break - a write hit the copy-on-write page at @va (PTE @pte): make
 * it ours and writable with @perm. If its frame has 2 references (the
 * owner's and this mapping) it is ours and unshared: just @perm. Else
 * (shared, or not ours) it is copied into a fresh frame mapped at @va,
 * and the old frame, if ours, is freed or kept in @o until the others let
 * go. Return: COW_REUSED, COW_COPIED, or EXO_ERR_* with nothing changed.
 */
int cow_break(const struct cow_ops *ops, void *ctx, struct cow_orphans *o,
	      uint64_t va, uint64_t pte, uint32_t perm);

/* Give back frame @pa that we no longer map: now, or later through @o. */
void cow_frame_drop(const struct cow_ops *ops, void *ctx, struct cow_orphans *o,
		    uint64_t pa);

/* Free the frames in @o that nobody maps any more. */
void cow_orphans_reap(const struct cow_ops *ops, void *ctx,
		      struct cow_orphans *o);

/* ---- State export ----------------------------------------------------- */

/*
 * The versioned state format, little-endian:
 *
 *   struct pager_state_header
 *   struct pager_region[nregions]
 *   struct pager_state_swap[nswap]   (page and swap slot, per page out)
 *   since 1.1, when stacks is not 0:
 *   struct pager_state_stacks
 *   struct stack_slot[stacks]        (slots 0..stacks-1 of the area)
 *
 * checksum is FNV-1a (32-bit) over the regions and swap entries; the
 * stacks section carries its own over its slots, so that a 1.0 reader,
 * which ignores what follows the swap entries and read 0 as reserved,
 * still takes the rest. A reader accepts its own major version and any
 * minor; it refuses anything whose sizes or checksums do not add up.
 */
#define PAGER_STATE_MAGIC 0x47504f41u /* "AOPG" */
#define PAGER_STATE_MAJOR 1
#define PAGER_STATE_MINOR 1 /* 1.1: the stack area */

struct pager_state_header {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	uint32_t nregions;
	uint32_t nswap;
	uint64_t limit; /* resident page limit, 0 for none */
	uint32_t checksum;
	uint32_t stacks; /* 1.1: slots of the stack area in use; 1.0: 0 */
};
_Static_assert(sizeof(struct pager_state_header) == 32, "state header");
_Static_assert(offsetof(struct pager_state_header, stacks) == 28,
	       "state header");

struct pager_state_stacks {
	uint32_t checksum; /* FNV-1a over the slots that follow */
	uint32_t nfree; /* how many of them are free */
};
_Static_assert(sizeof(struct pager_state_stacks) == 8, "state stacks");

struct pager_state_swap {
	uint64_t va;
	uint64_t slot;
};
_Static_assert(sizeof(struct pager_state_swap) == 16, "state swap entry");

/*
 * pager_state_export - write @t, @swap (NULL: no pages out), @limit and
 * the stack area @stacks (NULL: none) to @buf.
 * Return: bytes written, or EXO_ERR_TOO_BIG when @len is short.
 */
int64_t pager_state_export(const struct region_table *t,
			   const struct swap_map *swap, uint64_t limit,
			   const struct stack_area *stacks, void *buf,
			   size_t len);

/*
 * pager_state_stacks - how many stack slots the state at @buf holds (0
 * for none, or state too short to tell), so that the caller can make
 * room for them before importing.
 */
uint32_t pager_state_stacks(const void *buf, size_t len);

/*
 * pager_state_import - read state from @buf into @t, @swap, @limit and
 * @stacks; on failure they are left untouched; @swap NULL refuses state
 * with pages out, @stacks NULL state with stacks (EXO_ERR_CORRUPT); the
 * stack area is emptied when the state holds none. Freed slots are
 * reused lowest first after an import. Return: 0, EXO_ERR_CORRUPT
 * (magic, sizes, checksums, overlapping or unaligned regions, bad swap
 * slots, stack slots too large, with unknown flags, or held outside a
 * REGION_STACKS region), EXO_ERR_NOSYS (another major version).
 */
int pager_state_import(struct region_table *t, struct swap_map *swap,
		       uint64_t *limit, struct stack_area *stacks,
		       const void *buf, size_t len);

/* FNV-1a over @len bytes. */
uint32_t pager_checksum(const void *p, size_t len);

#endif
