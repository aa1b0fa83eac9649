/* SPDX-License-Identifier: MIT */
/* The "alloc" slot, and defaults for implementations' optional ops. */
#include <stddef.h>
#include <string.h>

#include <libos/alloc_impl.h>

LIBOS_DEFAULT_USE(alloc); /* alloc.freelist, heap.c */

LIBOS_SLOT(alloc_slot) = {
	.iface = "alloc",
	.major = ALLOC_IFACE_MAJOR,
	.minor = ALLOC_IFACE_MINOR,
	.ops_size = sizeof(struct alloc_ops),
};

void *alloc_default_realloc(struct alloc *a, void *p, size_t n)
{
	size_t old;
	void *q;

	if (p == NULL) {
		return alloc_malloc(a, n);
	}
	if (n == 0) {
		alloc_free(a, p);
		return NULL;
	}
	old = alloc_usable_size(a, p);
	if (old == 0) {
		return NULL;
	}
	if (n <= old) {
		return p;
	}
	q = alloc_malloc(a, n);
	if (q) {
		memcpy(q, p, old);
		alloc_free(a, p);
	}
	return q;
}

size_t alloc_default_usable_size(struct alloc *a, void *p)
{
	return 0;
}

void alloc_default_stats(struct alloc *a, struct alloc_stats *out)
{
	memset(out, 0, sizeof(*out));
}
