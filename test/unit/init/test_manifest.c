/* SPDX-License-Identifier: MIT */
/*
 * Tests for the boot manifest parser (servers/init/manifest.c). Every
 * manifest is copied to the very end of a heap block of exactly its size,
 * with no NUL after it, as a boot module arrives, so the sanitized build
 * catches a read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>

#include "manifest.h"

struct reader {
	char *text;
	struct manifest m;
	struct manifest_entry e;
};

static struct reader *open_text(const char *text, size_t size)
{
	struct reader *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->text = malloc(size ? size : 1);
	assert_non_null(r->text);
	memcpy(r->text, text, size);
	manifest_init(&r->m, r->text, size);
	return r;
}

static struct reader *open_str(const char *text)
{
	return open_text(text, strlen(text));
}

static void close_reader(struct reader *r)
{
	free(r->text);
	free(r);
}

/* The next entry must be a program with these words (NULL-ended). */
static void expect_run(struct reader *r, uint32_t line, uint32_t flags, ...)
{
	va_list ap;
	uint32_t i = 0;
	const char *w;

	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	assert_int_equal(r->e.kind, MANIFEST_RUN);
	assert_int_equal(r->e.line, line);
	assert_int_equal(r->e.flags, flags);
	va_start(ap, flags);
	while ((w = va_arg(ap, const char *)) != NULL) {
		assert_true(i < r->e.argc);
		assert_string_equal(r->e.argv[i], w);
		i++;
	}
	va_end(ap);
	assert_int_equal(r->e.argc, i);
	assert_null(r->e.argv[i]);
}

static void expect_wait(struct reader *r, uint32_t line)
{
	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	assert_int_equal(r->e.kind, MANIFEST_WAIT);
	assert_int_equal(r->e.line, line);
}

static void expect_error(struct reader *r, int err, uint32_t line,
			 const char *why)
{
	assert_int_equal(manifest_next(&r->m, &r->e), err);
	assert_int_equal(r->m.line, line);
	assert_string_equal(r->m.error, why);
}

static void expect_end(struct reader *r)
{
	assert_int_equal(manifest_next(&r->m, &r->e), 0);
	assert_int_equal(manifest_next(&r->m, &r->e), 0);
}

static void test_programs(void **state)
{
	struct reader *r = open_str("# the test manifest\n"
				    "\n"
				    "hello\n"
				    "   args one two\t three  \n"
				    "\t# indented comment\n"
				    "args a#b # a comment after words\n"
				    "wait\n"
				    "with-modules spawner many 60\n"
				    "last");

	expect_run(r, 3, 0, "hello", NULL);
	expect_run(r, 4, 0, "args", "one", "two", "three", NULL);
	expect_run(r, 6, 0, "args", "a#b", NULL);
	expect_wait(r, 7);
	expect_run(r, 8, MANIFEST_MODULES, "spawner", "many", "60", NULL);
	expect_run(r, 9, 0, "last", NULL);
	expect_end(r);
	close_reader(r);
}

static void test_disk(void **state)
{
	struct reader *r = open_str("disk=0+64 tenant A\n"
				    "disk=100+1:ro with-modules p\n"
				    "with-modules disk=18446744073709551614+1 q\n"
				    "\"disk=1+1\" x\n"
				    "p disk=5+5\n");

	expect_run(r, 1, MANIFEST_DISK, "tenant", "A", NULL);
	assert_int_equal(r->e.disk_start, 0);
	assert_int_equal(r->e.disk_blocks, 64);
	expect_run(r, 2, MANIFEST_DISK | MANIFEST_DISK_RO | MANIFEST_MODULES,
		   "p", NULL);
	assert_int_equal(r->e.disk_start, 100);
	assert_int_equal(r->e.disk_blocks, 1);
	expect_run(r, 3, MANIFEST_DISK | MANIFEST_MODULES, "q", NULL);
	assert_int_equal(r->e.disk_start, 18446744073709551614ul);
	expect_run(r, 4, 0, "disk=1+1", "x", NULL); /* quoted: a program */
	assert_int_equal(r->e.disk_blocks, 0);
	expect_run(r, 5, 0, "p", "disk=5+5", NULL); /* after the program */
	expect_end(r);
	close_reader(r);
}

