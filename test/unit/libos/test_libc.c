/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the libOS C library face, compared with the host's C
 * library wherever both define a function: errno mapping and messages,
 * string functions, number conversion, sorting, the snprintf family, and
 * malloc/calloc/realloc through the "alloc" slot (bound here to
 * alloc.freelist over a fake page source).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <exo/errors.h>
#include <libos/alloc_impl.h>

#include "alloc/freelist.h"
#include "libc_test.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The test binds the "alloc" slot itself: it stands for the default. */
LIBOS_DEFAULT_DEF(alloc);

/* xorshift64: a fixed seed makes every run the same. */
static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* errno */

static void test_errno_from_exo(void **state)
{
	static const struct {
		int64_t status;
		int err;
	} map[] = {
		{ EXO_OK, 0 },
		{ 5, 0 },
		{ EXO_ERR_INVALID, EINVAL },
		{ EXO_ERR_ALIGN, EINVAL },
		{ EXO_ERR_FAULT, EFAULT },
		{ EXO_ERR_TOO_BIG, E2BIG },
		{ EXO_ERR_NOSYS, ENOSYS },
		{ EXO_ERR_STATE, EINVAL },
		{ EXO_ERR_BUSY, EBUSY },
		{ EXO_ERR_EXISTS, EEXIST },
		{ EXO_ERR_NOT_FOUND, ENOENT },
		{ EXO_ERR_NOT_DIR, ENOTDIR },
		{ EXO_ERR_IS_DIR, EISDIR },
		{ EXO_ERR_NOT_EMPTY, ENOTEMPTY },
		{ EXO_ERR_DENIED, EACCES },
		{ EXO_ERR_NO_MEMORY, ENOMEM },
		{ EXO_ERR_LIMIT, EAGAIN },
		{ EXO_ERR_NO_SPACE, ENOSPC },
		{ EXO_ERR_IO, EIO },
		{ EXO_ERR_CORRUPT, EBADMSG },
		{ -7, EIO },
		{ -1000, EIO },
		{ INT64_MIN, EIO },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(map); i++) {
		assert_int_equal(errno_from_exo(map[i].status), map[i].err);
	}
	/*
	 * Every code the ABI names maps to something other than the
	 * fallback EIO, except EXO_ERR_IO itself.
	 */
	for (int64_t s = -1; s >= -70; s--) {
		if (strcmp(exo_status_name(s), "EXO_ERR_?") != 0 &&
		    s != EXO_ERR_IO) {
			assert_int_not_equal(errno_from_exo(s), EIO);
		}
	}
}

static void test_strerror_matches_host(void **state)
{
	static const int known[] = {
		0,	   EPERM,     ENOENT,  ESRCH,	  EINTR,	EIO,
		ENXIO,	   E2BIG,     ENOEXEC, EBADF,	  ECHILD,	EAGAIN,
		ENOMEM,	   EACCES,    EFAULT,  EBUSY,	  EEXIST,	EXDEV,
		ENODEV,	   ENOTDIR,   EISDIR,  EINVAL,	  ENFILE,	EMFILE,
		ENOTTY,	   EFBIG,     ENOSPC,  ESPIPE,	  EROFS,	EMLINK,
		EPIPE,	   EDOM,      ERANGE,  EDEADLK,	  ENAMETOOLONG, ENOSYS,
		ENOTEMPTY, ELOOP,     EBADMSG, EOVERFLOW, EILSEQ,	ENOTSUP,
		ETIMEDOUT, ECANCELED,
	};
	char want[64];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_LEN(known); i++) {
		assert_string_equal(axo_strerror(known[i]), strerror(known[i]));
	}
	/* Everything else is "Unknown error N", as glibc says it. */
	for (n = -3; n < 140; n++) {
		const char *mine = axo_strerror(n);

		snprintf(want, sizeof(want), "Unknown error %d", n);
		if (strcmp(mine, want) != 0) {
			assert_string_equal(mine, strerror(n));
		}
	}
	assert_string_equal(axo_strerror(-5), "Unknown error -5");
	assert_string_equal(axo_strerror(INT_MIN), "Unknown error -2147483648");
	assert_string_equal(axo_strerror(100000), "Unknown error 100000");
}

/* Strings */

static const char *const samples[] = {
	"",
	"a",
	"ab",
	"abc",
	"aaa",
	"abcabc",
	"hello, world",
	"  x y  ",
	"mississippi",
	"needle",
	"nee",
	"ssi",
	"issip",
	"\x7f\x80\xff",
	"a\tb\nc",
};

