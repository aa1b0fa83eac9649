/* SPDX-License-Identifier: MIT */
/*
 * Planning a child's address space: which bytes of the image each page
 * holds, which pages may be shared, and where the arguments go. Nothing
 * here makes a system call or reads outside the image it is given.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "image.h"

#define PAGE_MASK (EXO_PAGE_SIZE - 1)

_Static_assert(ELF_PAGE_SIZE == EXO_PAGE_SIZE, "one page size");
_Static_assert((SPAWN_IMAGE_TOP & PAGE_MASK) == 0, "image top aligned");
_Static_assert(SPAWN_IMAGE_TOP <=
		       SPAWN_STACK_TOP - SPAWN_STACK_PAGES_MAX * EXO_PAGE_SIZE,
	       "images stay below the stack");

int image_plan(const void *elf, size_t size, struct elf_image *img)
{
	uint64_t pages = 0;
	int err;

	err = elf_parse(elf, size, EXO_USER_MIN, SPAWN_IMAGE_TOP, img);
	if (err) {
		return err;
	}
	/* At most 16 segments of at most 2^18 + 1 pages: no overflow. */
	for (uint32_t i = 0; i < img->nsegments; i++) {
		uint64_t first, n;

		elf_segment_pages(&img->seg[i], &first, &n);
		pages += n;
	}
	if (pages > SPAWN_IMAGE_PAGES_MAX) {
		memset(img, 0, sizeof(*img));
		img->error =
			"segments span more than SPAWN_IMAGE_PAGES_MAX pages";
		img->error_phdr = -1;
		return EXO_ERR_TOO_BIG;
	}
	return 0;
}

uint32_t image_perm(uint32_t seg_flags)
{
	uint32_t perm = EXO_PERM_R;

	if (seg_flags & ELF_SEG_W) {
		perm |= EXO_PERM_W;
	}
	if (seg_flags & ELF_SEG_X) {
		perm |= EXO_PERM_X;
	}
	return perm;
}

void image_page_at(const struct elf_segment *s, uint64_t va,
		   uint64_t image_addr, size_t image_size,
		   struct image_page *out)
{
	/* The segment's bytes in this page, and the part from the file. */
	uint64_t lo = va > s->vaddr ? va : s->vaddr;
	uint64_t end = s->vaddr + s->memsz;
	uint64_t hi = va + EXO_PAGE_SIZE < end ? va + EXO_PAGE_SIZE : end;
	uint64_t file_end = s->vaddr + s->filesz;
	uint64_t copy_hi = hi < file_end ? hi : file_end;
	uint64_t off;

	out->va = va;
	out->perm = image_perm(s->flags);
	out->copy_dst = (uint32_t)(lo - va);
	out->copy_src = 0;
	out->copy_len = 0;
	if (lo < copy_hi) {
		out->copy_src = s->offset + (lo - s->vaddr);
		out->copy_len = (uint32_t)(copy_hi - lo);
	}
	out->shareable = false;
	out->share_off = 0;

	/*
	 * A shared frame is the image's own page, so it must hold exactly
	 * what a copy would: no bss to zero, nothing the child may write.
	 */
	if ((s->flags & ELF_SEG_W) || hi > file_end) {
		return;
	}
	/* The file offset standing for @va; the page may start before it. */
	if (va < s->vaddr && s->vaddr - va > s->offset) {
		return;
	}
	off = s->offset - (s->vaddr - va);
	if (((image_addr + off) & PAGE_MASK) != 0) {
		return;
	}
	/* Bytes past the image in that page could be the caller's own. */
	if (off > image_size || EXO_PAGE_SIZE > image_size - off) {
		return;
	}
	out->shareable = true;
	out->share_off = off;
}

int image_args_layout(const char *const argv[], uint64_t top,
		      struct image_args *out)
{
	uint64_t argc = 0, strings = 0;

	if ((top & PAGE_MASK) != 0 || top < EXO_PAGE_SIZE) {
		return EXO_ERR_ALIGN;
	}
	/*
	 * Each step keeps strings + the array (with one more pointer and the
	 * NULL) within SPAWN_ARGS_MAX, so no string is read further than
	 * what could still fit.
	 */
	for (; argv && argv[argc]; argc++) {
		uint64_t used = strings + 8 * (argc + 2);
		uint64_t room, n;

		if (used >= SPAWN_ARGS_MAX) {
			return EXO_ERR_TOO_BIG;
		}
		room = SPAWN_ARGS_MAX - used;
		n = strnlen(argv[argc], room);
		if (n == room) {
			return EXO_ERR_TOO_BIG; /* no room for its NUL */
		}
		strings += n + 1;
	}
	out->argc = argc;
	out->strings = strings;
	out->strings_va = top - strings;
	out->argv_va = (out->strings_va - 8 * (argc + 1)) & ~15ul;
	return 0;
}

void image_args_write(void *page, uint64_t top, const char *const argv[],
		      const struct image_args *a)
{
	uint8_t *p = page;
	uint64_t base = top - EXO_PAGE_SIZE;
	uint64_t sva = a->strings_va;
	struct spawn_start st;
	uint64_t v;

	for (uint64_t i = 0; i < a->argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		memcpy(p + (sva - base), argv[i], n);
		memcpy(p + (a->argv_va - base) + 8 * i, &sva, sizeof(sva));
		sva += n;
	}
	v = 0;
	memcpy(p + (a->argv_va - base) + 8 * a->argc, &v, sizeof(v));
	st.argv = a->argv_va;
	st.argc = a->argc;
	memcpy(p + (a->argv_va - sizeof(st) - base), &st, sizeof(st));
}
