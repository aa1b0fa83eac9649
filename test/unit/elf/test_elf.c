/* SPDX-License-Identifier: MIT */
/*
 * Tests for the ELF64 executable checks. Each test builds an image in a
 * buffer with build() from a list of program headers, the way a linker
 * would lay it out, then breaks it in one specific way, usually by
 * overwriting one field with the put*() helpers.
 *
 * Every parse copies the image to the very end of a heap block exactly
 * @size bytes long (parse_tail), so the sanitized build turns any read past
 * the image into a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>

#include "elf/elf.h"
#include "elf/elf64.h"

/* The user range the tests pass: above the null pages, below the kernel. */
#define USER_LO 0x10000ull
#define USER_HI 0x00007f7fffe00000ull
#define KERNEL_VA 0xffffffff80000000ull

/*
 * The valid image: a text segment that, as ld makes it, starts with the
 * headers themselves, then a data segment whose bss runs on for two more
 * pages, plus a note inside the text and a PT_GNU_STACK.
 */
#define NPH 4
#define PHOFF 64
#define TABLE_END (PHOFF + NPH * 56)
#define TEXT_VA 0x400000ull
#define TEXT_SZ 0x1a0ull
#define DATA_OFF TEXT_SZ
#define DATA_VA (0x401000ull + DATA_OFF)
#define DATA_FILESZ 0x40ull
#define DATA_MEMSZ 0x2000ull
#define VALID_LEN (DATA_OFF + DATA_FILESZ)
#define ENTRY 0x400140ull

#define IMG_MAX 8192

/* Offsets of fields in the file header and in program header @i. */
#define EH(field) offsetof(struct elf64_ehdr, field)
#define PH(i, field)                                                           \
	(PHOFF + (i) * sizeof(struct elf64_phdr) +                             \
	 offsetof(struct elf64_phdr, field))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
};

