/* SPDX-License-Identifier: MIT */
/*
 * <stdlib.h>: memory, leaving the program, number conversion, sorting and
 * pseudo-random numbers.
 *
 * malloc and friends go through the "alloc" slot (<libos/alloc.h>): the
 * libOS default is alloc.freelist; a program may link another. Blocks are
 * 16-byte aligned. Freeing a pointer that is not a live block (foreign,
 * inside a block, freed already) is reported on the console and refused.
 * Not thread-safe yet (the libOS is single-threaded).
 */
#ifndef LIBOS_LIBC_STDLIB_H
#define LIBOS_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff
#define ATEXIT_MAX 32 /* handlers atexit() takes */

/*
 * Memory. malloc(0) gives a unique block; realloc(p, 0) frees @p and
 * returns NULL; calloc refuses a product @n * @size that overflows. On
 * failure they return NULL with errno ENOMEM, or EINVAL when the
 * allocator refused realloc's @p as not a live block; any old block is
 * left as it was.
 */
void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);

/*
 * Leaving. exit runs the atexit handlers (last registered first), then
 * ends the environment with @code, which its parent sees. _Exit skips
 * the handlers. abort ends at once with code 134 (as a shell reports
 * SIGABRT). atexit: 0, or -1 when ATEXIT_MAX handlers are registered.
 */
_Noreturn void exit(int code);
_Noreturn void _Exit(int code);
_Noreturn void abort(void);
int atexit(void (*fn)(void));

/*
 * Numbers from text: optional white space and sign, then digits of @base
 * (2..36; 0 means decimal, octal after "0", hexadecimal after "0x").
 * *@end, if @end is not NULL, points past the last digit used (at @s if
 * there was no number). Out of range: the type's limit, errno ERANGE. A
 * bad @base: 0, errno EINVAL. atoi and atol are strtol with base 10,
 * without error reports.
 */
long strtol(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int x);
long labs(long x);
long long llabs(long long x);

/* Sort @n elements of @size bytes at @base (heapsort: not stable). */
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *));
/* An element of the sorted array at @base equal to @key, or NULL. */
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

/* Pseudo-random numbers in [0, RAND_MAX]; the sequence starts at seed 1. */
int rand(void);
void srand(unsigned int seed);

#endif
