/* SPDX-License-Identifier: MIT */
/*
 * pager.cow, the libOS's default pager: regions backed on first touch by
 * zeroed frames (or at once with PAGER_MAP_EAGER), copy-on-write fork,
 * growing stacks with guard pages, and, once a limit is set, eviction to
 * a swap store chosen by a replaceable policy (clock by default, aging).
 *
 * Copy-on-write. pager_fork maps each writable page of ours into the
 * child read-only with the PAGER_PTE_COW mark and makes ours the same.
 * A write to a marked page faults; the pager then asks the kernel how many
 * references the frame has (frame_refs): 2 (its owner and our mapping)
 * means nobody else maps it any more, so the page is just made writable
 * again; otherwise it is copied into a fresh frame of ours. Frames of ours
 * we stopped mapping while others still do are kept in a list and freed
 * once the others let go (the list is tried at each fork and unmap).
 *
 * Hazard: in a child, the pager's own variables sit in pages that are
 * themselves copy-on-write. Resolving a copy-on-write fault therefore
 * writes no variable until the page is remapped, so a nested fault on a
 * variable's page can always be resolved.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libos/pager_impl.h>
#include <libos/runtime.h>
#include <libos/sched.h>

#define PAGE EXO_PAGE_SIZE
#define PAGE_MASK (EXO_PAGE_SIZE - 1)

/*
 * The pager's own pages, in the last 2 MiB of its range (never placed,
 * never shared by fork): work areas mapped when first needed, so that a
 * program that never forks or evicts carries none of them, and two
 * one-page windows.
 */
#define PLACE_TOP (PAGER_REGION_TOP - 0x200000ul)
#define PROT_OPS_VA (PLACE_TOP + 0x10000ul) /* protect_marked's batch */
#define EVICT_VA (PLACE_TOP + 0x20000ul) /* struct evict_state */
#define COPY_WINDOW (PAGER_REGION_TOP - 2 * PAGE)
#define SWAP_WINDOW (PAGER_REGION_TOP - 3 * PAGE)

#define SWAP_SLOTS 2048 /* 8 MiB of swap store */

/*
 * The stack area's slot table, mapped at the first stack. Unlike the work
 * areas above it is part of the address space a fork or spawn copies: a
 * child's stacks are its parent's.
 */
#define STACK_TABLE_VA 0x0000600000000000ul
#define STACK_AREA_END (PAGER_STACKS_BASE + PAGER_STACK_SLOTS * PAGER_STACK_SLOT)
_Static_assert(STACK_TABLE_VA + sizeof(struct stack_area) <= PAGER_STACKS_BASE,
	       "the slot table is below the stack area");
_Static_assert(STACK_AREA_END <= 0x0000700000000000ul,
	       "thread stacks stay in their range");