struct ph {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

static const struct ph valid_ph[NPH] = {
	{ PT_LOAD, PF_R | PF_X, 0, TEXT_VA, TEXT_SZ, TEXT_SZ, 0x1000 },
	{ PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_FILESZ, DATA_MEMSZ,
	  0x1000 },
	{ PT_NOTE, PF_R, TABLE_END, TEXT_VA + TABLE_END, 0x20, 0x20, 4 },
	{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
};

static void put8(struct img *m, size_t off, uint8_t v)
{
	assert_true(off < IMG_MAX);
	m->b[off] = v;
}

static void put16(struct img *m, size_t off, uint16_t v)
{
	assert_true(off + sizeof(v) <= IMG_MAX);
	memcpy(m->b + off, &v, sizeof(v));
}

static void put32(struct img *m, size_t off, uint32_t v)
{
	assert_true(off + sizeof(v) <= IMG_MAX);
	memcpy(m->b + off, &v, sizeof(v));
}

static void put64(struct img *m, size_t off, uint64_t v)
{
	assert_true(off + sizeof(v) <= IMG_MAX);
	memcpy(m->b + off, &v, sizeof(v));
}

/*
 * An executable with its program header table right after the file header.
 * The image runs to the furthest file byte any header names (if that fits
 * in the buffer), filled with a pattern where no header lies.
 */
static struct img *build(uint64_t entry, const struct ph *ph, size_t n)
{
	struct img *m = calloc(1, sizeof(*m));
	size_t i;

	assert_non_null(m);
	assert_true(PHOFF + n * sizeof(struct elf64_phdr) <= IMG_MAX);
	m->len = PHOFF + n * sizeof(struct elf64_phdr);
	for (i = 0; i < n; i++) {
		if (ph[i].offset <= IMG_MAX &&
		    ph[i].filesz <= IMG_MAX - ph[i].offset &&
		    ph[i].offset + ph[i].filesz > m->len) {
			m->len = ph[i].offset + ph[i].filesz;
		}
	}
	for (i = m->len; i-- > 0;) {
		m->b[i] = (uint8_t)(0xc3 ^ i);
	}

	put8(m, EI_MAG0, ELFMAG0);
	put8(m, EI_MAG1, ELFMAG1);
	put8(m, EI_MAG2, ELFMAG2);
	put8(m, EI_MAG3, ELFMAG3);
	put8(m, EI_CLASS, ELFCLASS64);
	put8(m, EI_DATA, ELFDATA2LSB);
	put8(m, EI_VERSION, EV_CURRENT);
	for (i = EI_OSABI; i < EI_NIDENT; i++) {
		put8(m, i, 0);
	}
	put16(m, EH(e_type), ET_EXEC);
	put16(m, EH(e_machine), EM_X86_64);
	put32(m, EH(e_version), EV_CURRENT);
	put64(m, EH(e_entry), entry);
	put64(m, EH(e_phoff), PHOFF);
	put64(m, EH(e_shoff), 0);
	put32(m, EH(e_flags), 0);
	put16(m, EH(e_ehsize), sizeof(struct elf64_ehdr));
	put16(m, EH(e_phentsize), sizeof(struct elf64_phdr));
	put16(m, EH(e_phnum), (uint16_t)n);
	put16(m, EH(e_shentsize), 64);
	put16(m, EH(e_shnum), 0);
	put16(m, EH(e_shstrndx), 0);
	for (i = 0; i < n; i++) {
		put32(m, PH(i, p_type), ph[i].type);
		put32(m, PH(i, p_flags), ph[i].flags);
		put64(m, PH(i, p_offset), ph[i].offset);
		put64(m, PH(i, p_vaddr), ph[i].vaddr);
		put64(m, PH(i, p_paddr), ph[i].vaddr);
		put64(m, PH(i, p_filesz), ph[i].filesz);
		put64(m, PH(i, p_memsz), ph[i].memsz);
		put64(m, PH(i, p_align), ph[i].align);
	}
	return m;
}

static struct img *build_valid(void)
{
	struct img *m = build(ENTRY, valid_ph, NPH);

	assert_int_equal(m->len, VALID_LEN);
	return m;
}

/* Parse @size bytes of @data placed at the very end of a heap block. */
static int parse_range(const void *data, size_t size, uint64_t lo, uint64_t hi,
		       struct elf_image *out)
{
	uint8_t *p = malloc(size ? size : 1);
	int rc;

	assert_non_null(p);
	memcpy(p, data, size);
	rc = elf_parse(p, size, lo, hi, out);
	free(p);
	return rc;
}

static int parse_tail(const void *data, size_t size, struct elf_image *out)
{
	return parse_range(data, size, USER_LO, USER_HI, out);
}

static int parse(const struct img *m, struct elf_image *out)
{
	return parse_tail(m->b, m->len, out);
}

static void expect_fail(int rc, const struct elf_image *img, int want_rc,
			const char *want_msg, int32_t want_phdr)
{
	assert_int_equal(rc, want_rc);
	assert_non_null(img->error);
	assert_string_equal(img->error, want_msg);
	assert_int_equal(img->error_phdr, want_phdr);
	/* A failed parse leaves nothing a caller could act on. */
	assert_int_equal(img->entry, 0);
	assert_int_equal(img->nsegments, 0);
	assert_int_equal(img->seg[0].vaddr, 0);
	assert_int_equal(img->seg[0].memsz, 0);
	assert_int_equal(img->seg[0].flags, 0);
}

/* Build @ph, parse it and expect it refused for @want_msg. */
static void expect_built_fail(uint64_t entry, const struct ph *ph, size_t n,
			      int want_rc, const char *want_msg,
			      int32_t want_phdr)
{
	struct img *m = build(entry, ph, n);
	struct elf_image img;

	expect_fail(parse(m, &img), &img, want_rc, want_msg, want_phdr);
	free(m);
}

/* Build @ph, parse it and expect it accepted with @want_n segments. */
static void expect_built_ok(uint64_t entry, const struct ph *ph, size_t n,
			    uint32_t want_n)
{
	struct img *m = build(entry, ph, n);
	struct elf_image img;

	assert_int_equal(parse(m, &img), 0);
	assert_null(img.error);
	assert_int_equal(img.nsegments, want_n);
	assert_int_equal(img.entry, entry);
	free(m);
}

static void check_seg(const struct elf_segment *s, uint64_t vaddr,
		      uint64_t memsz, uint64_t offset, uint64_t filesz,
		      uint32_t flags)
{
	assert_int_equal(s->vaddr, vaddr);
	assert_int_equal(s->memsz, memsz);
	assert_int_equal(s->offset, offset);
	assert_int_equal(s->filesz, filesz);
	assert_int_equal(s->flags, flags);
}

static void check_valid(const struct elf_image *img)
{
	uint32_t i;

	assert_null(img->error);
	assert_int_equal(img->error_phdr, -1);
	assert_int_equal(img->entry, ENTRY);
	assert_int_equal(img->nsegments, 2);
	check_seg(&img->seg[0], TEXT_VA, TEXT_SZ, 0, TEXT_SZ,
		  ELF_SEG_R | ELF_SEG_X);
	check_seg(&img->seg[1], DATA_VA, DATA_MEMSZ, DATA_OFF, DATA_FILESZ,
		  ELF_SEG_R | ELF_SEG_W);
	for (i = 2; i < ELF_MAX_SEGMENTS; i++) {
		check_seg(&img->seg[i], 0, 0, 0, 0, 0);
	}
}

static void test_valid(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	memset(&img, 0x5a, sizeof(img));
	assert_int_equal(parse(m, &img), 0);
	check_valid(&img);

	/* In place, with room to spare after it: the same answer. */
	memset(&img, 0x5a, sizeof(img));
	assert_int_equal(elf_parse(m->b, IMG_MAX, USER_LO, USER_HI, &img), 0);
	check_valid(&img);
	free(m);
}

/* Fields are read by copying, so the image may sit at any address. */
static void test_valid_unaligned(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	uint8_t *p = malloc(VALID_LEN + 8);
	size_t shift;

	assert_non_null(p);
	for (shift = 1; shift < 8; shift++) {
		memcpy(p + shift, m->b, VALID_LEN);
		assert_int_equal(
			elf_parse(p + shift, VALID_LEN, USER_LO, USER_HI, &img),
			0);
		check_valid(&img);
	}
	free(p);
	free(m);
}

static void test_ignored_fields(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	put8(m, EI_OSABI, 3);
	for (i = EI_OSABI + 1; i < EI_NIDENT; i++) {
		put8(m, i, 0xee);
	}
	put32(m, EH(e_flags), 0xffffffff);
	put64(m, EH(e_shoff), UINT64_MAX);
	put16(m, EH(e_shentsize), 1);
	put16(m, EH(e_shnum), 0xffff);
	put16(m, EH(e_shstrndx), 0xfffe);
	put64(m, PH(0, p_paddr), UINT64_MAX);
	put64(m, PH(1, p_paddr), KERNEL_VA);
	/* The note and stack headers may say anything at all. */
	put64(m, PH(2, p_offset), UINT64_MAX);
	put64(m, PH(2, p_vaddr), KERNEL_VA);
	put64(m, PH(2, p_filesz), UINT64_MAX);
	put64(m, PH(2, p_align), 3);
	put32(m, PH(3, p_flags), PF_R | PF_W | PF_X);
	put64(m, PH(3, p_memsz), UINT64_MAX);
	assert_int_equal(parse(m, &img), 0);
	check_valid(&img);
	free(m);
}

/* Bits outside R, W and X (PF_MASKOS, PF_MASKPROC) are dropped. */
static void test_flags_masked(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put32(m, PH(0, p_flags), PF_R | PF_X | 0xfff00000u | 0x08u);
	put32(m, PH(1, p_flags), PF_R | PF_W | 0x0ff00000u);
	assert_int_equal(parse(m, &img), 0);
	check_valid(&img);

	/* A segment with no rights at all is recorded as such. */
	put32(m, PH(1, p_flags), 0);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.seg[1].flags, 0);
	free(m);
}

static void test_user_range_args(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	int rc;

	rc = parse_range(m->b, m->len, USER_LO + 1, USER_HI, &img);
	expect_fail(rc, &img, EXO_ERR_ALIGN, "user range not page-aligned", -1);
	rc = parse_range(m->b, m->len, USER_LO, USER_HI - 0x800, &img);
	expect_fail(rc, &img, EXO_ERR_ALIGN, "user range not page-aligned", -1);
	rc = parse_range(m->b, m->len, 0, UINT64_MAX, &img);
	expect_fail(rc, &img, EXO_ERR_ALIGN, "user range not page-aligned", -1);
	rc = parse_range(m->b, m->len, USER_LO, USER_LO, &img);
	expect_fail(rc, &img, EXO_ERR_INVALID, "user range empty", -1);
	rc = parse_range(m->b, m->len, USER_HI, USER_LO, &img);
	expect_fail(rc, &img, EXO_ERR_INVALID, "user range empty", -1);

	/* The tightest range holding both segments' pages, and the widest. */
	rc = parse_range(m->b, m->len, TEXT_VA, 0x404000, &img);
	assert_int_equal(rc, 0);
	check_valid(&img);
	rc = parse_range(m->b, m->len, TEXT_VA + 0x1000, 0x404000, &img);
	expect_fail(rc, &img, EXO_ERR_DENIED, "segment outside the user range",
		    0);
	rc = parse_range(m->b, m->len, TEXT_VA, 0x403000, &img);
	expect_fail(rc, &img, EXO_ERR_DENIED, "segment outside the user range",
		    1);
	rc = parse_range(m->b, m->len, 0, 0xfffffffffffff000ull, &img);
	assert_int_equal(rc, 0);
	check_valid(&img);
	free(m);
}

static void test_shorter_than_header(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t size;

	for (size = 0; size < sizeof(struct elf64_ehdr); size++) {
		expect_fail(parse_tail(m->b, size, &img), &img, EXO_ERR_INVALID,
			    "image shorter than the ELF header", -1);
	}
	expect_fail(elf_parse(NULL, 0, USER_LO, USER_HI, &img), &img,
		    EXO_ERR_INVALID, "image shorter than the ELF header", -1);
	free(m);
}

static void test_bad_magic(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	for (i = EI_MAG0; i <= EI_MAG3; i++) {
		uint8_t keep = m->b[i];

		put8(m, i, keep ^ 0x20);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "bad ELF magic", -1);
		put8(m, i, 0);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "bad ELF magic", -1);
		put8(m, i, keep);
	}
	assert_int_equal(parse(m, &img), 0);
	free(m);
}