static void test_search_functions_match_host(void **state)
{
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const char *s = samples[i];
		size_t len = strlen(s);
		int c;

		for (c = 0; c < 256; c++) {
			assert_ptr_equal(axo_strrchr(s, c), strrchr(s, c));
			assert_ptr_equal(axo_memchr(s, c, len + 1),
					 memchr(s, c, len + 1));
			assert_ptr_equal(axo_memchr(s, c, len / 2),
					 memchr(s, c, len / 2));
		}
		/* strrchr sees the char as char, like the host. */
		assert_ptr_equal(axo_strrchr(s, 'a' + 256),
				 strrchr(s, 'a' + 256));
		for (j = 0; j < ARRAY_LEN(samples); j++) {
			const char *t = samples[j];

			assert_ptr_equal(axo_strstr(s, t), strstr(s, t));
			assert_int_equal(axo_strspn(s, t), strspn(s, t));
			assert_int_equal(axo_strcspn(s, t), strcspn(s, t));
			assert_ptr_equal(axo_strpbrk(s, t), strpbrk(s, t));
		}
	}
	assert_null(axo_memchr(NULL, 'x', 0));
}

static void test_search_randomized(void **state)
{
	char s[40], t[6];
	int k;

	for (k = 0; k < 20000; k++) {
		size_t ls = rng() % sizeof(s), lt = rng() % sizeof(t), i;

		for (i = 0; i < ls; i++) {
			s[i] = (char)('a' + rng() % 3);
		}
		s[ls] = '\0';
		for (i = 0; i < lt; i++) {
			t[i] = (char)('a' + rng() % 3);
		}
		t[lt] = '\0';
		assert_ptr_equal(axo_strstr(s, t), strstr(s, t));
		assert_int_equal(axo_strspn(s, t), strspn(s, t));
		assert_int_equal(axo_strcspn(s, t), strcspn(s, t));
		assert_ptr_equal(axo_strrchr(s, t[0]), strrchr(s, t[0]));
	}
}

static void test_copy_functions_match_host(void **state)
{
	char a[64], b[64];
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(samples); i++) {
		const char *s = samples[i];

		memset(a, 'X', sizeof(a));
		memset(b, 'X', sizeof(b));
		assert_ptr_equal(axo_strcpy(a, s), a);
		strcpy(b, s);
		assert_memory_equal(a, b, sizeof(a));

		for (n = 0; n < 20; n++) {
			memset(a, 'X', sizeof(a));
			memset(b, 'X', sizeof(b));
			assert_ptr_equal(axo_strncpy(a, s, n), a);
			strncpy(b, s, n);
			/* Padded with NULs up to n, nothing written past. */
			assert_memory_equal(a, b, sizeof(a));
		}

		memcpy(a, "pre-", 5);
		memcpy(b, "pre-", 5);
		assert_ptr_equal(axo_strcat(a, s), a);
		strcat(b, s);
		assert_string_equal(a, b);
		for (n = 0; n < 20; n++) {
			memset(a, 'X', sizeof(a));
			memset(b, 'X', sizeof(b));
			memcpy(a, "x", 2);
			memcpy(b, "x", 2);
			assert_ptr_equal(axo_strncat(a, s, n), a);
			strncat(b, s, n);
			assert_memory_equal(a, b, sizeof(a));
		}
	}
}

/* Number conversion */

static const char *const numbers[] = {
	"",
	" ",
	"+",
	"-",
	"0",
	"-0",
	"42",
	"  \t\n-42xyz",
	"+17 ",
	"0x",
	"0x1g",
	"0X1F",
	"-0x10",
	"0xg",
	"077",
	"08",
	"0b101",
	"1e5",
	"z",
	"Zz9",
	"2147483647",
	"2147483648",
	"-2147483649",
	"9223372036854775807",
	"9223372036854775808",
	"-9223372036854775808",
	"-9223372036854775809",
	"18446744073709551615",
	"18446744073709551616",
	"-18446744073709551615",
	"-18446744073709551616",
	"99999999999999999999999999",
	"-1",
	"0x7fffffffffffffff",
	"0xffffffffffffffff",
	"0x10000000000000000",
	"777777777777777777777",
	"1777777777777777777777",
	"2000000000000000000000",
};

