/* SPDX-License-Identifier: MIT */
/*
 * Mapping rules. A present user PTE always holds one reference on its
 * frame. Two software bits (ignored by the MMU) remember the ceiling a
 * capability, or the owner of a lent frame, put on a mapping, so
 * page_protect cannot raise rights the mapping was never granted.
 */
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <arch/uctx.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "debug/panic.h"
#include "mm/kmem.h"
#include "vm/vm.h"


int64_t vm_kernel_frames;

uint64_t vm_pt_alloc(void *ctx, int level)
{
	struct env *e = ctx;
	paddr_t pa;

	if (kframe_alloc_zeroed(FRAME_OWNER_KERNEL, &pa)) {
		return 0;
	}
	*arch_pt_sum(phys_to_virt(pa)) = 0; /* all zero: no group set */
	vm_kernel_frames++;
	/* Remembered, so teardown visits tables instead of scanning for them. */
	if (e && level < 4) {
		frame_list_add(&kframes, level == 1 ? &e->pt_leaf : &e->pt_upper,
			       pa);
	}
	return pa;
}

/*
 * The leaf table covering @va in @e's tables (through the direct map), or
 * NULL when a table on the way is missing. The last one found is kept in
 * @e->leaf[@which]:
 * page tables are only added while an environment lives, and freed when
 * it ends (vm_teardown), so a table once found stays @e's.
 */
static uint64_t *vm_leaf(struct env *e, uaddr_t va, int which)
{
	uint64_t block = va >> 21, *t;

	if (e->leaf[which].table && e->leaf[which].block == block) {
		return e->leaf[which].table;
	}
	t = arch_pt_leaf_table(e->root, va);
	if (t) {
		e->leaf[which].table = t;
		e->leaf[which].block = block;
	}
	return t;
}

static void flush(struct env *e, uaddr_t va)
{
	if (e == curenv) {
		arch_tlb_flush_page(va);
	}
}

/* May @caller map the frame @f through ownership (not a capability)? */
static int owns_frame(struct env *caller, const struct frame *f)
{
	struct env *owner;

	if (f->owner == caller->id) {
		return 1;
	}
	owner = env_lookup(f->owner);
	return owner && env_controls(caller, owner, EXO_CAP_MAP);
}

