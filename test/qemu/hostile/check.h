/* SPDX-License-Identifier: MIT */
/*
 * Checks for the hostile tests. A failing check prints one "FAIL:" line and
 * is counted, and the program goes on: one run shows every breach at once.
 */
#ifndef HOSTILE_CHECK_H
#define HOSTILE_CHECK_H

#include <stdint.h>

#include <libos/runtime.h>

/* CHECK - count a failure, and say where, unless @expr holds. */
#define CHECK(expr) check_true(!!(expr), __FILE_NAME__, __LINE__, #expr)

/* CHECK_EQ - CHECK(@got == @want), printing both as statuses. */
#define CHECK_EQ(got, want)                                                    \
	check_eq((int64_t)(got), (int64_t)(want), __FILE_NAME__, __LINE__, #got)

/*
 * check_begin - name the program ("isolation") that prefixes the lines it
 * prints, and count checks from zero.
 */
void check_begin(const char *name);

/* Print "name: what" before a group of checks. */
void step(const char *what);

/*
 * The name check_begin gave. Failure lines are printed as "FAIL: %s: ..."
 * with it, never with the name spelled out in the format: a fuzzed
 * system call may print any of the program's memory to the console, and
 * no literal in it may look like a failure line to the test's patterns.
 */
const char *check_prog(void);

/* Return @ok; when it is 0, print and count the failure of @what. */
int check_true(int ok, const char *file, int line, const char *what);

/* Return whether @got == @want; print and count it when not. */
int check_eq(int64_t got, int64_t want, const char *file, int line,
	     const char *what);

/* Checks made and failed so far in this environment. */
uint64_t checks_made(void);
uint64_t checks_failed(void);

/*
 * check_end - print "name: N checks, M failed".
 * Return: 0 when none failed, else 1 (an exit code).
 */
int check_end(void);

/* Timer ticks since boot, from the system info page. */
static inline uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

#endif
