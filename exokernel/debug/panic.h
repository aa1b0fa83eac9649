/* SPDX-License-Identifier: MIT */
/*
 * Stopping the kernel when its own state is corrupt. Never for anything a
 * user environment does: that gets an error code. A panic prints its
 * message and a symbolised backtrace, then ends the run with
 * EXO_TEST_PANIC (see <exo/testexit.h>).
 */
#ifndef DEBUG_PANIC_H
#define DEBUG_PANIC_H

#include <stdint.h>

_Noreturn void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * panic_begin - claim the panic path. Returns 0 the first time; a panic
 * inside a panic gets non-zero and should stop at once.
 */
int panic_begin(void);

/* End a panic report: a closing line, then arch_exit(EXO_TEST_PANIC). */
_Noreturn void panic_end(void);

/* Print "0xADDR <symbol+0xoff>" (or just the address) for @addr. */
void debug_print_addr(uint64_t addr);

/* The same for a return address, named after the call it returns from. */
void debug_print_return(uint64_t ret);

/* Assert a kernel invariant; a failure is corruption, so it panics. */
#define kassert(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, \
			      __LINE__);                                       \
		}                                                              \
	} while (0)

#endif
