/* SPDX-License-Identifier: MIT */
#ifndef X86_SERIAL_H
#define X86_SERIAL_H

#include <stddef.h>

/* Set up COM1 for polled output. */
void serial_init(void);

/* Write @len bytes to COM1, "\n" as "\r\n". */
void serial_write(const char *s, size_t len);

#endif
