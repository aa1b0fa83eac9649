/* SPDX-License-Identifier: MIT */
/* The console: COM1 at 115200 baud, 8N1, polled. */
#include <stddef.h>
#include <stdint.h>

#include <arch/x86.h>

#include "serial.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_THRE 0x20

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00); /* no interrupts */
	outb(COM1 + REG_LCR, 0x80); /* divisor latch */
	outb(COM1 + REG_DATA, 1); /* 115200 baud */
	outb(COM1 + REG_IER, 0);
	outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	outb(COM1 + REG_FCR, 0xc7); /* FIFO on, cleared */
	outb(COM1 + REG_MCR, 0x03); /* DTR, RTS */
}

static void putc_raw(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + REG_LSR) & LSR_THRE); i++) {
		pause();
	}
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			putc_raw('\r');
		}
		putc_raw(s[i]);
	}
}