/* Compute the PTE for a mapping, or fail; no side effects. */
static int map_pte(struct env *caller, struct env *target, uaddr_t va,
		   paddr_t pa, uint32_t perm, struct cap *via, uint64_t *pte)
{
	struct frame *f;

	if ((va | pa) & (EXO_PAGE_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (perm & ~EXO_PERM_ALL) {
		return EXO_ERR_INVALID;
	}
	if (!vm_va_ok(va) || !env_controls(caller, target, EXO_CAP_MAP)) {
		return EXO_ERR_DENIED;
	}
	f = frame_lookup(&kframes, pa);
	if (!f || f->state == FRAME_RESERVED ||
	    f->owner == FRAME_OWNER_KERNEL) {
		return EXO_ERR_DENIED;
	}
	if (f->state != FRAME_USED) {
		return EXO_ERR_STATE;
	}
	*pte = pa | vm_perm_to_pte(perm, arch_pte_nx);
	if (via) {
		if (!vm_cap_allows(via->rights, perm)) {
			return EXO_ERR_DENIED;
		}
		*pte |= vm_cap_ceiling(via->rights);
	} else if (!owns_frame(caller, f)) {
		return EXO_ERR_DENIED;
	} else if (!owns_frame(target, f)) {
		/*
		 * Someone else's frame, lent with @perm (spawn_fn shares the
		 * parent's code this way): the target could not map it
		 * itself, so page_protect must not raise it either.
		 */
		*pte |= ((perm & EXO_PERM_W) ? 0 : PTE_CAP_NOW) |
			((perm & EXO_PERM_X) ? 0 : PTE_CAP_NOX);
	}
	if (f->refcount == UINT16_MAX) {
		return EXO_ERR_LIMIT;
	}
	return 0;
}

int vm_map_check(struct env *caller, struct env *target, uaddr_t va,
		 paddr_t pa, uint32_t perm, struct cap *via)
{
	uint64_t pte;

	return map_pte(caller, target, va, pa, perm, via, &pte);
}

int vm_map(struct env *caller, struct env *target, uaddr_t va, paddr_t pa,
	   uint32_t perm, struct cap *via)
{
	uint64_t *slot, pte, old;
	int err = map_pte(caller, target, va, pa, perm, via, &pte);

	if (err) {
		return err;
	}

	/* Resources: page tables, then the revocation record. */
	slot = arch_pt_slot(target->root, va, vm_pt_alloc, target);
	if (!slot) {
		return EXO_ERR_NO_MEMORY;
	}
	if (via) {
		err = cap_record_mapping(&kcaps, via, target->id, va);
		if (err) {
			return err;
		}
	}

	/* Commit. */
	frame_ref(&kframes, pa);
	if (pte & (PTE_CAP_NOW | PTE_CAP_NOX)) {
		target->ceilings = true; /* page_protect must check from now */
	}
	old = *slot;
	arch_pt_set(slot, pte);
	if (old & PTE_P) {
		frame_unref(&kframes, old & PTE_ADDR);
		flush(target, va);
	}
	return 0;
}

int vm_unmap(struct env *target, uaddr_t va, uint64_t npages)
{
	int err = vm_check_range(va, npages);

	if (err) {
		return err;
	}
	for (uint64_t i = 0; i < npages; i++) {
		uaddr_t p = va + i * EXO_PAGE_SIZE;
		uint64_t *slot = arch_pt_lookup(target->root, p);

		if (slot && (*slot & PTE_P)) {
			paddr_t pa = *slot & PTE_ADDR;

			*slot = 0;
			frame_unref(&kframes, pa);
			flush(target, p);
		}
	}
	return 0;
}

void vm_unmap_if(uint32_t env, uaddr_t va, paddr_t pa)
{
	struct env *e = env_lookup(env);
	uint64_t *slot;

	if (!e) {
		return;
	}
	slot = arch_pt_lookup(e->root, va);
	if (slot && (*slot & PTE_P) && (*slot & PTE_ADDR) == pa) {
		*slot = 0;
		frame_unref(&kframes, pa);
		flush(e, va);
	}
}

/*
 * The leaf entry for @va, looking the table up only when @va starts a new
 * 2 MiB region (or on the first page): consecutive pages share it.
 */
static uint64_t *range_slot(uint64_t root, uaddr_t va, uint64_t **table,
			    int first)
{
	if (first || (va & (LARGE_PAGE_SIZE - 1)) == 0) {
		*table = arch_pt_leaf_table(root, va);
	}
	return *table ? &(*table)[(va >> PAGE_SHIFT) & 511] : NULL;
}

/*
 * The span of the leaf table holding @va within [@va, @end): its entries
 * *@i0 to *@i1 (excluded); returns where the next table's span starts.
 */
static uaddr_t leaf_span(uaddr_t va, uaddr_t end, size_t *i0, size_t *i1)
{
	uaddr_t next = (va | (LARGE_PAGE_SIZE - 1)) + 1;

	if (next > end) {
		next = end;
	}
	*i0 = (va >> PAGE_SHIFT) & 511;
	*i1 = *i0 + ((next - va) >> PAGE_SHIFT);
	return next;
}

/*
 * May vm_share_range lend the page @pte of @caller's? Its frame (*@out)
 * must be one page_map would let @caller map without a capability.
 */
static int share_frame_ok(struct env *caller, uint64_t pte, struct frame **out)
{
	struct frame *f;

	if (pte & (PTE_CAP_NOW | PTE_CAP_NOX)) {
		return 0; /* through a capability, or lent to the caller */
	}
	f = frame_lookup(&kframes, pte & PTE_ADDR);
	if (!f || f->state != FRAME_USED || f->owner == FRAME_OWNER_KERNEL ||
	    f->refcount == UINT16_MAX) {
		return 0;
	}
	if (f->owner != caller->id && !owns_frame(caller, f)) {
		return 0;
	}
	*out = f;
	return 1;
}

uint64_t vm_share_range(struct env *caller, struct env *child, uaddr_t lo,
			uaddr_t hi, uint64_t mark, uint64_t ro_mark)
{
	/* Does @child own frames of this owner (its ceiling)? Cached. */
	uint32_t seen_owner = FRAME_OWNER_NONE;
	int child_owns = 0;
	uint64_t changed = 0, base, *st, *ct, *csum = NULL;
	uaddr_t va = lo;

	while ((st = arch_pt_next_leaf(caller->root, va, hi, &base))) {
		size_t i, i1;

		va = leaf_span(va < base ? base : va, hi, &i, &i1);
		ct = NULL;
		/* Most entries are empty: on from one present to the next. */
		for (i = arch_pt_first_present(st, i, i1); i < i1;
		     i = arch_pt_first_present(st, i + 1, i1)) {
			uint64_t pte = st[i], cpte, old, *slot;
			struct frame *f;

			if (!share_frame_ok(caller, pte, &f)) {
				va = base + i * PAGE_SIZE;
				goto out;
			}
			if (!ct) {
				slot = arch_pt_slot(child->root, base + i * PAGE_SIZE,
						    vm_pt_alloc, child);
				if (!slot) {
					va = base + i * PAGE_SIZE;
					goto out;
				}
				ct = slot - i;
				csum = arch_pt_sum(ct);
			}
			if (f->owner != seen_owner) {
				seen_owner = f->owner;
				child_owns = owns_frame(child, f);
			}
			cpte = (pte & (PTE_ADDR | PTE_NX | PTE_USER_BITS)) |
			       PTE_P | PTE_U;
			if (pte & PTE_W) {
				cpte |= mark;
			} else if (!(pte & mark)) {
				cpte |= ro_mark;
			}
			if (!child_owns) {
				/* As page_map of someone else's frame. */
				cpte |= PTE_CAP_NOW |
					((pte & PTE_NX) ? PTE_CAP_NOX : 0);
				child->ceilings = true;
			}
			frame_ref(&kframes, pte & PTE_ADDR);
			old = ct[i];
			pt_set(ct, csum, (unsigned)i, cpte);
			if (old & PTE_P) {
				frame_unref(&kframes, old & PTE_ADDR);
			}
			if (pte & PTE_W) {
				st[i] = (pte & ~PTE_W) | mark;
				changed++;
			} else if (!(pte & mark)) {
				/* A software bit: no TLB entry to drop. */
				st[i] = pte | ro_mark;
			}
		}
	}
	va = hi;
out:
	/* A few pages one by one, more by one reload of the root. */
	if (changed && caller == curenv) {
		arch_tlb_flush_range(lo, (va - lo) >> PAGE_SHIFT);
	}
	return va;
}

uint64_t vm_lend_range(struct env *caller, struct env *child, uaddr_t src,
		       uaddr_t dst, uint64_t npages, uint32_t perm)
{
	uint64_t bits = vm_perm_to_pte(perm, arch_pte_nx), *st = NULL,
		 *ct = NULL, *csum = NULL, n;
	uint32_t seen_owner = FRAME_OWNER_NONE;
	int child_owns = 0;

	for (n = 0; n < npages; n++) {
		uaddr_t s = src + n * PAGE_SIZE, d = dst + n * PAGE_SIZE;
		uint64_t *sslot = range_slot(caller->root, s, &st, n == 0);
		uint64_t pte = sslot ? *sslot : 0, cpte, old;
		struct frame *f;

		if (!(pte & PTE_P) || !share_frame_ok(caller, pte, &f)) {
			break;
		}
		if (n == 0 || (d & (LARGE_PAGE_SIZE - 1)) == 0) {
			uint64_t *slot = arch_pt_slot(child->root, d,
						      vm_pt_alloc, child);

			if (!slot) {
				break;
			}
			ct = slot - ((d >> PAGE_SHIFT) & 511);
			csum = arch_pt_sum(ct);
		}
		if (f->owner != seen_owner) {
			seen_owner = f->owner;
			child_owns = owns_frame(child, f);
		}
		cpte = (pte & PTE_ADDR) | bits;
		if (!child_owns) {
			/* As page_map of someone else's frame. */
			cpte |= PTE_CAP_NOW | ((perm & EXO_PERM_X) ? 0 : PTE_CAP_NOX);
			child->ceilings = true;
		}
		frame_ref(&kframes, pte & PTE_ADDR);
		old = ct[(d >> PAGE_SHIFT) & 511];
		pt_set(ct, csum, (d >> PAGE_SHIFT) & 511, cpte);
		if (old & PTE_P) {
			frame_unref(&kframes, old & PTE_ADDR);
		}
	}
	return n;
}

int vm_protect_check(struct env *target, uaddr_t va, uint64_t npages,
		     uint32_t perm)
{
	uint64_t ceiling;
	uaddr_t end;
	int err = vm_check_range(va, npages);

	if (err) {
		return err;
	}
	if (perm & ~EXO_PERM_ALL) {
		return EXO_ERR_INVALID;
	}
	/*
	 * Only W and X have ceilings: without them nothing can be refused;
	 * nor in an environment never given a mapping with a ceiling.
	 */
	ceiling = ((perm & EXO_PERM_W) ? PTE_CAP_NOW : 0) |
		  ((perm & EXO_PERM_X) ? PTE_CAP_NOX : 0);
	if (!ceiling || !target->ceilings) {
		return 0;
	}
	/* Each leaf table is looked up once, not each page from the root. */
	end = va + npages * EXO_PAGE_SIZE;
	while (va < end) {
		size_t i, i1;
		uint64_t *t = arch_pt_leaf_table(target->root, va);

		va = leaf_span(va, end, &i, &i1);
		for (; t && i < i1; i++) {
			if ((t[i] & PTE_P) && (t[i] & ceiling)) {
				return EXO_ERR_DENIED;
			}
		}
	}
	return 0;
}

/* page_protect of one page: the common case, checked as it is changed. */
int64_t vm_protect_one(struct env *target, uaddr_t va, uint32_t perm)
{
	uint64_t *slot;
	int err = vm_check_range(va, 1);

	if (err) {
		return err;
	}
	if (perm & ~EXO_PERM_ALL) {
		return EXO_ERR_INVALID;
	}
	slot = vm_leaf(target, va, 0);
	if (!slot) {
		return 0;
	}
	slot += (va >> PAGE_SHIFT) & 511;
	if (!(*slot & PTE_P)) {
		return 0;
	}
	if (vm_beyond_ceiling(*slot, perm)) {
		return EXO_ERR_DENIED;
	}
	*slot = vm_protect_pte(*slot, perm, arch_pte_nx);
	flush(target, va);
	return 1;
}

int64_t vm_protect(struct env *target, uaddr_t va, uint64_t npages,
		   uint32_t perm)
{
	uaddr_t p, end;
	uint64_t bits;
	int64_t changed = 0;
	int err;

	if (npages == 1) {
		return vm_protect_one(target, va, perm);
	}
	/* A range is checked whole first, so a refusal changes nothing. */
	err = vm_protect_check(target, va, npages, perm);
	if (err) {
		return err;
	}
	/*
	 * One lookup per leaf table, and one TLB flush of the range once
	 * every entry has changed (the kernel is not preemptible, and the
	 * range is only the target's).
	 */
	bits = vm_perm_to_pte(perm, arch_pte_nx);
	end = va + npages * EXO_PAGE_SIZE;
	for (p = va; p < end;) {
		size_t i, i1;
		uint64_t *t = arch_pt_leaf_table(target->root, p);

		p = leaf_span(p, end, &i, &i1);
		for (; t && i < i1; i++) {
			uint64_t pte = t[i];

			if (!(pte & PTE_P)) {
				continue;
			}
			t[i] = vm_protect_pte_bits(pte, bits);
			changed++;
		}
	}
	if (changed && target == curenv) {
		arch_tlb_flush_range(va, npages);
	}
	return changed;
}

int64_t vm_clear_ad(struct env *target, uaddr_t va, uint64_t npages,
		    uint32_t bits)
{
	uint64_t *table = NULL, clear = 0;
	int64_t changed = 0;
	int err = vm_check_range(va, npages);

	if (err) {
		return err;
	}
	if (bits == 0 || (bits & ~(EXO_AD_ACCESSED | EXO_AD_DIRTY))) {
		return EXO_ERR_INVALID;
	}
	clear = ((bits & EXO_AD_ACCESSED) ? PTE_A : 0) |
		((bits & EXO_AD_DIRTY) ? PTE_D : 0);
	for (uint64_t i = 0; i < npages; i++) {
		uaddr_t p = va + i * EXO_PAGE_SIZE;
		uint64_t *slot = range_slot(target->root, p, &table, i == 0);

		if (!slot || !(*slot & PTE_P)) {
			continue;
		}
		/*
		 * Only bits the MMU sets for itself: rights, address and
		 * ceilings stay. The flush makes the MMU set them again on
		 * the next access instead of trusting a cached entry.
		 */
		if (*slot & clear) {
			*slot &= ~clear;
			flush(target, p);
		}
		changed++;
	}
	return changed;
}

/* The kernel address of user byte @uva, or NULL if not accessible. */
static uint8_t *user_byte(struct env *e, uaddr_t uva, int write)
{
	uint64_t *slot = vm_leaf(e, uva, 1);
	uint64_t need = PTE_P | PTE_U | (write ? PTE_W : 0);

	if (!slot) {
		return NULL;
	}
	slot += (uva >> PAGE_SHIFT) & 511;
	if ((*slot & need) != need) {
		return NULL;
	}
	return (uint8_t *)phys_to_virt(*slot & PTE_ADDR) +
	       (uva & (EXO_PAGE_SIZE - 1));
}

int vm_user_frame(struct env *e, uaddr_t uva, int write, paddr_t *pa)
{
	uint8_t *k;

	if (uva & (EXO_PAGE_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (!vm_user_range_ok(uva, EXO_PAGE_SIZE)) {
		return EXO_ERR_FAULT;
	}
	k = user_byte(e, uva, write);
	if (!k) {
		return EXO_ERR_FAULT;
	}
	*pa = virt_to_phys(k);
	return 0;
}

void *user_ptr(struct env *e, uaddr_t uva, size_t len)
{
	if (uva >= EXO_USER_TOP || len > EXO_PAGE_SIZE ||
	    (uva & (EXO_PAGE_SIZE - 1)) + len > EXO_PAGE_SIZE) {
		return NULL;
	}
	return user_byte(e, uva, 1);
}

/*
 * Check every page first, then copy, so a failing copy changes nothing
 * (the kernel is not preemptible: the mappings cannot change in between).
 */
static int copy_user(struct env *e, uaddr_t uva, void *kbuf, size_t len,
		     int to_user)
{
	uaddr_t p;
	size_t done = 0;

	if (!vm_user_range_ok(uva, len)) {
		return EXO_ERR_FAULT;
	}
	for (p = uva & ~(EXO_PAGE_SIZE - 1); p < uva + len; p += EXO_PAGE_SIZE) {
		if (!user_byte(e, p, to_user)) {
			return EXO_ERR_FAULT;
		}
	}
	while (done < len) {
		uaddr_t cur = uva + done;
		size_t chunk = EXO_PAGE_SIZE - (cur & (EXO_PAGE_SIZE - 1));
		uint8_t *k = user_byte(e, cur, to_user);

		if (chunk > len - done) {
			chunk = len - done;
		}
		if (to_user) {
			memcpy(k, (uint8_t *)kbuf + done, chunk);
		} else {
			memcpy((uint8_t *)kbuf + done, k, chunk);
		}
		done += chunk;
	}
	return 0;
}

int copy_from_user(struct env *e, void *dst, uaddr_t uva, size_t len)
{
	return copy_user(e, uva, dst, len, 0);
}

int copy_to_user(struct env *e, uaddr_t uva, const void *src, size_t len)
{
	return copy_user(e, uva, (void *)src, len, 1);
}

int vm_map_kernel_page(struct env *e, uaddr_t va, paddr_t pa)
{
	uint64_t *slot = arch_pt_slot(e->root, va, vm_pt_alloc, e);

	if (!slot) {
		return EXO_ERR_NO_MEMORY;
	}
	frame_ref(&kframes, pa);
	arch_pt_set(slot, pa | PTE_P | PTE_U | (arch_mmu_has_nx() ? PTE_NX : 0));
	return 0;
}

static void teardown_leaf(void *ctx, uint64_t pte)
{
	(void)ctx;
	frame_unref(&kframes, pte & PTE_ADDR);
}

bool vm_pt_check;

/*
 * With vm_pt_check: panic unless every nonzero entry of the table at @pa
 * has its summary bit set (a kernel bug: a write that bypassed
 * arch_pt_set), and, after teardown cleared it, unless it is all zero.
 */
static void check_table(paddr_t pa, int cleared)
{
	const uint64_t *t = phys_to_virt(pa);
	uint64_t sum = *arch_pt_sum(t);

	for (unsigned i = 0; i < 512; i++) {
		if (t[i] && (cleared || !(sum & pt_group_bit(i)))) {
			panic("vm: page table 0x%lx entry %u is 0x%lx, its "
			      "summary 0x%lx%s",
			      (unsigned long)pa, i, (unsigned long)t[i],
			      (unsigned long)sum, cleared ? " after clearing" : "");
		}
	}
}

/* Empty the table at @pa (its present entries seen by @leaf), free it. */
static void free_table(paddr_t pa, arch_leaf_fn leaf)
{
	if (vm_pt_check) {
		check_table(pa, 0);
	}
	arch_pt_clear(pa, leaf, NULL);
	if (vm_pt_check) {
		check_table(pa, 1);
	}
	/* Known zero: the next page table or zeroed frame needs no clearing. */
	frame_unref_zeroed(&kframes, pa);
	vm_kernel_frames--;
}

void vm_teardown(struct env *e)
{
	paddr_t pa;

	/* Never free the tables the CPU is walking. */
	if (arch_current_root() == e->root) {
		arch_switch_root(arch_mmu_root());
	}
	while (frame_list_pop(&kframes, &e->pt_leaf, &pa) == 0) {
		free_table(pa, teardown_leaf);
	}
	while (frame_list_pop(&kframes, &e->pt_upper, &pa) == 0) {
		free_table(pa, NULL);
	}
	free_table(e->root, NULL);
	e->root = 0;
	/* The tables are gone: nothing may be looked up through them. */
	memset(e->leaf, 0, sizeof(e->leaf));
}
