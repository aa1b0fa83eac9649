/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write bookkeeping, over an ops table for the kernel calls so the
 * host tests can run it against a fake frame table. The reference counts
 * are the kernel's (frame_refs): the owner's reference plus one per
 * mapping. What the libOS keeps is the list of frames of its own that it
 * stopped mapping while others still do.
 *
 * Hazard (see pager.c): cow_break writes nothing but its own stack until
 * the page is remapped, so a fault on the page holding @o while resolving
 * another page is itself resolvable.
 */
#include <stddef.h>
#include <stdint.h>

#include <libos/pager_impl.h>

void cow_orphans_reap(const struct cow_ops *ops, void *ctx,
		      struct cow_orphans *o)
{
	size_t i = 0;

	while (i < o->n) {
		if (ops->free(ctx, o->pa[i]) != EXO_ERR_BUSY) {
			o->pa[i] = o->pa[--o->n];
		} else {
			i++;
		}
	}
}

void cow_frame_drop(const struct cow_ops *ops, void *ctx, struct cow_orphans *o,
		    uint64_t pa)
{
	if (ops->free(ctx, pa) != EXO_ERR_BUSY) {
		return; /* freed, or not ours to free (lent) */
	}
	if (o->n < COW_ORPHANS_MAX) {
		o->pa[o->n++] = pa;
	} else {
		o->lost++; /* ours until we end: a leak bounded by our life */
	}
}

int cow_break(const struct cow_ops *ops, void *ctx, struct cow_orphans *o,
	      uint64_t va, uint64_t pte, uint32_t perm)
{
	uint64_t old = pte & EXO_PTE_ADDR;
	int64_t refs = ops->refs(ctx, old), pa;
	int err;

	if (refs == 2) {
		/* Ours and mapped only here: nobody to copy for. */
		err = ops->protect(ctx, va, perm);
		return err ? err : COW_REUSED;
	}
	pa = ops->alloc(ctx);
	if (pa < 0) {
		return (int)pa;
	}
	err = ops->copy(ctx, (uint64_t)pa, va);
	if (!err) {
		err = ops->map(ctx, va, (uint64_t)pa, perm);
	}
	if (err) {
		ops->free(ctx, (uint64_t)pa);
		return err;
	}
	/* Remapped: from here on writing variables is safe. */
	if (refs > 0) {
		cow_frame_drop(ops, ctx, o, old); /* ours, mapped elsewhere */
	}
	return COW_COPIED;
}
