/* SPDX-License-Identifier: MIT */
/*
 * The pure rules behind the memory system calls: which user addresses and
 * ranges may be named, how requested rights become a page-table entry, and
 * what a capability's rights allow. No state, no hardware: the kernel and
 * the host tests use exactly these.
 */
#ifndef VM_RIGHTS_H
#define VM_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>
#include <exo/abi.h>
#include <exo/errors.h>

/* Largest range one unmap or protect call may name, in pages. */
#define VM_RANGE_MAX (1ul << 20)

/* PTE bits the MMU ignores: the ceiling a capability put on a mapping. */
#define PTE_CAP_NOW (1ul << 52) /* mapped via a capability without W */
#define PTE_CAP_NOX (1ul << 53) /* mapped via a capability without X */
/* The three PTE bits an environment may use for itself (EXO_PERM_USER*). */
#define PTE_USER_BITS (7ul << 9)

/* May an environment map a page at @va? */
static inline int vm_va_ok(uint64_t va)
{
	return va >= EXO_USER_MIN && va < EXO_USER_MAP_TOP;
}

/* Check a user range for unmap, protect and page operations. */
static inline int vm_check_range(uint64_t va, uint64_t npages)
{
	if (va & (EXO_PAGE_SIZE - 1)) {
		return EXO_ERR_ALIGN;
	}
	if (npages == 0 || npages > VM_RANGE_MAX) {
		return EXO_ERR_INVALID;
	}
	if (!vm_va_ok(va) || va + npages * EXO_PAGE_SIZE > EXO_USER_MAP_TOP) {
		return EXO_ERR_DENIED;
	}
	return 0;
}

/* Is [@uva, @uva + @len) inside user space, without wrapping? */
static inline int vm_user_range_ok(uint64_t uva, size_t len)
{
	return uva < EXO_USER_TOP && len <= EXO_USER_TOP - uva;
}

/*
 * The PTE bits (without the address) for @perm: present, user, writable
 * with EXO_PERM_W, @nx unless EXO_PERM_X, and EXO_PERM_USER0..2 in bits
 * 9..11. Any mapping is readable.
 */
static inline uint64_t vm_perm_to_pte(uint32_t perm, uint64_t nx)
{
	uint64_t pte = PTE_P | PTE_U;

	if (perm & EXO_PERM_W) {
		pte |= PTE_W;
	}
	if (!(perm & EXO_PERM_X)) {
		pte |= nx;
	}
	return pte | (uint64_t)((perm >> 4) & 7) << 9;
}

/* Does a capability with @rights allow a mapping with @perm? */
static inline int vm_cap_allows(uint16_t rights, uint32_t perm)
{
	return (rights & EXO_CAP_R) &&
	       (!(perm & EXO_PERM_W) || (rights & EXO_CAP_W)) &&
	       (!(perm & EXO_PERM_X) || (rights & EXO_CAP_X));
}

/* The ceiling bits a mapping through a capability with @rights carries. */
static inline uint64_t vm_cap_ceiling(uint16_t rights)
{
	return ((rights & EXO_CAP_W) ? 0 : PTE_CAP_NOW) |
	       ((rights & EXO_CAP_X) ? 0 : PTE_CAP_NOX);
}

/* Would giving the mapping @pte the rights @perm break its ceiling? */
static inline int vm_beyond_ceiling(uint64_t pte, uint32_t perm)
{
	return ((perm & EXO_PERM_W) && (pte & PTE_CAP_NOW)) ||
	       ((perm & EXO_PERM_X) && (pte & PTE_CAP_NOX));
}

/*
 * The new value of the mapping @pte when protected to @perm: address,
 * accessed, dirty and ceiling kept, rights replaced. vm_protect_pte_bits
 * takes the rights already as PTE bits (vm_perm_to_pte), for a loop.
 */
static inline uint64_t vm_protect_pte_bits(uint64_t pte, uint64_t bits)
{
	const uint64_t keep = PTE_ADDR | PTE_A | PTE_D | PTE_CAP_NOW |
			      PTE_CAP_NOX;

	return (pte & keep) | bits;
}

static inline uint64_t vm_protect_pte(uint64_t pte, uint32_t perm, uint64_t nx)
{
	return vm_protect_pte_bits(pte, vm_perm_to_pte(perm, nx));
}

/*
 * The checks on one struct exo_page_op that need no state: a known
 * operation, rights within EXO_PERM_ALL, and an acceptable address or
 * range. Authority is checked by the caller.
 */
static inline int vm_page_op_shape(const struct exo_page_op *op)
{
	if (op->perm & ~EXO_PERM_ALL) {
		return EXO_ERR_INVALID;
	}
	switch (op->op) {
	case EXO_PAGE_OP_MAP:
	case EXO_PAGE_OP_CAP_MAP:
		return vm_check_range(op->va, 1);
	case EXO_PAGE_OP_UNMAP:
	case EXO_PAGE_OP_PROTECT:
		return vm_check_range(op->va, op->count);
	default:
		return EXO_ERR_INVALID;
	}
}

#endif
