/* SPDX-License-Identifier: MIT */
/* hello: the smallest ordinary program, started by init from a manifest. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("hello, world from %s (environment %x)", argc ? argv[0] : "?",
	       (unsigned)getpid());
	for (int i = 1; i < argc; i++) {
		printf(" [%s]", argv[i]);
	}
	printf("\n");
	return 0;
}
