/* SPDX-License-Identifier: MIT */
/*
 * Loading the first environment from an ELF executable. Every later
 * program is loaded by the libOS with page system calls; the kernel does
 * this once because nothing else exists yet to do it.
 */
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "boot/bootinfo.h"
#include "elf/elf.h"
#include "env/env.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "vm/vm.h"

/* A zeroed frame owned by @e, mapped at @va with @perm. */
static int add_page(struct env *e, uint64_t va, uint32_t perm, paddr_t *out)
{
	paddr_t pa;
	int err;

	err = kframe_alloc_zeroed(e->id, &pa);
	if (err) {
		return err;
	}
	frame_list_add(&kframes, &e->frames, pa);
	e->info->frames++;
	err = vm_map(e, e, va, pa, perm, NULL);
	if (err) {
		return err; /* env_kill returns the frame */
	}
	*out = pa;
	return 0;
}

static int load_segment(struct env *e, const uint8_t *image,
			const struct elf_segment *s)
{
	uint32_t perm = EXO_PERM_R;
	uint64_t first, npages;
	int err;

	if (s->flags & ELF_SEG_W) {
		perm |= EXO_PERM_W;
	}
	if (s->flags & ELF_SEG_X) {
		perm |= EXO_PERM_X;
	}
	err = elf_segment_pages(s, &first, &npages);
	if (err) {
		return err;
	}
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t page = first + i * EXO_PAGE_SIZE;
		uint64_t lo = page > s->vaddr ? page : s->vaddr;
		uint64_t hi = page + EXO_PAGE_SIZE;
		paddr_t pa;

		err = add_page(e, page, perm, &pa);
		if (err) {
			return err;
		}
		/* The file bytes that fall in this page; the rest stays 0. */
		if (hi > s->vaddr + s->filesz) {
			hi = s->vaddr + s->filesz;
		}
		if (lo < hi) {
			memcpy((uint8_t *)phys_to_virt(pa) + (lo - page),
			       image + s->offset + (lo - s->vaddr), hi - lo);
		}
	}
	return 0;
}

int env_load_elf(const void *image, uint64_t size, exo_envid_t parent,
		 struct env **out)
{
	static struct elf_image img;
	struct env *e;
	paddr_t pa;
	int err;

	err = elf_parse(image, size, EXO_USER_MIN, EXO_USER_MAP_TOP, &img);
	if (err) {
		log_error("env", "refusing ELF image: %s (%s)", img.error,
			  exo_status_name(err));
		return err;
	}
	err = env_alloc(parent, &e);
	if (err) {
		return err;
	}
	for (uint32_t i = 0; i < img.nsegments && !err; i++) {
		err = load_segment(e, image, &img.seg[i]);
	}
	for (uint64_t va = EXO_INIT_STACK_TOP - EXO_INIT_STACK_SIZE;
	     va < EXO_INIT_STACK_TOP && !err; va += EXO_PAGE_SIZE) {
		err = add_page(e, va, EXO_PERM_R | EXO_PERM_W, &pa);
	}
	if (err) {
		env_kill(e, EXO_EXIT_KILLED, err);
		return err;
	}
	e->regs.rip = img.entry;
	e->regs.rsp = EXO_INIT_STACK_TOP;
	e->regs.rflags = 0x202;
	sched_enqueue(e);
	*out = e;
	return 0;
}

/* Copy @len bytes from @src into fresh read-only pages of @e at @va. */
static int give_bytes(struct env *e, uint64_t va, const void *src,
		      uint64_t len)
{
	for (uint64_t off = 0; off < len; off += EXO_PAGE_SIZE) {
		uint64_t n = len - off < EXO_PAGE_SIZE ? len - off
						       : EXO_PAGE_SIZE;
		paddr_t pa;
		int err = add_page(e, va + off, EXO_PERM_R, &pa);

		if (err) {
			return err;
		}
		memcpy(phys_to_virt(pa), (const uint8_t *)src + off, n);
	}
	return 0;
}

int env_give_modules(struct env *e, const struct boot_info *bi)
{
	static struct exo_bootmods table;
	/* The table's page, a guard page, then each module and a guard. */
	uint64_t va = EXO_BOOTMODS_VA + 2 * EXO_PAGE_SIZE;
	int err;

	memset(&table, 0, sizeof(table));
	for (uint32_t i = 0; i < bi->module_count && i < EXO_BOOTMOD_MAX; i++) {
		const struct boot_module *m = &bi->modules[i];
		struct exo_bootmod *t = &table.mod[table.count++];
		uint64_t size = m->end - m->start;

		memcpy(t->name, m->name,
		       strnlen(m->name, EXO_BOOTMOD_NAME - 1));
		t->va = va;
		t->size = size;
		if (va + size + EXO_PAGE_SIZE > EXO_USER_MAP_TOP) {
			return EXO_ERR_TOO_BIG;
		}
		err = give_bytes(e, va, phys_to_virt(m->start), size);
		if (err) {
			return err;
		}
		va += (size + EXO_PAGE_SIZE - 1) / EXO_PAGE_SIZE * EXO_PAGE_SIZE +
		      EXO_PAGE_SIZE;
	}
	return give_bytes(e, EXO_BOOTMODS_VA, &table, sizeof(table));
}