/* What pager_ctx_save keeps (arch/x86_64/user/fork.S). */
struct pager_fork_ctx {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
struct pager_fork_ctx pager_fork_ctx;
int pager_ctx_save(struct pager_fork_ctx *ctx) __attribute__((returns_twice));
void pager_ctx_resume(void);

/* What eviction needs, at EVICT_VA once a limit is set. */
struct evict_state {
	uint64_t resident[POLICY_SLOTS_MAX]; /* slot -> page, 0 when free */
	struct swap_map swap;
	struct policy_clock clock;
	struct policy_aging aging;
	uint64_t frames[SWAP_SLOTS]; /* the swap store's */
	/* At a fork: the frames of the child's swap store, per slot. */
	uint64_t fork_frames[SWAP_SLOTS];
};

/* The eviction state's pages: shared with a child at a fork. */
#define EVICT_BYTES                                                       \
	((sizeof(struct evict_state) + PAGE_MASK) & ~(uint64_t)PAGE_MASK)
_Static_assert(EVICT_VA + EVICT_BYTES <= SWAP_WINDOW,
	       "the eviction state fits below the windows");

struct cow_pager {
	struct pager base;
	struct region_table regions;
	struct pager_stats st;
	int hooked; /* the page-fault hook is installed */
	int shared; /* copy-on-write pages may exist (we forked or were) */
	int aging; /* evict by aging rather than clock */
	/* Eviction, once a limit is set: ev, swap and policy at EVICT_VA. */
	uint64_t limit;
	size_t nresident;
	struct evict_state *ev;
	struct swap_map *swap;
	struct pager_policy *policy;
	struct swap_store *store;
	/* Frames of ours that others still map. */
	struct cow_orphans orphans;
	/* The stack area's slots, at STACK_TABLE_VA once a stack exists. */
	struct stack_area *stacks;
	int stack_region; /* its region is known to be whole */
	/*
	 * cow_protect's shortcuts, kept by protect_in_place: the index of
	 * the region it last found, and the leaf_key() of the last 2 MiB
	 * block whose upper page-table levels it found present (0: none).
	 */
	size_t hint;
	uint64_t leaf_key;
};

/* The one instance; pager.eager serves it with other ops. */
struct cow_pager pager_cow_pg;

static int fault_hook(struct exo_upcall_frame *f);
static int work_area(uint64_t va, size_t bytes);
static int stack_fault(struct cow_pager *p, struct exo_upcall_frame *f,
		       uint64_t va);

static int hook(struct cow_pager *p)
{
	int err;

	if (p->hooked) {
		return 0;
	}
	err = set_page_fault_hook(fault_hook);
	if (!err) {
		p->hooked = 1;
	}
	return err;
}

/*
 * The leaf table mapping @va as seen through the view (its entries are
 * consecutive there), or NULL when an upper level is not present. A loop
 * over a range looks it up once per 2 MiB instead of walking four levels
 * for each page as exo_pte does.
 */
static const volatile uint64_t *leaf_table(uint64_t va)
{
	for (int level = 4; level > 1; level--) {
		if (!(*exo_pt_view_entry(va, level) & EXO_PTE_P)) {
			return NULL;
		}
	}
	return exo_pt_view_entry(va & ~0x1ffffful, 1);
}

/*
 * Which 2 MiB block, in which environment: protect_in_place keeps the key
 * of the last block whose upper levels it found present. Tables stay until
 * the environment ends; a fork child's differ, hence the environment.
 */
static inline uint64_t leaf_key(uint64_t va)
{
	return 1ul << 63 | (uint64_t)exo_env_info()->id << 32 | va >> 21;
}

/* The PTE of @va, with *@t the leaf table cached for the range's loop. */
static uint64_t range_pte(uint64_t va, const volatile uint64_t **t, int first)
{
	if (first || (va & 0x1ffffful) == 0) {
		*t = leaf_table(va);
	}
	return *t ? (*t)[(va >> 12) & 511] : 0;
}

static uint32_t rw_perm(uint64_t pte)
{
	return EXO_PERM_R | EXO_PERM_W |
	       ((pte & EXO_PTE_NX) ? 0 : EXO_PERM_X);
}

/* The kernel calls behind cow_break, on our own pages. */

static int64_t k_refs(void *ctx, uint64_t pa)
{
	return exo_frame_refs(pa, 0, 0, 0, 0, 0);
}

static int64_t k_alloc(void *ctx)
{
	return exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
}

static int k_copy(void *ctx, uint64_t pa, uint64_t va)
{
	int64_t err = exo_page_map(EXO_ENV_SELF, COPY_WINDOW, pa,
				   EXO_PERM_R | EXO_PERM_W, 0, 0);

	if (err) {
		return (int)err;
	}
	memcpy((void *)COPY_WINDOW, (const void *)va, PAGE);
	return (int)exo_page_unmap(EXO_ENV_SELF, COPY_WINDOW, 1, 0, 0, 0);
}

static int k_map(void *ctx, uint64_t va, uint64_t pa, uint32_t perm)
{
	return (int)exo_page_map(EXO_ENV_SELF, va, pa, perm, 0, 0);
}

static int k_protect(void *ctx, uint64_t va, uint32_t perm)
{
	int64_t r = exo_page_protect(EXO_ENV_SELF, va, 1, perm, 0, 0);

	return r < 0 ? (int)r : 0;
}

static int k_free(void *ctx, uint64_t pa)
{
	return (int)exo_frame_free(pa, 0, 0, 0, 0, 0);
}

static const struct cow_ops kcow = {
	.refs = k_refs,
	.alloc = k_alloc,
	.copy = k_copy,
	.map = k_map,
	.protect = k_protect,
	.free = k_free,
};

/* Give back a frame we stopped mapping: now, or once others let go. */
static void frame_drop(struct cow_pager *p, uint64_t pa)
{
	cow_frame_drop(&kcow, NULL, &p->orphans, pa);
}

/* ---- Copy-on-write ---------------------------------------------------- */

/* ---- Backing pages, eviction ----------------------------------------- */

static int referenced(void *ctx, size_t slot)
{
	struct cow_pager *p = ctx;
	uint64_t va = p->ev->resident[slot];

	if (!va || !(exo_pte(va) & EXO_PTE_A)) {
		return 0;
	}
	exo_page_clear_ad(EXO_ENV_SELF, va, 1, EXO_AD_ACCESSED, 0, 0);
	return 1;
}

static const struct pager_ref_ops ref_ops = { .referenced = referenced };

static long free_swap_slot(struct cow_pager *p)
{
	size_t cap = swap_capacity(p->store);

	for (size_t i = 0; i < cap; i++) {
		if (!p->swap->va[i]) {
			return (long)i;
		}
	}
	return -1;
}

/* Write the page in resident slot @s to the swap store and unmap it. */
static int evict(struct cow_pager *p, size_t s)
{
	uint64_t va = p->ev->resident[s], pte = exo_pte(va);
	long slot = free_swap_slot(p);
	int err;

	if (slot < 0) {
		return EXO_ERR_NO_MEMORY;
	}
	err = swap_write(p->store, (size_t)slot, (const void *)va);
	if (err) {
		return err;
	}
	exo_page_unmap(EXO_ENV_SELF, va, 1, 0, 0, 0);
	frame_drop(p, pte & EXO_PTE_ADDR);
	p->swap->va[slot] = va;
	p->swap->n++;
	p->ev->resident[s] = 0;
	p->nresident--;
	p->st.evictions++;
	return 0;
}

/* A free resident slot, evicting the policy's victim when all are full. */
static long take_slot(struct cow_pager *p)
{
	size_t s;
	int err;

	if (p->nresident == p->limit) {
		s = policy_victim(p->policy, &ref_ops, p);
		err = evict(p, s);
		if (err) {
			return err;
		}
		return (long)s;
	}
	for (s = 0; s < p->limit; s++) {
		if (!p->ev->resident[s]) {
			return (long)s;
		}
	}
	return EXO_ERR_LIMIT;
}

/* Back the page at @va (in a region with rights @prot). */
static int back_page(struct cow_pager *p, uint64_t va, uint32_t prot)
{
	long s = -1, slot = -1;
	int64_t pa, err;

	if (p->limit) {
		s = take_slot(p);
		if (s < 0) {
			return (int)s;
		}
		if (p->swap->n) {
			slot = swap_map_find(p->swap, va);
		}
	}
	pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	if (pa < 0) {
		return (int)pa;
	}
	err = exo_page_map(EXO_ENV_SELF, va, (uint64_t)pa,
			   slot >= 0 ? prot | EXO_PERM_W : prot, 0, 0);
	if (err) {
		exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0);
		return (int)err;
	}
	if (slot >= 0) {
		err = swap_read(p->store, (size_t)slot, (void *)va);
		if (!err && !(prot & EXO_PERM_W)) {
			err = exo_page_protect(EXO_ENV_SELF, va, 1, prot, 0, 0);
		}
		if (err < 0) {
			return (int)err;
		}
		p->swap->va[slot] = 0;
		p->swap->n--;
		p->st.swap_ins++;
	} else {
		p->st.zero_fills++;
	}
	if (s >= 0) {
		p->ev->resident[s] = va;
		p->nresident++;
		policy_insert(p->policy, (size_t)s);
	}
	return 0;
}

