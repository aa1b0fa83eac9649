/* SPDX-License-Identifier: MIT */
/* System calls on environments, frames, mappings and capabilities. */
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <arch/uctx.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"
#include "env/env.h"
#include "mm/kmem.h"
#include "syscall/syscall.h"
#include "vm/vm.h"

#define RFLAGS_USER 0x202 /* IF and the always-one bit */

/*
 * Rights arrive in 64-bit registers but are checked as narrower types:
 * narrowed by a cast, 1 << 32 | EXO_PERM_R would pass as EXO_PERM_R. A
 * value too wide saturates instead, which no rights check accepts.
 */
static uint32_t narrow(uint64_t v, uint32_t max)
{
	return v > max ? max : (uint32_t)v;
}

int64_t sys_env_self(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	return curenv->id;
}

int64_t sys_env_create(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	struct env *e;
	int err = env_alloc(curenv->id, &e);

	if (err) {
		return err;
	}
	return e->id;
}

/* The environment @id names, if the caller holds @right over it. */
static int controlled(uint64_t id, uint16_t right, struct env **out)
{
	struct env *e = env_resolve(curenv, (exo_envid_t)id);

	if (!e) {
		return EXO_ERR_NOT_FOUND;
	}
	if (e != curenv && !env_controls(curenv, e, right)) {
		return EXO_ERR_DENIED;
	}
	*out = e;
	return 0;
}

int64_t sys_env_start(uint64_t id, uint64_t rip, uint64_t rsp, uint64_t a3,
		      uint64_t a4, uint64_t a5)
{
	struct env *e;
	int err = controlled(id, EXO_CAP_CONTROL, &e);

	if (err) {
		return err;
	}
	if (e == curenv || e->state != ENV_CREATED) {
		return EXO_ERR_STATE;
	}
	if (rip < EXO_USER_MIN || !arch_user_addr_ok(rip) ||
	    !arch_user_addr_ok(rsp)) {
		return EXO_ERR_INVALID;
	}
	e->regs = (struct exo_regs){ 0 };
	e->regs.rip = rip;
	e->regs.rsp = rsp;
	e->regs.rflags = RFLAGS_USER;
	e->regs_fast = false;
	sched_enqueue(e);
	return 0;
}

int64_t sys_env_destroy(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3,
			uint64_t a4, uint64_t a5)
{
	struct env *e;
	int err = controlled(id, EXO_CAP_CONTROL, &e);

	if (err) {
		return err;
	}
	if (e == curenv) {
		return EXO_ERR_INVALID; /* env_exit is for that */
	}
	env_kill(e, EXO_EXIT_KILLED, 0);
	return 0;
}

int64_t sys_env_exit(uint64_t code, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	env_kill(curenv, EXO_EXIT_NORMAL, (int64_t)code);
	sched_next();
}

int64_t sys_env_wait(uint64_t id, uint64_t uinfo, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	bool alive = false;
	uint32_t seen = 0;

	if (curenv->nchildren == 0) {
		return EXO_ERR_NOT_FOUND;
	}
	/* Every child counts in nchildren: stop once all were looked at. */
	for (int i = 1; i < env_top && seen < curenv->nchildren; i++) {
		struct env *c = &envs[i];

		if (c->state == ENV_FREE || c->parent != curenv->id) {
			continue;
		}
		seen++;
		if (id != EXO_ENV_ANY && c->id != id) {
			continue;
		}
		if (c->state != ENV_ZOMBIE) {
			alive = true;
			continue;
		}
		if (uinfo && copy_to_user(curenv, uinfo, &c->exit,
					  sizeof(c->exit))) {
			return EXO_ERR_FAULT;
		}
		env_reap(c);
		return c->id;
	}
	return alive ? EXO_ERR_BUSY : EXO_ERR_NOT_FOUND;
}

int64_t sys_env_set_upcall(uint64_t id, uint64_t fault_entry,
			   uint64_t preempt_entry, uint64_t xstack_top,
			   uint64_t a4, uint64_t a5)
{
	struct env *e;
	int err = controlled(id, EXO_CAP_CONTROL, &e);

	if (err) {
		return err;
	}
	if (!arch_user_addr_ok(fault_entry) ||
	    !arch_user_addr_ok(preempt_entry) || !arch_user_addr_ok(xstack_top) ||
	    (xstack_top & 15)) {
		return EXO_ERR_INVALID;
	}
	e->fault_entry = fault_entry;
	e->preempt_entry = preempt_entry;
	e->xstack_top = xstack_top;
	return 0;
}

