/* SPDX-License-Identifier: MIT */
/*
 * The pager interface ("pager"), for callers: virtual memory handled in
 * the libOS. A pager keeps regions of the address space (anonymous
 * memory, mmap-like), backs their pages when they are first touched
 * (demand-zero), copies shared pages when they are written after a fork
 * (copy-on-write), and may keep the number of resident pages under a limit
 * by evicting pages to a swap store.
 *
 * Page faults reach the pager before the application's own fault handler
 * (set_fault_handler): a fault the pager resolves is never seen by the
 * application; every other fault (an access the region's rights forbid, a
 * fault outside every region) goes on to the application's handler, or,
 * without one, ends the environment with the fault's record as the kernel
 * reports it.
 *
 * The Appel & Li (1991) primitives map onto these calls:
 *   trap    a fault the pager does not resolve reaches the application's
 *           handler (set_fault_handler) with the faulting address
 *   prot1   pager_protect(va, one page, PAGER_PROT_R)
 *   protN   pager_protect(va, N pages, PAGER_PROT_R)
 *   unprot  pager_protect(va, len, PAGER_PROT_RW)
 *   dirty   pager_dirty(va): the dirty bit from the read-only view of the
 *           page tables, without a system call (pager_clean clears it)
 *   map2    pager_map2(va, va2, prot): the frame behind va also at va2,
 *           with other rights
 *
 * Implementations see <libos/pager_impl.h>. Not thread-safe: call it from
 * one thread at a time (a fault handler runs on the exception stack and
 * may call it).
 */
#ifndef LIBOS_PAGER_H
#define LIBOS_PAGER_H

#include <stddef.h>
#include <stdint.h>

#include <exo/abi.h>
#include <libos/exo.h>
#include <libos/slot.h>

#define PAGER_IFACE_MAJOR 1
#define PAGER_IFACE_MINOR 1 /* 1.1: stack_alloc_flags, stack_free */

/* Where placed (not PAGER_MAP_FIXED) regions go. */
#define PAGER_REGION_BASE 0x0000200000000000ul
#define PAGER_REGION_TOP 0x0000400000000000ul

/*
 * Stacks (pager_stack_alloc): PAGER_STACK_SLOTS slots of PAGER_STACK_SLOT
 * bytes from PAGER_STACKS_BASE, all in one region. A stack sits at the top
 * of its slot; the rest of the slot below it is its guard, so an overflow
 * is caught however far below the stack it lands within the slot.
 */
#define PAGER_STACKS_BASE 0x0000680000000000ul
#define PAGER_STACK_SLOT (16ul << 20)
#define PAGER_STACK_SLOTS 4096
#define PAGER_STACK_MAX (PAGER_STACK_SLOT - EXO_PAGE_SIZE) /* one guard page */

/* pager_stack_alloc_flags flags. */
#define PAGER_STACK_OWNED 0x1u /* the owner reports overflows: none printed */
#define PAGER_STACK_FLAGS 0x1u /* every flag a caller may pass */
#define PAGER_STACK_KEEP 16 /* pages a freed slot keeps for the next stack */

/* Rights of a region's pages: the page_map rights. */
#define PAGER_PROT_NONE 0x0u /* reserved, every access faults */
#define PAGER_PROT_R EXO_PERM_R
#define PAGER_PROT_W EXO_PERM_W
#define PAGER_PROT_X EXO_PERM_X
#define PAGER_PROT_RW (EXO_PERM_R | EXO_PERM_W)
#define PAGER_PROT_ALL (EXO_PERM_R | EXO_PERM_W | EXO_PERM_X)

/* pager_map flags. */
#define PAGER_MAP_FIXED 0x1u /* exactly at *va (anywhere mappable) */
#define PAGER_MAP_EAGER 0x2u /* back every page now, not on first touch */
#define PAGER_MAP_FLAGS 0x3u /* every flag a caller may pass */

/*
 * The PTE bit a pager marks copy-on-write pages with (EXO_PERM_USER0 in
 * page_map's rights): such a page is mapped read-only while its frame is
 * shared, and a write copies it.
 */
