/* SPDX-License-Identifier: MIT */
/*
 * For implementations of the allocator interface ("alloc"): how to
 * register one, defaults for ops it does not want to write, where to get
 * pages, and how to report a bad pointer.
 *
 * An implementation embeds struct alloc first in its own state, keeps its
 * ops static, and announces itself:
 *
 *	static struct my_alloc heap = { .base.ops = &my_ops };
 *	ALLOC_IMPL(my_impl, "alloc.mine", &my_ops, &heap.base, NULL,
 *		   LIBOS_PRIO_APP);
 *
 * At start-up the "alloc" slot binds the most preferred implementation
 * linked in (see <libos/slot.h>); its init runs before main().
 */
#ifndef LIBOS_ALLOC_IMPL_H
#define LIBOS_ALLOC_IMPL_H

#include <stddef.h>

#include <libos/alloc.h>
#include <libos/slot.h>

/*
 * ALLOC_IMPL - announce @self (a struct alloc * whose ops are @ops) as
 * implementation @name of the interface, with priority @prio
 * (LIBOS_PRIO_*) and optional @init (int (*)(void *self), 0 or
 * EXO_ERR_*).
 */
#define ALLOC_IMPL(var, name_, ops_, self_, init_, prio_)                      \
	LIBOS_IMPL(var) = {                                                    \
		.iface = "alloc",                                              \
		.major = ALLOC_IFACE_MAJOR,                                    \
		.minor = ALLOC_IFACE_MINOR,                                    \
		.name = (name_),                                               \
		.ops_size = sizeof(struct alloc_ops),                          \
		.ops = (ops_),                                                 \
		.self = (self_),                                               \
		.init = (init_),                                               \
		.priority = (prio_),                                           \
	}

/*
 * Defaults, for an implementation with only malloc and free of its own:
 * realloc as malloc + copy + free (copying usable_size bytes, or @n when
 * smaller), usable_size as 0 (unknown: then the default realloc cannot
 * copy and fails), stats as all zero.
 */
void *alloc_default_realloc(struct alloc *a, void *p, size_t n);
size_t alloc_default_usable_size(struct alloc *a, void *p);
void alloc_default_stats(struct alloc *a, struct alloc_stats *out);

/* Where an allocator gets whole pages. Both ops are required. */
struct alloc_page_ops {
	/* @count contiguous, page-aligned pages, or NULL. */
	void *(*alloc_pages)(void *ctx, size_t count);
	/* Give back exactly what one alloc_pages call returned. */
	void (*free_pages)(void *ctx, void *pages, size_t count);
};

/*
 * The libOS's page source (ctx NULL): pager regions (demand-zero)
 * read-write in the heap region [ALLOC_HEAP_BASE, ALLOC_HEAP_TOP), freed
 * (unmapped, frames returned) by free_pages. Address space of freed runs
 * is reused.
 */
#define ALLOC_HEAP_BASE 0x0000100000000000ul
#define ALLOC_HEAP_TOP 0x0000200000000000ul
extern const struct alloc_page_ops alloc_exo_pages;

/*
 * alloc_report - tell the console that implementation @impl refused
 * @op(@p) because @why, e.g. "alloc.freelist: free(0x1000): double free".
 */
void alloc_report(const char *impl, const char *op, const void *p,
		  const char *why);

#endif
