/* SPDX-License-Identifier: MIT */
/* The fault handler behind probe_run. */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"
#include "probe.h"

#define RFLAGS_TF 0x100ul
#define RFLAGS_USER 0x202ul /* IF and the always-one bit */

volatile struct probe_fault probe_last;
volatile uint64_t probe_faults, probe_steps;
volatile probe_fn probe_nested;
volatile uint64_t probe_nested_arg;
volatile int64_t probe_nested_result;

/* Set by probe_run while a probe runs (probe.S). */
extern uint64_t probe_sp;
extern char probe_landing[];

static int probe_handler(struct exo_upcall_frame *f)
{
	probe_faults++;
	probe_last.vector = f->vector;
	probe_last.error = f->error;
	probe_last.addr = f->addr;
	probe_last.rip = f->regs.rip;
	if (f->vector == VEC_DB) {
		/* A trap: the instruction is done; stop single-stepping. */
		f->regs.rflags &= ~RFLAGS_TF;
		probe_steps++;
		return 0;
	}
	if (!probe_sp) {
		printf("FAIL: %s: fault outside a probe: vector %lu, error "
		       "0x%lx, address 0x%lx, rip 0x%lx (environment %x)\n",
		       check_prog(), (unsigned long)f->vector,
		       (unsigned long)f->error,
		       (unsigned long)f->addr, (unsigned long)f->regs.rip,
		       env_self());
		return 99;
	}
	if (probe_nested) {
		probe_fn fn = probe_nested;

		/* A fault inside this handler: its frame nests below ours. */
		probe_nested = 0;
		probe_nested_result = probe_run(fn, probe_nested_arg);
	}
	f->regs.rsp = probe_sp;
	f->regs.rip = (uint64_t)probe_landing;
	f->regs.rax = (uint64_t)PROBE_FAULTED;
	f->regs.rflags = RFLAGS_USER;
	return 0;
}

int probe_install(void)
{
	return set_fault_handler(probe_handler, NULL);
}
