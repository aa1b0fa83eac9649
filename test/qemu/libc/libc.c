/* SPDX-License-Identifier: MIT */
/*
 * The C library face, booted as init: an ordinary program using only the
 * standard headers (plus <libos/alloc.h> for the allocator's counters and
 * <libos/exo.h> to read the tick count). It churns the allocator with
 * content checks, formats, and goes through errno, assert, sleep, the
 * console descriptors and exit handlers. Every failed check prints
 * "FAIL: ..."; the exit code is the number of failures.
 */
/* The build type may define NDEBUG; these asserts are the test. */
#undef NDEBUG
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libos/alloc.h>
#include <libos/console.h>
#include <libos/exo.h>

static int checks, failures;

#define CHECK(expr)                                                            \
	do {                                                                   \
		checks++;                                                      \
		if (!(expr)) {                                                 \
			failures++;                                            \
			printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__,        \
			       #expr);                                         \
		}                                                              \
	} while (0)

/* xorshift64 with a fixed seed: the same churn every boot. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 9));
	}
}

static int intact(const unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != (unsigned char)(seed * 131 + i * 7 + (i >> 9))) {
			return 0;
		}
	}
	return 1;
}

static void check_slots(void)
{
	CHECK(alloc_slot.impl != NULL);
	CHECK(console_slot.impl != NULL);
	printf("slots: alloc is %s, console is %s\n", alloc_slot.impl->name,
	       console_slot.impl->name);
}

/* Thousands of blocks of every size class, churned and checked. */
static void check_churn(void)
{
	enum { SLOTS = 1500, STEPS = 20000 };
	static unsigned char *p[SLOTS];
	static size_t len[SLOTS];
	static unsigned int seed[SLOTS];
	unsigned long allocs = 0, reallocs = 0, frees = 0, bad = 0;

	for (unsigned int step = 0; step < STEPS; step++) {
		uint64_t r = rng();
		unsigned int i = (unsigned int)(rng() % SLOTS);
		size_t size = r % 25 == 0 ? 1 + (r >> 8) % 100000
					  : 1 + (r >> 8) % 1500;

		if (p[i] == NULL) {
			p[i] = malloc(size);
			CHECK(p[i] != NULL);
			if (p[i] == NULL) {
				return;
			}
			CHECK((uintptr_t)p[i] % 16 == 0);
			allocs++;
		} else if (r % 4 == 0) {
			size_t keep = size < len[i] ? size : len[i];
			unsigned char *q = realloc(p[i], size);

			CHECK(q != NULL);
			if (q == NULL) {
				return;
			}
			bad += !intact(q, keep, seed[i]);
			p[i] = q;
			reallocs++;
		} else {
			bad += !intact(p[i], len[i], seed[i]);
			free(p[i]);
			p[i] = NULL;
			frees++;
			continue;
		}
		len[i] = size;
		seed[i] = step;
		fill(p[i], size, step);
	}
	for (unsigned int i = 0; i < SLOTS; i++) {
		if (p[i]) {
			bad += !intact(p[i], len[i], seed[i]);
			free(p[i]);
			p[i] = NULL;
			frees++;
		}
	}
	CHECK(bad == 0);
	CHECK(allocs == frees);
	printf("malloc: %lu blocks, %lu reallocs, %lu frees, %lu damaged\n",
	       allocs, reallocs, frees, bad);
}

