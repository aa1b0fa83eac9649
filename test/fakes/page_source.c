/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fakes/page_source.h"

void *fake_alloc_pages(void *ctx, size_t count)
{
	struct fake_source *s = ctx;
	void *p;

	s->alloc_calls++;
	s->last_alloc_count = count;
	if (count == 0 || count > FAKE_MAX_RUN || count > s->budget ||
	    s->nruns == FAKE_MAX_RUNS) {
		return NULL;
	}
	p = aligned_alloc(FAKE_PAGE_SIZE, count * FAKE_PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0xa5, count * FAKE_PAGE_SIZE);
	s->runs[s->nruns].pages = p;
	s->runs[s->nruns].count = count;
	s->nruns++;
	s->pages_out += count;
	s->budget -= count;
	return p;
}

void fake_free_pages(void *ctx, void *pages, size_t count)
{
	struct fake_source *s = ctx;
	size_t i;

	s->free_calls++;
	s->last_freed = pages;
	s->last_free_count = count;
	for (i = 0; i < s->nruns; i++) {
		if (s->runs[i].pages == pages) {
			break;
		}
	}
	if (i == s->nruns) {
		fail_msg("free_pages of a run never handed out: %p", pages);
	}
	assert_int_equal(s->runs[i].count, count);
	s->pages_out -= count;
	s->budget += count;
	free(pages);
	s->runs[i] = s->runs[--s->nruns];
}
