/* SPDX-License-Identifier: MIT */
/* The smallest user test: print, read the info pages, exit 0. */
#include <libos/runtime.h>

int main(void)
{
	const volatile struct exo_env_info *me = exo_env_info();
	const volatile struct exo_sys_info *sys = exo_sys_info();

	printf("hello from environment %x (abi %u), %lu envs alive\n",
	       me->id, me->abi_version, (unsigned long)sys->envs);
	if (me->id != (uint32_t)exo_env_self(0, 0, 0, 0, 0, 0)) {
		printf("FAIL: info page id differs from env_self\n");
		return 1;
	}
	return 0;
}
