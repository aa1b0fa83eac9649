/* SPDX-License-Identifier: MIT */
/*
 * User memory: the secure bindings between environments, frames and page
 * table entries, and the only way the kernel touches user memory (copy
 * helpers that walk the environment's page tables; user addresses are never
 * dereferenced).
 */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"
#include "env/env.h"
#include "vm/rights.h"

/* A user virtual address: never dereference, only pass to copy helpers. */
typedef uint64_t uaddr_t;

/*
 * vm_map - map the frame at @pa at @va in @target's address space with
 * @perm (EXO_PERM_*), replacing whatever was there. Authority: @caller may
 * map into @target (env_controls MAP, or itself), and either owns the frame,
 * or the frame's owner is an environment @caller controls, or @via is a
 * frame capability of @caller's allowing @perm.
 * Return: 0, EXO_ERR_ALIGN, EXO_ERR_INVALID (@perm), EXO_ERR_DENIED (no
 * authority, kernel or reserved frame, address outside the user range),
 * EXO_ERR_STATE (frame not allocated), EXO_ERR_NO_MEMORY, EXO_ERR_LIMIT.
 */
int vm_map(struct env *caller, struct env *target, uaddr_t va, paddr_t pa,
	   uint32_t perm, struct cap *via);

/* vm_map_check - vm_map's checks alone, without side effects. */
int vm_map_check(struct env *caller, struct env *target, uaddr_t va,
		 paddr_t pa, uint32_t perm, struct cap *via);

/*
 * vm_share_range - lend @caller's present pages of [@lo, @hi) (page
 * aligned, checked by the caller) to @child at the same addresses, as a
 * copy-on-write fork wants them: the child's mapping has the caller's
 * rights without W, and with the software bit @mark (a PTE_USER bit) where
 * the caller's page was writable or already carried @mark; the caller's
 * writable pages lose W and get @mark too. A page neither writable nor
 * marked with @mark gets @ro_mark (another PTE_USER bit, or 0) on both
 * sides: a libOS that may later make it writable in place must know it
 * is shared. A page is lent only if the
 * caller could map its frame into @child itself without a capability (its
 * own frame, or one of an environment it controls; not a mapping with a
 * ceiling, i.e. one got through a capability or lent to the caller), and
 * its reference count has room; the child's mapping carries the ceiling
 * page_map would give it. The child's page tables are its own (freed when
 * it ends). Stops at the first page it cannot lend, or when a page table
 * cannot be had; what came before stays done.
 * Return: the address it stopped at: @hi when the whole range was lent.
 */
uint64_t vm_share_range(struct env *caller, struct env *child, uaddr_t lo,
			uaddr_t hi, uint64_t mark, uint64_t ro_mark);

/*
 * vm_lend_range - map the frames of @caller's present pages from @src, in
 * order, at @npages pages from @dst in @child with @perm (no W; checked
 * by the caller, like the ranges), under vm_share_range's rule for which
 * frames may be lent and with the ceiling page_map would give. Stops at
 * the first page that is not present or may not be lent, or when a page
 * table cannot be had.
 * Return: how many pages were lent.
 */
uint64_t vm_lend_range(struct env *caller, struct env *child, uaddr_t src,
		       uaddr_t dst, uint64_t npages, uint32_t perm);

/* vm_unmap - unmap @npages pages from @va in @target (holes are fine). */
int vm_unmap(struct env *target, uaddr_t va, uint64_t npages);

/*
 * vm_protect - set @perm on the mapped pages of [@va, @va + @npages pages)
 * in @target, keeping accessed and dirty bits. Refused as a whole if any
 * page was mapped through a capability that does not allow @perm.
 * Return: pages changed (>= 0), or EXO_ERR_*.
 */
int64_t vm_protect(struct env *target, uaddr_t va, uint64_t npages,
		   uint32_t perm);

/* vm_protect of one page, the common case: the same rules and results. */
int64_t vm_protect_one(struct env *target, uaddr_t va, uint32_t perm);

/* vm_protect's checks alone, without side effects. */
int vm_protect_check(struct env *target, uaddr_t va, uint64_t npages,
		     uint32_t perm);

/*
 * copy_from_user / copy_to_user - copy @len bytes between kernel memory
 * and @e's user memory at @uva, page by page through the direct map.
 * Every page must be mapped user-accessible (and writable, for
 * copy_to_user). Return: 0 or EXO_ERR_FAULT (nothing is copied then).
 */
int copy_from_user(struct env *e, void *dst, uaddr_t uva, size_t len);
int copy_to_user(struct env *e, uaddr_t uva, const void *src, size_t len);

/*
 * vm_clear_ad - clear the accessed (EXO_AD_ACCESSED) and/or dirty
 * (EXO_AD_DIRTY) bits of the present pages of [@va, @va + @npages pages)
 * in @target, flushing each from the TLB when @target is running.
 * Return: pages changed, or EXO_ERR_INVALID (@bits 0 or unknown, or a bad
 * page count), EXO_ERR_ALIGN, EXO_ERR_DENIED (outside the mappable range).
 */
int64_t vm_clear_ad(struct env *target, uaddr_t va, uint64_t npages,
		    uint32_t bits);

/*
 * user_ptr - a kernel pointer to @len bytes of @e's memory at @uva when
 * they lie in one page that is mapped user-writable, else NULL. For hot
 * paths that write a small structure; everything else uses copy_to_user.
 */
void *user_ptr(struct env *e, uaddr_t uva, size_t len);

/*
 * vm_user_frame - the frame mapped at page @uva of @e, if the page is
 * mapped user-accessible (and writable, with @write). For a device that
 * will reach the page without the CPU's help.
 * Return: 0 and *@pa, EXO_ERR_ALIGN (@uva not page-aligned), EXO_ERR_FAULT.
 */
int vm_user_frame(struct env *e, uaddr_t uva, int write, paddr_t *pa);

/*
 * vm_map_kernel_page - map the kernel frame @pa read-only at @va in @e
 * (info pages). Return: 0 or EXO_ERR_NO_MEMORY.
 */
int vm_map_kernel_page(struct env *e, uaddr_t va, paddr_t pa);

/*
 * vm_teardown - unmap everything and free every page-table page, each
 * cleared (only its groups the summary marks) onto the zeroed free list.
 */
void vm_teardown(struct env *e);

/*
 * When set (boot option "ptcheck", for tests), vm_teardown first checks
 * every table against its summary and panics at a nonzero entry whose
 * bit is clear: a page-table write that bypassed arch_pt_set.
 */
extern bool vm_pt_check;

/*
 * A zeroed page-table frame owned by the kernel, for arch_pt_slot; with
 * @ctx an environment, it is remembered in that environment's lists.
 */
uint64_t vm_pt_alloc(void *ctx, int level);

/* Kernel frames held for environments (page tables, info pages). */
extern int64_t vm_kernel_frames;

/* Remove the mapping at @va in env @env if it maps @pa (cap revocation). */
void vm_unmap_if(uint32_t env, uaddr_t va, paddr_t pa);

#endif