/* Set one e_ident byte or header field to each of @vals; expect @msg. */
static void check_header_values(size_t off, size_t width, const uint32_t *vals,
				size_t n, const char *msg)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct img *m = build_valid();
		struct elf_image img;

		if (width == 1) {
			put8(m, off, (uint8_t)vals[i]);
		} else if (width == 2) {
			put16(m, off, (uint16_t)vals[i]);
		} else {
			put32(m, off, vals[i]);
		}
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID, msg, -1);
		free(m);
	}
}

static void test_class_not_64(void **state)
{
	static const uint32_t v[] = { ELFCLASS32, 0, 3, 0xff };

	check_header_values(EI_CLASS, 1, v, ARRAY_SIZE(v), "not ELFCLASS64");
}

static void test_big_endian(void **state)
{
	static const uint32_t v[] = { ELFDATA2MSB, 0, 3, 0xff };

	check_header_values(EI_DATA, 1, v, ARRAY_SIZE(v), "not ELFDATA2LSB");
}

static void test_version(void **state)
{
	static const uint32_t v[] = { 0, 2, 0xff };
	static const uint32_t v32[] = { 0, 2, 0x01000000, 0xffffffff };

	check_header_values(EI_VERSION, 1, v, ARRAY_SIZE(v),
			    "ELF version not EV_CURRENT");
	check_header_values(EH(e_version), 4, v32, ARRAY_SIZE(v32),
			    "ELF version not EV_CURRENT");
}

static void test_type_not_exec(void **state)
{
	static const uint32_t v[] = {
		ET_DYN, ET_REL, ET_CORE, 0, 0x0200, 0xffff
	};

	check_header_values(EH(e_type), 2, v, ARRAY_SIZE(v),
			    "e_type not ET_EXEC");
}

static void test_wrong_machine(void **state)
{
	static const uint32_t v[] = { EM_386, 0, 0x3e00, 0xffff };

	check_header_values(EH(e_machine), 2, v, ARRAY_SIZE(v),
			    "e_machine not EM_X86_64");
}

static void test_ehsize(void **state)
{
	static const uint32_t v[] = { 0, 52, 63, 65, 128, 0xffff };

	check_header_values(EH(e_ehsize), 2, v, ARRAY_SIZE(v),
			    "e_ehsize not 64");
}

static void test_phentsize(void **state)
{
	/* 32 is ELF32's entry; 64 would read past the table's last entry. */
	static const uint32_t v[] = { 0, 1, 32, 55, 57, 64, 0xffff };

	check_header_values(EH(e_phentsize), 2, v, ARRAY_SIZE(v),
			    "e_phentsize not 56");
}

static void test_phnum_zero(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put16(m, EH(e_phnum), 0);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID, "no program headers",
		    -1);
	free(m);
}

static void test_phnum_huge(void **state)
{
	static const uint16_t v[] = { ELF_MAX_PHDRS + 1, 0x100, PN_XNUM - 1,
				      PN_XNUM };
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		put16(m, EH(e_phnum), v[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
			    "more program headers than ELF_MAX_PHDRS", -1);
	}
	free(m);
}

