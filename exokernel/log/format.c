/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <string.h>

#include "log/format.h"

struct spec {
	int left; /* '-' */
	int zero; /* '0' */
	int plus; /* '+' */
	int space; /* ' ' */
	int alt; /* '#' */
	int width;
	int prec; /* -1 when absent */
};

static void pad(fmt_sink_fn sink, void *ctx, char c, int n, size_t *count)
{
	static const char spaces[16] = "                ";
	static const char zeros[16] = "0000000000000000";
	const char *src = c == '0' ? zeros : spaces;

	while (n > 0) {
		int k = n > 16 ? 16 : n;

		sink(ctx, src, k);
		*count += k;
		n -= k;
	}
}

static void emit(fmt_sink_fn sink, void *ctx, const char *s, size_t len,
		 size_t *count)
{
	if (len) {
		sink(ctx, s, len);
		*count += len;
	}
}

/* Format an unsigned magnitude with sign/prefix, precision and width. */
static void number(fmt_sink_fn sink, void *ctx, uint64_t v, int neg,
		   unsigned base, int upper, const struct spec *sp,
		   size_t *count)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	char prefix[3];
	int n = 0, np = 0, zeros, total;

	while (v) {
		buf[n++] = digits[v % base];
		v /= base;
	}
	/* Precision 0 with value 0 prints no digits (C rule). */
	if (n == 0 && sp->prec != 0) {
		buf[n++] = '0';
	}
	if (neg) {
		prefix[np++] = '-';
	} else if (sp->plus) {
		prefix[np++] = '+';
	} else if (sp->space) {
		prefix[np++] = ' ';
	}
	if (sp->alt && base == 16 && n && !(n == 1 && buf[0] == '0')) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && buf[n - 1] != '0') {
		buf[n++] = '0';
	}
	zeros = sp->prec > n ? sp->prec - n : 0;
	total = np + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left) {
		pad(sink, ctx, ' ', sp->width - total, count);
	}
	emit(sink, ctx, prefix, np, count);
	pad(sink, ctx, '0', zeros, count);
	while (n--) {
		emit(sink, ctx, &buf[n], 1, count);
	}
	if (sp->left) {
		pad(sink, ctx, ' ', sp->width - total, count);
	}
}

size_t fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	size_t count = 0;
	const char *p = fmt;

	while (*p) {
		struct spec sp = { .prec = -1 };
		const char *start = p;
		int len = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long */
		unsigned base;
		uint64_t u;
		int64_t s;

		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);

			emit(sink, ctx, p, n, &count);
			p += n;
			continue;
		}
		p++;
		for (;; p++) {
			if (*p == '-') {
				sp.left = 1;
			} else if (*p == '0') {
				sp.zero = 1;
			} else if (*p == '+') {
				sp.plus = 1;
			} else if (*p == ' ') {
				sp.space = 1;
			} else if (*p == '#') {
				sp.alt = 1;
			} else {
				break;
			}
		}
		if (*p == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = 1;
				sp.width = -sp.width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9') {
				sp.width = sp.width * 10 + (*p++ - '0');
			}
		}
		if (*p == '.') {
			p++;
			sp.prec = 0;
			if (*p == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0) {
					sp.prec = -1;
				}
				p++;
			} else {
				while (*p >= '0' && *p <= '9') {
					sp.prec = sp.prec * 10 + (*p++ - '0');
				}
			}
		}
		if (*p == 'h') {
			len = -1;
			if (*++p == 'h') {
				len = -2;
				p++;
			}
		} else if (*p == 'l') {
			len = 1;
			if (*++p == 'l') {
				len = 2;
				p++;
			}
		} else if (*p == 'z' || *p == 't' || *p == 'j') {
			len = 2; /* all 64-bit on this target and the host */
			p++;
		}

		switch (*p) {
		case 'd':
		case 'i':
			if (len >= 1) {
				s = len == 1 ? va_arg(ap, long)
					     : va_arg(ap, long long);
			} else {
				s = va_arg(ap, int);
				if (len == -1) {
					s = (short)s;
				} else if (len == -2) {
					s = (signed char)s;
				}
			}
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			number(sink, ctx, u, s < 0, 10, 0, &sp, &count);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (len >= 1) {
				u = len == 1 ? va_arg(ap, unsigned long)
					     : va_arg(ap, unsigned long long);
			} else {
				u = va_arg(ap, unsigned int);
				if (len == -1) {
					u = (unsigned short)u;
				} else if (len == -2) {
					u = (unsigned char)u;
				}
			}
			base = 16;
			if (*p == 'u') {
				base = 10;
			} else if (*p == 'o') {
				base = 8;
			}
			number(sink, ctx, u, 0, base, *p == 'X', &sp, &count);
			break;
		case 'p':
			sp.alt = 1;
			number(sink, ctx, (uintptr_t)va_arg(ap, void *), 0, 16,
			       0, &sp, &count);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			if (!sp.left) {
				pad(sink, ctx, ' ', sp.width - 1, &count);
			}
			emit(sink, ctx, &c, 1, &count);
			if (sp.left) {
				pad(sink, ctx, ' ', sp.width - 1, &count);
			}
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n;

			if (!str) {
				str = "(null)";
			}
			n = sp.prec >= 0 ? strnlen(str, sp.prec) : strlen(str);
			if (!sp.left) {
				pad(sink, ctx, ' ', sp.width - (int)n, &count);
			}
			emit(sink, ctx, str, n, &count);
			if (sp.left) {
				pad(sink, ctx, ' ', sp.width - (int)n, &count);
			}
			break;
		}
		case '%':
			emit(sink, ctx, "%", 1, &count);
			break;
		case '\0':
			/* A lone '%' at the end: print it, stop. */
			emit(sink, ctx, start, p - start, &count);
			return count;
		default:
			emit(sink, ctx, start, p - start + 1, &count);
			break;
		}
		p++;
	}
	return count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t used; /* bytes stored, excluding the NUL */
};

static void buf_put(void *ctx, const char *s, size_t len)
{
	struct buf_sink *b = ctx;
	size_t room;

	if (b->size == 0) {
		return;
	}
	room = b->size - 1 - b->used;
	if (len > room) {
		len = room;
	}
	memcpy(b->buf + b->used, s, len);
	b->used += len;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { .buf = buf, .size = size, .used = 0 };
	size_t n = fmt_vformat(buf_put, &b, fmt, ap);

	if (size) {
		buf[b.used] = '\0';
	}
	return n;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
