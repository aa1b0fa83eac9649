/* SPDX-License-Identifier: MIT */
/* Number conversion, sorting and pseudo-random numbers of <stdlib.h>. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* What was read from the text: a magnitude and a sign. */
struct number {
	unsigned long long mag; /* clamped to @max */
	int neg;
	int over; /* the digits went past @max */
};

static int digit_value(int c)
{
	if (isdigit(c)) {
		return c - '0';
	}
	if (isalpha(c)) {
		return tolower(c) - 'a' + 10;
	}
	return 36;
}

/*
 * Read a number of @base from @s, saturating at @max. Return: 0, or
 * EINVAL for a bad base. *@end as strtol describes.
 */
static int parse(const char *s, char **end, int base, unsigned long long max,
		 struct number *out)
{
	const char *p = s;
	int any = 0;

	out->mag = 0;
	out->neg = 0;
	out->over = 0;
	if (base < 0 || base == 1 || base > 36) {
		if (end) {
			*end = (char *)s;
		}
		return EINVAL;
	}
	while (isspace(*p)) {
		p++;
	}
	if (*p == '+' || *p == '-') {
		out->neg = *p == '-';
		p++;
	}
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		int d = digit_value(*p);

		if (d >= base) {
			break;
		}
		any = 1;
		if (out->mag > (max - (unsigned long long)d) / (unsigned)base) {
			out->over = 1;
			out->mag = max;
		} else if (!out->over) {
			out->mag = out->mag * (unsigned)base + (unsigned)d;
		}
	}
	if (end) {
		*end = (char *)(any ? p : s);
	}
	return 0;
}

/* A signed result between @min (negative) and @max. */
static long long to_signed(const char *s, char **end, int base, long long min,
			   long long max)
{
	unsigned long long limit = (unsigned long long)max + 1;
	struct number n;
	int err = parse(s, end, base, limit, &n);

	if (err) {
		errno = err;
		return 0;
	}
	if (n.neg) {
		if (n.over || n.mag > limit) {
			errno = ERANGE;
			return min;
		}
		return n.mag == limit ? min : -(long long)n.mag;
	}
	if (n.over || n.mag > (unsigned long long)max) {
		errno = ERANGE;
		return max;
	}
	return (long long)n.mag;
}

/* An unsigned result up to @max; a minus sign negates it, as C says. */
static unsigned long long to_unsigned(const char *s, char **end, int base,
				      unsigned long long max)
{
	struct number n;
	int err = parse(s, end, base, max, &n);

	if (err) {
		errno = err;
		return 0;
	}
	if (n.over) {
		errno = ERANGE;
		return max;
	}
	return n.neg ? (max - n.mag + 1) & max : n.mag;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return (long)to_signed(s, end, base, LONG_MIN, LONG_MAX);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return to_signed(s, end, base, LLONG_MIN, LLONG_MAX);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)to_unsigned(s, end, base, ULONG_MAX);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	return to_unsigned(s, end, base, ULLONG_MAX);
}

int atoi(const char *s)
{
	int saved = errno;
	long v = strtol(s, NULL, 10);

	errno = saved;
	return (int)v;
}

long atol(const char *s)
{
	int saved = errno;
	long v = strtol(s, NULL, 10);

	errno = saved;
	return v;
}

long long atoll(const char *s)
{
	int saved = errno;
	long long v = strtoll(s, NULL, 10);

	errno = saved;
	return v;
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

long long llabs(long long x)
{
	return x < 0 ? -x : x;
}

static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Restore the max-heap below @root of the first @n elements. */
static void sift_down(unsigned char *base, size_t root, size_t n, size_t size,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n) {
			return;
		}
		if (child + 1 < n &&
		    cmp(base + child * size, base + (child + 1) * size) < 0) {
			child++;
		}
		if (cmp(base + root * size, base + child * size) >= 0) {
			return;
		}
		swap(base + root * size, base + child * size, size);
		root = child;
	}
}

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;
	size_t i;

	if (n < 2 || size == 0) {
		return;
	}
	for (i = n / 2; i > 0; i--) {
		sift_down(b, i - 1, n, size, cmp);
	}
	for (i = n - 1; i > 0; i--) {
		swap(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp);
	}
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const unsigned char *b = base;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(key, b + mid * size);

		if (c == 0) {
			return (void *)(b + mid * size);
		}
		if (c < 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return NULL;
}

/* A 64-bit linear congruential generator; the top 31 bits are used. */
static uint64_t rand_state = 1;

int rand(void)
{
	rand_state =
		rand_state * 6364136223846793005ull + 1442695040888963407ull;
	return (int)(rand_state >> 33);
}

void srand(unsigned int seed)
{
	rand_state = seed;
}