static void check_calloc_realloc(void)
{
	unsigned char *p, *q;
	int zero = 1;

	p = malloc(4000);
	memset(p, 0xff, 4000);
	free(p);
	q = calloc(100, 40);
	for (size_t i = 0; q && i < 4000; i++) {
		zero &= q[i] == 0;
	}
	CHECK(q != NULL && zero);
	free(q);

	errno = 0;
	CHECK(calloc(SIZE_MAX / 8, 16) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(malloc(SIZE_MAX / 2) == NULL && errno == ENOMEM);

	p = malloc(10);
	memcpy(p, "abcdefghij", 10);
	p = realloc(p, 200000);
	CHECK(p != NULL && memcmp(p, "abcdefghij", 10) == 0);
	p = realloc(p, 3);
	CHECK(p != NULL && memcmp(p, "abc", 3) == 0);
	CHECK(realloc(p, 0) == NULL);

	char *s = strdup("a copy on the heap");

	CHECK(s != NULL && strcmp(s, "a copy on the heap") == 0);
	free(s);
}

/* A free of something that is not a block is refused, and said so. */
static void check_bad_free(void)
{
	struct alloc_stats before, after;
	char *p = malloc(64);

	alloc_stats(alloc_current(), &before);
	free(p + 16);
	alloc_stats(alloc_current(), &after);
	CHECK(after.bad_frees == before.bad_frees + 1);
	CHECK(after.frees == before.frees);
	free(p);
}

static void check_formats(void)
{
	char buf[200];
	int n;

	n = snprintf(
		buf, sizeof(buf),
		"%d|%5d|%-5d|%05d|%+d|%x|%#X|%o|%s|%.3s|%c|%%|%lu|%lld|%zu",
		-42, 7, 7, -7, 3, 0xbeefu, 255u, 8u, "str", "truncate", 'c',
		ULONG_MAX, LLONG_MIN, (size_t)12345);
	CHECK(strcmp(buf,
		     "-42|    7|7    |-0007|+3|beef|0XFF|10|str|tru|c|%|"
		     "18446744073709551615|-9223372036854775808|12345") == 0);
	CHECK(n == (int)strlen(buf));
	printf("formats: %s\n", buf);

	n = snprintf(buf, 8, "%s", "0123456789");
	CHECK(n == 10 && strcmp(buf, "0123456") == 0);
	CHECK(sprintf(buf, "%" PRIu64 "-%" PRIx32, (uint64_t)1 << 40,
		      (uint32_t)0xabc) == 17);
	CHECK(strcmp(buf, "1099511627776-abc") == 0);
	CHECK(strtol("  -0x1f", NULL, 0) == -31 && atoi("1234") == 1234);
	CHECK(toupper('q') == 'Q' && isdigit('7') && !isspace('x'));
	CHECK(puts("puts: a line") >= 0);
	CHECK(fputs("fputs: to stderr\n", stderr) >= 0);
	CHECK(putchar('!') == '!' && putchar('\n') == '\n');
	fprintf(stdout, "fprintf: %d %s\n", 99, "bottles");
}

static void check_errno(void)
{
	char *end;

	errno = 0;
	CHECK(write(7, "x", 1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(close(7) == -1 && errno == EBADF);
	errno = 0;
	CHECK(read(1, &end, 1) == -1 && errno == EBADF);
	errno = 0;
	CHECK(strtol("99999999999999999999", &end, 10) == LONG_MAX &&
	      errno == ERANGE);
	/* A failing system call, mapped. */
	CHECK(errno_from_exo(exo_frame_free(0x1001, 0, 0, 0, 0, 0)) == EINVAL);
	CHECK(strcmp(strerror(EBADF), "Bad file descriptor") == 0);
	errno = EBADF;
	perror("perror");
	printf("errno: write(7) gave EBADF (%s)\n", strerror(EBADF));
}

static void check_console_fds(void)
{
	static const char msg[] = "write: hello through fd 1\n";
	char c;

	CHECK(write(1, msg, sizeof(msg) - 1) == (ssize_t)sizeof(msg) - 1);
	CHECK(write(2, "write: and fd 2\n", 16) == 16);
	CHECK(write(1, msg, 0) == 0);
	CHECK(read(0, &c, 1) == 0);
	CHECK(getchar() == EOF && feof(stdin));
	CHECK(getpid() == (pid_t)exo_env_self(0, 0, 0, 0, 0, 0));
	CHECK(getppid() >= 0);
}

static void check_sleep(void)
{
	const volatile struct exo_sys_info *sys = exo_sys_info();
	uint64_t t0 = sys->ticks, t1, t2;

	CHECK(sleep(1) == 0);
	t1 = sys->ticks;
	CHECK(t1 - t0 >= sys->tick_hz);
	CHECK(usleep(20000) == 0);
	t2 = sys->ticks;
	CHECK(t2 - t1 >= sys->tick_hz / 50);
	printf("sleep: 1 s took %lu ticks, 20 ms took %lu (%u Hz)\n",
	       (unsigned long)(t1 - t0), (unsigned long)(t2 - t1),
	       sys->tick_hz);
}

static void at_exit(void)
{
	struct alloc_stats st;

	alloc_stats(alloc_current(), &st);
	printf("alloc: %lu allocs, %lu frees, %lu bad frees, %lu corrupt, "
	       "%lu leaked (%lu bytes), %lu pages held\n",
	       (unsigned long)st.allocs, (unsigned long)st.frees,
	       (unsigned long)st.bad_frees, (unsigned long)st.corruptions,
	       (unsigned long)st.blocks_in_use, (unsigned long)st.bytes_in_use,
	       (unsigned long)st.pages_held);
	printf("atexit: handler ran\n");
}

int main(void)
{
	CHECK(atexit(at_exit) == 0);
	check_slots();
	check_churn();
	check_calloc_realloc();
	check_bad_free();
	check_formats();
	check_errno();
	check_console_fds();
	check_sleep();
	assert(checks > 0);
	assert(strlen("four") == 4);
	printf("libc: %d checks, %d failed\n", checks, failures);
	return failures;
}
