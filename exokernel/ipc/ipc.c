/* SPDX-License-Identifier: MIT */
/*
 * Register conventions (see docs/syscalls.md):
 *   ipc_call(dest, w0, w1, w2, w3, cap)        in  rdi rsi rdx r10 r8 r9
 *   ipc_reply_recv(to, w0, w1, w2, w3, cap)    in  rdi rsi rdx r10 r8 r9
 *   every return: rax status or EXO_IPC_CALL/EXO_IPC_NOTIFY, rdi peer,
 *   rsi rdx r10 r8 the words, r9 the transferred cap slot or -1.
 *
 * Outputs are written into the receiving environment's saved registers,
 * running or blocked (a system call's handler returns rax itself).
 */
#include <stdint.h>

#include <arch/uctx.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"
#include "env/env.h"
#include "ipc/ipc.h"
#include "syscall/syscall.h"

/* The slots a message's outputs go to, in either kind of saved state. */
struct ipc_out {
	uint64_t *rax, *rdi, *rsi, *rdx, *r10, *r8, *r9;
};

static struct ipc_out out_of_regs(struct exo_regs *r)
{
	return (struct ipc_out){ &r->rax, &r->rdi, &r->rsi, &r->rdx,
				 &r->r10, &r->r8,  &r->r9 };
}

/*
 * Give a copy of @from's capability @slot to @to; the slot it landed in,
 * or EXO_CAP_NONE when there was none or @to's cspace is full.
 */
static int64_t transfer_cap(struct env *from, int64_t slot, struct env *to)
{
	struct cap *c;
	int r;

	if (slot == EXO_CAP_NONE ||
	    cap_lookup(&kcaps, from->id, slot, 0, EXO_CAP_GRANT, &c)) {
		return EXO_CAP_NONE;
	}
	r = cap_derive(&kcaps, from->id, slot, to->id, c->rights);
	return r < 0 ? EXO_CAP_NONE : r;
}

static void deliver(struct ipc_out o, uint64_t status, struct env *from,
		    const uint64_t w[4], int64_t cap)
{
	*o.rax = status;
	*o.rdi = from->id;
	*o.rsi = w[0];
	*o.rdx = w[1];
	*o.r10 = w[2];
	*o.r8 = w[3];
	*o.r9 = (uint64_t)cap;
}

static void deliver_notify(struct ipc_out o, struct env *e)
{
	static const uint64_t none[4];

	*o.rax = EXO_IPC_NOTIFY;
	*o.rdi = 0;
	*o.rsi = e->notify_bits;
	*o.rdx = *o.r10 = *o.r8 = none[0];
	*o.r9 = (uint64_t)EXO_CAP_NONE;
	e->notify_bits = 0;
}

void ipc_unqueue(struct env *e)
{
	struct env *dest = env_lookup(e->ipc_peer);
	struct env **pp, *prev = NULL;

	if (!dest) {
		return;
	}
	for (pp = &dest->send_head; *pp && *pp != e; pp = &(*pp)->send_next) {
		prev = *pp;
	}
	if (*pp) {
		*pp = e->send_next;
		if (dest->send_tail == e) {
			dest->send_tail = prev;
		}
	}
	e->send_next = NULL;
}

void ipc_notify(struct env *target, uint64_t bits)
{
	target->notify_bits |= bits;
	if (target->state == ENV_RECV) {
		deliver_notify(out_of_regs(&target->regs), target);
		sched_enqueue(target);
	}
}

/*
 * Receive for the running environment without blocking: a pending
 * notification first, then the first queued caller. Return: 1 if
 * something was delivered into @o, else 0.
 */
static int try_recv(struct env *self, struct ipc_out o)
{
	struct env *s = self->send_head;

	if (self->notify_bits) {
		deliver_notify(o, self);
		return 1;
	}
	if (!s) {
		return 0;
	}
	self->send_head = s->send_next;
	if (!self->send_head) {
		self->send_tail = NULL;
	}
	s->send_next = NULL;
	s->state = ENV_REPLY;
	self->info->ipc_received++;
	deliver(o, EXO_IPC_CALL, s, s->ipc_words,
		transfer_cap(s, s->ipc_cap, self));
	return 1;
}

