/* SPDX-License-Identifier: MIT */
/*
 * The console: COM1 at 115200 baud, 8N1, polled. COM2, when present, is
 * an input line read by polling (the hot-load channel).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/x86.h>

#include "serial.h"

#define COM1 0x3f8
#define COM2 0x2f8
#define REG_SCRATCH 7
#define LSR_DR 0x01
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_THRE 0x20

static bool aux_present;

static void uart_init(uint16_t port)
{
	outb(port + REG_IER, 0x00); /* no interrupts */
	outb(port + REG_LCR, 0x80); /* divisor latch */
	outb(port + REG_DATA, 1); /* 115200 baud */
	outb(port + REG_IER, 0);
	outb(port + REG_LCR, 0x03); /* 8N1 */
	outb(port + REG_FCR, 0xc7); /* FIFO on, cleared */
	outb(port + REG_MCR, 0x03); /* DTR, RTS */
}

/* A UART keeps what is written to its scratch register. */
static bool uart_answers(uint16_t port)
{
	outb(port + REG_SCRATCH, 0x5a);
	if (inb(port + REG_SCRATCH) != 0x5a) {
		return false;
	}
	outb(port + REG_SCRATCH, 0xa5);
	return inb(port + REG_SCRATCH) == 0xa5;
}

bool serial_aux_present(void)
{
	return aux_present;
}

size_t serial_aux_read(char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && (inb(COM2 + REG_LSR) & LSR_DR)) {
		buf[n++] = (char)inb(COM2 + REG_DATA);
	}
	return n;
}

void serial_init(void)
{
	if (uart_answers(COM2)) {
		uart_init(COM2);
		aux_present = true;
	}
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
