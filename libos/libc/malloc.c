/* SPDX-License-Identifier: MIT */
/*
 * malloc and friends: the C face of whatever serves the "alloc" slot.
 * Thread-safe: each call runs with preemption off (<libos/sched.h>), so
 * no other thread enters the allocator while one is inside it, whichever
 * implementation serves.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libos/alloc.h>
#include <libos/sched.h>

void *malloc(size_t n)
{
	struct alloc *a = alloc_current();
	void *p;

	sched_preempt_disable();
	p = a ? alloc_malloc(a, n) : NULL;
	sched_preempt_enable();
	if (p == NULL) {
		errno = ENOMEM;
	}
	return p;
}

void free(void *p)
{
	struct alloc *a = alloc_current();

	if (p && a) {
		sched_preempt_disable();
		alloc_free(a, p);
		sched_preempt_enable();
	}
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n * size);
	if (p) {
		memset(p, 0, n * size);
	}
	return p;
}

void *realloc(void *p, size_t n)
{
	struct alloc *a = alloc_current();
	struct alloc_stats before, after;
	void *q;

	if (p == NULL) {
		return malloc(n);
	}
	if (a == NULL) {
		errno = EINVAL;
		return NULL;
	}
	sched_preempt_disable();
	if (n == 0) {
		alloc_realloc(a, p, 0); /* frees p */
		sched_preempt_enable();
		return NULL;
	}
	alloc_stats(a, &before);
	q = alloc_realloc(a, p, n);
	if (q == NULL) {
		/* Refused (not a live block) or out of memory? */
		alloc_stats(a, &after);
		errno = after.bad_frees != before.bad_frees ? EINVAL : ENOMEM;
	}
	sched_preempt_enable();
	return q;
}