static void test_disk_errors(void **state)
{
	const char *bad = "`disk=` wants START+COUNT or START+COUNT:ro "
			  "(blocks, decimal)";
	struct reader *r = open_str("disk=0+64\n"
				    "disk=1+0 p\n"
				    "disk=18446744073709551615+1 p\n"
				    "disk=+5 p\n"
				    "disk=5 p\n"
				    "disk=5+ p\n"
				    "disk=5+5:rw p\n"
				    "disk=0x10+5 p\n"
				    "disk=1+1 disk=2+2 p\n"
				    "disk=99999999999999999999+1 p\n"
				    "with-modules with-modules p\n"
				    "with-modules disk=1+1\n"
				    "disk=1+1 ok\n");

	expect_error(r, EXO_ERR_INVALID, 1, "`disk=` needs a program");
	expect_error(r, EXO_ERR_INVALID, 2, "`disk=` range is empty or wraps");
	expect_error(r, EXO_ERR_INVALID, 3, "`disk=` range is empty or wraps");
	expect_error(r, EXO_ERR_INVALID, 4, bad);
	expect_error(r, EXO_ERR_INVALID, 5, bad);
	expect_error(r, EXO_ERR_INVALID, 6, bad);
	expect_error(r, EXO_ERR_INVALID, 7, bad);
	expect_error(r, EXO_ERR_INVALID, 8, bad);
	expect_error(r, EXO_ERR_INVALID, 9, "more than one `disk=`");
	expect_error(r, EXO_ERR_INVALID, 10, bad);
	expect_error(r, EXO_ERR_INVALID, 11, "more than one `with-modules`");
	expect_error(r, EXO_ERR_INVALID, 12, "`disk=` needs a program");
	expect_run(r, 13, MANIFEST_DISK, "ok", NULL);
	expect_end(r);
	close_reader(r);
}

static void test_empty(void **state)
{
	struct reader *r = open_text("", 0);

	expect_end(r);
	close_reader(r);
	r = open_str("\n\n  \t\n# only comments\r\n");
	expect_end(r);
	assert_int_equal(r->m.line, 4);
	close_reader(r);
}

static void test_crlf(void **state)
{
	struct reader *r = open_str("hello world\r\nwait\r\nx \"y\"\r\n");

	expect_run(r, 1, 0, "hello", "world", NULL);
	expect_wait(r, 2);
	expect_run(r, 3, 0, "x", "y", NULL);
	expect_end(r);
	close_reader(r);
}

static void test_quotes(void **state)
{
	struct reader *r = open_str("args \"two words\" \"\" 'single' "
				    "\"# not a comment\"\n"
				    "\"wait\"\n"
				    "\"with-modules\" x\n"
				    "with-modules \"wait\" now\n");

	expect_run(r, 1, 0, "args", "two words", "", "'single'",
		   "# not a comment", NULL);
	/* Quoted, a keyword is a program's name. */
	expect_run(r, 2, 0, "wait", NULL);
	expect_run(r, 3, 0, "with-modules", "x", NULL);
	expect_run(r, 4, MANIFEST_MODULES, "wait", "now", NULL);
	expect_end(r);
	close_reader(r);
}

/* Each bad line is reported with its number; the next line still reads. */
static void test_errors(void **state)
{
	static const char text[] = "ok 1\n"
				   "args \"open\n"
				   "a\"b\n"
				   "\"a\"b\n"
				   "wait now\n"
				   "with-modules\n"
				   "with-modules # nothing\n"
				   "\"\" arg\n"
				   "bell\a\n"
				   "del\x7f\n"
				   "ok 2\n";
	struct reader *r = open_str(text);

	expect_run(r, 1, 0, "ok", "1", NULL);
	expect_error(r, EXO_ERR_INVALID, 2, "unterminated quote");
	expect_error(r, EXO_ERR_INVALID, 3, "quote inside a word");
	expect_error(r, EXO_ERR_INVALID, 4, "text right after a closing quote");
	expect_error(r, EXO_ERR_INVALID, 5, "nothing may follow `wait`");
	expect_error(r, EXO_ERR_INVALID, 6, "`with-modules` needs a program");
	expect_error(r, EXO_ERR_INVALID, 7, "`with-modules` needs a program");
	expect_error(r, EXO_ERR_INVALID, 8, "empty program name");
	expect_error(r, EXO_ERR_INVALID, 9, "control character");
	expect_error(r, EXO_ERR_INVALID, 10, "control character");
	expect_run(r, 11, 0, "ok", "2", NULL);
	expect_end(r);
	close_reader(r);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "a\0b\nc\n";
	struct reader *r = open_text(text, sizeof(text) - 1);

	expect_error(r, EXO_ERR_INVALID, 1, "control character");
	expect_run(r, 2, 0, "c", NULL);
	expect_end(r);
	close_reader(r);
}

