/* SPDX-License-Identifier: MIT */
/* An ordinary program that brings its own console implementation. */
#include <stdio.h>

#include <libos/console.h>

int main(int argc, char **argv)
{
	printf("console served by %s\n", console_slot.impl->name);
	printf("two lines in one call:\nsecond line\n");
	return 0;
}
