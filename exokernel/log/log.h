/* SPDX-License-Identifier: MIT */
/*
 * The kernel log: printf-style lines with a level and a timestamp, written
 * to the console sink. Lines below CONFIG_LOG_LEVEL in importance are
 * dropped at compile time. Also kprintf for raw output (panic reports).
 *
 *   [    0.012345] I mm: 126 MiB usable
 */
#ifndef LOG_LOG_H
#define LOG_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <axo/config.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Where log output goes, and the clock that stamps it (may be NULL). */
typedef void (*log_write_fn)(const char *s, size_t len);
typedef uint64_t (*log_clock_fn)(void);

/* log_init - send output to @write, stamp lines with @clock_ns. */
void log_init(log_write_fn write, log_clock_fn clock_ns);

/* Raw formatted output, no prefix, no newline added. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* One log line: "[time] L subsys: message\n". */
void log_line(int level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lines logged at each level so far (dropped ones not counted). */
uint64_t log_count(int level);

#define klog(level, subsys, ...)                                               \
	do {                                                                   \
		if ((level) <= CONFIG_LOG_LEVEL) {                             \
			log_line((level), (subsys), __VA_ARGS__);              \
		}                                                              \
	} while (0)

#define log_error(subsys, ...) klog(LOG_ERROR, subsys, __VA_ARGS__)
#define log_warn(subsys, ...) klog(LOG_WARN, subsys, __VA_ARGS__)
#define log_info(subsys, ...) klog(LOG_INFO, subsys, __VA_ARGS__)
#define log_debug(subsys, ...) klog(LOG_DEBUG, subsys, __VA_ARGS__)

#endif
