/* SPDX-License-Identifier: MIT */
#ifndef X86_SERIAL_H
#define X86_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* Set up COM1 for polled output. */
void serial_init(void);

/* Write @len bytes to COM1, "\n" as "\r\n". */
void serial_write(const char *s, size_t len);

/* COM2, for input: set up by serial_init when a UART answers there. */
bool serial_aux_present(void);

/* Up to @len bytes from COM2's receiver, without waiting. */
size_t serial_aux_read(char *buf, size_t len);

#endif
