/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting without a C library, into any sink. Supports the
 * conversions d i u x X o p s c %, flags - 0 + space #, width and precision
 * (also as *), and length modifiers hh h l ll z t j. Floating point is not
 * supported (the kernel has none); an unknown conversion is printed as is.
 */
#ifndef LOG_FORMAT_H
#define LOG_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the output @len bytes at a time. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t len);

/* fmt_vformat - format into @sink. Return: the number of bytes produced. */
size_t fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/*
 * fmt_snprintf - format into @buf of @size bytes, always NUL-terminated when
 * @size > 0. Return: the length the whole output would have, like C's
 * snprintf, so a result >= @size means it was truncated.
 */
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