static int fault_hook(struct exo_upcall_frame *f)
{
	return pager_cow_pg.base.ops->fault(&pager_cow_pg.base, f);
}

static int fault_resolve(struct cow_pager *p, struct exo_upcall_frame *f,
			 uint64_t va, uint64_t pte);

/*
 * What is not ours is handed on first, in a few instructions: a fault on
 * a present page is ours only when it is a write to a copy-on-write page.
 * Every level above a present page is present, and stays so (tables are
 * never taken away), so its PTE is one read of the view.
 */
static int cow_fault(struct pager *pp, struct exo_upcall_frame *f)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	uint64_t va = f->addr & ~PAGE_MASK, pte = 0;

	if (f->error & 1) {
		if (!(f->error & 2) || va >= EXO_USER_TOP) {
			return 1;
		}
		pte = *exo_pt_view_entry(va, 1);
		if (!(pte & PAGER_PTE_COW)) {
			return 1;
		}
	}
	return fault_resolve(p, f, va, pte);
}

/* The rest of cow_fault: @pte is the PTE of a present page's fault. */
static __attribute__((noinline)) int
fault_resolve(struct cow_pager *p, struct exo_upcall_frame *f, uint64_t va,
	      uint64_t pte)
{
	const struct pager_region *r;
	int err;

	if (f->error & 1) {
		/* A write to a copy-on-write page. */
		r = region_find(&p->regions, va);
		if (r && !(r->prot & EXO_PERM_W)) {
			return 1;
		}
		err = cow_break(&kcow, NULL, &p->orphans, va, pte, rw_perm(pte));
		if (err == COW_REUSED) {
			p->st.cow_reuses++;
			err = 0;
		} else if (err == COW_COPIED) {
			p->st.cow_copies++;
			err = 0;
		}
		goto out;
	}
	r = region_find(&p->regions, va);
	if (!r) {
		return 1;
	}
	/* The stack area: a slot's guard is below its stack (stack_fault). */
	if ((r->flags & REGION_STACKS) && stack_fault(p, f, va)) {
		p->st.passed++;
		return 1;
	}
	if (r->flags & REGION_GUARD) {
		/* The stack's lowest page is right above its guard. */
		printf("pager: stack overflow: fault at 0x%lx (rip 0x%lx) in "
		       "the guard page below the stack whose end is 0x%lx\n",
		       (unsigned long)f->addr, (unsigned long)f->regs.rip,
		       (unsigned long)r->end);
		p->st.passed++;
		return 1;
	}
	if (r->prot == PAGER_PROT_NONE || ((f->error & 2) && !(r->prot & EXO_PERM_W)) ||
	    ((f->error & 0x10) && !(r->prot & EXO_PERM_X))) {
		p->st.passed++;
		return 1;
	}
	err = back_page(p, va, r->prot);
out:
	p->st.faults++;
	if (err) {
		printf("pager: cannot back 0x%lx: %s\n", (unsigned long)va,
		       exo_status_name(err));
	}
	return err;
}

/* ---- Regions ---------------------------------------------------------- */

static int check_prot(uint32_t prot)
{
	return (prot & ~PAGER_PROT_ALL) ? EXO_ERR_INVALID : 0;
}

static uint64_t page_round(uint64_t len)
{
	return (len + PAGE_MASK) & ~PAGE_MASK;
}

/* Back every page of [@va, @va + @len) now. */
static int populate(struct cow_pager *p, uint64_t va, uint64_t len,
		    uint32_t prot)
{
	for (uint64_t a = va; a < va + len; a += PAGE) {
		int err;

		if (exo_pte(a) & EXO_PTE_P) {
			continue;
		}
		err = back_page(p, a, prot);
		if (err) {
			return err;
		}
	}
	return 0;
}

/* Forget that page @a is resident or in the swap store. */
static void forget(struct cow_pager *p, uint64_t a)
{
	long slot;

	for (size_t s = 0; p->nresident && s < p->limit; s++) {
		if (p->ev->resident[s] == a) {
			p->ev->resident[s] = 0;
			p->nresident--;
			policy_remove(p->policy, s);
		}
	}
	if (p->swap->n && (slot = swap_map_find(p->swap, a)) >= 0) {
		p->swap->va[slot] = 0;
		p->swap->n--;
	}
}

#define RELEASE_BATCH 64

/* Unmap the pages of [@va, @va + @len) and give back their frames. */
static void release(struct cow_pager *p, uint64_t va, uint64_t len)
{
	uint64_t pte[RELEASE_BATCH];

	while (len) {
		uint64_t n = len / PAGE > RELEASE_BATCH ? RELEASE_BATCH
							: len / PAGE;
		int any = 0;

		const volatile uint64_t *t = NULL;

		for (uint64_t i = 0; i < n; i++) {
			pte[i] = range_pte(va + i * PAGE, &t, i == 0);
			any |= (pte[i] & EXO_PTE_P) != 0;
		}
		if (any) {
			exo_page_unmap(EXO_ENV_SELF, va, n, 0, 0, 0);
		}
		for (uint64_t i = 0; i < n; i++) {
			/* Lent frames are not ours: freeing them is refused. */
			if (pte[i] & EXO_PTE_P) {
				frame_drop(p, pte[i] & EXO_PTE_ADDR);
			}
			if (p->limit) {
				forget(p, va + i * PAGE);
			}
		}
		va += n * PAGE;
		len -= n * PAGE;
	}
}

