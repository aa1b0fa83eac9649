/* SPDX-License-Identifier: MIT */
/* Checks for the thread tests: the first failure ends the program. */
#ifndef SCHED_CHECK_H
#define SCHED_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libos/runtime.h>

extern volatile uint64_t checks_passed;

/* Resident pages of [lo, hi), from the page-table view. */
static inline uint64_t resident(uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (uint64_t va = lo; va < hi; va += EXO_PAGE_SIZE) {
		n += (exo_pte(va) & EXO_PTE_P) != 0;
	}
	return n;
}

#define CHECK(expr)                                                            \
	do {                                                                   \
		if (!(expr)) {                                                 \
			printf("FAIL: %s:%d: CHECK(%s)\n", __FILE_NAME__,      \
			       __LINE__, #expr);                               \
			exit(1);                                               \
		}                                                              \
		checks_passed++;                                               \
	} while (0)

#define CHECK_EQ(got, want)                                                    \
	do {                                                                   \
		int64_t got_ = (int64_t)(got), want_ = (int64_t)(want);        \
		if (got_ != want_) {                                           \
			printf("FAIL: %s:%d: %s == %s: got %ld, want %ld\n",   \
			       __FILE_NAME__, __LINE__, #got, #want,           \
			       (long)got_, (long)want_);                       \
			exit(1);                                               \
		}                                                              \
		checks_passed++;                                               \
	} while (0)

/* Run @fn(@arg) in a spawn_fn child and check it exits with @want. */
#define CHECK_SPAWN_EXIT(fn, arg, want)                                        \
	do {                                                                   \
		struct exo_exit_info info_;                                    \
		int64_t id_ = spawn_fn((fn), (arg));                           \
                                                                               \
		CHECK(id_ > 0);                                                \
		CHECK_EQ(wait_child((exo_envid_t)id_, &info_), id_);           \
		CHECK_EQ(info_.reason, EXO_EXIT_NORMAL);                       \
		CHECK_EQ(info_.code, (want));                                  \
	} while (0)

#endif