/* Exactly ELF_MAX_PHDRS headers: the two loads and a tail of PT_NULLs. */
static void test_phnum_at_limit(void **state)
{
	struct ph ph[ELF_MAX_PHDRS];
	struct img *m;
	struct elf_image img;
	size_t i;

	memset(ph, 0, sizeof(ph));
	ph[0] = valid_ph[0];
	ph[1] = valid_ph[1];
	/* Past the bigger table, the data moves one page on. */
	ph[1].offset = 0x1000;
	ph[1].vaddr = 0x402000;
	for (i = 2; i < ELF_MAX_PHDRS; i++) {
		ph[i].type = PT_NULL;
	}
	m = build(ENTRY, ph, ELF_MAX_PHDRS);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.nsegments, 2);
	check_seg(&img.seg[1], 0x402000, DATA_MEMSZ, 0x1000, DATA_FILESZ,
		  ELF_SEG_R | ELF_SEG_W);

	/* One more header than the limit, though the bytes are there. */
	put16(m, EH(e_phnum), ELF_MAX_PHDRS + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
		    "more program headers than ELF_MAX_PHDRS", -1);
	free(m);
}

static void test_phoff_past_end(void **state)
{
	const uint64_t v[] = {
		VALID_LEN - NPH * 56 + 1, /* the table's last byte is missing */
		VALID_LEN - 1,
		VALID_LEN,
		VALID_LEN + 1,
		(uint64_t)1 << 63,
		UINT64_MAX - NPH * 56 + 1, /* phoff + table wraps to 0 */
		UINT64_MAX - 8,
		UINT64_MAX,
	};
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		put64(m, EH(e_phoff), v[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "program header table runs past the image", -1);
	}
	free(m);
}

/* A table ending exactly at the image's last byte is inside it. */
static void test_phoff_table_at_end(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t table = NPH * sizeof(struct elf64_phdr);

	memcpy(m->b + m->len, m->b + PHOFF, table);
	put64(m, EH(e_phoff), m->len);
	m->len += table;
	assert_int_equal(parse(m, &img), 0);
	check_valid(&img);
	expect_fail(parse_tail(m->b, m->len - 1, &img), &img, EXO_ERR_INVALID,
		    "program header table runs past the image", -1);
	free(m);
}

static void test_segment_file_past_end(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	/* One byte too many, then an offset just past the end. */
	put64(m, PH(1, p_filesz), DATA_FILESZ + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "segment file bytes run past the image", 1);
	put64(m, PH(1, p_filesz), DATA_FILESZ);
	put64(m, PH(1, p_offset), DATA_OFF + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "segment file bytes run past the image", 1);
	/* Even with no file bytes, the offset must be inside the image. */
	put64(m, PH(1, p_filesz), 0);
	put64(m, PH(1, p_offset), VALID_LEN + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "segment file bytes run past the image", 1);
	/* At the very end, with the alignment rule out of the way. */
	put64(m, PH(1, p_offset), VALID_LEN);
	put64(m, PH(1, p_align), 0);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.seg[1].offset, VALID_LEN);
	assert_int_equal(img.seg[1].filesz, 0);
	free(m);
}

static void test_segment_file_wraps(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;
	/* offset + filesz wraps to a small number inside the image. */
	const uint64_t offs[] = { UINT64_MAX - DATA_FILESZ + 2,
				  UINT64_MAX - DATA_FILESZ + 0x11, UINT64_MAX };

	put64(m, PH(1, p_align), 1);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		put64(m, PH(1, p_offset), offs[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "segment file bytes run past the image", 1);
	}
	free(m);
}

static void test_filesz_above_memsz(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put64(m, PH(1, p_memsz), DATA_FILESZ - 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "segment p_filesz above p_memsz", 1);
	put64(m, PH(0, p_filesz), UINT64_MAX);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "segment p_filesz above p_memsz", 0);

	/* Equal is fine: no bss. */
	put64(m, PH(0, p_filesz), TEXT_SZ);
	put64(m, PH(1, p_memsz), DATA_FILESZ);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.seg[1].memsz, DATA_FILESZ);
	free(m);
}

static void test_memsz_absurd(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put64(m, PH(1, p_memsz), ELF_SEG_MAX + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
		    "segment p_memsz above ELF_SEG_MAX", 1);
	put64(m, PH(1, p_memsz), (uint64_t)1 << 63);
	expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
		    "segment p_memsz above ELF_SEG_MAX", 1);
	put64(m, PH(1, p_memsz), UINT64_MAX);
	expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
		    "segment p_memsz above ELF_SEG_MAX", 1);
	put64(m, PH(1, p_memsz), ELF_SEG_MAX);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.seg[1].memsz, ELF_SEG_MAX);
	free(m);
}

static void test_vaddr_kernel_half(void **state)
{
	struct ph ph[NPH];

	memcpy(ph, valid_ph, sizeof(ph));
	ph[0].vaddr = KERNEL_VA;
	expect_built_fail(KERNEL_VA + 0x140, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 0);
	memcpy(ph, valid_ph, sizeof(ph));
	ph[1].vaddr = 0xffff800000000000ull + DATA_OFF;
	expect_built_fail(ENTRY, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 1);
	/* Non-canonical addresses are outside too. */
	ph[1].vaddr = 0x0000800000000000ull + DATA_OFF;
	expect_built_fail(ENTRY, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 1);
}

static void test_vaddr_above_user_hi(void **state)
{
	struct ph ph[NPH];

	memcpy(ph, valid_ph, sizeof(ph));
	/* Ending exactly at the top is inside; one byte more is not. */
	ph[1].vaddr = USER_HI - DATA_MEMSZ;
	ph[1].offset = 0;
	ph[1].filesz = 0;
	expect_built_ok(ENTRY, ph, NPH, 2);
	ph[1].vaddr = USER_HI - DATA_MEMSZ + 1;
	ph[1].align = 1;
	expect_built_fail(ENTRY, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 1);
	ph[1].vaddr = USER_HI;
	ph[1].memsz = 1;
	expect_built_fail(ENTRY, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 1);
}

