/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "debug/ksyms.h"

static const char names[] = "start\0main\0helper\0label\0last";
static const struct ksym syms[] = {
	{ 0x1000, 0, 0x10 }, /* start [0x1000, 0x1010) */
	{ 0x1020, 6, 0x40 }, /* main [0x1020, 0x1060) */
	{ 0x1060, 11, 0x20 }, /* helper [0x1060, 0x1080) */
	{ 0x1100, 18, 0 }, /* label: size unknown, up to the next */
	{ 0x1200, 24, 0x8 }, /* last */
};
static const struct ksym_table table = {
	.syms = syms,
	.count = 5,
	.names = names,
	.names_len = sizeof(names),
};

static void expect(uint64_t addr, const char *name, uint64_t off)
{
	uint64_t got = 0xdead;
	const char *n = ksyms_lookup_in(&table, addr, &got);

	if (!name) {
		assert_null(n);
		return;
	}
	assert_non_null(n);
	assert_string_equal(n, name);
	assert_int_equal(got, off);
}

static void test_lookup(void **state)
{
	expect(0xfff, NULL, 0); /* before the first */
	expect(0x1000, "start", 0);
	expect(0x100f, "start", 0xf);
	expect(0x1010, NULL, 0); /* gap after start's size */
	expect(0x1020, "main", 0);
	expect(0x105f, "main", 0x3f);
	expect(0x1060, "helper", 0);
	expect(0x10ff, NULL, 0);
	expect(0x1100, "label", 0);
	expect(0x11ff, "label", 0xff);
	expect(0x1204, "last", 4);
	expect(0x1208, NULL, 0);
	expect(UINT64_MAX, NULL, 0);
}

static void test_empty_and_bad_names(void **state)
{
	struct ksym_table empty = {
		.syms = NULL, .count = 0, .names = "", .names_len = 1
	};
	struct ksym bad[] = { { 0x1000, 999, 0x10 } };
	struct ksym_table broken = { .syms = bad,
				     .count = 1,
				     .names = names,
				     .names_len = sizeof(names) };

	assert_null(ksyms_lookup_in(&empty, 0x1000, NULL));
	/* A name offset outside the blob is refused, not read. */
	assert_null(ksyms_lookup_in(&broken, 0x1004, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_empty_and_bad_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
