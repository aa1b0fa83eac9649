/* SPDX-License-Identifier: MIT */
/* An ordinary C program whose malloc is served by the arena module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libos/alloc.h>

int main(int argc, char **argv)
{
	struct alloc_stats st;
	char *words[100];

	for (int i = 0; i < 100; i++) {
		words[i] = malloc(24);
		if (!words[i]) {
			printf("out of memory\n");
			return 1;
		}
		snprintf(words[i], 24, "word %d", i);
	}
	for (int i = 0; i < 100; i++) {
		free(words[i]);
	}
	alloc_stats(alloc_current(), &st);
	printf("%s: allocator %s, %lu allocations, %lu in use\n",
	       argc > 0 ? argv[0] : "arena", alloc_slot.impl->name,
	       (unsigned long)st.allocs, (unsigned long)st.blocks_in_use);
	return strcmp(alloc_slot.impl->name, "alloc.arena") != 0;
}
