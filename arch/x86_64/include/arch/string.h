/* SPDX-License-Identifier: MIT */
/*
 * Word copies and fills with the string instructions, for memcpy and
 * memset in the kernel and the libOS. The direction flag is clear on every
 * entry to C code (the ABI; the kernel clears it on every entry).
 */
#ifndef ARCH_STRING_H
#define ARCH_STRING_H

#include <stddef.h>
#include <stdint.h>

/* Copy @n 8-byte words from @src to @dst (not overlapping). */
static inline void arch_copy_words(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsq"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 :
			 : "memory");
}

/* Store @v into @n 8-byte words at @dst. */
static inline void arch_fill_words(void *dst, uint64_t v, size_t n)
{
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

#endif