static void test_limits(void **state)
{
	char line[600];
	struct reader *r;
	size_t n;

	/* 255 characters are a line; 256 are too many. */
	memset(line, 'x', MANIFEST_NAME_MAX);
	n = MANIFEST_NAME_MAX;
	line[n++] = ' ';
	memset(line + n, 'a', MANIFEST_LINE_MAX - n);
	n = MANIFEST_LINE_MAX;
	line[n++] = '\n';
	memcpy(line + n, line, n - 1);
	line[2 * n - 1] = 'a';
	line[2 * n] = '\n';
	memcpy(line + 2 * n + 1, "after\n", 6);
	r = open_text(line, 2 * n + 7);
	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	assert_int_equal(strlen(r->e.argv[0]), MANIFEST_NAME_MAX);
	assert_int_equal(strlen(r->e.argv[1]),
			 MANIFEST_LINE_MAX - MANIFEST_NAME_MAX - 1);
	expect_error(r, EXO_ERR_TOO_BIG, 2, "line longer than 255 characters");
	expect_run(r, 3, 0, "after", NULL);
	expect_end(r);
	close_reader(r);

	/* A name of 48 characters cannot be a boot module's. */
	memset(line, 'y', MANIFEST_NAME_MAX + 1);
	line[MANIFEST_NAME_MAX + 1] = '\n';
	r = open_text(line, MANIFEST_NAME_MAX + 2);
	expect_error(r, EXO_ERR_TOO_BIG, 1,
		     "program name longer than 47 characters");
	close_reader(r);

	/* 16 words, then 17. */
	r = open_str("p 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
		     "p 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
		     "with-modules p 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	assert_int_equal(r->e.argc, 16);
	assert_string_equal(r->e.argv[15], "16");
	assert_null(r->e.argv[16]);
	expect_error(r, EXO_ERR_TOO_BIG, 2, "more than 16 words");
	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	assert_int_equal(r->e.argc, 15);
	close_reader(r);

	/* Sixteen words, fifteen of them empty quoted ones. */
	n = 0;
	for (int i = 0; i < MANIFEST_WORDS_MAX; i++) {
		memcpy(line + n, "\"\" ", 3);
		n += 3;
	}
	line[0] = 'p';
	line[1] = ' ';
	r = open_text(line, n);
	assert_int_equal(manifest_next(&r->m, &r->e), 1);
	close_reader(r);
}

/* Random bytes: every call ends, and every entry is well formed. */
static void test_random(void **state)
{
	static const char alphabet[] = "ab \t\n\r\"#\\\x01\x7f\xc3wait";
	unsigned int seed = 4242;
	char text[700];

	for (int round = 0; round < 5000; round++) {
		size_t len = (seed = seed * 1103515245 + 12345) % sizeof(text);
		struct reader *r;
		int calls = 0, rc;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			text[i] =
				alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		r = open_text(text, len);
		while ((rc = manifest_next(&r->m, &r->e)) != 0) {
			assert_true(++calls <= (int)len + 1);
			if (rc < 0) {
				assert_non_null(r->m.error);
				continue;
			}
			assert_int_equal(rc, 1);
			if (r->e.kind == MANIFEST_WAIT) {
				continue;
			}
			assert_int_equal(r->e.kind, MANIFEST_RUN);
			assert_true(r->e.argc >= 1 &&
				    r->e.argc <= MANIFEST_WORDS_MAX);
			assert_true(strlen(r->e.argv[0]) >= 1 &&
				    strlen(r->e.argv[0]) <= MANIFEST_NAME_MAX);
			assert_null(r->e.argv[r->e.argc]);
		}
		close_reader(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_disk),
		cmocka_unit_test(test_disk_errors),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