#define PAGER_PERM_COW EXO_PERM_USER0
#define PAGER_PTE_COW EXO_PTE_USER0

/*
 * The PTE bit a fork leaves on pages that were read-only then (and not
 * copy-on-write), on both sides: their frame is shared, so giving such a
 * page W makes it copy-on-write instead of writable.
 */
#define PAGER_PERM_SHARED EXO_PERM_USER1
#define PAGER_PTE_SHARED EXO_PTE_USER1

/* What a pager reports about itself. */
struct pager_stats {
	uint64_t regions; /* regions now */
	uint64_t resident; /* pages of regions backed by a frame now */
	uint64_t limit; /* most resident pages (0: no limit) */
	uint64_t faults; /* page faults the pager saw */
	uint64_t zero_fills; /* pages backed by a fresh zeroed frame */
	uint64_t cow_copies; /* shared pages copied on a write */
	uint64_t cow_reuses; /* shared pages no longer shared: made writable */
	uint64_t evictions; /* pages written to the swap store */
	uint64_t swap_ins; /* pages read back from it */
	uint64_t passed; /* faults handed on to the application */
	uint64_t forks; /* children made by pager_fork */
};

struct pager;

/*
 * The operations. Each takes the pager as its first argument. Lengths are
 * rounded up to whole pages; addresses must be page-aligned. Every op is
 * required (an implementation may use the defaults of <libos/pager_impl.h>).
 * A failing call changes nothing, except where it says otherwise.
 */
