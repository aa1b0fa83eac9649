/* SPDX-License-Identifier: MIT */
/*
 * console.upper 1.0.0: a console module image that writes everything in
 * capitals, through the libOS's printf (an export). Keeps no state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libos/console.h>
#include <libos/module.h>

struct upper {
	struct console base;
	uint64_t written;
};

static struct upper up;

static int64_t up_write(struct console *c, const char *buf, size_t len)
{
	struct upper *u = (struct upper *)c;
	char out[128];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(out) ? len - done : sizeof(out);

		for (size_t i = 0; i < n; i++) {
			char ch = buf[done + i];

			out[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
		}
		printf("%.*s", (int)n, out);
		done += n;
	}
	u->written += len;
	return (int64_t)len;
}

static int64_t up_read(struct console *c, char *buf, size_t len)
{
	return 0;
}

static const struct console_ops up_ops = {
	.write = up_write,
	.read = up_read,
};

static int up_init(void **self)
{
	up.base.ops = &up_ops;
	up.written = 0;
	*self = &up.base;
	return 0;
}

MODULE_DESCRIPTOR(console_upper_module) = {
	MODULE_DESC_HEADER,
	.iface = "console",
	.iface_major = CONSOLE_IFACE_MAJOR,
	.iface_minor = CONSOLE_IFACE_MINOR,
	.name = "console.upper",
	.impl_major = 1,
	.ops_size = sizeof(struct console_ops),
	.ops = &up_ops,
	.init = up_init,
};
