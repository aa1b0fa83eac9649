/* SPDX-License-Identifier: MIT */
/* Counting checks that report a failure and carry on. */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

static const char *prog = "hostile";
static uint64_t made, failed;

void check_begin(const char *name)
{
	prog = name;
	made = 0;
	failed = 0;
}

const char *check_prog(void)
{
	return prog;
}

void step(const char *what)
{
	printf("%s: %s\n", prog, what);
}

int check_true(int ok, const char *file, int line, const char *what)
{
	made++;
	if (!ok) {
		failed++;
		printf("FAIL: %s: %s:%d: %s (environment %x)\n", prog, file,
		       line, what, env_self());
	}
	return ok;
}

int check_eq(int64_t got, int64_t want, const char *file, int line,
	     const char *what)
{
	made++;
	if (got == want) {
		return 1;
	}
	failed++;
	printf("FAIL: %s: %s:%d: %s = %ld (0x%lx, %s), want %ld (%s) "
	       "(environment %x)\n",
	       prog, file, line, what, (long)got, (unsigned long)got,
	       exo_status_name(got), (long)want, exo_status_name(want),
	       env_self());
	return 0;
}

uint64_t checks_made(void)
{
	return made;
}

uint64_t checks_failed(void)
{
	return failed;
}

int check_end(void)
{
	printf("%s: %lu checks, %lu failed\n", prog, (unsigned long)made,
	       (unsigned long)failed);
	return failed ? 1 : 0;
}
