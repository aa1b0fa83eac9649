/* SPDX-License-Identifier: MIT */
/*
 * Checks for the file-system tests: a failure is counted and reported
 * with errno, and the program goes on; it exits 1 at the end if any
 * failed.
 */
#ifndef FS_CHECK_H
#define FS_CHECK_H

#include <errno.h>
#include <stdio.h>

static int checks, failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		checks++;                                                      \
		if (!(cond)) {                                                 \
			failed++;                                              \
			printf("FAIL: %s:%d: %s (errno %d)\n", __FILE__,       \
			       __LINE__, #cond, errno);                        \
		}                                                              \
	} while (0)

#endif
