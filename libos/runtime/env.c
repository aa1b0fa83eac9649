/* SPDX-License-Identifier: MIT */
/*
 * Faults and children. Both are built from the kernel's raw mechanisms:
 * an exception stack plus the upcall entry for faults, and page system
 * calls over the read-only view of our own page tables for children.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/sched.h>

/* Where the runtime keeps its own pages: all in its private area. */
#define XSTACK_TOP RUNTIME_PRIVATE_HI
#define XSTACK_PAGES 8
/*
 * The pages at the top mapped first: enough for the pager's hook, the only
 * one that runs before the rest are mapped (xstack_complete), nested
 * faults included.
 */
#define XSTACK_HOT_PAGES 2
#define XSTACK_LOW (XSTACK_TOP - XSTACK_PAGES * EXO_PAGE_SIZE)
#define CHILD_STACK_TOP 0x00007d0000000000ul
#define CHILD_STACK_PAGES 16
#define SCRATCH_VA RUNTIME_PRIVATE_LO

static fault_handler_fn fault_fn, preempt_fn;
static upcall_hook_fn preempt_hook, fault_filter;
static page_fault_hook_fn page_hook;
static upcall_filter_fn filter_fn;

void libos_upcall(struct exo_upcall_frame *f);
void libos_upcall_partial(struct exo_upcall_frame *f);
static int register_upcalls(uint64_t env);
static void xstack_complete(void);

/*
 * The whole exception stack is mapped (else only its top pages, or
 * nothing), and upcalls come to exo_upcall_entry rather than
 * exo_upcall_entry_partial. A fork's child finds it clear
 * (runtime_prepare_child).
 */
static int xstack_whole;

/* libos_upcall past the pager's hook. */
static inline __attribute__((always_inline)) void
upcall_after_hook(struct exo_upcall_frame *f)
{
	int r;

	if (f->kind == EXO_UPCALL_FAULT) {
		if (filter_fn && filter_fn(f)) {
			return; /* it rewrote the frame to resume elsewhere */
		}
		if (fault_filter && fault_filter(f)) {
			return;
		}
		if (!fault_fn) {
			/*
			 * Nobody else wants it: withdraw the fault entry and
			 * resume, so the fault happens again and the kernel
			 * ends us with its record, as it ends any environment
			 * without a handler.
			 */
			exo_env_set_upcall(EXO_ENV_SELF, 0,
					   (preempt_fn || preempt_hook ||
					    filter_fn)
						   ? (uint64_t)exo_upcall_entry
						   : 0,
					   XSTACK_TOP, 0, 0);
			return;
		}
		r = fault_fn(f);
	} else if (filter_fn && filter_fn(f)) {
		return;
	} else if (preempt_hook) {
		r = preempt_hook(f);
	} else if (preempt_fn) {
		r = preempt_fn(f);
	} else {
		return; /* a lost slice nobody asked about: just resume */
	}
	if (r) {
		exit(r);
	}
}

/*
 * Did the pager's hook resolve this page fault? (It ends the program on
 * an error it cannot get past.)
 */
static inline __attribute__((always_inline)) bool
page_hook_resolved(struct exo_upcall_frame *f)
{
	int r;

	if (f->kind != EXO_UPCALL_FAULT || f->vector != 14 || !page_hook) {
		return false;
	}
	r = page_hook(f);
	if (r < 0) {
		exit(r);
	}
	return r == 0;
}

/*
 * Who sees an upcall, in order. A fault: for a page fault the pager's
 * hook first (demand-zero and copy-on-write faults are not errors, even
 * inside a module), then the upcall filter (the module framework's:
 * faults inside modules), the fault filter (the threads': stack guards),
 * and the program's fault handler. A lost slice: the upcall filter (the
 * modules' watchdog), then the threads' hook, else the program's
 * preemption handler.
 */
void libos_upcall(struct exo_upcall_frame *f)
{
	if (page_hook_resolved(f)) {
		return;
	}
	upcall_after_hook(f);
}

/*
 * The entry while only the top of the exception stack is mapped: the
 * pager's hook runs there; anything else first maps the rest and goes
 * back to the usual entry for good.
 */
