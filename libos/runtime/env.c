/* SPDX-License-Identifier: MIT */
/*
 * Faults and children. Both are built from the kernel's raw mechanisms:
 * an exception stack plus the upcall entry for faults, and page system
 * calls over the read-only view of our own page tables for children.
 */
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>

/* Where the runtime keeps its own pages. */
#define XSTACK_TOP 0x00007e0000000000ul
#define XSTACK_PAGES 8
#define CHILD_STACK_TOP 0x00007d0000000000ul
#define CHILD_STACK_PAGES 16
#define SCRATCH_VA 0x00007c0000000000ul

static fault_handler_fn fault_fn, preempt_fn;
static upcall_filter_fn filter_fn;

void libos_upcall(struct exo_upcall_frame *f);

void libos_upcall(struct exo_upcall_frame *f)
{
	fault_handler_fn fn = f->kind == EXO_UPCALL_FAULT ? fault_fn
							   : preempt_fn;
	int r;

	if (filter_fn && filter_fn(f)) {
		return; /* the filter rewrote the frame to resume elsewhere */
	}
	if (!fn && f->kind == EXO_UPCALL_FAULT) {
		/* Only the filter asked for faults: this one is nobody's. */
		printf("libos: unhandled fault, vector %lu at 0x%lx "
		       "(address 0x%lx)\n",
		       (unsigned long)f->vector, (unsigned long)f->regs.rip,
		       (unsigned long)f->addr);
		exit(128 + (int)f->vector);
	}
	if (!fn) {
		return; /* a lost slice nobody asked about: just resume */
	}
	r = fn(f);
	if (r) {
		exit(r);
	}
}

int map_anon(uint64_t va, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0,
					     0, 0);
		int64_t err;

		if (pa < 0) {
			return (int)pa;
		}
		err = exo_page_map(EXO_ENV_SELF, va + i * EXO_PAGE_SIZE,
				   (uint64_t)pa, EXO_PERM_R | EXO_PERM_W, 0, 0);
		if (err) {
			return (int)err;
		}
	}
	return 0;
}

/* Register the upcall entries the handlers and the filter need. */
static int register_upcalls(void)
{
	static int have_stack;
	int err;

	if (!have_stack) {
		err = map_anon(XSTACK_TOP - XSTACK_PAGES * EXO_PAGE_SIZE,
			       XSTACK_PAGES);
		if (err) {
			return err;
		}
		have_stack = 1;
	}
	return (int)exo_env_set_upcall(
		EXO_ENV_SELF, (uint64_t)exo_upcall_entry,
		preempt_fn || filter_fn ? (uint64_t)exo_upcall_entry : 0,
		XSTACK_TOP, 0, 0);
}

int set_fault_handler(fault_handler_fn fn, fault_handler_fn preempt)
{
	fault_fn = fn;
	preempt_fn = preempt;
	return register_upcalls();
}

int set_upcall_filter(upcall_filter_fn filter)
{
	filter_fn = filter;
	return register_upcalls();
}

static int (*volatile spawn_entry)(uint64_t);
static volatile uint64_t spawn_arg;

static _Noreturn void child_start(void)
{
	/*
	 * The copied address space holds the handlers and their exception
	 * stack; the kernel's registration is per environment, so renew it.
	 */
	if ((fault_fn || preempt_fn || filter_fn) && register_upcalls()) {
		exit(EXO_ERR_FAULT);
	}
	exit(spawn_entry(spawn_arg));
}

static uint32_t pte_perm(uint64_t pte)
{
	uint32_t perm = EXO_PERM_R;

	if (pte & EXO_PTE_W) {
		perm |= EXO_PERM_W;
	}
	if (!(pte & EXO_PTE_NX)) {
		perm |= EXO_PERM_X;
	}
	return perm;
}