static void test_vaddr_below_user_lo(void **state)
{
	struct ph ph[NPH];

	memcpy(ph, valid_ph, sizeof(ph));
	ph[0].vaddr = USER_LO;
	expect_built_ok(USER_LO, ph, NPH, 2);
	ph[0].vaddr = USER_LO - 0x1000;
	expect_built_fail(USER_LO - 0x1000, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 0);
	ph[0].vaddr = 0;
	expect_built_fail(0, ph, NPH, EXO_ERR_DENIED,
			  "segment outside the user range", 0);
}

static void test_vaddr_wraps(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;
	/* vaddr + memsz wraps to a small number, or to exactly 2^64. */
	const uint64_t v[] = { UINT64_MAX - DATA_MEMSZ + 2, UINT64_MAX - 0x1000,
			       UINT64_MAX - DATA_MEMSZ + 1, UINT64_MAX };

	put64(m, PH(1, p_align), 1);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		put64(m, PH(1, p_vaddr), v[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "segment wraps past 2^64", 1);
	}
	/* The last address that does not wrap is still outside. */
	put64(m, PH(1, p_vaddr), UINT64_MAX - DATA_MEMSZ);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment outside the user range", 1);
	free(m);
}

static void test_align_not_pow2(void **state)
{
	static const uint64_t v[] = { 3, 0x1800, 0x1001, 0xfff, UINT64_MAX };
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		put64(m, PH(1, p_align), v[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
			    "segment p_align not a power of two", 1);
	}
	free(m);
}

static void test_align_congruence(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	/* 0x401000 - 0 is a multiple of 0x1000 but not of 0x2000. */
	put64(m, PH(1, p_align), 0x2000);
	expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
		    "segment p_vaddr and p_offset differ modulo p_align", 1);
	put64(m, PH(1, p_align), (uint64_t)1 << 63);
	expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
		    "segment p_vaddr and p_offset differ modulo p_align", 1);
	put64(m, PH(1, p_align), 0x1000);
	put64(m, PH(1, p_vaddr), DATA_VA + 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
		    "segment p_vaddr and p_offset differ modulo p_align", 1);
	put64(m, PH(1, p_vaddr), DATA_VA + 0x800);
	expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
		    "segment p_vaddr and p_offset differ modulo p_align", 1);

	/* Below a page, or none at all, the congruence is not asked for. */
	put64(m, PH(1, p_align), 0x800);
	assert_int_equal(parse(m, &img), 0);
	put64(m, PH(1, p_vaddr), DATA_VA + 1);
	put64(m, PH(1, p_align), 0);
	assert_int_equal(parse(m, &img), 0);
	put64(m, PH(1, p_align), 1);
	assert_int_equal(parse(m, &img), 0);
	put64(m, PH(1, p_align), 16);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.seg[1].vaddr, DATA_VA + 1);

	/* The 2 MiB alignment older x86-64 linkers use, honoured. */
	put64(m, PH(1, p_vaddr), DATA_VA);
	put64(m, PH(0, p_align), 0x200000);
	assert_int_equal(parse(m, &img), 0);
	put64(m, PH(0, p_vaddr), TEXT_VA + 0x1000);
	put64(m, EH(e_entry), ENTRY + 0x1000);
	expect_fail(parse(m, &img), &img, EXO_ERR_ALIGN,
		    "segment p_vaddr and p_offset differ modulo p_align", 0);
	free(m);
}

struct overlap_case {
	uint64_t vaddr; /* of the data segment; text is [0x400000, 0x4001a0) */
	uint64_t memsz;
	int32_t blamed; /* the phdr blamed, or -1 if accepted */
};

static void test_overlap(void **state)
{
	static const struct overlap_case cases[] = {
		/* Sharing bytes. */
		{ 0x400100, 0x100, 1 },
		{ TEXT_VA, 0x10, 1 },
		{ 0x3f0000, 0x20000, 0 },
		{ 0x3ff800, 0x801, 0 },
		{ 0x3fe000, 0x2001, 0 },
		/* Sharing only a page once rounded out. */
		{ 0x4001a0, 0x10, 1 },
		{ 0x400800, 0x10, 1 },
		{ 0x400fff, 0x1, 1 },
		{ 0x3ff000, 0x1001, 0 },
		/* Neighbouring pages. */
		{ 0x3ff800, 0x800, -1 },
		{ 0x401000, 0x10, -1 },
		{ 0x3ff000, 0x1000, -1 },
		{ 0x3ff000, 0x10, -1 },
		{ 0x3fe000, 0x2000, -1 },
		{ 0x3fe123, 0x1edd, -1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ph ph[NPH];

		memcpy(ph, valid_ph, sizeof(ph));
		ph[1].vaddr = cases[i].vaddr;
		ph[1].memsz = cases[i].memsz;
		ph[1].filesz = 0;
		ph[1].align = 0;
		if (cases[i].blamed < 0) {
			expect_built_ok(ENTRY, ph, NPH, 2);
		} else {
			expect_built_fail(
				ENTRY, ph, NPH, EXO_ERR_INVALID,
				"segments overlap after page rounding",
				cases[i].blamed);
		}
	}
}

/* Overlap between headers far apart in the table, found after sorting. */
static void test_overlap_unsorted(void **state)
{
	const struct ph ph[] = {
		{ PT_LOAD, PF_R, 0, 0x600000, 0, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0, TEXT_VA, TEXT_SZ, TEXT_SZ, 0x1000 },
		{ PT_LOAD, PF_R, 0, 0x500000, 0, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0, 0x600fff, 0, 0x10, 0 },
	};

	expect_built_fail(ENTRY, ph, ARRAY_SIZE(ph), EXO_ERR_INVALID,
			  "segments overlap after page rounding", 3);
}

static void test_write_and_execute(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put32(m, PH(1, p_flags), PF_R | PF_W | PF_X);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment both writable and executable", 1);
	put32(m, PH(1, p_flags), PF_R | PF_W);
	put32(m, PH(0, p_flags), PF_W | PF_X);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment both writable and executable", 0);
	/* Only loads count: an executable stack flag is ignored. */
	put32(m, PH(0, p_flags), PF_R | PF_X);
	put32(m, PH(3, p_flags), PF_R | PF_W | PF_X);
	assert_int_equal(parse(m, &img), 0);
	free(m);
}

static void test_entry_outside(void **state)
{
	static const uint64_t bad[] = {
		0,
		TEXT_VA - 1,
		TEXT_VA + TEXT_SZ, /* one past the text */
		0x400fff, /* in the text's page, but not the segment */
		0x500000,
		KERNEL_VA,
		UINT64_MAX,
	};
	static const uint64_t good[] = { TEXT_VA, ENTRY,
					 TEXT_VA + TEXT_SZ - 1 };
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		put64(m, EH(e_entry), bad[i]);
		expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
			    "entry point not in an executable segment", -1);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		put64(m, EH(e_entry), good[i]);
		assert_int_equal(parse(m, &img), 0);
		assert_int_equal(img.entry, good[i]);
	}
	free(m);
}