static int cow_map(struct pager *pp, uint64_t *va, uint64_t len,
		   uint32_t prot, uint32_t flags)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	uint64_t at;
	int err;

	len = page_round(len);
	if (len == 0 || check_prot(prot) || (flags & ~PAGER_MAP_FLAGS)) {
		return EXO_ERR_INVALID;
	}
	if (flags & PAGER_MAP_FIXED) {
		at = *va;
		if (at & PAGE_MASK) {
			return EXO_ERR_ALIGN;
		}
		if (at < EXO_USER_MIN || at >= EXO_USER_MAP_TOP ||
		    len > EXO_USER_MAP_TOP - at) {
			return EXO_ERR_DENIED;
		}
		if (region_overlaps(&p->regions, at, at + len)) {
			return EXO_ERR_EXISTS;
		}
	} else {
		at = region_place(&p->regions, len, PAGER_REGION_BASE,
				  PLACE_TOP);
		if (!at) {
			return EXO_ERR_NO_MEMORY;
		}
	}
	err = hook(p);
	if (err) {
		return err;
	}
	err = region_add(&p->regions, at, at + len, prot,
			 flags & PAGER_MAP_EAGER);
	if (err) {
		return err;
	}
	if ((flags & PAGER_MAP_EAGER) && prot != PAGER_PROT_NONE) {
		err = populate(p, at, len, prot);
		if (err) {
			release(p, at, len);
			region_remove(&p->regions, at, at + len);
			return err;
		}
	}
	*va = at;
	return 0;
}

static int cow_unmap(struct pager *pp, uint64_t va, uint64_t len)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	const struct pager_region *r;
	uint64_t end;
	size_t i;

	len = page_round(len);
	if (va & PAGE_MASK) {
		return EXO_ERR_ALIGN;
	}
	if (len == 0 || va + len < va) {
		return EXO_ERR_INVALID;
	}
	end = va + len;
	if (va < STACK_AREA_END && end > PAGER_STACKS_BASE) {
		p->stack_region = 0; /* checked again at the next stack */
	}
	/* region_remove below fails only when it must split a full table. */
	r = region_find(&p->regions, va);
	if (r && r->start < va && r->end > end && p->regions.n == REGION_MAX) {
		return EXO_ERR_LIMIT;
	}
	/* Only what regions held: other mappings in the range are not ours. */
	for (i = 0; i < p->regions.n; i++) {
		uint64_t lo = p->regions.r[i].start > va ? p->regions.r[i].start
							 : va;
		uint64_t hi = p->regions.r[i].end < end ? p->regions.r[i].end
							: end;

		if (lo < hi) {
			release(p, lo, hi - lo);
		}
	}
	region_remove(&p->regions, va, end);
	cow_orphans_reap(&kcow, NULL, &p->orphans);
	return 0;
}

/*
 * Does a present page of [@va, @va + @n pages) carry the copy-on-write or
 * the shared mark? One look at each leaf table through the view, then a
 * tight loop.
 */
static int any_marked(uint64_t va, uint64_t n)
{
	uint64_t end = va + n * PAGE;

	while (va < end) {
		uint64_t stop = (va | 0x1ffffful) + 1;
		const volatile uint64_t *t = leaf_table(va);

		if (stop > end) {
			stop = end;
		}
		for (size_t i = (va >> 12) & 511; t && va < stop;
		     va += PAGE, i++) {
			if ((t[i] & EXO_PTE_P) &&
			    (t[i] & (PAGER_PTE_COW | PAGER_PTE_SHARED))) {
				return 1;
			}
		}
		va = stop;
	}
	return 0;
}

/*
 * page_protect for a range that may hold marked pages: each gets
 * pager_marked_perm's rights (a copy-on-write page keeps its mark and
 * stays read-only; a shared one given W becomes copy-on-write). Runs of
 * alike pages go as one operation of one batch per EXO_PAGE_BATCH_MAX
 * runs.
 */
static __attribute__((cold)) int protect_marked(uint64_t va, uint64_t n,
						 uint32_t prot)
{
	struct exo_page_op *ops = (struct exo_page_op *)PROT_OPS_VA;
	size_t nops = 0;
	int64_t r;

	/* The common case after the first fork: no marked page in the range. */
	if (!any_marked(va, n)) {
		r = exo_page_protect(EXO_ENV_SELF, va, n, prot, 0, 0);
		return r < 0 ? (int)r : 0;
	}
	r = work_area(PROT_OPS_VA, EXO_PAGE_BATCH_MAX * sizeof(*ops));
	if (r) {
		return (int)r;
	}
	const volatile uint64_t *t = NULL;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = va + i * PAGE, pte = range_pte(a, &t, i == 0);
		uint32_t perm;

		if (!(pte & EXO_PTE_P)) {
			continue;
		}
		perm = pager_marked_perm(pte, prot);
		if (nops && ops[nops - 1].perm == perm &&
		    ops[nops - 1].va + ops[nops - 1].count * PAGE == a) {
			ops[nops - 1].count++;
			continue;
		}
		if (nops == EXO_PAGE_BATCH_MAX) {
			r = exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, nops, 0,
					   0, 0);
			if (r < 0) {
				return (int)r;
			}
			nops = 0;
		}
		ops[nops].op = EXO_PAGE_OP_PROTECT;
		ops[nops].perm = (uint16_t)perm;
		ops[nops].count = 1;
		ops[nops].va = a;
		ops[nops].arg = 0;
		nops++;
	}
	if (nops == 1) {
		/* One run: the single call checks it once less than a batch. */
		r = exo_page_protect(EXO_ENV_SELF, ops[0].va, ops[0].count,
				     ops[0].perm, 0, 0);
	} else if (nops) {
		r = exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, nops, 0, 0, 0);
	}
	return r < 0 ? (int)r : 0;
}

/*
 * A protect whose pages are all resident, in one leaf table and one
 * region, within the region's rights: only the PTEs change, the table
 * stays (see region_page_prot). Return: 0 or EXO_ERR_* when done, 1 when
 * the range does not qualify (nothing changed). On the way it refreshes
 * the shortcuts cow_protect tries first.
 */
static int protect_in_place(struct cow_pager *p, uint64_t va, uint64_t n,
			    uint32_t prot)
{
	size_t i = (va >> 12) & 511;
	const volatile uint64_t *t;
	int64_t r;
	int perm;

	if (n > 512 - i) {
		return 1;
	}
	t = leaf_table(va);
	if (!t) {
		return 1;
	}
	p->leaf_key = leaf_key(va);
	perm = region_in_place(&p->regions, va, n, prot, t + i, &p->hint);
	if (perm == REGION_IN_PLACE_NO) {
		return 1;
	}
	if (perm == REGION_IN_PLACE_MARKED) {
		return protect_marked(va, n, prot);
	}
	r = exo_page_protect(EXO_ENV_SELF, va, n, (uint32_t)perm, 0, 0);
	return r < 0 ? (int)r : 0;
}

