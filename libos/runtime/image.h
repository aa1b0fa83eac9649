/* SPDX-License-Identifier: MIT */
/*
 * The pure half of spawn: deciding what goes where in a child's address
 * space, without a system call, so the host tests can check it. exec.c
 * turns these decisions into frames and mappings.
 */
#ifndef RUNTIME_IMAGE_H
#define RUNTIME_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libos/spawn.h>

#include "elf/elf.h"

/*
 * image_plan - check an executable for spawning and describe its segments.
 * @elf, @size: the image
 * @img:        filled as elf_parse does; on failure ->error names the rule
 *
 * elf_parse with the user range [EXO_USER_MIN, SPAWN_IMAGE_TOP), then the
 * segments together must span at most SPAWN_IMAGE_PAGES_MAX pages.
 * Return: 0, the errors of elf_parse, or EXO_ERR_TOO_BIG (too many pages).
 */
int image_plan(const void *elf, size_t size, struct elf_image *img);

/* EXO_PERM_* for a segment's ELF_SEG_* flags: R always, W and X as given. */
uint32_t image_perm(uint32_t seg_flags);

/*
 * What one page of a segment needs. The child's page at @va must hold
 * @copy_len bytes of the image from offset @copy_src at offset @copy_dst
 * within the page, and zeros elsewhere (within the segment; the rest of
 * the page belongs to no segment). When @shareable, the image's page at
 * offset @share_off holds exactly that, so the frame behind it may be
 * mapped instead of a copy.
 */
struct image_page {
	uint64_t va;
	uint32_t perm; /* EXO_PERM_* */
	uint32_t copy_dst; /* < EXO_PAGE_SIZE */
	uint64_t copy_src;
	uint32_t copy_len; /* 0: a page of zeros */
	bool shareable;
	uint64_t share_off; /* image_addr + share_off page-aligned */
};

/*
 * image_page_at - what page @va of segment @s needs.
 * @s:          a segment image_plan recorded
 * @va:         a page-aligned address among the pages @s touches
 * @image_addr: where the image lies in the caller (sharing needs it
 *              page-aligned relative to the segment)
 * @image_size: its length
 * @out:        filled
 *
 * A page is shareable when @s is not writable, every byte of @s within the
 * page comes from the file (none is bss), and the image's page that would
 * stand for it lies wholly inside the image: then the other bytes the
 * child sees in it are the image's own, never the caller's.
 */
void image_page_at(const struct elf_segment *s, uint64_t va,
		   uint64_t image_addr, size_t image_size,
		   struct image_page *out);

/* Where the arguments go in the stack's top page (see spawn.h). */
struct image_args {
	uint64_t argc;
	uint64_t strings; /* bytes of the strings, NULs included */
	uint64_t argv_va; /* the argv array in the child = entry rsp */
	uint64_t strings_va; /* the first string in the child */
};

/*
 * image_args_layout - place @argv in the page below @top.
 * @argv: NULL-terminated, or NULL for none
 * @top:  the stack's top in the child; page-aligned
 * @out:  filled on success
 *
 * Reads at most SPAWN_ARGS_MAX bytes of strings, however long @argv is.
 * Return: 0, EXO_ERR_ALIGN (@top), EXO_ERR_TOO_BIG (the array and the
 * strings need more than SPAWN_ARGS_MAX bytes).
 */
int image_args_layout(const char *const argv[], uint64_t top,
		      struct image_args *out);

/*
 * image_args_write - write the layout @a of @argv into @page, which stands
 * for the child's page [@top - EXO_PAGE_SIZE, @top): the strings, the argv
 * array of child addresses, and the start block below a->argv_va. Bytes
 * it does not write are left as they are (the stack's frames start
 * zeroed). Cannot fail for a layout image_args_layout made of @argv.
 */
void image_args_write(void *page, uint64_t top, const char *const argv[],
		      const struct image_args *a);

#endif
