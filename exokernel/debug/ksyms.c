/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>

#include "debug/ksyms.h"

const char *ksyms_lookup_in(const struct ksym_table *t, uint64_t addr,
			    uint64_t *offset)
{
	uint64_t lo = 0, hi = t->count;
	const struct ksym *s;

	/* Find the last symbol whose address is <= addr. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == 0) {
		return NULL;
	}
	s = &t->syms[lo - 1];
	if (s->size && addr - s->addr >= s->size) {
		return NULL;
	}
	if (!s->size && lo == t->count) {
		return NULL; /* past the last label: nothing bounds it */
	}
	if (s->name >= t->names_len) {
		return NULL;
	}
	if (offset) {
		*offset = addr - s->addr;
	}
	return t->names + s->name;
}