static void test_entry_not_executable(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	/* In the data's file bytes, then in its bss. */
	put64(m, EH(e_entry), DATA_VA);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "entry point not in an executable segment", -1);
	put64(m, EH(e_entry), DATA_VA + DATA_MEMSZ - 1);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "entry point not in an executable segment", -1);
	/* In the text, once it is no longer executable. */
	put64(m, EH(e_entry), ENTRY);
	put32(m, PH(0, p_flags), PF_R);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "entry point not in an executable segment", -1);
	/* The data made executable (and read-only) takes the entry. */
	put32(m, PH(1, p_flags), PF_R | PF_X);
	put64(m, EH(e_entry), DATA_VA + DATA_MEMSZ - 1);
	assert_int_equal(parse(m, &img), 0);
	free(m);
}

static void test_interp(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put32(m, PH(2, p_type), PT_INTERP);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "PT_INTERP present: not a static executable", 2);
	free(m);
}

static void test_dynamic(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put32(m, PH(3, p_type), PT_DYNAMIC);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "PT_DYNAMIC present: not a static executable", 3);
	/* The first rule broken, in table order, is the one reported. */
	put32(m, PH(1, p_flags), PF_W | PF_X);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment both writable and executable", 1);
	free(m);
}

static void test_other_types_ignored(void **state)
{
	static const uint32_t types[] = { PT_NULL,	PT_NOTE,
					  PT_SHLIB,	PT_PHDR,
					  PT_TLS,	PT_GNU_EH_FRAME,
					  PT_GNU_STACK, PT_GNU_RELRO,
					  0x70000000u,	UINT32_MAX };
	struct img *m = build_valid();
	struct elf_image img;
	size_t i;

	put64(m, PH(2, p_vaddr), KERNEL_VA);
	put64(m, PH(2, p_memsz), UINT64_MAX);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		put32(m, PH(2, p_type), types[i]);
		put32(m, PH(3, p_type), types[i]);
		assert_int_equal(parse(m, &img), 0);
		check_valid(&img);
	}
	free(m);
}

static void test_no_loadable_segment(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	put32(m, PH(0, p_type), PT_NULL);
	put32(m, PH(1, p_type), PT_NOTE);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "no loadable segment", -1);
	/* Empty loads are no better. */
	put32(m, PH(0, p_type), PT_LOAD);
	put64(m, PH(0, p_filesz), 0);
	put64(m, PH(0, p_memsz), 0);
	expect_fail(parse(m, &img), &img, EXO_ERR_INVALID,
		    "no loadable segment", -1);
	free(m);
}

static void test_empty_load_skipped(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	/* Empty, in the text's page: checked, then not recorded. */
	put32(m, PH(2, p_type), PT_LOAD);
	put64(m, PH(2, p_filesz), 0);
	put64(m, PH(2, p_memsz), 0);
	assert_int_equal(parse(m, &img), 0);
	check_valid(&img);
	/* Still held to the rules. */
	put32(m, PH(2, p_flags), PF_W | PF_X);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment both writable and executable", 2);
	put32(m, PH(2, p_flags), PF_R);
	put64(m, PH(2, p_vaddr), KERNEL_VA);
	expect_fail(parse(m, &img), &img, EXO_ERR_DENIED,
		    "segment outside the user range", 2);
	free(m);
}

/* @n one-page loads, listed from the highest address down. */
static struct img *build_many(size_t n, size_t nempty)
{
	struct ph ph[ELF_MAX_PHDRS];
	size_t i;

	assert_true(n + nempty <= ELF_MAX_PHDRS);
	memset(ph, 0, sizeof(ph));
	for (i = 0; i < n; i++) {
		ph[i].type = PT_LOAD;
		ph[i].flags = i % 2 ? PF_R | PF_W : PF_R | PF_X;
		ph[i].vaddr = TEXT_VA + (n - 1 - i) * 0x1000;
		ph[i].memsz = 0x1000;
		ph[i].align = 0x1000;
	}
	for (i = n; i < n + nempty; i++) {
		ph[i].type = PT_LOAD;
		ph[i].flags = PF_R;
		ph[i].vaddr = TEXT_VA;
	}
	return build(TEXT_VA + (n - 1) * 0x1000, ph, n + nempty);
}

static void test_too_many_segments(void **state)
{
	struct img *m;
	struct elf_image img;
	uint32_t i;

	m = build_many(ELF_MAX_SEGMENTS + 1, 0);
	expect_fail(parse(m, &img), &img, EXO_ERR_TOO_BIG,
		    "more PT_LOAD segments than ELF_MAX_SEGMENTS",
		    ELF_MAX_SEGMENTS);
	free(m);

	/* Exactly the limit, with empty loads that do not count. */
	m = build_many(ELF_MAX_SEGMENTS, 5);
	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.nsegments, ELF_MAX_SEGMENTS);
	for (i = 0; i < ELF_MAX_SEGMENTS; i++) {
		uint32_t from = ELF_MAX_SEGMENTS - 1 - i;

		check_seg(&img.seg[i], TEXT_VA + i * 0x1000, 0x1000, 0, 0,
			  from % 2 ? ELF_SEG_R | ELF_SEG_W
				   : ELF_SEG_R | ELF_SEG_X);
	}
	free(m);
}