static void test_strtol_family_matches_host(void **state)
{
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 3, 35 };
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(numbers); i++) {
		const char *s = numbers[i];

		for (j = 0; j < ARRAY_LEN(bases); j++) {
			int b = bases[j];
			char *e1, *e2;

			errno = 0;
			axo_errno = 0;
			assert_int_equal(axo_strtol(s, &e1, b),
					 strtol(s, &e2, b));
			assert_ptr_equal(e1, e2);
			assert_int_equal(axo_errno, errno);

			errno = 0;
			axo_errno = 0;
			assert_int_equal(axo_strtoll(s, &e1, b),
					 strtoll(s, &e2, b));
			assert_ptr_equal(e1, e2);
			assert_int_equal(axo_errno, errno);

			errno = 0;
			axo_errno = 0;
			assert_int_equal(axo_strtoul(s, &e1, b),
					 strtoul(s, &e2, b));
			assert_ptr_equal(e1, e2);
			assert_int_equal(axo_errno, errno);

			errno = 0;
			axo_errno = 0;
			assert_int_equal(axo_strtoull(s, &e1, b),
					 strtoull(s, &e2, b));
			assert_ptr_equal(e1, e2);
			assert_int_equal(axo_errno, errno);
		}
		/* No end pointer is fine too. */
		assert_int_equal(axo_strtol(s, NULL, 10), strtol(s, NULL, 10));
	}
}

static void test_strtol_bad_base(void **state)
{
	const char *s = "123";
	char *end = NULL;

	axo_errno = 0;
	assert_int_equal(axo_strtol(s, &end, 1), 0);
	assert_int_equal(axo_errno, EINVAL);
	assert_ptr_equal(end, s);
	axo_errno = 0;
	assert_int_equal(axo_strtoul(s, &end, 37), 0);
	assert_int_equal(axo_errno, EINVAL);
	axo_errno = 0;
	assert_int_equal(axo_strtoll(s, NULL, -1), 0);
	assert_int_equal(axo_errno, EINVAL);
}

static void test_strtol_randomized(void **state)
{
	char s[32];
	int k;

	for (k = 0; k < 20000; k++) {
		int b = (int)(rng() % 37);
		char *e1, *e2;

		if (b == 1) {
			b = 0;
		}
		snprintf(s, sizeof(s), "%s%llx", rng() % 2 ? "-" : "",
			 (unsigned long long)rng() >> (rng() % 64));
		errno = 0;
		axo_errno = 0;
		assert_int_equal(axo_strtol(s, &e1, b), strtol(s, &e2, b));
		assert_ptr_equal(e1, e2);
		assert_int_equal(axo_errno, errno);
		errno = 0;
		axo_errno = 0;
		assert_int_equal(axo_strtoul(s, &e1, b), strtoul(s, &e2, b));
		assert_ptr_equal(e1, e2);
		assert_int_equal(axo_errno, errno);
	}
}

static void test_atoi_and_abs(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(numbers); i++) {
		const char *s = numbers[i];

		/* Only where the result is defined (no overflow). */
		errno = 0;
		long v = strtol(s, NULL, 10);

		if (errno == 0 && v >= INT_MIN && v <= INT_MAX) {
			assert_int_equal(axo_atoi(s), atoi(s));
		}
		if (errno == 0) {
			assert_int_equal(axo_atol(s), atol(s));
			assert_int_equal(axo_atoll(s), atoll(s));
		}
	}
	/* atoi leaves errno alone. */
	axo_errno = 77;
	axo_atoi("99999999999999999999");
	assert_int_equal(axo_errno, 77);
	assert_int_equal(axo_abs(-5), 5);
	assert_int_equal(axo_abs(INT_MAX), INT_MAX);
	assert_int_equal(axo_labs(-5000000000l), 5000000000l);
	assert_int_equal(axo_llabs(-7ll), 7);
}

/* Sorting */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct rec {
	uint16_t key;
	char pad[13];
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (int)x->key - (int)y->key;
}

