/* SPDX-License-Identifier: MIT */
/* The line boot_to_hello_ms waits for (scripts/bench). */
#include <libos/runtime.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