static void test_sorted_by_vaddr(void **state)
{
	const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_FILESZ,
		  DATA_MEMSZ, 0x1000 },
		{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
		{ PT_LOAD, PF_R, 0, 0x800000, 0, 0x10, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0, TEXT_VA, TEXT_SZ, TEXT_SZ, 0x1000 },
	};
	struct img *m = build(ENTRY, ph, ARRAY_SIZE(ph));
	struct elf_image img;

	assert_int_equal(parse(m, &img), 0);
	assert_int_equal(img.nsegments, 3);
	check_seg(&img.seg[0], TEXT_VA, TEXT_SZ, 0, TEXT_SZ,
		  ELF_SEG_R | ELF_SEG_X);
	check_seg(&img.seg[1], DATA_VA, DATA_MEMSZ, DATA_OFF, DATA_FILESZ,
		  ELF_SEG_R | ELF_SEG_W);
	check_seg(&img.seg[2], 0x800000, 0x10, 0, 0, ELF_SEG_R);
	free(m);
}

static void expect_pages(uint64_t vaddr, uint64_t memsz, uint64_t first,
			 uint64_t n)
{
	struct elf_segment s = { .vaddr = vaddr, .memsz = memsz };
	uint64_t got_first = 1;
	uint64_t got_n = 1;

	assert_int_equal(elf_segment_pages(&s, &got_first, &got_n), 0);
	assert_int_equal(got_first, first);
	assert_int_equal(got_n, n);
}

static void expect_pages_fail(uint64_t vaddr, uint64_t memsz)
{
	struct elf_segment s = { .vaddr = vaddr, .memsz = memsz };
	uint64_t got_first = 7;
	uint64_t got_n = 7;

	assert_int_equal(elf_segment_pages(&s, &got_first, &got_n),
			 EXO_ERR_INVALID);
	assert_int_equal(got_first, 7);
	assert_int_equal(got_n, 7);
}

static void test_segment_pages(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;

	assert_int_equal(parse(m, &img), 0);
	expect_pages(img.seg[0].vaddr, img.seg[0].memsz, TEXT_VA, 1);
	/* 0x4011a0 + 0x2000 = 0x4031a0: pages 0x401000, 0x402000, 0x403000. */
	expect_pages(img.seg[1].vaddr, img.seg[1].memsz, 0x401000, 3);

	expect_pages(0x1000, 0x1000, 0x1000, 1);
	expect_pages(0x1000, 0x1001, 0x1000, 2);
	expect_pages(0x1fff, 1, 0x1000, 1);
	expect_pages(0x1fff, 2, 0x1000, 2);
	expect_pages(0x1234, 0, 0x1000, 0);
	expect_pages(0, ELF_SEG_MAX, 0, ELF_SEG_MAX / ELF_PAGE_SIZE);
	expect_pages(0xffffffffffffe000ull, 0x1000, 0xffffffffffffe000ull, 1);
	expect_pages(0xffffffffffffeff0ull, 0x10, 0xffffffffffffe000ull, 1);

	/* A range reaching the last page would end at 2^64. */
	expect_pages_fail(0xfffffffffffff000ull, 1);
	expect_pages_fail(0xffffffffffffeff0ull, 0x11);
	expect_pages_fail(UINT64_MAX, 1);
	expect_pages_fail(UINT64_MAX - 0x10, 0x20);
	expect_pages_fail(0x1000, UINT64_MAX);
	free(m);
}

/* Whether [a, a_end) and [b, b_end) share a byte. */
static bool overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

/* Whatever a parse accepted must keep elf.h's promises. */
static void check_invariants(int rc, const struct elf_image *img, size_t size)
{
	uint64_t first[ELF_MAX_SEGMENTS];
	uint64_t npages[ELF_MAX_SEGMENTS];
	bool entry_ok = false;
	uint32_t i;
	uint32_t j;

	if (rc != 0) {
		assert_true(rc == EXO_ERR_INVALID || rc == EXO_ERR_TOO_BIG ||
			    rc == EXO_ERR_DENIED || rc == EXO_ERR_ALIGN);
		assert_non_null(img->error);
		assert_true(img->error_phdr >= -1 &&
			    img->error_phdr < ELF_MAX_PHDRS);
		assert_int_equal(img->nsegments, 0);
		assert_int_equal(img->entry, 0);
		return;
	}
	assert_null(img->error);
	assert_int_equal(img->error_phdr, -1);
	assert_true(img->nsegments >= 1 && img->nsegments <= ELF_MAX_SEGMENTS);
	for (i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->seg[i];

		assert_true(s->memsz > 0 && s->memsz <= ELF_SEG_MAX);
		assert_true(s->filesz <= s->memsz);
		assert_true(s->offset <= size && s->filesz <= size - s->offset);
		assert_true(s->vaddr <= UINT64_MAX - s->memsz);
		assert_true(s->vaddr >= USER_LO &&
			    s->vaddr + s->memsz <= USER_HI);
		assert_int_equal(
			s->flags & ~(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X), 0);
		assert_false((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X));
		assert_int_equal(elf_segment_pages(s, &first[i], &npages[i]),
				 0);
		assert_true(npages[i] >= 1);
		assert_true(first[i] >= USER_LO);
		assert_true(first[i] + npages[i] * ELF_PAGE_SIZE <= USER_HI);
		if (i > 0) {
			assert_true(img->seg[i - 1].vaddr < s->vaddr);
		}
		for (j = 0; j < i; j++) {
			assert_false(overlap(
				first[j], first[j] + npages[j] * ELF_PAGE_SIZE,
				first[i],
				first[i] + npages[i] * ELF_PAGE_SIZE));
		}
		if ((s->flags & ELF_SEG_X) && img->entry >= s->vaddr &&
		    img->entry < s->vaddr + s->memsz) {
			entry_ok = true;
		}
	}
	assert_true(entry_ok);
	for (i = img->nsegments; i < ELF_MAX_SEGMENTS; i++) {
		assert_int_equal(img->seg[i].memsz, 0);
	}
}