static void test_qsort_and_bsearch(void **state)
{
	static int a[3000], b[3000];
	static struct rec r[1001];
	size_t n, i;

	for (n = 0; n <= 3000; n = n < 20 ? n + 1 : n * 3) {
		for (i = 0; i < n; i++) {
			a[i] = (int)(rng() % 1000) - 500;
		}
		memcpy(b, a, n * sizeof(*a));
		axo_qsort(a, n, sizeof(*a), cmp_int);
		qsort(b, n, sizeof(*b), cmp_int);
		assert_memory_equal(a, b, n * sizeof(*a));
		for (i = 0; i < n; i++) {
			int *hit =
				axo_bsearch(&a[i], a, n, sizeof(*a), cmp_int);

			assert_non_null(hit);
			assert_int_equal(*hit, a[i]);
		}
		for (int k = -501; k <= 501; k += 1002) {
			assert_null(axo_bsearch(&k, a, n, sizeof(*a), cmp_int));
		}
	}
	/* Odd-sized elements, many equal keys. */
	for (i = 0; i < ARRAY_LEN(r); i++) {
		r[i].key = (uint16_t)(rng() % 50);
		memset(r[i].pad, (int)r[i].key, sizeof(r[i].pad));
	}
	axo_qsort(r, ARRAY_LEN(r), sizeof(*r), cmp_rec);
	for (i = 0; i < ARRAY_LEN(r); i++) {
		if (i) {
			assert_true(r[i - 1].key <= r[i].key);
		}
		assert_int_equal(r[i].pad[0], r[i].key);
		assert_int_equal(r[i].pad[12], r[i].key);
	}
}

static void test_rand(void **state)
{
	int first[8], i;

	axo_srand(1);
	for (i = 0; i < 8; i++) {
		first[i] = axo_rand();
		assert_true(first[i] >= 0 && first[i] <= 0x7fffffff);
	}
	axo_srand(2);
	assert_int_not_equal(axo_rand(), first[0]);
	axo_srand(1);
	for (i = 0; i < 8; i++) {
		assert_int_equal(axo_rand(), first[i]);
	}
}

/* The snprintf family, against the host's for the same arguments. */

static int host_and_mine(char *mine, char *host, size_t size, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));

static int host_and_mine(char *mine, char *host, size_t size, const char *fmt,
			 ...)
{
	va_list ap, aq;
	int a, b;

	va_start(ap, fmt);
	va_copy(aq, ap);
	a = axo_vsnprintf(mine, size, fmt, ap);
	b = vsnprintf(host, size, fmt, aq);
	va_end(aq);
	va_end(ap);
	assert_int_equal(a, b);
	if (size) {
		assert_string_equal(mine, host);
	}
	return a;
}

static void test_snprintf_matches_host(void **state)
{
	static const size_t sizes[] = { 64, 1, 0, 5, 13, 14, 15 };
	char mine[64], host[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		size_t n = sizes[i];

		memset(mine, '#', sizeof(mine));
		memset(host, '#', sizeof(host));
		host_and_mine(mine, host, n, "hello, %s!", "world");
		/* Nothing is written past the size. */
		assert_memory_equal(mine + n, host + n, sizeof(mine) - n);
		host_and_mine(mine, host, n, "%d|%5d|%-5d|%05d|%+d|% d", -42, 7,
			      7, -7, 3, 3);
		host_and_mine(mine, host, n, "%x %X %#x %o %#o %u", 0xbeefu,
			      0xbeefu, 255u, 8u, 8u, 4000000000u);
		host_and_mine(mine, host, n, "%ld %lu %lld %llx %zu %zd",
			      LONG_MIN, ULONG_MAX, LLONG_MIN, ULLONG_MAX,
			      (size_t)SIZE_MAX, (ssize_t)-1);
		host_and_mine(mine, host, n, "%hhd %hhu %hd %hu", 300, 300,
			      70000, 70000);
		host_and_mine(mine, host, n, "[%10s][%-10s][%.2s][%*d][%.*d]",
			      "abc", "abc", "abc", 6, 42, 4, 42);
		host_and_mine(mine, host, n, "%c%c%c %% %p", 'a', 'b', 'c',
			      (void *)0x1234);
		host_and_mine(mine, host, n, "%.0d|%.3x|%8.3d|%-8.3d|", 0, 10u,
			      -5, 5);
	}
}

static void test_sprintf_and_vsprintf(void **state)
{
	char buf[128];

	memset(buf, '#', sizeof(buf));
	assert_int_equal(axo_sprintf(buf, "%s-%d-%x", "id", 12, 255u), 8);
	assert_string_equal(buf, "id-12-ff");
	assert_int_equal(buf[9], '#');
	assert_int_equal(axo_snprintf(NULL, 0, "%d", 123456), 6);
	assert_int_equal(axo_sprintf(buf, "%s", ""), 0);
	assert_string_equal(buf, "");
}

