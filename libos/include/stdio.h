/* SPDX-License-Identifier: MIT */
/*
 * <stdio.h>: formatted output to the console and into buffers.
 *
 * There are three streams, stdin (fd 0), stdout (fd 1) and stderr (fd 2),
 * all on the console (see <unistd.h>); no files yet. Output is not kept
 * back: each call hands what it produced to write() before it returns, in
 * one piece when it is at most BUFSIZ bytes (so short lines from different
 * programs do not interleave), and fflush has nothing to do. Input: the
 * console has none yet, so reading stdin meets end of file at once.
 *
 * Formats (printf family): conversions d i u x X o p s c %, flags
 * - 0 + space #, width and precision (also *), length modifiers hh h l
 * ll z t j. No floating point: the libOS does not use the FPU.
 */
#ifndef LIBOS_LIBC_STDIO_H
#define LIBOS_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)
#define BUFSIZ 256

/* A stream; its fields are private to libos/libc/stdio.c. */
typedef struct libos_file FILE;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

/*
 * Formatted output. Return: bytes produced, or -1 when writing failed
 * (errno set by write(), the stream's error flag set).
 */
int printf(const char *restrict fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap);
int fprintf(FILE *restrict f, const char *restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap);

/*
 * Formatting into @buf of @size bytes, always NUL-terminated when @size
 * is not 0. Return: the length the whole output has (so a result >=
 * @size means it was cut short), or -1 with errno EOVERFLOW when that
 * does not fit an int. sprintf and vsprintf assume @buf is big enough.
 */
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap);
int sprintf(char *restrict buf, const char *restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap);

/* Unformatted output. Return: as C says; EOF on error. */
int puts(const char *s); /* @s and a newline to stdout */
int fputs(const char *restrict s, FILE *restrict f);
int putchar(int c);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f);
int fflush(FILE *f); /* 0: nothing is ever kept back */

/*
 * rename - move @from to @to (replacing a file, or an empty directory).
 * -1 with errno ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EXDEV (two mounts),
 * EINVAL (a directory into itself).
 */
int rename(const char *from, const char *to);

/* Input. The console has none yet: EOF (end of file) at once. */
int getchar(void);
int fgetc(FILE *f);
int getc(FILE *f);
char *fgets(char *restrict s, int n, FILE *restrict f);

/* The stream's end-of-file and error flags. */
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int fileno(FILE *f);

/*
 * perror - "@s: " (unless @s is NULL or empty), strerror(errno) and a
 * newline, on stderr.
 */
void perror(const char *s);

#endif
