/* SPDX-License-Identifier: MIT */
/* The "kv" slot. */
#include <exo/errors.h>
#include <libos/kv.h>

struct module_slot kv_slot = {
	.want = { .iface = "kv",
		  .major = KV_IFACE_MAJOR,
		  .minor = KV_IFACE_MINOR,
		  .ops_size = sizeof(struct kv_ops) },
};

int kv_start(const char *builtin)
{
	const struct module_desc *d = NULL;

	if (builtin) {
		d = module_builtin_find(builtin);
		if (!d) {
			return EXO_ERR_NOT_FOUND;
		}
	}
	return module_slot_init(&kv_slot, d);
}