static void test_snprintf_overflow(void **state)
{
	/* Opaque to the compiler's own check of the format. */
	volatile int widest = INT_MAX;

	axo_errno = 0;
	/* Longer than an int can count: refused with EOVERFLOW. */
	assert_int_equal(axo_snprintf(NULL, 0, "%*d%d", widest, 1, 2), -1);
	assert_int_equal(axo_errno, EOVERFLOW);
	axo_errno = 0;
	assert_int_equal(axo_snprintf(NULL, 0, "%*d%d", widest - 1, 1, 2),
			 INT_MAX);
	assert_int_equal(axo_errno, 0);
}

/* malloc through the slot */

struct fake_pages {
	size_t budget;
	size_t out;
};

static struct fake_pages pages;

static void *fake_alloc_pages(void *ctx, size_t count)
{
	void *p;

	if (count > pages.budget) {
		return NULL;
	}
	p = aligned_alloc(FL_PAGE_SIZE, count * FL_PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0xa5, count * FL_PAGE_SIZE);
	pages.budget -= count;
	pages.out += count;
	return p;
}

static void fake_free_pages(void *ctx, void *p, size_t count)
{
	pages.budget += count;
	pages.out -= count;
	free(p);
}

static const struct alloc_page_ops fake_ops = {
	.alloc_pages = fake_alloc_pages,
	.free_pages = fake_free_pages,
};

static struct freelist heap;
static size_t reports;

static void count_report(struct freelist *fl, const char *op, const void *p,
			 const char *why)
{
	reports++;
}

static const struct libos_impl heap_impl = {
	.iface = "alloc",
	.major = ALLOC_IFACE_MAJOR,
	.minor = ALLOC_IFACE_MINOR,
	.name = "alloc.freelist",
	.ops_size = sizeof(struct alloc_ops),
	.ops = &freelist_ops,
	.self = &heap.base,
	.priority = LIBOS_PRIO_DEFAULT,
};

static int bind_heap(void **state)
{
	pages.budget = SIZE_MAX;
	pages.out = 0;
	reports = 0;
	freelist_init(&heap, &fake_ops, NULL, count_report);
	assert_int_equal(libos_impl_fits(&alloc_slot, &heap_impl), 1);
	alloc_slot.impl = &heap_impl;
	return 0;
}

/* Release the pages the allocator keeps (span table, spare chunk). */
static int unbind_heap(void **state)
{
	assert_int_equal(freelist_check(&heap), 0);
	assert_int_equal(heap.stats.blocks_in_use, 0);
	alloc_slot.impl = NULL;
	if (heap.spare) {
		fake_free_pages(NULL, (void *)heap.spare, FL_CHUNK_PAGES);
	}
	if (heap.spans) {
		fake_free_pages(NULL, heap.spans, heap.span_pages);
	}
	assert_int_equal(pages.out, 0);
	return 0;
}

static void test_malloc_free_through_slot(void **state)
{
	char *p = axo_malloc(100), *q;

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal(heap.stats.allocs, 1);
	memset(p, 'x', 100);
	axo_free(p);
	assert_int_equal(heap.stats.frees, 1);
	axo_free(NULL);
	q = axo_malloc(0);
	assert_non_null(q);
	axo_free(q);

	/* A bad free is refused and reported, nothing else. */
	axo_free(p);
	assert_int_equal(heap.stats.bad_frees, 1);
	assert_int_equal(reports, 1);

	/* Exhausted: NULL and ENOMEM. */
	pages.budget = 0;
	axo_errno = 0;
	assert_null(axo_malloc(1 << 20));
	assert_int_equal(axo_errno, ENOMEM);
}

