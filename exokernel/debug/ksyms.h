/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own symbol table, for backtraces. It is generated from the
 * linked kernel (scripts/gen-ksyms) and linked into a second image whose
 * code is laid out identically, so panics print function names.
 */
#ifndef DEBUG_KSYMS_H
#define DEBUG_KSYMS_H

#include <stdint.h>

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset into the names blob */
	uint32_t size; /* 0 when unknown (assembly labels) */
};
_Static_assert(sizeof(struct ksym) == 16, "ksym layout matches gen-ksyms");

struct ksym_table {
	const struct ksym *syms; /* sorted by addr */
	uint64_t count;
	const char *names; /* NUL-separated */
	uint64_t names_len;
};

/*
 * ksyms_lookup_in - the function containing @addr in @t, or NULL. With a
 * size, the symbol must cover @addr; without one, @addr must lie before the
 * next symbol. @offset gets @addr's distance from the symbol's start.
 */
const char *ksyms_lookup_in(const struct ksym_table *t, uint64_t addr,
			    uint64_t *offset);

/* ksyms_lookup_in over the kernel's own table. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* How many symbols the kernel's table holds (0 in the first link). */
uint64_t ksyms_count_all(void);

#endif
