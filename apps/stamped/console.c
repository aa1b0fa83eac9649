/* SPDX-License-Identifier: MIT */
/*
 * This program's own console: every line it writes starts with the time
 * since boot, read from the system info page without a system call. It
 * replaces the libOS's console for this program only (LIBOS_PRIO_APP).
 */
#include <stdint.h>
#include <stdio.h>

#include <arch/cycles.h>
#include <libos/console_impl.h>
#include <libos/exo.h>

struct stamped {
	struct console base; /* first: the slot hands out &base */
	int at_line_start;
};

/* "[  1.234567] " from the TSC and its rate. */
static size_t stamp(char *buf, size_t size)
{
	const volatile struct exo_sys_info *sys = exo_sys_info();
	uint64_t per_us = sys->tsc_hz / 1000000;
	uint64_t us =
		(arch_read_cycles() - sys->boot_tsc) / (per_us ? per_us : 1);
	int n = snprintf(buf, size, "[%4lu.%06lu] ",
			 (unsigned long)(us / 1000000),
			 (unsigned long)(us % 1000000));

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static int64_t stamped_write(struct console *c, const char *buf, size_t len)
{
	struct stamped *s = (struct stamped *)c;
	size_t done = 0;

	while (done < len) {
		size_t n = 0;

		if (s->at_line_start) {
			char t[32];
			int64_t r =
				console_kernel_write(t, stamp(t, sizeof(t)));

			if (r < 0) {
				return r;
			}
			s->at_line_start = 0;
		}
		/* Up to and including the next newline. */
		while (done + n < len && buf[done + n] != '\n') {
			n++;
		}
		if (done + n < len) {
			n++;
			s->at_line_start = 1;
		}
		if (console_kernel_write(buf + done, n) < 0) {
			return done ? (int64_t)done : -1;
		}
		done += n;
	}
	return (int64_t)len;
}

static const struct console_ops stamped_ops = {
	.write = stamped_write,
	.read = console_no_input,
};

static struct stamped stamped = { .base.ops = &stamped_ops,
				  .at_line_start = 1 };

CONSOLE_IMPL(stamped_impl, "console.stamped", &stamped_ops, &stamped.base, NULL,
	     LIBOS_PRIO_APP);
