/* SPDX-License-Identifier: MIT */
/*
 * console.exo, the default console: the kernel's (serial) console, which
 * every environment may write to. It has no input yet: reads meet end of
 * input at once.
 */
#include <stddef.h>
#include <stdint.h>

#include <libos/console_impl.h>

static int64_t exo_write(struct console *c, const char *buf, size_t len)
{
	return console_kernel_write(buf, len);
}

static const struct console_ops exo_console_ops = {
	.write = exo_write,
	.read = console_no_input,
};

static struct console exo_console = { .ops = &exo_console_ops };

CONSOLE_IMPL(exo_console_impl, "console.exo", &exo_console_ops, &exo_console,
	     NULL, LIBOS_PRIO_DEFAULT);

LIBOS_DEFAULT_DEF(console);