/* Give @child its own copy of our page at @va. */
static int copy_page(uint64_t child, uint64_t va, uint64_t pte)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, child, 0, 0, 0, 0);
	int64_t err;

	if (pa < 0) {
		return (int)pa;
	}
	err = exo_page_map(EXO_ENV_SELF, SCRATCH_VA, (uint64_t)pa,
			   EXO_PERM_R | EXO_PERM_W, 0, 0);
	if (err) {
		return (int)err;
	}
	memcpy((void *)SCRATCH_VA, (const void *)va, EXO_PAGE_SIZE);
	exo_page_unmap(EXO_ENV_SELF, SCRATCH_VA, 1, 0, 0, 0);
	return (int)exo_page_map(child, va, (uint64_t)pa, pte_perm(pte), 0, 0);
}

static int clone_page(uint64_t child, uint64_t va, uint64_t pte)
{
	int err;

	/* The child gets a fresh stack; the scratch page is ours alone. */
	if (va == SCRATCH_VA ||
	    (va >= CHILD_STACK_TOP - CHILD_STACK_PAGES * EXO_PAGE_SIZE &&
	     va < CHILD_STACK_TOP)) {
		return 0;
	}
	if (!(pte & EXO_PTE_W)) {
		/* Share read-only pages when we may; else copy them. */
		err = (int)exo_page_map(child, va, pte & EXO_PTE_ADDR,
					pte_perm(pte), 0, 0);
		if (err != EXO_ERR_DENIED) {
			return err;
		}
	}
	return copy_page(child, va, pte);
}

/* Walk our own page tables through the read-only view. */
static int clone_level(uint64_t child, uint64_t base, int level)
{
	uint64_t span = EXO_PAGE_SIZE << (9 * (level - 1));
	int n = level == 4 ? 255 : 512;

	for (int i = 0; i < n; i++) {
		uint64_t va = base + (uint64_t)i * span;
		uint64_t e;
		int err;

		if (va >= EXO_USER_MAP_TOP) {
			break;
		}
		e = *exo_pt_view_entry(va, level);
		if (!(e & EXO_PTE_P)) {
			continue;
		}
		err = level == 1 ? clone_page(child, va, e)
				 : clone_level(child, va, level - 1);
		if (err) {
			return err;
		}
	}
	return 0;
}

int64_t spawn_fn(int (*fn)(uint64_t), uint64_t arg)
{
	int64_t child = exo_env_create(0, 0, 0, 0, 0, 0);
	int err;

	if (child < 0) {
		return child;
	}
	spawn_entry = fn;
	spawn_arg = arg;
	err = clone_level((uint64_t)child, 0, 4);
	for (int i = 0; !err && i < CHILD_STACK_PAGES; i++) {
		uint64_t va = CHILD_STACK_TOP - (uint64_t)(i + 1) * EXO_PAGE_SIZE;
		int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, (uint64_t)child, 0,
					     0, 0, 0);

		err = pa < 0 ? (int)pa
			     : (int)exo_page_map((uint64_t)child, va,
						 (uint64_t)pa,
						 EXO_PERM_R | EXO_PERM_W, 0, 0);
	}
	if (!err) {
		/* As if called: rsp is 8 past a 16-byte boundary. */
		err = (int)exo_env_start((uint64_t)child, (uint64_t)child_start,
					 CHILD_STACK_TOP - 8, 0, 0, 0);
	}
	if (err) {
		exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
		exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
		return err;
	}
	return child;
}

int64_t wait_child(exo_envid_t id, struct exo_exit_info *info)
{
	struct exo_msg m;
	int64_t r;

	for (;;) {
		r = exo_env_wait(id, (uint64_t)info, 0, 0, 0, 0);
		if (r != EXO_ERR_BUSY) {
			return r;
		}
		/* Sleep until a notification; refuse calls meanwhile. */
		m.cap = EXO_CAP_NONE;
		r = exo_ipc_recv_msg(0, &m);
		while (r == EXO_IPC_CALL) {
			m.w[0] = (uint64_t)EXO_ERR_BUSY;
			m.cap = EXO_CAP_NONE;
			r = exo_ipc_reply_recv_msg(m.peer, &m);
		}
	}
}
