/* SPDX-License-Identifier: MIT */
/*
 * A fake page source for allocator tests: hands out page runs from the
 * host's heap (filled with garbage, so nothing relies on fresh pages being
 * zero), within a budget, and fails the test on any free of a run it never
 * handed out or of the wrong size. Its ops match both the kernel heap's
 * heap_page_ops and the libOS's alloc_page_ops; ctx is a struct fake_source.
 */
#ifndef FAKES_PAGE_SOURCE_H
#define FAKES_PAGE_SOURCE_H

#include <stddef.h>

#define FAKE_PAGE_SIZE 4096
#define FAKE_MAX_RUNS 4096
#define FAKE_MAX_RUN 1024 /* bigger runs are refused, as a source would */

struct fake_run {
	void *pages;
	size_t count;
};

struct fake_source {
	struct fake_run runs[FAKE_MAX_RUNS]; /* outstanding runs */
	size_t nruns;
	size_t pages_out; /* pages in outstanding runs */
	size_t budget; /* pages it will still hand out */
	size_t alloc_calls;
	size_t free_calls;
	size_t last_alloc_count; /* count of the last alloc_pages call */
	void *last_freed;
	size_t last_free_count;
};

void *fake_alloc_pages(void *ctx, size_t count);
void fake_free_pages(void *ctx, void *pages, size_t count);

#endif