struct pager_ops {
	/*
	 * A region of @len bytes with rights @prot. Without PAGER_MAP_FIXED
	 * the pager places it in [PAGER_REGION_BASE, PAGER_REGION_TOP) and
	 * stores its start in *@va; with it the region is at *@va exactly,
	 * anywhere in [EXO_USER_MIN, EXO_USER_MAP_TOP), and must not overlap
	 * a region or a mapping the pager does not own. Pages read as zero.
	 * Errors: EXO_ERR_INVALID (len 0, unknown prot or flags), EXO_ERR_ALIGN
	 * (*va with FIXED), EXO_ERR_DENIED (FIXED outside the mappable range),
	 * EXO_ERR_EXISTS (FIXED overlapping), EXO_ERR_LIMIT (region table
	 * full), EXO_ERR_NO_MEMORY (no room to place it, or EAGER without
	 * frames).
	 */
	int (*map)(struct pager *p, uint64_t *va, uint64_t len, uint32_t prot,
		   uint32_t flags);
	/*
	 * Remove [@va, @va + @len) from every region (splitting those it
	 * cuts), unmapping the pages and freeing frames no one else maps.
	 * Holes are fine. Errors: EXO_ERR_ALIGN, EXO_ERR_INVALID (len 0),
	 * EXO_ERR_LIMIT (a split would overflow the region table).
	 */
	int (*unmap)(struct pager *p, uint64_t va, uint64_t len);
	/*
	 * Give [@va, @va + @len) the rights @prot, splitting and merging
	 * regions as needed; resident pages change at once (copy-on-write
	 * pages stay read-only until written). A region's rights are the
	 * ceiling of its resident pages: pages all resident in one region,
	 * given rights within its own, change without the regions changing
	 * (pager_stats' count stays). Errors: EXO_ERR_ALIGN,
	 * EXO_ERR_INVALID (len 0, unknown prot), EXO_ERR_NOT_FOUND (part of
	 * the range is in no region), EXO_ERR_LIMIT (region table full),
	 * EXO_ERR_NOSYS (PAGER_PROT_NONE on resident pages: the kernel maps
	 * nothing without read rights).
	 */
	int (*protect)(struct pager *p, uint64_t va, uint64_t len,
		       uint32_t prot);
	/*
	 * The page-fault entry: resolve the fault described by @f if it is
	 * the pager's to resolve. Return: 0 resolved (resume), 1 not the
	 * pager's (hand it to the application), or EXO_ERR_* when it was the
	 * pager's but could not be resolved (no memory): the environment
	 * then ends.
	 */
	int (*fault)(struct pager *p, struct exo_upcall_frame *f);
	/*
	 * Map the frame behind @va also at @va2 with rights @prot (Appel &
	 * Li's map2), backing @va first if needed. @va must lie in a region;
	 * @va2 must not (it is then part of no region: the pager neither
	 * backs nor evicts it). Errors: EXO_ERR_ALIGN, EXO_ERR_INVALID (prot),
	 * EXO_ERR_NOT_FOUND (@va in no region), EXO_ERR_EXISTS (@va2 in one),
	 * EXO_ERR_DENIED (@prot beyond @va's region, or @va2 not mappable),
	 * EXO_ERR_BUSY (@va is copy-on-write or under a memory limit).
	 */
	int (*map2)(struct pager *p, uint64_t va, uint64_t va2, uint32_t prot);
	/*
	 * Copy-on-write fork: a child environment with a copy of this
	 * address space, whose writable pages are shared read-only with this
	 * one until either writes them. Returns twice: 0 in the child, the
	 * child's id in the parent. The child inherits the fault and
	 * preemption handlers, but not init's boot modules. Under a memory
	 * limit the child inherits the limit, the resident set and the swap
	 * map, with its own copies of the pages in our swap store. With
	 * threads, the copy is made with preemption off (no other thread of
	 * the program runs meanwhile); in the child, the end of that section is a scheduling
	 * point (sched_preempt_wanted), where the thread library keeps only
	 * the calling thread. Errors (parent only): what env_create and the
	 * page calls return (EXO_ERR_LIMIT, EXO_ERR_NO_MEMORY).
	 */
	int64_t (*fork)(struct pager *p);
	/*
	 * A stack of up to @max bytes in a slot of the stack area, growing
	 * down from *@top (the slot's top) as it is touched, the rest of the
	 * slot below it its guard: a fault there is reported on the console
	 * as a stack overflow and then handed on like any fault the pager
	 * does not resolve (ending the environment without a handler). As
	 * stack_alloc_flags with no flags.
	 */
	int (*stack_alloc)(struct pager *p, uint64_t max, uint64_t *top);
	/*
	 * Keep at most @pages pages of regions resident, counting those
	 * backed from now on, by evicting pages to the swap store (0: no
	 * limit, nothing changes). Set once, before any fork. Errors:
	 * EXO_ERR_INVALID (1, or more than POLICY_SLOTS_MAX), EXO_ERR_STATE
	 * (a limit is set already, or this environment forked or is a fork),
	 * EXO_ERR_NO_MEMORY, EXO_ERR_NOSYS (a pager that does not evict).
	 */
	int (*set_limit)(struct pager *p, uint64_t pages);
	/*
	 * Write the pager's state (regions, pages in the swap store) to
	 * @buf in the versioned format of <libos/pager_impl.h>. Return: bytes
	 * written, or EXO_ERR_TOO_BIG when @len is short.
	 */
	int64_t (*export_state)(struct pager *p, void *buf, size_t len);
	/*
	 * Take over state exported by a pager of this interface. Errors:
	 * EXO_ERR_CORRUPT (checksum or structure), EXO_ERR_NOSYS (a format
	 * version it cannot read), EXO_ERR_STATE (this pager already holds
	 * regions).
	 */
	int (*import_state)(struct pager *p, const void *buf, size_t len);
	/* Fill @out with the current counters. */
	void (*stats)(struct pager *p, struct pager_stats *out);
	/* -- 1.1 -- */
	/*
	 * A stack as stack_alloc makes it, with @flags: PAGER_STACK_OWNED
	 * hands a fault in its guard on without a report (the owner, say the
	 * thread library, names the overflowing thread itself). A slot freed
	 * earlier is reused first, with the pages it kept. Errors:
	 * EXO_ERR_INVALID (@max 0 or above PAGER_STACK_MAX, unknown flags),
	 * EXO_ERR_LIMIT (every slot taken, or no table entry for the area),
	 * EXO_ERR_EXISTS (a region of the caller's holds the area's range),
	 * EXO_ERR_NO_MEMORY (no frames for the slot table).
	 */
	int (*stack_alloc_flags)(struct pager *p, uint64_t max, uint32_t flags,
				 uint64_t *top);
	/*
	 * Give back the stack whose top is @top: its slot is free for the
	 * next stack, keeping up to PAGER_STACK_KEEP pages at its top
	 * resident for it; pages below those are unmapped and their frames
	 * freed. Errors: EXO_ERR_ALIGN (@top not a slot's top),
	 * EXO_ERR_NOT_FOUND (outside the area, or not handed out).
	 */
	int (*stack_free)(struct pager *p, uint64_t top);
};

