/* SPDX-License-Identifier: MIT */
/*
 * Time: the 8254 PIT drives a periodic interrupt through the legacy 8259
 * PIC, and the time-stamp counter, measured against PIT channel 2, gives
 * fine-grained time. Under QEMU with -icount the TSC counts instructions.
 */
#include <stdint.h>

#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/pci.h>
#include <arch/x86.h>

#include "timer.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PIT_GATE 0x61
#define PIT_HZ 1193182u

/* Calibration window: 10 ms of PIT channel 2. */
#define CAL_MS 10

static volatile uint64_t ticks;
static uint64_t tsc_hz;
static uint64_t boot_tsc;

static void pic_init(void)
{
	/* ICW1..4: edge triggered, cascade, vectors 32..47, 8086 mode. */
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	/* Mask everything but IRQ0 (timer) and the cascade line. */
	outb(PIC1_DATA, 0xfa);
	outb(PIC2_DATA, 0xff);
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8) {
		outb(PIC2_CMD, PIC_EOI);
	}
	outb(PIC1_CMD, PIC_EOI);
}

void arch_irq_unmask(unsigned irq)
{
	if (irq == 0 || irq > 15) {
		return;
	}
	if (irq < 8) {
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << irq));
	} else {
		outb(PIC2_DATA, inb(PIC2_DATA) & ~(1u << (irq - 8)));
	}
}

/* IRQ 7 and 15 fire spuriously; the in-service register tells. */
int pic_spurious(unsigned irq)
{
	if (irq != 7 && irq != 15) {
		return 0;
	}
	outb(irq == 7 ? PIC1_CMD : PIC2_CMD, 0x0b); /* read ISR */
	if (inb(irq == 7 ? PIC1_CMD : PIC2_CMD) & 0x80) {
		return 0;
	}
	if (irq == 15) {
		outb(PIC1_CMD, PIC_EOI); /* the master saw the cascade */
	}
	return 1;
}

static uint64_t calibrate_tsc(void)
{
	uint32_t count = PIT_HZ / (1000 / CAL_MS);
	uint64_t t0, t1;
	uint32_t spins = 0;

	/* Channel 2, gate high, speaker off, mode 0 (count down once). */
	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* OUT2 (bit 5) goes high when the count reaches zero. */
	while (!(inb(PIT_GATE) & 0x20)) {
		if (++spins > 100000000u) {
			return 0; /* no PIT: leave time unknown, not hung */
		}
	}
	t1 = rdtsc();
	return (t1 - t0) * (1000 / CAL_MS);
}

void arch_timer_init(uint32_t hz)
{
	uint32_t div = PIT_HZ / hz;

	pic_init();
	tsc_hz = calibrate_tsc();
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi, mode 2 (rate generator) */
	outb(PIT_CH0, div & 0xff);
	outb(PIT_CH0, div >> 8);
	sti();
}

void timer_tick(void)
{
	ticks++;
	pic_eoi(0);
}

uint64_t arch_timer_ticks(void)
{
	return ticks;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

uint64_t arch_cycles_per_sec(void)
{
	return tsc_hz;
}

void arch_set_boot_cycles(uint64_t tsc)
{
	boot_tsc = tsc;
}

uint64_t arch_boot_cycles(void)
{
	return boot_tsc;
}

uint64_t arch_time_ns(void)
{
	uint64_t d;

	if (!tsc_hz) {
		return 0;
	}
	d = rdtsc() - boot_tsc;
	/* Split to avoid overflowing d * 1e9. */
	return d / tsc_hz * 1000000000u + d % tsc_hz * 1000000000u / tsc_hz;
}
