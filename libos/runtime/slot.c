/* SPDX-License-Identifier: MIT */
/*
 * Binding slots to implementations. Both live in named sections, so the
 * linker gathers them from every object without a central list.
 */
#include <stddef.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/slot.h>

/* Weak: a program with no slots or no implementations has no section. */
extern struct libos_slot __start_libos_slots[] __attribute__((weak));
extern struct libos_slot __stop_libos_slots[] __attribute__((weak));
extern const struct libos_impl __start_libos_impls[] __attribute__((weak));
extern const struct libos_impl __stop_libos_impls[] __attribute__((weak));

size_t libos_slot_count(void)
{
	return (size_t)(__stop_libos_slots - __start_libos_slots);
}

struct libos_slot *libos_slot_at(size_t i)
{
	return i < libos_slot_count() ? &__start_libos_slots[i] : NULL;
}

size_t libos_impl_count(void)
{
	return (size_t)(__stop_libos_impls - __start_libos_impls);
}

const struct libos_impl *libos_impl_at(size_t i)
{
	return i < libos_impl_count() ? &__start_libos_impls[i] : NULL;
}

int libos_impl_fits(const struct libos_slot *slot,
		    const struct libos_impl *impl)
{
	/* The linker merges equal names: the same pointer, usually. */
	return (slot->iface == impl->iface ||
		strcmp(slot->iface, impl->iface) == 0) &&
	       impl->major == slot->major && impl->minor >= slot->minor &&
	       impl->ops_size >= slot->ops_size && impl->ops;
}

struct libos_slot *libos_slot_find(const char *iface)
{
	for (size_t i = 0; i < libos_slot_count(); i++) {
		if (strcmp(__start_libos_slots[i].iface, iface) == 0) {
			return &__start_libos_slots[i];
		}
	}
	return NULL;
}

int libos_slots_bind(const struct libos_slot **failed)
{
	for (size_t i = 0; i < libos_slot_count(); i++) {
		struct libos_slot *s = &__start_libos_slots[i];
		const struct libos_impl *best = NULL;

		for (size_t j = 0; j < libos_impl_count(); j++) {
			const struct libos_impl *c = &__start_libos_impls[j];

			if (libos_impl_fits(s, c) &&
			    (!best || c->priority > best->priority)) {
				best = c;
			}
		}
		if (!best) {
			*failed = s;
			return EXO_ERR_NOT_FOUND;
		}
		if (best->init) {
			int err = best->init(best->self);

			if (err) {
				*failed = s;
				return err;
			}
		}
		s->impl = best;
	}
	return 0;
}