void libos_upcall_partial(struct exo_upcall_frame *f)
{
	if (page_hook_resolved(f)) {
		return;
	}
	xstack_complete();
	if (register_upcalls(EXO_ENV_SELF)) {
		exit(EXO_ERR_FAULT);
	}
	upcall_after_hook(f);
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

/* Tell the kernel which upcalls @env takes now, on its exception stack. */
static int register_upcalls(uint64_t env)
{
	uint64_t entry = xstack_whole ? (uint64_t)exo_upcall_entry :
					(uint64_t)exo_upcall_entry_partial;
	bool faults = fault_fn || fault_filter || page_hook || filter_fn;
	bool preempts = preempt_fn || preempt_hook || filter_fn;

	return (int)exo_env_set_upcall(env, faults ? entry : 0,
				       preempts ? entry : 0, XSTACK_TOP, 0, 0);
}

static int have_stack;

/*
 * The exception stack starts with its top XSTACK_HOT_PAGES pages: the
 * kernel writes upcall frames only into mapped writable pages (else it
 * ends the environment), and the pager's hook needs no more. Everything
 * else that handles an upcall (filters, handlers of unknown depth) runs
 * after xstack_complete has mapped the rest, in this environment (a
 * fork's child starts with the top pages only).
 */
static int xstack_ready(void)
{
	int err;

	if (!have_stack) {
		err = map_anon(XSTACK_TOP - XSTACK_HOT_PAGES * EXO_PAGE_SIZE,
			       XSTACK_HOT_PAGES);
		if (err) {
			return err;
		}
		have_stack = 1;
	}
	return 0;
}

/* Map the rest of the exception stack if it is not yet. */
static void xstack_complete(void)
{
	int err;

	if (!(exo_pte(XSTACK_LOW) & EXO_PTE_P)) {
		err = map_anon(XSTACK_LOW, XSTACK_PAGES - XSTACK_HOT_PAGES);
		if (err) {
			exit(err);
		}
	}
	xstack_whole = 1;
}

/* Map the exception stack if need be, then register with the kernel. */
static int upcall_register(void)
{
	int err = xstack_ready();

	return err ? err : register_upcalls(EXO_ENV_SELF);
}

int set_fault_handler(fault_handler_fn fn, fault_handler_fn preempt)
{
	fault_fn = fn;
	preempt_fn = preempt;
	return upcall_register();
}

int libos_set_preempt_hook(upcall_hook_fn fn)
{
	preempt_hook = fn;
	return upcall_register();
}

int libos_set_fault_filter(upcall_hook_fn fn)
{
	fault_filter = fn;
	return upcall_register();
}

int set_page_fault_hook(page_fault_hook_fn hook)
{
	page_hook = hook;
	return upcall_register();
}

int set_upcall_filter(upcall_filter_fn filter)
{
	filter_fn = filter;
	return upcall_register();
}

int runtime_page_private(uint64_t va)
{
	return va >= RUNTIME_PRIVATE_LO && va < RUNTIME_PRIVATE_HI;
}

/*
 * The whole area, not its pages one range each: a fork then skips the
 * nearly empty page tables between them instead of reading them through.
 */
size_t runtime_private_ranges(struct runtime_range *out, size_t max)
{
	static const struct runtime_range r[RUNTIME_PRIVATE_RANGES] = {
		{ RUNTIME_PRIVATE_LO, RUNTIME_PRIVATE_HI },
	};

	for (size_t i = 0; i < max && i < RUNTIME_PRIVATE_RANGES; i++) {
		out[i] = r[i];
	}
	return RUNTIME_PRIVATE_RANGES;
}

int runtime_prepare_child(uint64_t child)
{
	struct exo_page_op ops[XSTACK_HOT_PAGES];
	int64_t r;
	int i;

	if (!have_stack) {
		return register_upcalls(child);
	}
	/*
	 * The child sees our memory as it is now: it must look for itself
	 * (we shall, once, too).
	 */
	xstack_whole = 0;
	/*
	 * The kernel writes upcall frames there: it must be the child's own.
	 * Its top pages are enough to start (see xstack_ready).
	 */
	for (i = 0; i < XSTACK_HOT_PAGES; i++) {
		int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, child, 0, 0, 0, 0);

		if (pa < 0) {
			return (int)pa;
		}
		ops[i].op = EXO_PAGE_OP_MAP;
		ops[i].perm = EXO_PERM_R | EXO_PERM_W;
		ops[i].count = 0;
		ops[i].va = XSTACK_TOP - (uint64_t)(i + 1) * EXO_PAGE_SIZE;
		ops[i].arg = (uint64_t)pa;
	}
	r = exo_page_batch(child, (uint64_t)ops, XSTACK_HOT_PAGES, 0, 0, 0);
	if (r != XSTACK_HOT_PAGES) {
		return r < 0 ? (int)r : EXO_ERR_NO_MEMORY;
	}
	return register_upcalls(child);
}

static int (*volatile spawn_entry)(uint64_t);
static volatile uint64_t spawn_arg;

static _Noreturn void child_start(void)
{
	/*
	 * The copied address space holds the handlers and their exception
	 * stack; the kernel's registration is per environment, so renew it.
	 */
	if ((fault_fn || preempt_fn || fault_filter || preempt_hook ||
	     page_hook || filter_fn) &&
	    upcall_register()) {
		exit(EXO_ERR_FAULT);
	}
	/*
	 * The copy was made with preemption off (spawn_fn): ending that
	 * section here is a scheduling point, where a thread library sees
	 * that it runs in a copy and keeps only the spawning thread.
	 */
	sched_preempt_wanted = 1;
	sched_preempt_enable();
	exit(spawn_entry(spawn_arg));
}

static uint32_t pte_perm(uint64_t pte)
{
	uint32_t perm = EXO_PERM_R;

	/* A copy-on-write page (the pager's mark) is logically writable. */
	if (pte & (EXO_PTE_W | EXO_PTE_USER0)) {
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
	if (!(pte & (EXO_PTE_W | EXO_PTE_USER0))) {
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

/*
 * The copy is made with preemption off, so that no other thread of ours
 * runs while the pages are copied: the child gets one snapshot, taken
 * while the spawning thread ran (child_start ends the section).
 */
int64_t spawn_fn(int (*fn)(uint64_t), uint64_t arg)
{
	int64_t child = exo_env_create(0, 0, 0, 0, 0, 0);
	int err;

	if (child < 0) {
		return child;
	}
	sched_preempt_disable();
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
	sched_preempt_enable();
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

	/*
	 * The kernel writes the record only into a writable page, and after
	 * a fork the page may be copy-on-write: writing it first here lets
	 * the pager make it ours.
	 */
	if (info) {
		memset(info, 0, sizeof(*info));
	}
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

_Static_assert(SCRATCH_VA >= RUNTIME_PRIVATE_LO &&
		       CHILD_STACK_TOP - CHILD_STACK_PAGES * EXO_PAGE_SIZE >=
			       RUNTIME_PRIVATE_LO &&
		       CHILD_STACK_TOP <= RUNTIME_PRIVATE_HI &&
		       XSTACK_TOP <= RUNTIME_PRIVATE_HI,
	       "the runtime's pages lie in its private area");
