/* SPDX-License-Identifier: MIT */
/*
 * Checking an ELF64 executable before it is loaded. The kernel uses this for
 * the first environment, whose image arrives as a boot module, and the libOS
 * for every program it spawns; both hand over bytes they must not trust.
 * elf_parse reads the image once and, if every rule holds, describes the
 * segments to load in a fixed-size table, so the loader never reads the
 * image's headers itself.
 */
#ifndef ELF_ELF_H
#define ELF_ELF_H

#include <stdint.h>
#include <stddef.h>

/* The unit the loader maps in; page-rounded ranges use this. */
#define ELF_PAGE_SIZE 4096ull
/* Most loadable segments an image may have. */
#define ELF_MAX_SEGMENTS 16
/* Most program headers (of any type) an image may have. */
#define ELF_MAX_PHDRS 64
/* Largest p_memsz of one loadable segment, in bytes. */
#define ELF_SEG_MAX (1ull << 30)

/* Segment permissions (struct elf_segment.flags); the same bits as PF_*. */
#define ELF_SEG_X 0x1u
#define ELF_SEG_W 0x2u
#define ELF_SEG_R 0x4u

/*
 * One loadable segment: bytes [offset, offset + filesz) of the image go to
 * [vaddr, vaddr + filesz), and [vaddr + filesz, vaddr + memsz) is zeroed.
 */
struct elf_segment {
	uint64_t vaddr; /* p_vaddr as given; need not be page-aligned */
	uint64_t memsz; /* 0 < memsz <= ELF_SEG_MAX */
	uint64_t offset; /* offset + filesz <= the image's size */
	uint64_t filesz; /* <= memsz */
	uint32_t flags; /* ELF_SEG_*; never both W and X */
};

struct elf_image {
	uint64_t entry; /* inside a segment with ELF_SEG_X */
	uint32_t nsegments; /* 1..ELF_MAX_SEGMENTS */
	/* Sorted by vaddr; page-rounded ranges pairwise disjoint. */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	/* On failure: a fixed message naming the rule broken. */
	const char *error;
	/* On failure: the offending program header's index, or -1. */
	int32_t error_phdr;
};

/*
 * elf_parse - check an ELF64 executable and describe its loadable segments.
 * @image:   the file's bytes, readable for @size bytes; any alignment
 * @size:    how many bytes may be read at @image
 * @user_lo: lowest address a segment may occupy; page-aligned
 * @user_hi: end of the user range (exclusive); page-aligned, above @user_lo
 * @out:     filled on success; on failure only ->error and ->error_phdr are
 *           meaningful
 *
 * Never reads outside [@image, @image + @size).
 *
 * The file header must be present in full and say: the ELF magic,
 * ELFCLASS64, ELFDATA2LSB, EV_CURRENT (in e_ident and e_version), ET_EXEC
 * (only static, non-relocatable executables), EM_X86_64, e_ehsize 64 and
 * e_phentsize 56. There must be 1..ELF_MAX_PHDRS program headers, and their
 * table must lie wholly inside the image. EI_OSABI, e_flags and everything
 * about sections are ignored.
 *
 * PT_INTERP and PT_DYNAMIC are refused: there is no dynamic linker. Every
 * PT_LOAD must have p_filesz <= p_memsz <= ELF_SEG_MAX, its file bytes
 * inside the image, its memory range [p_vaddr, p_vaddr + p_memsz) inside
 * [@user_lo, @user_hi) without wrapping, p_align 0, 1 or a power of two
 * with p_vaddr congruent to p_offset modulo p_align when p_align is at
 * least ELF_PAGE_SIZE, and not both PF_W and PF_X. A PT_LOAD with p_memsz 0
 * is checked like the others but not recorded: it maps nothing. Program
 * headers of any other type are ignored, PT_GNU_STACK included: user stacks
 * are never executable.
 *
 * The recorded segments (at least one, at most ELF_MAX_SEGMENTS) are sorted
 * by vaddr, and no two may share a page: their ranges rounded out to
 * ELF_PAGE_SIZE ([vaddr rounded down, vaddr + memsz rounded up)) must be
 * disjoint, since the loader maps whole pages with one segment's rights.
 * Because @user_lo and @user_hi are page-aligned, those rounded ranges lie
 * inside the user range too. The entry point must lie inside a segment
 * that has ELF_SEG_X. Bits of p_flags other than PF_R, PF_W and PF_X are
 * dropped. x86-64 cannot map a page without read access, so a loader may
 * grant read on every segment.
 *
 * Checks are made in order: the user range, the file header, then each
 * program header in table order, then overlaps (blaming the higher of the
 * two segments), then the entry point. The first rule broken is reported.
 * On failure @out is zeroed except ->error and ->error_phdr.
 *
 * Return: 0, or
 * EXO_ERR_INVALID (malformed: see @out->error; also @user_lo >= @user_hi),
 * EXO_ERR_TOO_BIG (more than ELF_MAX_PHDRS program headers, more than
 * ELF_MAX_SEGMENTS non-empty PT_LOADs, or p_memsz above ELF_SEG_MAX),
 * EXO_ERR_DENIED (a segment outside [@user_lo, @user_hi), or both writable
 * and executable),
 * EXO_ERR_ALIGN (@user_lo or @user_hi not page-aligned, p_align not a power
 * of two, or p_vaddr and p_offset not congruent modulo p_align).
 */
int elf_parse(const void *image, size_t size, uint64_t user_lo,
	      uint64_t user_hi, struct elf_image *out);

/*
 * elf_segment_pages - the whole pages a segment touches.
 * @s:          a segment, normally one elf_parse recorded
 * @first_page: set to @s->vaddr rounded down to ELF_PAGE_SIZE
 * @npages:     set to the number of pages from there to @s->vaddr +
 *              @s->memsz rounded up; 0 when @s->memsz is 0
 *
 * Cannot fail for a segment elf_parse recorded. Nothing is written on
 * failure.
 *
 * Return: 0, or EXO_ERR_INVALID (the rounded range wraps past 2^64).
 */
int elf_segment_pages(const struct elf_segment *s, uint64_t *first_page,
		      uint64_t *npages);

#endif
