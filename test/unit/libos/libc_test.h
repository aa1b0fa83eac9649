/* SPDX-License-Identifier: MIT */
/*
 * The libOS C library functions under test, by the names libc_names.h
 * gives them in the host build, next to the host's own.
 */
#ifndef TEST_LIBC_TEST_H
#define TEST_LIBC_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

extern int axo_errno;
int errno_from_exo(int64_t status);
char *axo_strerror(int errnum);

void *axo_memchr(const void *s, int c, size_t n);
char *axo_strrchr(const char *s, int c);
char *axo_strstr(const char *haystack, const char *needle);
size_t axo_strspn(const char *s, const char *accept);
size_t axo_strcspn(const char *s, const char *reject);
char *axo_strpbrk(const char *s, const char *accept);
char *axo_strcpy(char *dst, const char *src);
char *axo_strncpy(char *dst, const char *src, size_t n);
char *axo_strcat(char *dst, const char *src);
char *axo_strncat(char *dst, const char *src, size_t n);
char *axo_strdup(const char *s);
char *axo_strndup(const char *s, size_t n);

long axo_strtol(const char *s, char **end, int base);
long long axo_strtoll(const char *s, char **end, int base);
unsigned long axo_strtoul(const char *s, char **end, int base);
unsigned long long axo_strtoull(const char *s, char **end, int base);
int axo_atoi(const char *s);
long axo_atol(const char *s);
long long axo_atoll(const char *s);
int axo_abs(int x);
long axo_labs(long x);
long long axo_llabs(long long x);
void axo_qsort(void *base, size_t n, size_t size,
	       int (*cmp)(const void *, const void *));
void *axo_bsearch(const void *key, const void *base, size_t n, size_t size,
		  int (*cmp)(const void *, const void *));
int axo_rand(void);
void axo_srand(unsigned int seed);

int axo_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int axo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int axo_sprintf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int axo_vsprintf(char *buf, const char *fmt, va_list ap);

void *axo_malloc(size_t n);
void axo_free(void *p);
void *axo_calloc(size_t n, size_t size);
void *axo_realloc(void *p, size_t n);

#endif
