/* SPDX-License-Identifier: MIT */
/*
 * The console interface ("console"), for callers. write() on fds 1 and 2,
 * and so printf, go through the "console" slot to the implementation the
 * program was linked with: the libOS default (console.exo, the kernel's
 * console), a module chosen with MODULES, or the program's own.
 *
 * Implementations see <libos/console_impl.h>.
 */
#ifndef LIBOS_CONSOLE_H
#define LIBOS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include <libos/slot.h>

#define CONSOLE_IFACE_MAJOR 1
#define CONSOLE_IFACE_MINOR 0

struct console;

/* The operations. Each takes the console as its first argument. */
struct console_ops {
	/*
	 * Write @len bytes of @buf. Return: bytes written (all of them
	 * unless it failed part-way), or EXO_ERR_FAULT (bad @buf),
	 * EXO_ERR_IO (the device failed).
	 */
	int64_t (*write)(struct console *c, const char *buf, size_t len);
	/*
	 * Read up to @len bytes into @buf. Return: bytes read; 0 means end
	 * of input; or EXO_ERR_*. The kernel's console has no input yet, so
	 * console.exo always returns 0.
	 */
	int64_t (*read)(struct console *c, char *buf, size_t len);
};

/* The object every console embeds first. */
struct console {
	const struct console_ops *ops;
};

/* The slot serving "console" (in libos/console/console.c). */
extern struct libos_slot console_slot;

/*
 * The console serving the program, as bound in the "console" slot, or
 * NULL before the slots are bound (only during start-up).
 */
static inline struct console *console_current(void)
{
	const struct libos_impl *impl = console_slot.impl;

	return impl ? (struct console *)impl->self : NULL;
}

static inline int64_t console_out(struct console *c, const char *buf,
				  size_t len)
{
	return c->ops->write(c, buf, len);
}

static inline int64_t console_in(struct console *c, char *buf, size_t len)
{
	return c->ops->read(c, buf, len);
}

/*
 * console_write - write @len bytes to the program's console: through the
 * slot once it is bound, straight to the kernel's console before (so
 * start-up errors are still seen). Return: bytes written, or EXO_ERR_*.
 */
int64_t console_write(const char *s, size_t len);

#endif