/* cow_protect past its shortcuts; the arguments are checked. */
static __attribute__((noinline, cold)) int protect_table(struct cow_pager *p,
						   uint64_t va, uint64_t n,
						   uint32_t prot)
{
	int err;

	/*
	 * Under a memory limit the table stays exact, so that a page
	 * evicted and read back gets the rights it had.
	 */
	if (!p->limit && prot != PAGER_PROT_NONE) {
		err = protect_in_place(p, va, n, prot);
		if (err <= 0) {
			return err;
		}
	}
	if (prot == PAGER_PROT_NONE) {
		const volatile uint64_t *t = NULL;

		for (uint64_t i = 0; i < n; i++) {
			if (range_pte(va + i * PAGE, &t, i == 0) & EXO_PTE_P) {
				return EXO_ERR_NOSYS;
			}
		}
	}
	err = region_protect(&p->regions, va, va + n * PAGE, prot);
	if (err || prot == PAGER_PROT_NONE) {
		return err;
	}
	if (!p->shared) {
		int64_t r = exo_page_protect(EXO_ENV_SELF, va, n, prot, 0, 0);

		return r < 0 ? (int)r : 0;
	}
	return protect_marked(va, n, prot);
}

static int cow_protect(struct pager *pp, uint64_t va, uint64_t len,
		       uint32_t prot)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	uint64_t n = page_round(len) / PAGE;
	size_t h = p->hint, i = (va >> 12) & 511;
	int64_t r;
	int perm;

	if (va & PAGE_MASK) {
		return EXO_ERR_ALIGN;
	}
	if (n == 0 || check_prot(prot)) {
		return EXO_ERR_INVALID;
	}
	/*
	 * The common case first, with no call but the kernel's: pages in the
	 * region and leaf table the last protect found (protect_in_place
	 * with its shortcuts hit).
	 */
	if (!p->limit && h < p->regions.n && h < REGION_MAX &&
	    p->leaf_key == leaf_key(va) && n <= 512 - i &&
	    region_allows(&p->regions.r[h], va, va + n * PAGE, prot)) {
		perm = region_ptes_perm(exo_pt_view_entry(va, 1), n, prot);
		if (perm >= 0) {
			r = exo_page_protect(EXO_ENV_SELF, va, n, (uint32_t)perm,
					     0, 0);
			return r < 0 ? (int)r : 0;
		}
	}
	return protect_table(p, va, n, prot);
}

static __attribute__((cold)) int cow_map2(struct pager *pp, uint64_t va,
					   uint64_t va2, uint32_t prot)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	const struct pager_region *r;
	uint64_t pte;
	int err;

	if ((va | va2) & PAGE_MASK) {
		return EXO_ERR_ALIGN;
	}
	if (check_prot(prot) || prot == PAGER_PROT_NONE) {
		return EXO_ERR_INVALID;
	}
	r = region_find(&p->regions, va);
	if (!r) {
		return EXO_ERR_NOT_FOUND;
	}
	if (region_find(&p->regions, va2)) {
		return EXO_ERR_EXISTS;
	}
	/* The page's own rights: a resident page may have less than r's. */
	pte = exo_pte(va);
	if ((prot & ~region_page_prot(r, pte)) || va2 < EXO_USER_MIN ||
	    va2 >= EXO_USER_MAP_TOP) {
		return EXO_ERR_DENIED;
	}
	if (p->limit) {
		return EXO_ERR_BUSY;
	}
	if (!(pte & EXO_PTE_P)) {
		err = back_page(p, va, r->prot);
		if (err) {
			return err;
		}
		pte = exo_pte(va);
	}
	if (pte & PAGER_PTE_COW) {
		return EXO_ERR_BUSY;
	}
	return (int)exo_page_map(EXO_ENV_SELF, va2, pte & EXO_PTE_ADDR, prot, 0,
				 0);
}

/* ---- Stacks ---------------------------------------------------------- */

/*
 * A fault in the stack area's region (@va, its page): 0 when it is in a
 * stack, whose page the caller backs; 1 when it is a slot's guard or a
 * slot without a stack: an overflow, reported here unless the stack's
 * owner reports its own (PAGER_STACK_OWNED), and handed on.
 */
static int stack_fault(struct cow_pager *p, struct exo_upcall_frame *f,
		       uint64_t va)
{
	struct stack_where w;
	int where;

	where = p->stacks ? stack_area_find(p->stacks, va, &w) : STACK_OUTSIDE;
	if (where == STACK_IN) {
		stack_area_touched(p->stacks, va);
		return 0;
	}
	if (where == STACK_GUARD && (w.flags & PAGER_STACK_OWNED)) {
		return 1;
	}
	if (where == STACK_GUARD) {
		printf("pager: stack overflow: fault at 0x%lx (rip 0x%lx) in "
		       "the guard page below the stack whose end is 0x%lx, "
		       "%lu bytes below it\n",
		       (unsigned long)f->addr, (unsigned long)f->regs.rip,
		       (unsigned long)w.bottom,
		       (unsigned long)(w.bottom - f->addr));
	} else {
		printf("pager: fault at 0x%lx (rip 0x%lx) in a stack slot that "
		       "holds no stack\n",
		       (unsigned long)f->addr, (unsigned long)f->regs.rip);
	}
	return 1;
}

/*
 * The slot table and the area's region, made at the first stack (and
 * checked again after an unmap or import touched the area).
 */