/* A capability to pass must be one the sender may grant (or none). */
static int check_cap_arg(struct env *self, int64_t slot)
{
	struct cap *c;

	if (slot == EXO_CAP_NONE) {
		return 0;
	}
	return cap_lookup(&kcaps, self->id, slot, 0, EXO_CAP_GRANT, &c);
}

int64_t sys_ipc_call(uint64_t dest_id, uint64_t w0, uint64_t w1, uint64_t w2,
		     uint64_t w3, uint64_t cap)
{
	struct env *self = curenv, *dest;
	uint64_t w[4] = { w0, w1, w2, w3 };
	int err;

	dest = env_resolve(self, (exo_envid_t)dest_id);
	if (!dest) {
		return EXO_ERR_NOT_FOUND;
	}
	if (dest == self) {
		return EXO_ERR_INVALID; /* would wait for itself forever */
	}
	err = check_cap_arg(self, (int64_t)cap);
	if (err) {
		return err;
	}
	self->info->ipc_calls++;
	sysinfo->ipc_calls++;
	self->ipc_peer = dest->id;
	if (dest->state == ENV_RECV) {
		/* Fast path: straight to the waiting receiver. */
		sched_block_current(ENV_REPLY, 0);
		dest->info->ipc_received++;
		deliver(out_of_regs(&dest->regs), EXO_IPC_CALL, self, w,
			transfer_cap(self, (int64_t)cap, dest));
		dest->slice_left = self->slice_left;
		self->slice_left = 0;
		sched_run(dest);
	}
	/* Queue behind other callers until dest receives. */
	for (int i = 0; i < 4; i++) {
		self->ipc_words[i] = w[i];
	}
	self->ipc_cap = (int64_t)cap;
	self->send_next = NULL;
	if (dest->send_tail) {
		dest->send_tail->send_next = self;
	} else {
		dest->send_head = self;
	}
	dest->send_tail = self;
	sched_block_current(ENV_SEND, 0);
	sched_next();
}

int64_t sys_ipc_recv(uint64_t flags, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	if (flags & ~(uint64_t)EXO_RECV_NONBLOCK) {
		return EXO_ERR_INVALID;
	}
	if (try_recv(curenv, out_of_regs(&curenv->regs))) {
		return (int64_t)curenv->regs.rax;
	}
	if (flags & EXO_RECV_NONBLOCK) {
		return EXO_ERR_BUSY;
	}
	sched_block_current(ENV_RECV, 0);
	sched_next();
}

int64_t sys_ipc_reply_recv(uint64_t to_id, uint64_t w0, uint64_t w1,
			   uint64_t w2, uint64_t w3, uint64_t cap)
{
	struct env *self = curenv, *to;
	uint64_t w[4] = { w0, w1, w2, w3 };
	int err;

	to = env_resolve(self, (exo_envid_t)to_id);
	if (!to) {
		return EXO_ERR_NOT_FOUND;
	}
	if (to->state != ENV_REPLY || to->ipc_peer != self->id) {
		return EXO_ERR_STATE; /* not waiting for our reply */
	}
	err = check_cap_arg(self, (int64_t)cap);
	if (err) {
		return err;
	}
	deliver(out_of_regs(&to->regs), 0, self, w,
		transfer_cap(self, (int64_t)cap, to));
	if (try_recv(self, out_of_regs(&self->regs))) {
		/* More work already waiting: the replied-to runs later. */
		sched_enqueue(to);
		return (int64_t)self->regs.rax;
	}
	/* Fast path: wait for the next call, run the caller right away. */
	sched_block_current(ENV_RECV, 0);
	to->slice_left = self->slice_left;
	self->slice_left = 0;
	sched_run(to);
}

int64_t sys_notify(uint64_t target_id, uint64_t bits, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5)
{
	struct env *t = env_resolve(curenv, (exo_envid_t)target_id);

	if (!t) {
		return EXO_ERR_NOT_FOUND;
	}
	if (bits == 0) {
		return EXO_ERR_INVALID;
	}
	ipc_notify(t, bits);
	return 0;
}
