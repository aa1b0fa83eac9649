/* SPDX-License-Identifier: MIT */
/*
 * The kernel formatter must agree with the C library on every conversion
 * it supports; the host's snprintf is the reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "log/format.h"

#define SAME(...)                                                              \
	do {                                                                   \
		char want[256], got[256];                                      \
		int wn = snprintf(want, sizeof(want), __VA_ARGS__);            \
		size_t gn = fmt_snprintf(got, sizeof(got), __VA_ARGS__);       \
		assert_string_equal(got, want);                                \
		assert_int_equal(gn, wn);                                      \
	} while (0)

static void test_integers(void **state)
{
	SAME("%d %d %d", 0, 42, -42);
	SAME("%i|%5d|%-5d|%05d", 7, 7, 7, -7);
	SAME("%u %x %X %o", 4000000000u, 0xdeadbeefu, 0xbeefu, 8u);
	SAME("%ld %lu %lx", -1234567890123l, 18446744073709551615ul,
	     0xfedcba9876543210ul);
	SAME("%lld %llu", -9223372036854775807ll - 1, 18446744073709551615ull);
	SAME("%zu %zx", (size_t)12345, (size_t)0xabc);
	SAME("%hd %hu %hhd %hhu", (short)-3, (unsigned short)65535,
	     (signed char)-1, (unsigned char)255);
	SAME("%+d %+d % d % d", 5, -5, 5, -5);
	SAME("%#x %#X %#o %#x", 255u, 255u, 8u, 0u);
	SAME("%.3d %.0d|%8.3d|%-8.3d|", 7, 0, -7, 7);
	SAME("%016lx", 0x1234ul);
	SAME("%*d|%-*d|%.*d", 6, 1, 6, 2, 4, 3);
	SAME("%*d", -6, 1);
}

static void test_strings_chars(void **state)
{
	SAME("%s|%10s|%-10s|%.3s|%5.2s|", "abc", "abc", "abc", "abcdef", "xyz");
	SAME("%c%c%3c%-3c|", 'a', 'b', 'c', 'd');
	SAME("100%%");
	SAME("%p", (void *)0x1000);
}

/* No format attribute: for inputs the compiler would rightly reject. */
static size_t unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_null_string(void **state)
{
	char buf[32];

	unchecked(buf, sizeof(buf), "%s", (char *)NULL);
	assert_string_equal(buf, "(null)");
}

static void test_truncation(void **state)
{
	char buf[8];
	size_t n;

	memset(buf, 'x', sizeof(buf));
	n = fmt_snprintf(buf, sizeof(buf), "%s", "hello, world");
	assert_int_equal(n, 12);
	assert_string_equal(buf, "hello, ");

	n = fmt_snprintf(buf, 1, "%d", 12345);
	assert_int_equal(n, 5);
	assert_string_equal(buf, "");

	buf[0] = 'q';
	n = fmt_snprintf(buf, 0, "abc");
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 'q'); /* size 0 writes nothing */
}

static void test_odd_formats(void **state)
{
	char buf[32];

	/* A trailing lone '%' and unknown conversions print as written. */
	unchecked(buf, sizeof(buf), "50%");
	assert_string_equal(buf, "50%");
	unchecked(buf, sizeof(buf), "%q%d", 3);
	assert_string_equal(buf, "%q3");
}

struct collect {
	char buf[64];
	size_t len;
	int calls;
};

static void collect_sink(void *ctx, const char *s, size_t len)
{
	struct collect *c = ctx;

	assert_true(c->len + len < sizeof(c->buf));
	memcpy(c->buf + c->len, s, len);
	c->len += len;
	c->calls++;
}

static size_t via_sink(struct collect *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vformat(collect_sink, c, fmt, ap);
	va_end(ap);
	return n;
}

static void test_sink(void **state)
{
	struct collect c = { 0 };
	size_t n = via_sink(&c, "a%db%sc", 12, "xy");

	assert_int_equal(n, 7);
	assert_int_equal(c.len, 7);
	assert_memory_equal(c.buf, "a12bxyc", 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_odd_formats),
		cmocka_unit_test(test_sink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
