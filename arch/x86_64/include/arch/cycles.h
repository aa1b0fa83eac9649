/* SPDX-License-Identifier: MIT */
/*
 * Reading the time-stamp counter, for the kernel and for user programs
 * (rdtsc is not privileged here). Under QEMU with -icount shift=0 it
 * counts retired guest instructions.
 */
#ifndef ARCH_CYCLES_H
#define ARCH_CYCLES_H

#include <stdint.h>

static inline uint64_t arch_read_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
