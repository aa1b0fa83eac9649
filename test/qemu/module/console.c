/* SPDX-License-Identifier: MIT */
/*
 * An existing family through a gated slot, as init: the console interface,
 * served first by the libOS's own console.exo (a LIBOS_IMPL record, through
 * module_desc_of_impl), then by the console.upper image from a boot module,
 * then by console.exo again (rollback); every line written through the
 * gate.
 */
#include <stddef.h>
#include <string.h>

#include <libos/console.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>
#include <libos/spawn.h>

#include "check.h"

static struct module_slot con_slot = {
	.want = { .iface = "console",
		  .major = CONSOLE_IFACE_MAJOR,
		  .minor = CONSOLE_IFACE_MINOR,
		  .ops_size = sizeof(struct console_ops) },
};

static int64_t con_write(const char *s)
{
	return MODULE_GATE_CALL2(&con_slot, offsetof(struct console_ops, write),
				 (uintptr_t)s, strlen(s));
}

/* Write @s through the gate: every byte must be written. */
static void say(const char *s)
{
	CHECK_EQ(con_write(s), (int64_t)strlen(s));
}

int main(void)
{
	const struct libos_slot *sys = libos_slot_find("console");
	const struct exo_bootmod *m = bootmod_find("console_upper");
	const struct module_desc *exo;
	struct module_swap_report r;

	check_begin("console");
	CHECK(sys != NULL && sys->impl != NULL && m != NULL);
	exo = module_desc_of_impl(sys->impl);
	CHECK(exo != NULL);
	CHECK_EQ(module_slot_init(&con_slot, exo), 0);
	say("console: written by console.exo through a gate\n");
	CHECK_EQ(module_slot_swap_image(&con_slot, (const void *)m->va, m->size,
					&r),
		 0);
	CHECK(strcmp(module_slot_current(&con_slot)->name, "console.upper") ==
	      0);
	CHECK_EQ(r.state_bytes, 0);
	say("console: written by console.upper\n");
	CHECK_EQ(module_slot_rollback(&con_slot, &r), 0);
	CHECK(strcmp(module_slot_current(&con_slot)->name, "console.exo") == 0);
	say("console: console.exo again\n");
	module_slot_fini(&con_slot);
	return check_end();
}
