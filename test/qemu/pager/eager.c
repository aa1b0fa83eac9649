/* SPDX-License-Identifier: MIT */
/*
 * pager.eager chosen with MODULES: it serves the "pager" slot, backs a
 * region when it is mapped, and the heap and fork work on it as on the
 * default.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libos/pager.h>
#include <libos/runtime.h>

#define PAGE EXO_PAGE_SIZE

static int fail(const char *what)
{
	printf("FAIL: eager: %s\n", what);
	return 1;
}

int main(void)
{
	struct exo_exit_info x;
	uint64_t va = 0, f0 = exo_env_info()->frames;
	char *heap;
	int64_t child;

	if (strcmp(pager_slot.impl->name, "pager.eager") != 0) {
		return fail("the slot is not served by pager.eager");
	}
	if (pager_map(&va, 64 * PAGE, PAGER_PROT_RW, 0) ||
	    exo_env_info()->frames < f0 + 64) {
		return fail("a 64-page region was not backed at once");
	}
	heap = malloc(100000);
	if (!heap) {
		return fail("malloc");
	}
	memset(heap, 7, 100000);
	child = pager_fork();
	if (child == 0) {
		exit(heap[99999] == 7 ? 0 : 1);
	}
	if (child < 0 || wait_child((exo_envid_t)child, &x) != child ||
	    x.reason != EXO_EXIT_NORMAL || x.code != 0) {
		return fail("fork");
	}
	printf("eager: %s backed 64 pages at map time; heap and fork work\n",
	       pager_slot.impl->name);
	return 0;
}
