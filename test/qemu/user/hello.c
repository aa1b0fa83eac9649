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
	/* The boot modules are ours to read; the first is this program. */
	const struct exo_bootmods *mods =
		(const struct exo_bootmods *)EXO_BOOTMODS_VA;
	for (uint32_t i = 0; i < mods->count; i++) {
		const unsigned char *b = (const unsigned char *)mods->mod[i].va;

		printf("boot module %s: %lu bytes, starts %02x %c%c%c\n",
		       mods->mod[i].name, (unsigned long)mods->mod[i].size,
		       b[0], b[1], b[2], b[3]);
	}
	if (mods->count != 2) {
		printf("FAIL: expected 2 boot modules, got %u\n", mods->count);
		return 1;
	}
	return 0;
}
