/* SPDX-License-Identifier: MIT */
/* The environment table: lookup, authority, creation and death. */
#include <stdint.h>
#include <string.h>

#include <arch/arch.h>
#include <arch/mmu.h>
#include <arch/uctx.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"
#include "debug/panic.h"
#include "env/env.h"
#include "ipc/ipc.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "vm/vm.h"

struct env envs[NENV];
int env_top = 1;
struct env *curenv;
struct cap_pool kcaps;
struct exo_sys_info *sysinfo;

static paddr_t sysinfo_pa;
static uint32_t generation[NENV];
static uint32_t live;

static struct cspace *cspace_of(void *ctx, uint32_t id)
{
	struct env *e = env_lookup(id);

	(void)ctx;
	return e ? &e->cspace : NULL;
}

static void cap_unmap(void *ctx, uint32_t env, uint64_t va, uint64_t object)
{
	(void)ctx;
	vm_unmap_if(env, va, object);
}

static void *cap_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return kmalloc(size);
}

static void cap_free(void *ctx, void *p)
{
	(void)ctx;
	kfree(p);
}

static const struct cap_ops kcap_ops = {
	.cspace_of = cspace_of,
	.unmap = cap_unmap,
	.alloc = cap_alloc,
	.free = cap_free,
};

void env_init(void)
{
	if (kframe_alloc_zeroed(FRAME_OWNER_KERNEL, &sysinfo_pa)) {
		panic("no frame for the system info page");
	}
	sysinfo = phys_to_virt(sysinfo_pa);
	sysinfo->abi_version = EXO_ABI_VERSION;
	sysinfo->tsc_hz = arch_cycles_per_sec();
	sysinfo->boot_tsc = arch_boot_cycles();
	sysinfo->frames_total = kframes.nusable;
	sysinfo->frames_free = frame_free_count(&kframes);
	arch_sysinfo = sysinfo;
	cap_pool_init(&kcaps, &kcap_ops, NULL);
	arch_syscall_init();
}

bool env_controls(struct env *caller, struct env *target, uint16_t right)
{
	if (caller == target) {
		return right == EXO_CAP_MAP;
	}
	if (target->parent == caller->id) {
		return true;
	}
	return cap_holds(&kcaps, caller->id, EXO_CAP_ENV, target->id, right);
}

uint32_t env_count(void)
{
	return live;
}

int env_alloc(exo_envid_t parent, struct env **out)
{
	struct env *e = NULL;
	paddr_t info;
	int i;

	for (i = 1; i < NENV; i++) {
		if (envs[i].state == ENV_FREE) {
			e = &envs[i];
			break;
		}
	}
	if (!e) {
		return EXO_ERR_LIMIT;
	}
	if (i + 1 > env_top) {
		env_top = i + 1;
	}
	memset(e, 0, sizeof(*e));
	frame_list_init(&e->pt_leaf);
	frame_list_init(&e->pt_upper);
	e->root = vm_pt_alloc(NULL, 4);
	if (!e->root) {
		return EXO_ERR_NO_MEMORY;
	}
	arch_as_init(e->root);
	if (kframe_alloc_zeroed(FRAME_OWNER_KERNEL, &info)) {
		goto err_teardown;
	}
	vm_kernel_frames++;
	if (vm_map_kernel_page(e, EXO_INFO_VA, info) ||
	    vm_map_kernel_page(e, EXO_SYSINFO_VA, sysinfo_pa)) {
		goto err_free_info;
	}

	generation[i] = (generation[i] + 1) & 0xffffff;
	if (generation[i] == 0) {
		generation[i] = 1;
	}
	e->id = generation[i] << 8 | (uint32_t)i;
	e->state = ENV_CREATED;
	e->parent = parent;
	if (env_lookup(parent)) {
		env_lookup(parent)->nchildren++;
	}
	e->info_pa = info;
	e->info = phys_to_virt(info);
	e->info->abi_version = EXO_ABI_VERSION;
	e->info->id = e->id;
	e->info->parent = parent;
	e->ipc_cap = EXO_CAP_NONE;
	frame_list_init(&e->frames);
	cspace_init(&e->cspace);
	live++;
	sysinfo->envs = live;
	*out = e;
	return 0;

err_free_info:
	frame_unref(&kframes, info);
	vm_kernel_frames--;
err_teardown:
	vm_teardown(e); /* drops any mapping made and the tables */
	return EXO_ERR_NO_MEMORY;
}

