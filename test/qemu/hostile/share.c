/* SPDX-License-Identifier: MIT */
/* Pages shared between a parent and the children it starts. */
#include <stdint.h>

#include <libos/runtime.h>

#include "share.h"

void *share_new(int idx, uint64_t *pa)
{
	uint64_t va = SHARE_PARENT_VA + (uint64_t)idx * EXO_PAGE_SIZE;
	int64_t r = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	if (r < 0) {
		printf("share: frame_alloc: %s\n", exo_status_name(r));
		return 0;
	}
	*pa = (uint64_t)r;
	r = exo_page_map(EXO_ENV_SELF, va, *pa, EXO_PERM_R | EXO_PERM_W, 0, 0);
	if (r < 0) {
		printf("share: page_map: %s\n", exo_status_name(r));
		exo_frame_free(*pa, 0, 0, 0, 0, 0);
		return 0;
	}
	return (void *)va;
}

int64_t share_spawn(int (*fn)(uint64_t), uint64_t arg, uint64_t pa)
{
	int64_t child = spawn_fn(fn, arg);
	int64_t r;

	if (child < 0) {
		return child;
	}
	r = exo_page_map((uint64_t)child, SHARE_CHILD_VA, pa,
			 EXO_PERM_R | EXO_PERM_W, 0, 0);
	if (r < 0) {
		exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
		exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
		return r;
	}
	return child;
}

void *share_wait(void)
{
	while (!exo_pte(SHARE_CHILD_VA)) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return (void *)SHARE_CHILD_VA;
}
