/* SPDX-License-Identifier: MIT */
/*
 * ELF64 executable checks.
 *
 * The image is untrusted: it may be truncated, crafted to make offsets wrap,
 * or simply not ELF. So every header is copied out with memcpy (the image
 * need not be aligned, and nothing is dereferenced in place), every range is
 * checked as "start <= size && length <= size - start" so no sum can wrap
 * before it is compared, and every 64-bit address sum is checked for
 * wrapping before it is used. e_phnum is bounded by ELF_MAX_PHDRS before the
 * table's length is computed, which keeps that product tiny.
 *
 * Results go into @out as the walk proceeds; any failure wipes @out again so
 * a caller can never act on half a parse.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "elf.h"
#include "elf64.h"

/* Fields are copied out as they lie, so the host must read them the same. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian");

/* struct elf_segment.flags promises PF_*'s bits; keep the two in step. */
_Static_assert(ELF_SEG_X == PF_X, "ELF_SEG_X");
_Static_assert(ELF_SEG_W == PF_W, "ELF_SEG_W");
_Static_assert(ELF_SEG_R == PF_R, "ELF_SEG_R");

/* The table length e_phnum * e_phentsize stays far from overflowing. */
_Static_assert(ELF_MAX_PHDRS < PN_XNUM, "ELF_MAX_PHDRS");
_Static_assert(ELF_MAX_SEGMENTS <= ELF_MAX_PHDRS, "ELF_MAX_SEGMENTS");

#define PAGE_MASK (ELF_PAGE_SIZE - 1)

static int fail(struct elf_image *out, int err, const char *msg, int32_t phdr)
{
	memset(out, 0, sizeof(*out));
	out->error = msg;
	out->error_phdr = phdr;
	return err;
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int check_header(const struct elf64_ehdr *eh, struct elf_image *out)
{
	if (eh->e_ident[EI_MAG0] != ELFMAG0 ||
	    eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 ||
	    eh->e_ident[EI_MAG3] != ELFMAG3) {
		return fail(out, EXO_ERR_INVALID, "bad ELF magic", -1);
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		return fail(out, EXO_ERR_INVALID, "not ELFCLASS64", -1);
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		return fail(out, EXO_ERR_INVALID, "not ELFDATA2LSB", -1);
	}
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT) {
		return fail(out, EXO_ERR_INVALID, "ELF version not EV_CURRENT",
			    -1);
	}
	/*
	 * ET_DYN would need relocating to an address we choose, and ET_REL
	 * and ET_CORE are not programs at all.
	 */
	if (eh->e_type != ET_EXEC) {
		return fail(out, EXO_ERR_INVALID, "e_type not ET_EXEC", -1);
	}
	if (eh->e_machine != EM_X86_64) {
		return fail(out, EXO_ERR_INVALID, "e_machine not EM_X86_64",
			    -1);
	}
	if (eh->e_ehsize != sizeof(struct elf64_ehdr)) {
		return fail(out, EXO_ERR_INVALID, "e_ehsize not 64", -1);
	}
	/*
	 * A longer entry would be legal ELF in principle, but no linker makes
	 * one, and accepting only 56 keeps the table arithmetic obvious.
	 */
	if (eh->e_phentsize != sizeof(struct elf64_phdr)) {
		return fail(out, EXO_ERR_INVALID, "e_phentsize not 56", -1);
	}
	if (eh->e_phnum == 0) {
		return fail(out, EXO_ERR_INVALID, "no program headers", -1);
	}
	/* This also refuses PN_XNUM, whose real count hides in a section. */
	if (eh->e_phnum > ELF_MAX_PHDRS) {
		return fail(out, EXO_ERR_TOO_BIG,
			    "more program headers than ELF_MAX_PHDRS", -1);
	}
	return 0;
}

/*
 * Check one PT_LOAD and record it unless it is empty. The order of the tests
 * matters: each relies on the bounds the earlier ones established (p_memsz
 * is small before p_vaddr + p_memsz is formed, and that sum is known not to
 * wrap before it is compared with @hi).
 */
static int take_load(const struct elf64_phdr *ph, int32_t idx, uint64_t size,
		     uint64_t lo, uint64_t hi, struct elf_image *out,
		     int32_t *seg_phdr)
{
	struct elf_segment *s;

	if (ph->p_filesz > ph->p_memsz) {
		return fail(out, EXO_ERR_INVALID,
			    "segment p_filesz above p_memsz", idx);
	}
	if (ph->p_memsz > ELF_SEG_MAX) {
		return fail(out, EXO_ERR_TOO_BIG,
			    "segment p_memsz above ELF_SEG_MAX", idx);
	}
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset) {
		return fail(out, EXO_ERR_INVALID,
			    "segment file bytes run past the image", idx);
	}
	if (ph->p_vaddr > UINT64_MAX - ph->p_memsz) {
		return fail(out, EXO_ERR_INVALID, "segment wraps past 2^64",
			    idx);
	}
	if (ph->p_vaddr < lo || ph->p_vaddr + ph->p_memsz > hi) {
		return fail(out, EXO_ERR_DENIED,
			    "segment outside the user range", idx);
	}
	if (ph->p_align > 1 && !is_pow2(ph->p_align)) {
		return fail(out, EXO_ERR_ALIGN,
			    "segment p_align not a power of two", idx);
	}
	/*
	 * The congruence is what lets file pages be mapped in place, so it
	 * is demanded wherever p_align claims page alignment or more. Below
	 * a page, p_align is a hint the loader, which copies, does not need.
	 */
	if (ph->p_align >= ELF_PAGE_SIZE &&
	    ((ph->p_vaddr - ph->p_offset) & (ph->p_align - 1)) != 0) {
		return fail(
			out, EXO_ERR_ALIGN,
			"segment p_vaddr and p_offset differ modulo p_align",
			idx);
	}
	/*
	 * A page both writable and executable would let a single stray write
	 * become code; no well-linked static executable needs one.
	 */
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X)) {
		return fail(out, EXO_ERR_DENIED,
			    "segment both writable and executable", idx);
	}
	/* Nothing to map, and its rounded range would be a phantom page. */
	if (ph->p_memsz == 0) {
		return 0;
	}
	if (out->nsegments >= ELF_MAX_SEGMENTS) {
		return fail(out, EXO_ERR_TOO_BIG,
			    "more PT_LOAD segments than ELF_MAX_SEGMENTS", idx);
	}
	seg_phdr[out->nsegments] = idx;
	s = &out->seg[out->nsegments++];
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->flags = ph->p_flags & (PF_R | PF_W | PF_X);
	return 0;
}

