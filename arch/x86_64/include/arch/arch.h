/* SPDX-License-Identifier: MIT */
/*
 * What the arch-independent kernel asks of the architecture. Everything the
 * exokernel needs from the machine goes through these arch_* hooks.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Serial console (COM1), GDT, TSS and IDT. Called first, interrupts off. */
void arch_early_init(void);

/* Write @len bytes to the console; "\n" becomes "\r\n". */
void arch_console_write(const char *s, size_t len);

/* Is there an auxiliary serial line (COM2)? */
bool arch_aux_present(void);

/* Up to @len bytes that arrived on it, without waiting: how many. */
size_t arch_aux_read(char *buf, size_t len);

/*
 * Start the periodic timer at @hz (PIT through the legacy PIC) and measure
 * the time-stamp counter against it. Enables interrupts.
 */
void arch_timer_init(uint32_t hz);

/* Timer interrupts seen since arch_timer_init. */
uint64_t arch_timer_ticks(void);

/* Time-stamp counter, and its measured rate (0 before arch_timer_init). */
uint64_t arch_cycles(void);
uint64_t arch_cycles_per_sec(void);

/* Nanoseconds since boot from the time-stamp counter (0 until measured). */
uint64_t arch_time_ns(void);

/* Record the time-stamp counter read at the very first boot instruction. */
void arch_set_boot_cycles(uint64_t tsc);
uint64_t arch_boot_cycles(void);

/* Mask interrupts on this CPU. */
void arch_irq_disable(void);

/* Sleep until the next interrupt, with interrupts enabled. */
void arch_idle(void);

/*
 * End the run: report @code through QEMU's isa-debug-exit device (see
 * <exo/testexit.h>); where there is none, stop the CPU for good.
 */
_Noreturn void arch_exit(uint32_t code);

/*
 * Print a backtrace starting from frame pointer @rbp, one line a frame,
 * symbolised. Stops at the end of the stack or on anything implausible.
 */
void arch_backtrace(uint64_t rbp);

/*
 * Provided by the exokernel, called by the arch on interrupts and traps.
 *
 * kernel_tick: every timer interrupt, in any mode.
 * kernel_user_trap: any interrupt or exception taken in user mode, after
 * the user context was saved in arch_user_regs; resumes some environment.
 */
void kernel_tick(void);
_Noreturn void kernel_user_trap(uint64_t vector, uint64_t error,
				uint64_t addr);

#endif
