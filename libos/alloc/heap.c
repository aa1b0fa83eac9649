/* SPDX-License-Identifier: MIT */
/*
 * The program's heap by default: alloc.freelist over pages of the heap
 * region, mapped from frames of the kernel's. Refused frees and damaged
 * metadata are reported on the console.
 */
#include <stddef.h>
#include <stdio.h>

#include <libos/alloc_impl.h>

#include "freelist.h"

static struct freelist heap;

void alloc_report(const char *impl, const char *op, const void *p,
		  const char *why)
{
	fprintf(stderr, "%s: %s(%p): %s\n", impl, op, p, why);
}

static void heap_report(struct freelist *fl, const char *op, const void *p,
			const char *why)
{
	alloc_report("alloc.freelist", op, p, why);
}

static int heap_start(void *self)
{
	freelist_init(&heap, &alloc_exo_pages, NULL, heap_report);
	return 0;
}

ALLOC_IMPL(heap_impl, "alloc.freelist", &freelist_ops, &heap.base, heap_start,
	   LIBOS_PRIO_DEFAULT);

LIBOS_DEFAULT_DEF(alloc);