static void test_calloc_through_slot(void **state)
{
	unsigned char *p, *q;
	size_t i;

	/* Reuse a dirty block: calloc must clear it. */
	p = axo_malloc(256);
	memset(p, 0xff, 256);
	axo_free(p);
	q = axo_calloc(16, 16);
	assert_ptr_equal(q, p);
	for (i = 0; i < 256; i++) {
		assert_int_equal(q[i], 0);
	}
	axo_free(q);

	q = axo_calloc(3, 50000);
	assert_non_null(q);
	for (i = 0; i < 150000; i++) {
		assert_int_equal(q[i], 0);
	}
	axo_free(q);

	/* Products that overflow never reach the allocator. */
	axo_errno = 0;
	assert_null(axo_calloc(SIZE_MAX / 2 + 1, 2));
	assert_int_equal(axo_errno, ENOMEM);
	axo_errno = 0;
	assert_null(axo_calloc(SIZE_MAX, SIZE_MAX));
	assert_int_equal(axo_errno, ENOMEM);
	axo_errno = 0;
	assert_null(axo_calloc(1ul << 32, 1ul << 32));
	assert_int_equal(axo_errno, ENOMEM);
	assert_int_equal(heap.stats.allocs, 3);

	/* Zero elements, or zero-sized ones: a block of nothing. */
	p = axo_calloc(0, SIZE_MAX);
	assert_non_null(p);
	q = axo_calloc(SIZE_MAX, 0);
	assert_non_null(q);
	axo_free(p);
	axo_free(q);
}

static void test_realloc_through_slot(void **state)
{
	char *p, *q;

	p = axo_realloc(NULL, 10);
	assert_non_null(p);
	memcpy(p, "0123456789", 10);
	q = axo_realloc(p, 100000);
	assert_non_null(q);
	assert_memory_equal(q, "0123456789", 10);
	p = axo_realloc(q, 5);
	assert_non_null(p);
	assert_memory_equal(p, "01234", 5);

	/* Out of memory: NULL, ENOMEM, the old block intact. */
	pages.budget = 0;
	axo_errno = 0;
	assert_null(axo_realloc(p, 1 << 20));
	assert_int_equal(axo_errno, ENOMEM);
	assert_memory_equal(p, "01234", 5);
	pages.budget = SIZE_MAX;

	/* Not a live block: NULL, EINVAL, reported. */
	axo_errno = 0;
	assert_null(axo_realloc(p + 16, 50));
	assert_int_equal(axo_errno, EINVAL);
	assert_int_equal(reports, 1);

	/* Size 0 frees. */
	assert_null(axo_realloc(p, 0));
	assert_int_equal(heap.stats.blocks_in_use, 0);
}

static void test_strdup(void **state)
{
	char *d = axo_strdup("duplicate me");
	char *e = axo_strndup("duplicate me", 9);
	char *f = axo_strndup("ab", 9);

	assert_string_equal(d, "duplicate me");
	assert_string_equal(e, "duplicate");
	assert_string_equal(f, "ab");
	assert_int_equal(heap.stats.blocks_in_use, 3);
	axo_free(d);
	axo_free(e);
	axo_free(f);
	/* With no pages to be had, the spare chunk still serves. */
	pages.budget = 0;
	d = axo_strdup("x");
	assert_non_null(d);
	axo_free(d);
}

static void test_malloc_before_binding(void **state)
{
	const struct libos_impl *bound = alloc_slot.impl;

	alloc_slot.impl = NULL;
	axo_errno = 0;
	assert_null(axo_malloc(10));
	assert_int_equal(axo_errno, ENOMEM);
	axo_free((void *)16);
	alloc_slot.impl = bound;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_from_exo),
		cmocka_unit_test(test_strerror_matches_host),
		cmocka_unit_test(test_search_functions_match_host),
		cmocka_unit_test(test_search_randomized),
		cmocka_unit_test(test_copy_functions_match_host),
		cmocka_unit_test(test_strtol_family_matches_host),
		cmocka_unit_test(test_strtol_bad_base),
		cmocka_unit_test(test_strtol_randomized),
		cmocka_unit_test(test_atoi_and_abs),
		cmocka_unit_test(test_qsort_and_bsearch),
		cmocka_unit_test(test_rand),
		cmocka_unit_test(test_snprintf_matches_host),
		cmocka_unit_test(test_sprintf_and_vsprintf),
		cmocka_unit_test(test_snprintf_overflow),
		cmocka_unit_test_setup_teardown(test_malloc_free_through_slot,
						bind_heap, unbind_heap),
		cmocka_unit_test_setup_teardown(test_calloc_through_slot,
						bind_heap, unbind_heap),
		cmocka_unit_test_setup_teardown(test_realloc_through_slot,
						bind_heap, unbind_heap),
		cmocka_unit_test_setup_teardown(test_strdup, bind_heap,
						unbind_heap),
		cmocka_unit_test_setup_teardown(test_malloc_before_binding,
						bind_heap, unbind_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