static int stack_area_ready(struct cow_pager *p)
{
	const struct pager_region *r;
	int err;

	r = region_find(&p->regions, PAGER_STACKS_BASE);
	if (p->stacks && r && r->start == PAGER_STACKS_BASE &&
	    r->end == STACK_AREA_END && (r->flags & REGION_STACKS)) {
		p->stack_region = 1;
		return 0;
	}
	if (region_overlaps(&p->regions, PAGER_STACKS_BASE, STACK_AREA_END)) {
		return EXO_ERR_EXISTS;
	}
	if (p->regions.n == REGION_MAX) {
		return EXO_ERR_LIMIT;
	}
	err = hook(p);
	if (err) {
		return err;
	}
	if (!p->stacks) {
		err = map_anon(STACK_TABLE_VA,
			       (sizeof(struct stack_area) + PAGE_MASK) / PAGE);
		if (err) {
			goto err_unmap;
		}
		p->stacks = (struct stack_area *)STACK_TABLE_VA;
		stack_area_init(p->stacks);
	}
	err = region_add(&p->regions, PAGER_STACKS_BASE, STACK_AREA_END,
			 PAGER_PROT_RW, REGION_STACKS);
	p->stack_region = !err;
	return err;

err_unmap:
	release(p, STACK_TABLE_VA,
		(sizeof(struct stack_area) + PAGE_MASK) & ~PAGE_MASK);
	return err;
}

static int cow_stack_alloc_flags(struct pager *pp, uint64_t max,
				 uint32_t flags, uint64_t *top)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	struct stack_range stale;
	long slot;
	int err;

	if (max == 0 || max > PAGER_STACK_MAX ||
	    (flags & ~PAGER_STACK_FLAGS)) {
		return EXO_ERR_INVALID;
	}
	if (!p->stack_region) {
		err = stack_area_ready(p);
		if (err) {
			return err;
		}
	}
	slot = stack_area_alloc(p->stacks, max, flags, top, &stale);
	if (slot < 0) {
		return (int)slot;
	}
	if (stale.lo < stale.hi) {
		release(p, stale.lo, stale.hi - stale.lo);
	}
	return 0;
}

static int cow_stack_alloc(struct pager *pp, uint64_t max, uint64_t *top)
{
	return cow_stack_alloc_flags(pp, max, 0, top);
}

static int cow_stack_free(struct pager *pp, uint64_t top)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	struct stack_range stale;
	int err;

	if (!p->stacks) {
		return EXO_ERR_NOT_FOUND;
	}
	err = stack_area_free(p->stacks, top, &stale);
	if (err) {
		return err;
	}
	if (stale.lo < stale.hi) {
		release(p, stale.lo, stale.hi - stale.lo);
		cow_orphans_reap(&kcow, NULL, &p->orphans);
	}
	return 0;
}

/* ---- Fork ------------------------------------------------------------- */

/* What a child does not get: ranges skipped by the fork, at most this many. */
#define FORK_SKIP_MAX (RUNTIME_PRIVATE_RANGES + 4)
/* Stack around the fork's stack pointer copied, not shared (both sides). */
#define FORK_STACK_NEAR 1024

/* A page we cannot lend (not our frame): the child gets its own copy. */
static int copy_for_child(uint64_t child, uint64_t va, uint32_t perm)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, child, 0, 0, 0, 0);
	int64_t err;

	if (pa < 0) {
		return (int)pa;
	}
	err = exo_page_map(EXO_ENV_SELF, COPY_WINDOW, (uint64_t)pa,
			   EXO_PERM_R | EXO_PERM_W, 0, 0);
	if (err) {
		return (int)err;
	}
	memcpy((void *)COPY_WINDOW, (const void *)va, PAGE);
	exo_page_unmap(EXO_ENV_SELF, COPY_WINDOW, 1, 0, 0, 0);
	return (int)exo_page_map(child, va, (uint64_t)pa, perm, 0, 0);
}

/*
 * Lend [@lo, @hi) to @child (page_share_range: writable pages become
 * copy-on-write on both sides, read-only ones are marked shared). A page the kernel will not lend (a frame
 * that is not ours, say one lent to us) is copied for the child instead,
 * and ours stays as it is; then the kernel goes on after it.
 */
static int fork_share(uint64_t child, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		int64_t at = exo_page_share_range(child, lo, hi, PAGER_PERM_COW,
						  PAGER_PERM_SHARED, 0);
		uint64_t pte;
		uint32_t perm;
		int err;

		if (at < 0) {
			return (int)at;
		}
		if ((uint64_t)at >= hi) {
			break;
		}
		pte = exo_pte((uint64_t)at);
		perm = EXO_PERM_R | ((pte & EXO_PTE_NX) ? 0 : EXO_PERM_X) |
		       ((pte & (EXO_PTE_W | PAGER_PTE_COW)) ? EXO_PERM_W : 0);
		err = copy_for_child(child, (uint64_t)at, perm);
		if (err) {
			return err;
		}
		lo = (uint64_t)at + PAGE;
	}
	return 0;
}

/*
 * The boot modules stay with their environment (init): spawn passes them
 * on only when asked, and so would a program that forks and wants them.
 * Their range, or an empty one.
 */
static struct runtime_range bootmods_range(void)
{
	const struct exo_bootmods *m =
		(const struct exo_bootmods *)EXO_BOOTMODS_VA;
	struct runtime_range r = { 0, 0 };

	/* The kernel lays them out above the table, nothing in between. */
	if (!(exo_pte(EXO_BOOTMODS_VA) & EXO_PTE_P)) {
		return r;
	}
	r.lo = EXO_BOOTMODS_VA;
	r.hi = EXO_BOOTMODS_VA + sizeof(*m);
	for (uint32_t i = 0; i < m->count && i < EXO_BOOTMOD_MAX; i++) {
		uint64_t hi = m->mod[i].va + m->mod[i].size;

		if (m->mod[i].va >= EXO_BOOTMODS_VA && hi > r.hi) {
			r.hi = hi;
		}
	}
	r.hi = (r.hi + PAGE_MASK) & ~PAGE_MASK;
	return r;
}

