/* SPDX-License-Identifier: MIT */
/* The "console" slot, and console_write for everyone who prints. */
#include <stddef.h>
#include <stdint.h>

#include <libos/console_impl.h>
#include <libos/exo.h>

#define KERNEL_MAX_WRITE 4096 /* the console_write system call's limit */

LIBOS_DEFAULT_USE(console); /* console.exo, exo.c */

LIBOS_SLOT(console_slot) = {
	.iface = "console",
	.major = CONSOLE_IFACE_MAJOR,
	.minor = CONSOLE_IFACE_MINOR,
	.ops_size = sizeof(struct console_ops),
};

int64_t console_no_input(struct console *c, char *buf, size_t len)
{
	return 0;
}

int64_t console_kernel_write(const char *s, size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t n = len - done;
		int64_t r;

		if (n > KERNEL_MAX_WRITE) {
			n = KERNEL_MAX_WRITE;
		}
		r = exo_console_write((uint64_t)(s + done), n, 0, 0, 0, 0);
		if (r <= 0) {
			/* What went out went out; report the failure next. */
			return done ? (int64_t)done : (r ? r : EXO_ERR_IO);
		}
		done += (size_t)r;
	}
	return (int64_t)done;
}

int64_t console_write(const char *s, size_t len)
{
	struct console *c = console_current();

	return c ? console_out(c, s, len) : console_kernel_write(s, len);
}
