/* SPDX-License-Identifier: MIT */
/*
 * The stack area's slot table (<libos/pager_impl.h>): which slot holds a
 * stack of what size, and so where its guard is. Pure arithmetic on the
 * table; the pager maps and unmaps what it says.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libos/pager_impl.h>

#define PAGE EXO_PAGE_SIZE

void stack_area_init(struct stack_area *a)
{
	memset(a, 0, sizeof(*a));
}

long stack_area_alloc(struct stack_area *a, uint64_t max, uint32_t flags,
		      uint64_t *top, struct stack_range *stale)
{
	uint64_t pages = (max + PAGE - 1) / PAGE;
	struct stack_slot *s;
	long i;

	if (max == 0 || max > PAGER_STACK_MAX || (flags & ~PAGER_STACK_FLAGS)) {
		return EXO_ERR_INVALID;
	}
	if (a->nfree) {
		i = a->free[--a->nfree];
	} else if (a->used < PAGER_STACK_SLOTS) {
		i = (long)a->used++;
	} else {
		return EXO_ERR_LIMIT;
	}
	s = &a->slot[i];
	*top = pager_stack_top(i);
	/* What an earlier stack left below the new bottom is now guard. */
	stale->lo = stale->hi = *top - pages * PAGE;
	if (s->deep > pages) {
		stale->lo = *top - (uint64_t)s->deep * PAGE;
		s->deep = (uint16_t)pages;
	}
	s->pages = (uint16_t)pages;
	s->flags = (uint16_t)flags;
	return i;
}

int stack_area_free(struct stack_area *a, uint64_t top,
		    struct stack_range *stale)
{
	long i = pager_stack_slot(top - 1);
	struct stack_slot *s;

	if (i < 0) {
		return EXO_ERR_NOT_FOUND;
	}
	if (top != pager_stack_top(i)) {
		return EXO_ERR_ALIGN;
	}
	s = &a->slot[i];
	if ((uint64_t)i >= a->used || !s->pages) {
		return EXO_ERR_NOT_FOUND;
	}
	stale->lo = stale->hi = top - PAGER_STACK_KEEP * PAGE;
	if (s->deep > PAGER_STACK_KEEP) {
		stale->lo = top - (uint64_t)s->deep * PAGE;
		s->deep = PAGER_STACK_KEEP;
	}
	s->pages = 0;
	s->flags = 0;
	a->free[a->nfree++] = (uint16_t)i;
	return 0;
}

int stack_area_find(const struct stack_area *a, uint64_t va,
		    struct stack_where *w)
{
	long i = pager_stack_slot(va);
	const struct stack_slot *s;

	if (i < 0) {
		return STACK_OUTSIDE;
	}
	s = &a->slot[i];
	w->slot = i;
	w->top = pager_stack_top(i);
	w->bottom = w->top - (uint64_t)s->pages * PAGE;
	w->flags = s->flags;
	if (!s->pages) {
		return STACK_UNUSED;
	}
	return va >= w->bottom ? STACK_IN : STACK_GUARD;
}

void stack_area_touched(struct stack_area *a, uint64_t va)
{
	long i = pager_stack_slot(va);
	uint64_t depth;

	if (i < 0) {
		return;
	}
	depth = (pager_stack_top(i) - (va & ~(PAGE - 1))) / PAGE;
	if (depth > a->slot[i].deep) {
		a->slot[i].deep = (uint16_t)depth;
	}
}
