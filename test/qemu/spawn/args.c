/* SPDX-License-Identifier: MIT */
/*
 * Prints its arguments, one per line, and checks what a spawned program
 * must (and must not) see: argv[argc] is NULL, and no boot modules unless
 * its parent shared them. "exit N" as the first two arguments makes it
 * exit with N.
 */
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/spawn.h>

static int number(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s++ - '0');
	}
	return n;
}

int main(int argc, char **argv)
{
	printf("args: argc %d\n", argc);
	for (int i = 0; i < argc; i++) {
		printf("args: argv[%d] = %s\n", i, argv[i]);
	}
	if (argv[argc] != NULL) {
		printf("FAIL: argv[argc] is not NULL\n");
		return 1;
	}
	/* Started by init's manifest without with-modules: nothing shared. */
	if (argc > 0 && bootmod_find("manifest")) {
		printf("FAIL: a spawned program sees the boot modules\n");
		return 1;
	}
	if (argc >= 3 && strcmp(argv[1], "exit") == 0) {
		return number(argv[2]);
	}
	return 0;
}