int64_t sys_frame_alloc(uint64_t pa, uint64_t owner_id, uint64_t a2,
			uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct env *owner;
	paddr_t got;
	int err = controlled(owner_id, EXO_CAP_MAP, &owner);

	if (err) {
		return err;
	}
	/* Zeroed before it changes hands: nothing leaks between owners. */
	if (pa == EXO_FRAME_ANY) {
		err = kframe_alloc_zeroed(owner->id, &got);
	} else {
		got = pa;
		err = frame_alloc_at(&kframes, pa, owner->id);
		if (err == EXO_ERR_INVALID) {
			err = EXO_ERR_DENIED; /* reserved: not the env's */
		}
		if (!err) {
			arch_zero_page(phys_to_virt(got));
		}
	}
	if (err) {
		return err;
	}
	frame_list_add(&kframes, &owner->frames, got);
	owner->info->frames++;
	return (int64_t)got;
}

int64_t sys_frame_free(uint64_t pa, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	struct frame *f = frame_lookup(&kframes, pa);
	struct env *owner;

	if (pa & (FRAME_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (!f || f->state != FRAME_USED) {
		return EXO_ERR_STATE;
	}
	owner = env_lookup(f->owner);
	if (!owner || (owner != curenv &&
		       !env_controls(curenv, owner, EXO_CAP_MAP))) {
		return EXO_ERR_DENIED;
	}
	if (f->refcount > 1 || cap_count_object(&kcaps, EXO_CAP_FRAME, pa)) {
		return EXO_ERR_BUSY; /* still mapped or granted */
	}
	frame_list_remove(&kframes, &owner->frames, pa);
	owner->info->frames--;
	frame_unref(&kframes, pa);
	return 0;
}

int64_t sys_page_map(uint64_t id, uint64_t va, uint64_t pa, uint64_t perm,
		     uint64_t a4, uint64_t a5)
{
	struct env *t = env_resolve(curenv, (exo_envid_t)id);

	if (!t) {
		return EXO_ERR_NOT_FOUND;
	}
	return vm_map(curenv, t, va, pa, narrow(perm, UINT32_MAX), NULL);
}

int64_t sys_cap_map(uint64_t id, uint64_t va, uint64_t slot, uint64_t perm,
		    uint64_t a4, uint64_t a5)
{
	struct env *t = env_resolve(curenv, (exo_envid_t)id);
	struct cap *c;
	int err;

	if (!t) {
		return EXO_ERR_NOT_FOUND;
	}
	err = cap_lookup(&kcaps, curenv->id, (int64_t)slot, EXO_CAP_FRAME, 0,
			 &c);
	if (err) {
		return err;
	}
	return vm_map(curenv, t, va, c->object, narrow(perm, UINT32_MAX), c);
}

/* Unmap and protect need only the right to map into the target. */
static int map_target(uint64_t id, struct env **out)
{
	struct env *t;

	/* Itself: env_resolve's and env_controls's answer, without them. */
	if (id == EXO_ENV_SELF && curenv) {
		*out = curenv;
		return 0;
	}
	t = env_resolve(curenv, (exo_envid_t)id);

	if (!t) {
		return EXO_ERR_NOT_FOUND;
	}
	if (!env_controls(curenv, t, EXO_CAP_MAP)) {
		return EXO_ERR_DENIED;
	}
	*out = t;
	return 0;
}

int64_t sys_page_unmap(uint64_t id, uint64_t va, uint64_t npages, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	struct env *t;
	int err = map_target(id, &t);

	return err ? err : vm_unmap(t, va, npages);
}

int64_t sys_page_protect(uint64_t id, uint64_t va, uint64_t npages,
			 uint64_t perm, uint64_t a4, uint64_t a5)
{
	struct env *t;
	int err = map_target(id, &t);

	if (err) {
		return err;
	}
	if (npages == 1) {
		return vm_protect_one(t, va, narrow(perm, UINT32_MAX));
	}
	return vm_protect(t, va, npages, narrow(perm, UINT32_MAX));
}

int64_t sys_page_clear_ad(uint64_t id, uint64_t va, uint64_t npages,
			  uint64_t bits, uint64_t a4, uint64_t a5)
{
	struct env *t;
	int err = map_target(id, &t);

	return err ? err : vm_clear_ad(t, va, npages, narrow(bits, UINT32_MAX));
}

int64_t sys_frame_refs(uint64_t pa, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	struct frame *f = frame_lookup(&kframes, pa);
	struct env *owner;

	if (pa & (FRAME_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (!f || f->state != FRAME_USED) {
		return EXO_ERR_STATE;
	}
	/* Only about frames the caller could free: its own, its children's. */
	owner = env_lookup(f->owner);
	if (!owner || (owner != curenv &&
		       !env_controls(curenv, owner, EXO_CAP_MAP))) {
		return EXO_ERR_DENIED;
	}
	return f->refcount;
}

/* The child page_share_range and page_lend_range may map into. */
static int lend_target(uint64_t id, struct env **out)
{
	struct env *c = env_resolve(curenv, (exo_envid_t)id);

	if (!c) {
		return EXO_ERR_NOT_FOUND;
	}
	if (c == curenv) {
		return EXO_ERR_INVALID;
	}
	if (!env_controls(curenv, c, EXO_CAP_MAP)) {
		return EXO_ERR_DENIED;
	}
	if (c->state != ENV_CREATED) {
		return EXO_ERR_STATE;
	}
	*out = c;
	return 0;
}

static int user_bit(uint64_t b)
{
	return b == EXO_PERM_USER0 || b == EXO_PERM_USER1 ||
	       b == EXO_PERM_USER2;
}

/*
 * Lend the caller's pages of [lo, hi) to a child not yet started, for a
 * copy-on-write fork: see vm_share_range. @mark is the EXO_PERM_USER*
 * bit that replaces W; @ro_mark (0: none) another one, for the pages
 * that were not writable.
 */
int64_t sys_page_share_range(uint64_t id, uint64_t lo, uint64_t hi,
			     uint64_t mark, uint64_t ro_mark, uint64_t a5)
{
	struct env *c;
	int err = lend_target(id, &c);

	if (err) {
		return err;
	}
	if ((lo | hi) & (EXO_PAGE_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (!user_bit(mark) || (ro_mark && (!user_bit(ro_mark) ||
					     ro_mark == mark))) {
		return EXO_ERR_INVALID;
	}
	if (lo >= hi) {
		return EXO_ERR_INVALID;
	}
	if (lo < EXO_USER_MIN || hi > EXO_USER_MAP_TOP) {
		return EXO_ERR_DENIED;
	}
	return (int64_t)vm_share_range(curenv, c, lo, hi, (mark >> 4) << 9,
				       (ro_mark >> 4) << 9);
}

/*
 * Lend the frames of the caller's pages [src, src + npages) read-only to
 * a child not yet started, at dst: see vm_lend_range.
 */
int64_t sys_page_lend_range(uint64_t id, uint64_t src, uint64_t dst,
			    uint64_t npages, uint64_t perm, uint64_t a5)
{
	struct env *c;
	int err = lend_target(id, &c);

	if (!err && (perm & ~(uint64_t)EXO_PERM_ALL)) {
		err = EXO_ERR_INVALID;
	}
	if (!err && (perm & EXO_PERM_W)) {
		err = EXO_ERR_INVALID; /* read-only: a writable page is copied */
	}
	if (!err) {
		err = vm_check_range(src, npages);
	}
	if (!err) {
		err = vm_check_range(dst, npages);
	}
	if (err) {
		return err;
	}
	return (int64_t)vm_lend_range(curenv, c, src, dst, npages,
				      (uint32_t)perm);
}

/*
 * Batched page operations. Every operation is checked before any is
 * applied; an operation that fails while being applied (only for want of
 * page-table memory) stops the batch, and the result says how many were
 * applied.
 */
int64_t sys_page_batch(uint64_t id, uint64_t uops, uint64_t n, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	/* Static: the kernel is not reentrant, and the stack is small. */
	static struct exo_page_op ops[EXO_PAGE_BATCH_MAX];
	static struct cap *caps[EXO_PAGE_BATCH_MAX];
	struct env *t;
	int err = map_target(id, &t);

	if (err) {
		return err;
	}
	if (n == 0 || n > EXO_PAGE_BATCH_MAX) {
		return EXO_ERR_TOO_BIG;
	}
	if (copy_from_user(curenv, ops, uops, n * sizeof(ops[0]))) {
		return EXO_ERR_FAULT;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct exo_page_op *op = &ops[i];

		caps[i] = NULL;
		err = vm_page_op_shape(op);
		if (err) {
			return err;
		}
		switch (op->op) {
		case EXO_PAGE_OP_MAP:
			err = vm_map_check(curenv, t, op->va, op->arg,
					   op->perm, NULL);
			break;
		case EXO_PAGE_OP_CAP_MAP:
			err = cap_lookup(&kcaps, curenv->id, (int64_t)op->arg,
					 EXO_CAP_FRAME, 0, &caps[i]);
			if (!err) {
				err = vm_map_check(curenv, t, op->va,
						   caps[i]->object, op->perm,
						   caps[i]);
			}
			break;
		case EXO_PAGE_OP_PROTECT:
			err = vm_protect_check(t, op->va, op->count, op->perm);
			break;
		default:
			break;
		}
		if (err) {
			return err;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		struct exo_page_op *op = &ops[i];

		switch (op->op) {
		case EXO_PAGE_OP_MAP:
			err = vm_map(curenv, t, op->va, op->arg, op->perm,
				     NULL);
			break;
		case EXO_PAGE_OP_CAP_MAP:
			err = vm_map(curenv, t, op->va, caps[i]->object,
				     op->perm, caps[i]);
			break;
		case EXO_PAGE_OP_UNMAP:
			err = vm_unmap(t, op->va, op->count);
			break;
		default:
			err = (int)vm_protect(t, op->va, op->count, op->perm);
			err = err < 0 ? err : 0;
		}
		if (err) {
			return i ? (int64_t)i : err;
		}
	}
	return (int64_t)n;
}

int64_t sys_cap_frame(uint64_t pa, uint64_t rights, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5)
{
	struct frame *f = frame_lookup(&kframes, pa);

	if (pa & (FRAME_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (!f || f->state != FRAME_USED || f->owner != curenv->id) {
		return EXO_ERR_DENIED;
	}
	return cap_create(&kcaps, curenv->id, EXO_CAP_FRAME,
			  (uint16_t)narrow(rights, UINT16_MAX), pa);
}

int64_t sys_cap_env(uint64_t id, uint64_t rights, uint64_t a2, uint64_t a3,
		    uint64_t a4, uint64_t a5)
{
	struct env *e = env_resolve(curenv, (exo_envid_t)id);

	if (!e) {
		return EXO_ERR_NOT_FOUND;
	}
	if (e->parent != curenv->id) {
		return EXO_ERR_DENIED; /* only a parent mints env caps */
	}
	return cap_create(&kcaps, curenv->id, EXO_CAP_ENV,
			  (uint16_t)narrow(rights, UINT16_MAX), e->id);
}

int64_t sys_cap_grant(uint64_t slot, uint64_t to_id, uint64_t rights,
		      uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct env *to = env_resolve(curenv, (exo_envid_t)to_id);

	if (!to) {
		return EXO_ERR_NOT_FOUND;
	}
	if (rights & ~(uint64_t)EXO_CAP_ALL) {
		return EXO_ERR_INVALID;
	}
	return cap_derive(&kcaps, curenv->id, (int64_t)slot, to->id,
			  (uint16_t)rights);
}

int64_t sys_cap_revoke(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4, uint64_t a5)
{
	return cap_revoke(&kcaps, curenv->id, (int64_t)slot);
}

int64_t sys_cap_drop(uint64_t slot, uint64_t a1, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	return cap_delete(&kcaps, curenv->id, (int64_t)slot);
}

int64_t sys_cap_info(uint64_t slot, uint64_t uinfo, uint64_t a2, uint64_t a3,
		     uint64_t a4, uint64_t a5)
{
	struct exo_cap_info ci;
	struct cap *c;
	int err = cap_lookup(&kcaps, curenv->id, (int64_t)slot, 0, 0, &c);

	if (err) {
		return err;
	}
	ci.type = c->type;
	ci.rights = c->rights;
	ci.object = c->object;
	return copy_to_user(curenv, uinfo, &ci, sizeof(ci));
}