/* The object every pager embeds first. */
struct pager {
	const struct pager_ops *ops;
};

/* The slot serving "pager" (libos/pager/pager.c). */
extern struct libos_slot pager_slot;

/* The pager serving the program, or NULL before the slots are bound. */
static inline struct pager *pager_current(void)
{
	const struct libos_impl *impl = pager_slot.impl;

	return impl ? (struct pager *)impl->self : NULL;
}

static inline int pager_map(uint64_t *va, uint64_t len, uint32_t prot,
			    uint32_t flags)
{
	struct pager *p = pager_current();

	return p->ops->map(p, va, len, prot, flags);
}

static inline int pager_unmap(uint64_t va, uint64_t len)
{
	struct pager *p = pager_current();

	return p->ops->unmap(p, va, len);
}

static inline int pager_protect(uint64_t va, uint64_t len, uint32_t prot)
{
	struct pager *p = pager_current();

	return p->ops->protect(p, va, len, prot);
}

static inline int pager_map2(uint64_t va, uint64_t va2, uint32_t prot)
{
	struct pager *p = pager_current();

	return p->ops->map2(p, va, va2, prot);
}

/* pager_fork - see pager_ops.fork: 0 in the child, its id in the parent. */
static inline int64_t pager_fork(void)
{
	struct pager *p = pager_current();

	return p->ops->fork(p);
}

static inline int pager_stack_alloc(uint64_t max, uint64_t *top)
{
	struct pager *p = pager_current();

	return p->ops->stack_alloc(p, max, top);
}

static inline int pager_stack_alloc_flags(uint64_t max, uint32_t flags,
					  uint64_t *top)
{
	struct pager *p = pager_current();

	return p->ops->stack_alloc_flags(p, max, flags, top);
}

static inline int pager_stack_free(uint64_t top)
{
	struct pager *p = pager_current();

	return p->ops->stack_free(p, top);
}

/* The stack slot holding @va, or -1 outside the stack area. */
static inline long pager_stack_slot(uint64_t va)
{
	if (va < PAGER_STACKS_BASE ||
	    va >= PAGER_STACKS_BASE + PAGER_STACK_SLOTS * PAGER_STACK_SLOT) {
		return -1;
	}
	return (long)((va - PAGER_STACKS_BASE) / PAGER_STACK_SLOT);
}

/* The top of stack slot @slot. */
static inline uint64_t pager_stack_top(long slot)
{
	return PAGER_STACKS_BASE + (uint64_t)(slot + 1) * PAGER_STACK_SLOT;
}

static inline int pager_set_limit(uint64_t pages)
{
	struct pager *p = pager_current();

	return p->ops->set_limit(p, pages);
}

static inline void pager_stats(struct pager_stats *out)
{
	struct pager *p = pager_current();

	p->ops->stats(p, out);
}

/*
 * pager_dirty - has the page at @va been written since it was mapped or
 * last cleaned? Read from the page-table view: no system call. A page
 * that is not resident is clean.
 */
static inline int pager_dirty(uint64_t va)
{
	return (exo_pte(va) & EXO_PTE_D) != 0;
}

/*
 * pager_clean - clear the dirty bits of @npages pages from @va.
 * Return: pages changed, or the errors of page_clear_ad.
 */
static inline int64_t pager_clean(uint64_t va, uint64_t npages)
{
	return exo_page_clear_ad(EXO_ENV_SELF, va, npages, EXO_AD_DIRTY, 0, 0);
}

#endif
