/* SPDX-License-Identifier: MIT */
/*
 * Start-up and the environment's identity. exit, printf and console
 * output live with the C library face (libos/libc, libos/console).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libos/runtime.h>
#include <libos/slot.h>

/* The program's; it may also be declared int main(void). */
int main(int argc, char **argv);

_Noreturn void libos_start(uint64_t argc, char **argv);

/*
 * @argc and @argv come from the start block below the entry rsp (see
 * <libos/spawn.h>); the kernel leaves it zero for init: no arguments.
 */
_Noreturn void libos_start(uint64_t argc, char **argv)
{
	static char *no_args[] = { NULL };
	const struct libos_slot *failed = NULL;
	int err = libos_slots_bind(&failed);

	if (err) {
		printf("libos: no usable implementation of \"%s\" %u.%u: %s\n",
		       failed->iface, failed->major, failed->minor,
		       exo_status_name(err));
		exit(127);
	}
	if (!argv) {
		argc = 0;
		argv = no_args;
	}
	exit(main((int)argc, argv));
}

exo_envid_t env_self(void)
{
	return exo_env_info()->id;
}
