/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include <stdint.h>

#include "log/format.h"
#include "log/log.h"

static log_write_fn log_write;
static log_clock_fn log_clock;
static uint64_t counts[LOG_DEBUG + 1];

void log_init(log_write_fn write, log_clock_fn clock_ns)
{
	log_write = write;
	log_clock = clock_ns;
}

static void sink(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	if (log_write) {
		log_write(s, len);
	}
}

void kvprintf(const char *fmt, va_list ap)
{
	fmt_vformat(sink, NULL, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void log_line(int level, const char *subsys, const char *fmt, ...)
{
	static const char letters[] = "EWID";
	uint64_t ns = log_clock ? log_clock() : 0;
	va_list ap;

	if (level < LOG_ERROR || level > LOG_DEBUG) {
		level = LOG_ERROR;
	}
	counts[level]++;
	kprintf("[%5lu.%06lu] %c %s: ", (unsigned long)(ns / 1000000000u),
		(unsigned long)(ns / 1000u % 1000000u), letters[level], subsys);
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	sink(NULL, "\n", 1);
}

uint64_t log_count(int level)
{
	if (level < LOG_ERROR || level > LOG_DEBUG) {
		return 0;
	}
	return counts[level];
}