/* The child's own copy of our pages [@lo, @hi), with their rights. */
static int copy_range_for_child(uint64_t child, uint64_t lo, uint64_t hi)
{
	for (uint64_t va = lo; va < hi; va += PAGE) {
		uint64_t pte = exo_pte(va);
		int err;

		if (!(pte & EXO_PTE_P)) {
			continue;
		}
		err = copy_for_child(
			child, va,
			EXO_PERM_R | ((pte & EXO_PTE_NX) ? 0 : EXO_PERM_X) |
				((pte & (EXO_PTE_W | PAGER_PTE_COW)) ?
					 EXO_PERM_W :
					 0));
		if (err) {
			return err;
		}
	}
	return 0;
}

/*
 * Lend the child everything but what it must not share: the runtime's
 * private pages, the pager's own work areas and windows, and the boot
 * modules. The skipped ranges are sorted and the gaps between them go to
 * the kernel one call each. The stack right around @sp (the stack pointer
 * the child resumes with) is copied instead: both sides write it at once,
 * and a copy now is cheaper than a copy-on-write fault on each side.
 */
static int fork_memory(uint64_t child, uint64_t sp)
{
	struct runtime_range skip[FORK_SKIP_MAX], t;
	size_t n = runtime_private_ranges(skip, RUNTIME_PRIVATE_RANGES);
	uint64_t at = EXO_USER_MIN;
	uint64_t stack_lo = (sp - FORK_STACK_NEAR) & ~PAGE_MASK;
	uint64_t stack_hi = ((sp + FORK_STACK_NEAR) | PAGE_MASK) + 1;
	int err;

	/* Our work areas and windows, but for the eviction state. */
	skip[n].lo = PLACE_TOP;
	skip[n++].hi = EVICT_VA;
	skip[n].lo = EVICT_VA + EVICT_BYTES;
	skip[n++].hi = PAGER_REGION_TOP;
	skip[n] = bootmods_range();
	if (skip[n].lo < skip[n].hi) {
		n++;
	}
	skip[n].lo = stack_lo;
	skip[n++].hi = stack_hi;
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && skip[j].lo < skip[j - 1].lo; j--) {
			t = skip[j];
			skip[j] = skip[j - 1];
			skip[j - 1] = t;
		}
	}
	for (size_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? skip[i].lo : EXO_USER_MAP_TOP;

		if (at < end) {
			err = fork_share(child, at, end);
			if (err) {
				return err;
			}
		}
		if (i < n && skip[i].hi > at) {
			at = skip[i].hi;
		}
	}
	/* The runtime's private pages are its own even there. */
	for (uint64_t va = stack_lo; va < stack_hi; va += PAGE) {
		if (!runtime_page_private(va)) {
			err = copy_range_for_child(child, va, va + PAGE);
			if (err) {
				return err;
			}
		}
	}
	return 0;
}

/*
 * Under a limit: the child inherits our eviction state (resident set,
 * policy, swap map; its pages are shared like the rest of our memory),
 * and its swap store gets, at the same slots, frames of its own holding
 * copies of our swapped-out pages, made here; it takes them up when it
 * starts (fork_swap_adopt). Nothing else of ours is read back.
 */
static int fork_swap(struct cow_pager *p, uint64_t child)
{
	struct evict_state *ev = p->ev;
	size_t cap = swap_capacity(p->store);

	for (size_t i = 0; i < cap; i++) {
		int64_t pa;
		int err;

		if (!p->swap->va[i]) {
			if (ev->fork_frames[i]) {
				ev->fork_frames[i] = 0;
			}
			continue;
		}
		pa = exo_frame_alloc(EXO_FRAME_ANY, child, 0, 0, 0, 0);
		if (pa < 0) {
			return (int)pa;
		}
		err = (int)exo_page_map(EXO_ENV_SELF, COPY_WINDOW, (uint64_t)pa,
					EXO_PERM_R | EXO_PERM_W, 0, 0);
		if (err) {
			return err; /* the child's frame goes with the child */
		}
		err = swap_read(p->store, i, (void *)COPY_WINDOW);
		exo_page_unmap(EXO_ENV_SELF, COPY_WINDOW, 1, 0, 0, 0);
		if (err) {
			return err;
		}
		/* Written after the window is gone: this may fault (ours is
		 * copy-on-write after an earlier fork), and the fault uses it. */
		ev->fork_frames[i] = (uint64_t)pa;
	}
	return 0;
}

/* In the child: the swap store is the frames our parent filled for us. */
static void fork_swap_adopt(struct cow_pager *p)
{
	memcpy(p->ev->frames, p->ev->fork_frames, sizeof(p->ev->frames));
}

static int64_t fork_copy(struct pager *pp)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	int64_t child;
	int err;

	/* Both sides will take copy-on-write faults. */
	err = hook(p);
	if (err) {
		return err;
	}
	cow_orphans_reap(&kcow, NULL, &p->orphans);
	child = exo_env_create(0, 0, 0, 0, 0, 0);
	if (child < 0) {
		return child;
	}
	if (pager_ctx_save(&pager_fork_ctx)) {
		/* The child, in its copy. The orphans are the parent's. */
		if (p->orphans.n) {
			p->orphans.n = 0;
		}
		if (p->limit) {
			fork_swap_adopt(p);
		}
		return 0;
	}
	err = runtime_prepare_child((uint64_t)child);
	if (!err && p->limit) {
		err = fork_swap(p, (uint64_t)child);
	}
	if (err) {
		goto err_destroy;
	}
	/* Our variables change before they are shared: no fault after. */
	p->shared = 1;
	p->st.forks++;
	err = fork_memory((uint64_t)child, pager_fork_ctx.rsp);
	if (err) {
		goto err_forked;
	}
	err = (int)exo_env_start((uint64_t)child, (uint64_t)pager_ctx_resume,
				 pager_fork_ctx.rsp, 0, 0, 0);
	if (err) {
		goto err_forked;
	}
	return child;

err_forked:
	p->st.forks--;
err_destroy:
	/* Our pages stay marked; the next write to each makes it ours again. */
	exo_env_destroy((uint64_t)child, 0, 0, 0, 0, 0);
	exo_env_wait((uint64_t)child, 0, 0, 0, 0, 0);
	return err;
}

