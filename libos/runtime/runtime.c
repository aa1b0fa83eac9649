/* SPDX-License-Identifier: MIT */
/* Start-up, exit, console output and the environment's identity. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <libos/runtime.h>
#include <libos/slot.h>

#include "log/format.h"

_Noreturn void libos_start(void);

_Noreturn void exit(int code)
{
	for (;;) {
		exo_env_exit((uint64_t)(int64_t)code, 0, 0, 0, 0, 0);
	}
}

_Noreturn void libos_start(void)
{
	const struct libos_slot *failed = NULL;
	int err = libos_slots_bind(&failed);

	if (err) {
		printf("libos: no usable implementation of \"%s\" %u.%u: %s\n",
		       failed->iface, failed->major, failed->minor,
		       exo_status_name(err));
		exit(127);
	}
	exit(main());
}

exo_envid_t env_self(void)
{
	return exo_env_info()->id;
}

void console_write(const char *s, size_t len)
{
	while (len) {
		size_t n = len > 4096 ? 4096 : len;

		exo_console_write((uint64_t)s, n, 0, 0, 0, 0);
		s += n;
		len -= n;
	}
}

struct line {
	char buf[256];
	size_t len;
};

static void line_put(void *ctx, const char *s, size_t len)
{
	struct line *l = ctx;

	while (len) {
		size_t n = sizeof(l->buf) - l->len;

		if (n > len) {
			n = len;
		}
		for (size_t i = 0; i < n; i++) {
			l->buf[l->len + i] = s[i];
		}
		l->len += n;
		s += n;
		len -= n;
		if (l->len == sizeof(l->buf)) {
			console_write(l->buf, l->len);
			l->len = 0;
		}
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct line l;
	size_t n;

	l.len = 0;
	n = fmt_vformat(line_put, &l, fmt, ap);
	console_write(l.buf, l.len);
	return (int)n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
