/* SPDX-License-Identifier: MIT */
/*
 * Upcalls: the kernel hands an environment a fault or a lost time slice by
 * pushing the interrupted context on the environment's exception stack and
 * starting its handler there. The handler resumes the context itself, in
 * user mode, without entering the kernel again.
 */
#include <stdint.h>

#include <exo/abi.h>
#include <exo/errors.h>

#include "env/env.h"
#include "vm/vm.h"

/* Flags a handler must not inherit: TF, DF, AC. */
#define RFLAGS_CLEAR (0x100u | 0x400u | 0x40000u)

int upcall_push(struct env *e, uint64_t entry, uint64_t kind, uint64_t vector,
		uint64_t error, uint64_t addr)
{
	struct exo_upcall_frame f, *uf;
	uint64_t sp = e->xstack_top;

	if (!entry || !sp) {
		return EXO_ERR_FAULT;
	}
	/* Nested: the handler itself was interrupted; keep its frame. */
	if (e->regs.rsp <= sp &&
	    e->regs.rsp > (sp > EXO_XSTACK_WINDOW ? sp - EXO_XSTACK_WINDOW : 0)) {
		sp = e->regs.rsp - EXO_UPCALL_GAP;
	}
	sp = (sp - sizeof(f)) & ~15ul;

	/*
	 * Write the frame straight into the user's page (via the direct
	 * map) when it lies in one page, the usual case; otherwise build it
	 * here and copy it across the page boundary.
	 */
	uf = user_ptr(e, sp, sizeof(*uf));
	if (!uf) {
		uf = &f;
	}
	uf->kind = kind;
	uf->vector = vector;
	uf->error = error;
	uf->addr = addr;
	uf->regs = e->regs;
	if (uf == &f && copy_to_user(e, sp, &f, sizeof(f))) {
		return EXO_ERR_FAULT;
	}
	e->regs.rip = entry;
	e->regs.rsp = sp;
	e->regs.rdi = sp;
	e->regs.rflags &= ~(uint64_t)RFLAGS_CLEAR;
	return 0;
}
