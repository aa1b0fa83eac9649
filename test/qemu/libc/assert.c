/* SPDX-License-Identifier: MIT */
/*
 * An assertion that fails: the program must say where and what, and end
 * with abort()'s non-zero code, which makes init's run a failure.
 */
/* The build type may define NDEBUG; these asserts are the test. */
#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	assert(strlen("ok") == 2);
	printf("assert: the next one fails\n");
	assert(1 + 1 == 3);
	printf("FAIL: still running after a failed assertion\n");
	return 0;
}
