/* SPDX-License-Identifier: MIT */
/*
 * Interfaces and slots. Every replaceable part of the libOS (allocator,
 * console, later sched, pager, fs) is an interface: an ops table with a
 * name and a version. A slot holds the implementation currently serving an
 * interface; callers reach it only through the family's inline wrappers,
 * which go through the slot, so the implementation can be re-pointed.
 *
 * Implementations linked into a program announce themselves with
 * LIBOS_IMPL; at start-up each slot binds the most preferred compatible
 * one (higher priority first, so a program's own implementation beats the
 * libOS default). Compatible means: same interface name, same major
 * version, minor at least the slot's, ops table at least the slot's size.
 */
#ifndef LIBOS_SLOT_H
#define LIBOS_SLOT_H

#include <stddef.h>
#include <stdint.h>

/* The implementation's own state, from the base struct it embeds. */
#define container_of(ptr, type, member)                                  \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct libos_impl {
	const char *iface; /* interface name, e.g. "alloc" */
	uint16_t major, minor; /* interface version implemented */
	const char *name; /* implementation name, e.g. "alloc.freelist" */
	size_t ops_size; /* sizeof the ops table it provides */
	const void *ops; /* the ops table */
	void *self; /* the instance passed as every op's first argument */
	int (*init)(void *self); /* optional: 0 or EXO_ERR_* */
	int priority; /* LIBOS_PRIO_DEFAULT or LIBOS_PRIO_APP */
	/*
	 * Optional, for an implementation a gated slot may swap in and out
	 * (module_desc_of_impl in <libos/module_slot.h>); the entry points
	 * mean what they mean in struct module_desc (<libos/module.h>).
	 */
	uint16_t impl_major, impl_minor, impl_patch;
	uint16_t state_version, state_min; /* 0: keeps no state */
	int (*quiesce)(void *self);
	int64_t (*export_state)(void *self, uint16_t version, void *buf,
				uint64_t cap);
	int (*import_state)(void *self, uint16_t version, const void *buf,
			    uint64_t len);
	int (*health)(void *self);
	void (*fini)(void *self);
};

#define LIBOS_PRIO_DEFAULT 0 /* the libOS's own implementation */
#define LIBOS_PRIO_MODULE 1 /* an alternative chosen with MODULES */
#define LIBOS_PRIO_APP 2 /* the program's own */

struct libos_slot {
	const char *iface;
	uint16_t major, minor; /* the version callers need */
	size_t ops_size; /* the ops table size callers need */
	const struct libos_impl *impl; /* bound implementation (NULL: none) */
};

/* Announce an implementation (a static const struct libos_impl). */
#define LIBOS_IMPL(var)                                                  \
	static const struct libos_impl var                               \
		__attribute__((used, section("libos_impls"), aligned(8)))

/*
 * The libOS is an ordinary library: a program carries only the objects it
 * refers to, so one that never prints a file or starts a thread pays for
 * neither. Implementations register through a section, which nobody
 * refers to by name; so a family's default implementation is tied to its
 * slot instead. The default's file says LIBOS_DEFAULT_DEF(family) and the
 * file declaring the slot says LIBOS_DEFAULT_USE(family): whoever uses the
 * family carries its default. (Alternatives chosen with MODULES are linked
 * whole.)
 */
#define LIBOS_DEFAULT_DEF(family) const char libos_default_##family = 1
#define LIBOS_DEFAULT_USE(family)                                        \
	extern const char libos_default_##family;                        \
	__attribute__((used)) static const char *const                   \
		libos_default_use_##family = &libos_default_##family

/* Declare the slot of an interface (in the family's .c file). */
#define LIBOS_SLOT(var)                                                  \
	struct libos_slot var __attribute__((used, section("libos_slots"), \
					     aligned(8)))

/*
 * libos_slots_bind - bind every slot to its most preferred compatible
 * implementation and run its init. Called once by the runtime before
 * main(). Return: 0, or EXO_ERR_NOT_FOUND naming the slot with nothing
 * compatible in *@failed.
 */
int libos_slots_bind(const struct libos_slot **failed);

/* The slot serving interface @iface, or NULL. */
struct libos_slot *libos_slot_find(const char *iface);

/* Number of slots and implementations linked in, and the i-th of each. */
size_t libos_slot_count(void);
struct libos_slot *libos_slot_at(size_t i);
size_t libos_impl_count(void);
const struct libos_impl *libos_impl_at(size_t i);

/* May @impl serve @slot? */
int libos_impl_fits(const struct libos_slot *slot,
		    const struct libos_impl *impl);

#endif