/* Insertion sort: at most ELF_MAX_SEGMENTS entries, usually already sorted. */
static void sort_segments(struct elf_image *out, int32_t *seg_phdr)
{
	uint32_t i;
	uint32_t j;

	for (i = 1; i < out->nsegments; i++) {
		struct elf_segment s = out->seg[i];
		int32_t idx = seg_phdr[i];

		for (j = i; j > 0 && out->seg[j - 1].vaddr > s.vaddr; j--) {
			out->seg[j] = out->seg[j - 1];
			seg_phdr[j] = seg_phdr[j - 1];
		}
		out->seg[j] = s;
		seg_phdr[j] = idx;
	}
}

int elf_parse(const void *image, size_t size, uint64_t user_lo,
	      uint64_t user_hi, struct elf_image *out)
{
	const uint8_t *base = image;
	int32_t seg_phdr[ELF_MAX_SEGMENTS];
	struct elf64_ehdr eh;
	uint64_t table;
	uint32_t i;
	int err;

	memset(out, 0, sizeof(*out));
	/*
	 * Page-aligned bounds make every recorded segment's rounded range
	 * fall inside them, and keep rounding up from below @user_hi from
	 * ever wrapping.
	 */
	if ((user_lo & PAGE_MASK) != 0 || (user_hi & PAGE_MASK) != 0) {
		return fail(out, EXO_ERR_ALIGN, "user range not page-aligned",
			    -1);
	}
	if (user_lo >= user_hi) {
		return fail(out, EXO_ERR_INVALID, "user range empty", -1);
	}
	if (size < sizeof(eh)) {
		return fail(out, EXO_ERR_INVALID,
			    "image shorter than the ELF header", -1);
	}
	memcpy(&eh, base, sizeof(eh));
	err = check_header(&eh, out);
	if (err) {
		return err;
	}
	table = (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr);
	if (eh.e_phoff > size || table > size - eh.e_phoff) {
		return fail(out, EXO_ERR_INVALID,
			    "program header table runs past the image", -1);
	}

	for (i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, base + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			err = take_load(&ph, (int32_t)i, size, user_lo, user_hi,
					out, seg_phdr);
			if (err) {
				return err;
			}
			break;
		case PT_INTERP:
			return fail(
				out, EXO_ERR_INVALID,
				"PT_INTERP present: not a static executable",
				(int32_t)i);
		case PT_DYNAMIC:
			return fail(
				out, EXO_ERR_INVALID,
				"PT_DYNAMIC present: not a static executable",
				(int32_t)i);
		default:
			/* Notes, stack flags, TLS, PT_PHDR: nothing to map. */
			break;
		}
	}
	if (out->nsegments == 0) {
		return fail(out, EXO_ERR_INVALID, "no loadable segment", -1);
	}

	/*
	 * Sorted by start, the rounded ranges are disjoint exactly when each
	 * ends no later than the next one begins. Rounding up cannot wrap:
	 * every end is at most the page-aligned @user_hi.
	 */
	sort_segments(out, seg_phdr);
	for (i = 1; i < out->nsegments; i++) {
		const struct elf_segment *a = &out->seg[i - 1];
		const struct elf_segment *b = &out->seg[i];
		uint64_t a_end = (a->vaddr + a->memsz + PAGE_MASK) & ~PAGE_MASK;
		uint64_t b_start = b->vaddr & ~PAGE_MASK;

		if (a_end > b_start) {
			return fail(out, EXO_ERR_INVALID,
				    "segments overlap after page rounding",
				    seg_phdr[i]);
		}
	}

	for (i = 0; i < out->nsegments; i++) {
		const struct elf_segment *s = &out->seg[i];

		if ((s->flags & ELF_SEG_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->memsz) {
			break;
		}
	}
	if (i == out->nsegments) {
		return fail(out, EXO_ERR_INVALID,
			    "entry point not in an executable segment", -1);
	}
	out->entry = eh.e_entry;
	out->error = NULL;
	out->error_phdr = -1;
	return 0;
}

int elf_segment_pages(const struct elf_segment *s, uint64_t *first_page,
		      uint64_t *npages)
{
	uint64_t start = s->vaddr & ~PAGE_MASK;

	if (s->memsz == 0) {
		*first_page = start;
		*npages = 0;
		return 0;
	}
	/* The last byte, then its page's end, each checked for wrapping. */
	if (s->vaddr > UINT64_MAX - (s->memsz - 1) ||
	    ((s->vaddr + (s->memsz - 1)) | PAGE_MASK) == UINT64_MAX) {
		return EXO_ERR_INVALID;
	}
	*first_page = start;
	*npages = (((s->vaddr + s->memsz - 1) | PAGE_MASK) + 1 - start) /
		  ELF_PAGE_SIZE;
	return 0;
}