/*
 * With threads, the copy is made with preemption off, so that no other
 * thread of ours runs while its pages are being shared: the child gets
 * one snapshot of the program, taken while the forking thread ran. In the
 * child, the end of that section is a scheduling point
 * (sched_preempt_wanted): the thread library sees there, before the
 * caller goes on, that it runs in a copy, and keeps only the calling
 * thread. Without threads there is nothing to hold off, and the section
 * is skipped: its end writes the counter's page, now copy-on-write, which
 * would cost each side a fault.
 */
static int64_t cow_fork(struct pager *pp)
{
	int64_t r;

	if (!sched_preempt_pending_hook) {
		return fork_copy(pp);
	}
	sched_preempt_disable();
	r = fork_copy(pp);
	if (r == 0) {
		sched_preempt_wanted = 1;
	}
	sched_preempt_enable();
	return r;
}

/* ---- Limit, state, stats ---------------------------------------------- */

/* The work area of @bytes at @va, mapped on first use (also in a child). */
static int work_area(uint64_t va, size_t bytes)
{
	if (exo_pte(va) & EXO_PTE_P) {
		return 0;
	}
	return map_anon(va, (bytes + PAGE_MASK) / PAGE);
}

/* Map the eviction state; the limit and policy are the caller's to set. */
static int evict_ready(struct cow_pager *p)
{
	int err;

	if (p->ev) {
		return 0;
	}
	err = work_area(EVICT_VA, sizeof(struct evict_state));
	if (err) {
		return err;
	}
	p->ev = (struct evict_state *)EVICT_VA;
	p->swap = &p->ev->swap;
	policy_clock_init(&p->ev->clock);
	policy_aging_init(&p->ev->aging);
	p->policy = p->aging ? &p->ev->aging.base : &p->ev->clock.base;
	p->store = swap_mem_store(SWAP_SLOTS, SWAP_WINDOW, p->ev->frames);
	return p->store ? 0 : EXO_ERR_NO_MEMORY;
}

static int cow_set_limit(struct pager *pp, uint64_t pages)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);
	int err;

	if (pages == 1 || pages > POLICY_SLOTS_MAX) {
		return EXO_ERR_INVALID;
	}
	if (p->limit || p->shared) {
		return EXO_ERR_STATE; /* set once, before any fork */
	}
	if (pages == 0) {
		return 0;
	}
	err = evict_ready(p);
	if (err) {
		return err;
	}
	policy_reset(p->policy, pages);
	p->limit = pages;
	return 0;
}

static int64_t cow_export(struct pager *pp, void *buf, size_t len)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);

	return pager_state_export(&p->regions, p->swap, p->limit, p->stacks,
				  buf, len);
}

static int cow_import(struct pager *pp, const void *buf, size_t len)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);

	struct pager_state_header h;
	int err;

	if (p->regions.n || p->limit) {
		return EXO_ERR_STATE;
	}
	/* State with pages out needs somewhere to keep their places. */
	if (len >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		if (h.magic == PAGER_STATE_MAGIC && (h.limit || h.nswap)) {
			err = evict_ready(p);
			if (err) {
				return err;
			}
		}
	}
	/* And state with stacks their slot table. */
	if (pager_state_stacks(buf, len) && !p->stacks) {
		err = map_anon(STACK_TABLE_VA, (sizeof(struct stack_area) +
						PAGE_MASK) / PAGE);
		if (err) {
			return err;
		}
		p->stacks = (struct stack_area *)STACK_TABLE_VA;
		stack_area_init(p->stacks);
	}
	p->stack_region = 0;
	err = pager_state_import(&p->regions, p->swap, &p->limit, p->stacks,
				 buf, len);
	if (!err && p->limit) {
		policy_reset(p->policy, p->limit);
	}
	if (!err && (p->limit || (p->stacks && p->stacks->used))) {
		err = hook(p);
	}
	return err;
}

static void cow_stats(struct pager *pp, struct pager_stats *out)
{
	struct cow_pager *p = container_of(pp, struct cow_pager, base);

	*out = p->st;
	out->regions = p->regions.n;
	out->resident = p->nresident;
	out->limit = p->limit;
}

const struct pager_ops pager_cow_ops = {
	.map = cow_map,
	.unmap = cow_unmap,
	.protect = cow_protect,
	.fault = cow_fault,
	.map2 = cow_map2,
	.fork = cow_fork,
	.stack_alloc = cow_stack_alloc,
	.set_limit = cow_set_limit,
	.export_state = cow_export,
	.import_state = cow_import,
	.stats = cow_stats,
	.stack_alloc_flags = cow_stack_alloc_flags,
	.stack_free = cow_stack_free,
};

int pager_cow_start(const struct pager_ops *ops)
{
	pager_cow_pg.base.ops = ops;
	region_init(&pager_cow_pg.regions);
	return 0;
}

static int cow_init(void *self)
{
	return pager_cow_start(&pager_cow_ops);
}

/*
 * pager_cow_use_policy - evict by "clock" or "aging" from now on.
 * Return: 0, EXO_ERR_NOT_FOUND (no such policy), EXO_ERR_STATE (a limit
 * is already set).
 */
int pager_cow_use_policy(const char *name);

int pager_cow_use_policy(const char *name)
{
	if (pager_cow_pg.limit) {
		return EXO_ERR_STATE;
	}
	if (!strcmp(name, "clock")) {
		pager_cow_pg.aging = 0;
	} else if (!strcmp(name, "aging")) {
		pager_cow_pg.aging = 1;
	} else {
		return EXO_ERR_NOT_FOUND;
	}
	return 0;
}

LIBOS_SLOT(pager_slot) = {
	.iface = "pager",
	.major = PAGER_IFACE_MAJOR,
	.minor = PAGER_IFACE_MINOR,
	.ops_size = sizeof(struct pager_ops),
};

PAGER_IMPL(cow_impl, "pager.cow", &pager_cow_ops, &pager_cow_pg.base, cow_init,
	   LIBOS_PRIO_DEFAULT);
