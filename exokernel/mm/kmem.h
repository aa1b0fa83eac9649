/* SPDX-License-Identifier: MIT */
/*
 * The kernel's memory: the one frame table over all of RAM, the final page
 * tables, and the kernel heap on top of them.
 */
#ifndef MM_KMEM_H
#define MM_KMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/mmu.h>

#include "boot/bootinfo.h"
#include "mm/frame.h"
#include "mm/heap.h"

extern struct frame_table kframes;
extern struct heap kheap;

/*
 * kmem_init - from the boot memory map: place the frame metadata, make
 * usable RAM free except the first MiB, the kernel image, the boot
 * information and modules; build the final page tables; start the heap.
 * Panics when memory is unusable (nothing a user did).
 */
void kmem_init(const struct boot_info *bi);

/*
 * kframe_alloc_zeroed - a zeroed frame for @owner: one known to be zero
 * when there is one, else any frame, cleared here.
 * Return: 0 and the address in @out, or EXO_ERR_NO_MEMORY.
 */
static inline int kframe_alloc_zeroed(uint32_t owner, paddr_t *out)
{
	bool zero;
	int err = frame_alloc_zeroed(&kframes, owner, out, &zero);

	if (!err && !zero) {
		arch_zero_page(phys_to_virt(*out));
	}
	return err;
}

/* kmalloc/kfree on the kernel heap. */
void *kmalloc(size_t size);
void kfree(void *p);

/* Physical end of RAM covered by the frame table and direct map. */
paddr_t kmem_phys_end(void);

#endif