/* Wake every environment blocked on @dead with an error. */
static void wake_waiters(struct env *dead)
{
	for (int i = 1; i < env_top; i++) {
		struct env *w = &envs[i];

		if ((w->state == ENV_SEND || w->state == ENV_REPLY) &&
		    w->ipc_peer == dead->id) {
			w->regs.rax = (uint64_t)EXO_ERR_NOT_FOUND;
			w->send_next = NULL;
			sched_enqueue(w);
		}
	}
	dead->send_head = dead->send_tail = NULL;
}

void env_reap(struct env *e)
{
	struct env *parent = env_lookup(e->parent);

	if (parent) {
		parent->nchildren--;
	}
	e->state = ENV_FREE;
	live--;
	sysinfo->envs = live;
}

void env_kill(struct env *e, uint32_t reason, int64_t code)
{
	struct env *parent;
	bool had_children = e->nchildren != 0;
	paddr_t pa;

	if (e->state == ENV_FREE || e->state == ENV_ZOMBIE) {
		return;
	}
	e->exit.env = e->id;
	e->exit.reason = reason;
	e->exit.code = code;

	if (e->state == ENV_RUNNABLE) {
		sched_dequeue(e);
	}
	if (e->state == ENV_SEND) {
		ipc_unqueue(e);
	}
	wake_waiters(e);

	/* Capabilities go first: they may unmap pages of others. */
	cspace_clear(&kcaps, e->id);
	cap_delete_object(&kcaps, EXO_CAP_ENV, e->id);
	vm_teardown(e);
	while (frame_list_pop(&kframes, &e->frames, &pa) == 0) {
		struct frame *f = frame_lookup(&kframes, pa);

		/* Still mapped elsewhere: it lives on, owned by nobody. */
		f->owner = FRAME_OWNER_NONE;
		frame_unref(&kframes, pa);
	}
	frame_unref(&kframes, e->info_pa);
	vm_kernel_frames--;
	e->info = NULL;
	/* Its frames are back: say so now rather than at the next tick. */
	sysinfo->frames_free = frame_free_count(&kframes);
	if (e == curenv) {
		curenv = NULL;
	}

	for (int i = 1; had_children && i < env_top; i++) {
		struct env *c = &envs[i];

		if (c->state != ENV_FREE && c->state != ENV_CREATED &&
		    c->parent == e->id) {
			c->parent = 0;
			if (c->state == ENV_ZOMBIE) {
				env_reap(c);
			}
		}
	}

	log_debug("env", "%x ended: %s, code %ld", e->id,
		 reason == EXO_EXIT_NORMAL	  ? "exit"
		 : reason == EXO_EXIT_KILLED	  ? "destroyed"
		 : reason == EXO_EXIT_FAULT	  ? "fault without handler"
						  : "fault delivering upcall",
		 (long)code);
	kernel_env_ended(e);

	parent = env_lookup(e->parent);
	e->state = ENV_ZOMBIE;
	if (parent) {
		ipc_notify(parent, EXO_NOTIFY_CHILD);
	} else {
		env_reap(e);
	}

	/*
	 * Children never started can now never start: only @e could mint
	 * control over them, and its capabilities are gone. They go too,
	 * now that @e is past the states their deaths wake (it may have
	 * been calling one of them).
	 */
	for (int i = 1; had_children && i < env_top; i++) {
		struct env *c = &envs[i];

		if (c->state == ENV_CREATED && c->parent == e->id) {
			c->parent = 0;
			env_kill(c, EXO_EXIT_KILLED, 0);
		}
	}
}
