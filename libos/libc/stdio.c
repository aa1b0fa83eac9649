/* SPDX-License-Identifier: MIT */
/*
 * The three console streams and formatted output to them. A call formats
 * into a buffer of its own on the stack and hands it to write() when full
 * and before returning, so nothing is kept between calls.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log/format.h"

struct libos_file {
	int fd;
	int eof; /* end of input seen */
	int err; /* a read or write failed */
};

static struct libos_file streams[3] = {
	{ .fd = STDIN_FILENO },
	{ .fd = STDOUT_FILENO },
	{ .fd = STDERR_FILENO },
};

FILE *stdin = &streams[0];
FILE *stdout = &streams[1];
FILE *stderr = &streams[2];

/* Output of one call on its way to a stream. */
struct out {
	FILE *f;
	size_t len;
	int failed;
	char buf[BUFSIZ];
};

static void out_flush(struct out *o)
{
	size_t done = 0;

	while (!o->failed && done < o->len) {
		ssize_t r = write(o->f->fd, o->buf + done, o->len - done);

		if (r <= 0) {
			o->failed = 1;
			o->f->err = 1;
		} else {
			done += (size_t)r;
		}
	}
	o->len = 0;
}

static void out_put(void *ctx, const char *s, size_t len)
{
	struct out *o = ctx;

	while (len) {
		size_t n = sizeof(o->buf) - o->len;

		if (n > len) {
			n = len;
		}
		memcpy(o->buf + o->len, s, n);
		o->len += n;
		s += n;
		len -= n;
		if (o->len == sizeof(o->buf)) {
			out_flush(o);
		}
	}
}

static void out_init(struct out *o, FILE *f)
{
	o->f = f;
	o->len = 0;
	o->failed = 0;
}

/* Finish @o; @n bytes were produced. */
static int out_done(struct out *o, size_t n)
{
	out_flush(o);
	if (o->failed) {
		return -1;
	}
	if (n > INT_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)n;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct out o;

	out_init(&o, f);
	return out_done(&o, fmt_vformat(out_put, &o, fmt, ap));
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	const char *b = p;
	size_t total, done = 0;

	if (size == 0 || n == 0) {
		return 0;
	}
	total = n > SIZE_MAX / size ? SIZE_MAX : n * size;
	while (done < total) {
		ssize_t r = write(f->fd, b + done, total - done);

		if (r <= 0) {
			f->err = 1;
			break;
		}
		done += (size_t)r;
	}
	return done / size;
}

int fputs(const char *restrict s, FILE *restrict f)
{
	size_t len = strlen(s);

	return fwrite(s, 1, len, f) == len ? 0 : EOF;
}

int puts(const char *s)
{
	struct out o;

	/* One write for the line and its newline, when it fits. */
	out_init(&o, stdout);
	out_put(&o, s, strlen(s));
	out_put(&o, "\n", 1);
	return out_done(&o, 0) < 0 ? EOF : 0;
}

int fputc(int c, FILE *f)
{
	unsigned char b = (unsigned char)c;

	return fwrite(&b, 1, 1, f) == 1 ? b : EOF;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fflush(FILE *f)
{
	return 0;
}

int fgetc(FILE *f)
{
	unsigned char b;
	ssize_t r = read(f->fd, &b, 1);

	if (r == 1) {
		return b;
	}
	if (r == 0) {
		f->eof = 1;
	} else {
		f->err = 1;
	}
	return EOF;
}

int getc(FILE *f)
{
	return fgetc(f);
}

int getchar(void)
{
	return fgetc(stdin);
}

char *fgets(char *restrict s, int n, FILE *restrict f)
{
	int i = 0;

	if (n <= 0) {
		return NULL;
	}
	while (i < n - 1) {
		int c = fgetc(f);

		if (c == EOF) {
			break;
		}
		s[i++] = (char)c;
		if (c == '\n') {
			break;
		}
	}
	if (i == 0 && n > 1) {
		return NULL;
	}
	s[i] = '\0';
	return s;
}

int feof(FILE *f)
{
	return f->eof;
}

int ferror(FILE *f)
{
	return f->err;
}

void clearerr(FILE *f)
{
	f->eof = 0;
	f->err = 0;
}

int fileno(FILE *f)
{
	return f->fd;
}

void perror(const char *s)
{
	const char *msg = strerror(errno);

	if (s && *s) {
		fprintf(stderr, "%s: %s\n", s, msg);
	} else {
		fprintf(stderr, "%s\n", msg);
	}
}
