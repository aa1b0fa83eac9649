/* SPDX-License-Identifier: MIT */
/*
 * A program with a 48 MiB bss: a few of them exhaust the machine's memory.
 * It waits for a notification, then exits 0.
 */
#include <libos/runtime.h>

static char big[48ul << 20];

int main(void)
{
	struct exo_msg m = { .cap = EXO_CAP_NONE };

	big[0] = 1;
	exo_ipc_recv_msg(0, &m);
	return big[0] - 1;
}
