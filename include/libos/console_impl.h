/* SPDX-License-Identifier: MIT */
/*
 * For implementations of the console interface ("console"): how to
 * register one. An implementation embeds struct console first in its
 * state, keeps its ops static, and announces itself:
 *
 *	static struct my_console con = { .base.ops = &my_ops };
 *	CONSOLE_IMPL(my_impl, "console.mine", &my_ops, &con.base, NULL,
 *		     LIBOS_PRIO_APP);
 *
 * At start-up the "console" slot binds the most preferred implementation
 * linked in (see <libos/slot.h>); its init runs before main().
 */
#ifndef LIBOS_CONSOLE_IMPL_H
#define LIBOS_CONSOLE_IMPL_H

#include <libos/console.h>
#include <libos/slot.h>

/*
 * CONSOLE_IMPL - announce @self (a struct console * whose ops are @ops) as
 * implementation @name, with priority @prio (LIBOS_PRIO_*) and optional
 * @init (int (*)(void *self), 0 or EXO_ERR_*).
 */
#define CONSOLE_IMPL(var, name_, ops_, self_, init_, prio_)                    \
	LIBOS_IMPL(var) = {                                                    \
		.iface = "console",                                            \
		.major = CONSOLE_IFACE_MAJOR,                                  \
		.minor = CONSOLE_IFACE_MINOR,                                  \
		.name = (name_),                                               \
		.ops_size = sizeof(struct console_ops),                        \
		.ops = (ops_),                                                 \
		.self = (self_),                                               \
		.init = (init_),                                               \
		.priority = (prio_),                                           \
	}

/* A read op for consoles without input: always end of input (0). */
int64_t console_no_input(struct console *c, char *buf, size_t len);

/*
 * console_kernel_write - write @len bytes to the kernel's console (in
 * calls of at most 4096 bytes). Return: bytes written, or EXO_ERR_FAULT
 * when nothing could be.
 */
int64_t console_kernel_write(const char *s, size_t len);

#endif