static int parse_checked(uint8_t *p, size_t size)
{
	struct elf_image img;
	int rc;

	rc = elf_parse(p, size, USER_LO, USER_HI, &img);
	check_invariants(rc, &img, size);
	return rc;
}

/* Every byte of the valid image, overwritten with a few values. */
static void test_mutate_bytes(void **state)
{
	static const uint8_t values[] = { 0x00, 0xff, 0x01, 0x80, 0x7f, 0x10 };
	struct img *m = build_valid();
	size_t size = m->len;
	uint8_t *p = malloc(size);
	size_t off;
	size_t v;

	assert_non_null(p);
	for (off = 0; off < size; off++) {
		for (v = 0; v < sizeof(values); v++) {
			memcpy(p, m->b, size);
			p[off] = values[v];
			parse_checked(p, size);
		}
		memcpy(p, m->b, size);
		p[off] ^= 0xff;
		parse_checked(p, size);
	}
	free(p);
	free(m);
}

/*
 * Every 8 bytes from each 4-byte boundary, overwritten with addresses and
 * sizes likely to hurt: each of a few boundaries, one below and one above.
 */
static void test_mutate_words(void **state)
{
	static const uint64_t fixed[] = {
		0,
		0x1000,
		USER_LO,
		TEXT_VA,
		DATA_VA,
		0x404000,
		ELF_SEG_MAX,
		USER_HI,
		0x0000800000000000ull,
		(uint64_t)1 << 63,
		KERNEL_VA,
		0xfffffffffffff000ull,
		UINT64_MAX - DATA_MEMSZ,
		VALID_LEN,
		VALID_LEN - DATA_FILESZ,
	};
	struct img *m = build_valid();
	size_t size = m->len;
	uint8_t *p = malloc(size);
	size_t off;
	size_t i;
	int d;

	assert_non_null(p);
	for (off = 0; off + 8 <= size; off += 4) {
		for (i = 0; i < ARRAY_SIZE(fixed); i++) {
			for (d = -1; d <= 1; d++) {
				uint64_t v = fixed[i] + (uint64_t)(int64_t)d;

				memcpy(p, m->b, size);
				memcpy(p + off, &v, 8);
				parse_checked(p, size);
			}
		}
	}
	free(p);
	free(m);
}

/* Several random bytes at once, from a fixed seed. */
static void test_mutate_random(void **state)
{
	struct img *m = build_valid();
	size_t size = m->len;
	uint8_t *p = malloc(size);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned long accepted = 0;
	unsigned long n;

	assert_non_null(p);
	for (n = 0; n < 200000; n++) {
		int k = 1 + (int)(n % 4);

		memcpy(p, m->b, size);
		while (k-- > 0) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly the headers, where the decisions are. */
			p[(x >> 8) % (x & 1 ? TABLE_END : size)] = (uint8_t)x;
		}
		if (parse_checked(p, size) == 0) {
			accepted++;
		}
	}
	/* Many mutations hit bytes that do not matter; they must pass. */
	assert_true(accepted > 0);
	free(p);
	free(m);
}

/* Fewer bytes than the image: always refused, never overread. */
static void test_truncate(void **state)
{
	struct img *m = build_valid();
	struct elf_image img;
	size_t size;

	for (size = 0; size < VALID_LEN; size++) {
		int rc = parse_tail(m->b, size, &img);

		if (size < sizeof(struct elf64_ehdr)) {
			expect_fail(rc, &img, EXO_ERR_INVALID,
				    "image shorter than the ELF header", -1);
		} else if (size < TABLE_END) {
			expect_fail(rc, &img, EXO_ERR_INVALID,
				    "program header table runs past the image",
				    -1);
		} else {
			expect_fail(rc, &img, EXO_ERR_INVALID,
				    "segment file bytes run past the image",
				    size < TEXT_SZ ? 0 : 1);
		}
	}
	assert_int_equal(parse_tail(m->b, VALID_LEN, &img), 0);
	check_valid(&img);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_valid_unaligned),
		cmocka_unit_test(test_ignored_fields),
		cmocka_unit_test(test_flags_masked),
		cmocka_unit_test(test_user_range_args),
		cmocka_unit_test(test_shorter_than_header),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_class_not_64),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_type_not_exec),
		cmocka_unit_test(test_wrong_machine),
		cmocka_unit_test(test_ehsize),
		cmocka_unit_test(test_phentsize),
		cmocka_unit_test(test_phnum_zero),
		cmocka_unit_test(test_phnum_huge),
		cmocka_unit_test(test_phnum_at_limit),
		cmocka_unit_test(test_phoff_past_end),
		cmocka_unit_test(test_phoff_table_at_end),
		cmocka_unit_test(test_segment_file_past_end),
		cmocka_unit_test(test_segment_file_wraps),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_memsz_absurd),
		cmocka_unit_test(test_vaddr_kernel_half),
		cmocka_unit_test(test_vaddr_above_user_hi),
		cmocka_unit_test(test_vaddr_below_user_lo),
		cmocka_unit_test(test_vaddr_wraps),
		cmocka_unit_test(test_align_not_pow2),
		cmocka_unit_test(test_align_congruence),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_overlap_unsorted),
		cmocka_unit_test(test_write_and_execute),
		cmocka_unit_test(test_entry_outside),
		cmocka_unit_test(test_entry_not_executable),
		cmocka_unit_test(test_interp),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_other_types_ignored),
		cmocka_unit_test(test_no_loadable_segment),
		cmocka_unit_test(test_empty_load_skipped),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_sorted_by_vaddr),
		cmocka_unit_test(test_segment_pages),
		cmocka_unit_test(test_mutate_bytes),
		cmocka_unit_test(test_mutate_words),
		cmocka_unit_test(test_mutate_random),
		cmocka_unit_test(test_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
