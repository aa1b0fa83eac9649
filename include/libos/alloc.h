/* SPDX-License-Identifier: MIT */
/*
 * The allocator interface ("alloc"), for callers. malloc, free, realloc
 * and calloc in <stdlib.h> go through the "alloc" slot to whichever
 * implementation the program was linked with: the libOS default
 * (alloc.freelist), a module chosen with MODULES, or the program's own.
 *
 * Implementations see <libos/alloc_impl.h>.
 *
 * Thread safety: malloc, free, calloc and realloc call these wrappers with
 * preemption off (sched_preempt_disable, <libos/sched.h>), so an
 * implementation is never entered by two threads at once through them.
 * Code calling the wrappers directly while threads run does the same.
 */
#ifndef LIBOS_ALLOC_H
#define LIBOS_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include <libos/slot.h>

#define ALLOC_IFACE_MAJOR 1
#define ALLOC_IFACE_MINOR 0

/* What an allocator reports about itself. */
struct alloc_stats {
	uint64_t allocs; /* blocks handed out (including moving reallocs) */
	uint64_t frees; /* blocks taken back */
	uint64_t bad_frees; /* free/realloc of a pointer not a live block */
	uint64_t corruptions; /* damaged metadata found (and left alone) */
	uint64_t blocks_in_use; /* blocks handed out and not yet freed */
	uint64_t bytes_in_use; /* bytes asked for, over those blocks */
	uint64_t pages_held; /* pages taken from the system and not returned */
};

struct alloc;

/*
 * The operations. Each takes the allocator as its first argument. All are
 * required; an implementation may start from the defaults in
 * <libos/alloc_impl.h>.
 */
struct alloc_ops {
	/*
	 * A block of at least @n bytes, aligned to 16, or NULL when memory
	 * is exhausted or @n is absurd. @n == 0 gives a unique minimal
	 * block. Contents are undefined.
	 */
	void *(*malloc)(struct alloc *a, size_t n);
	/*
	 * Give back @p, a block from this allocator; NULL is ignored. A
	 * pointer that is not a live block (foreign, interior, already
	 * freed) is refused: reported, counted in bad_frees, nothing else
	 * changed.
	 */
	void (*free)(struct alloc *a, void *p);
	/*
	 * Resize @p to @n bytes, keeping its contents up to the smaller
	 * size, in place when it can. @p NULL: as malloc. @n 0: frees @p and
	 * returns NULL. Returns the (possibly moved) block, or NULL with @p
	 * untouched when memory is exhausted, or when @p is not a live block
	 * (refused as free refuses it).
	 */
	void *(*realloc)(struct alloc *a, void *p, size_t n);
	/* Bytes usable at @p (at least what was asked), 0 if not live. */
	size_t (*usable_size)(struct alloc *a, void *p);
	/* Fill @out with the current counters. */
	void (*stats)(struct alloc *a, struct alloc_stats *out);
};

/* The object every allocator embeds first. */
struct alloc {
	const struct alloc_ops *ops;
};

/* The slot serving "alloc" (in libos/alloc/alloc.c). */
extern struct libos_slot alloc_slot;

/*
 * The allocator serving the program, as bound in the "alloc" slot, or
 * NULL before the slots are bound (only during start-up).
 */
static inline struct alloc *alloc_current(void)
{
	const struct libos_impl *impl = alloc_slot.impl;

	return impl ? (struct alloc *)impl->self : NULL;
}

static inline void *alloc_malloc(struct alloc *a, size_t n)
{
	return a->ops->malloc(a, n);
}

static inline void alloc_free(struct alloc *a, void *p)
{
	a->ops->free(a, p);
}

static inline void *alloc_realloc(struct alloc *a, void *p, size_t n)
{
	return a->ops->realloc(a, p, n);
}

static inline size_t alloc_usable_size(struct alloc *a, void *p)
{
	return a->ops->usable_size(a, p);
}

static inline void alloc_stats(struct alloc *a, struct alloc_stats *out)
{
	a->ops->stats(a, out);
}

#endif
