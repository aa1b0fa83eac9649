/* SPDX-License-Identifier: MIT */
/*
 * The line every guest benchmark prints for one trial,
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 *
 * which scripts/bench turns into per-operation figures. A trial that
 * measured nothing marks the run failed: the program returns `failed`.
 * For programs run as init, one translation unit each.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

static int failed;

static void report(const char *name, uint64_t ops, int trial, uint64_t cycles)
{
	if (cycles == 0) {
		printf("bench: %s measured nothing\n", name);
		failed = 1;
	}
	printf("BENCH %s %lu %d %lu\n", name, (unsigned long)ops, trial,
	       (unsigned long)cycles);
}

#endif
