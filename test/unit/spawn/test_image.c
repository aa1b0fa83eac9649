/* SPDX-License-Identifier: MIT */
/*
 * Tests for the pure half of spawn (libos/runtime/image.c): which images
 * are refused before a child exists, what each page of a child holds,
 * which pages may be shared, and the argument block on its stack.
 *
 * Images are laid out the way ld lays out our programs (headers, text,
 * read-only data, data with bss) and placed at the very end of a heap
 * block of exactly their size, so the sanitized build catches any read
 * past them. The page model (model_load) builds a child's memory from
 * image_page_at alone and compares it byte for byte with what the ELF
 * file says the memory must hold.
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
#include <libos/spawn.h>

#include "elf/elf64.h"
#include "image.h"

#define PAGE EXO_PAGE_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct ph {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

/* Like t_hello: headers, text, rodata, then data whose bss runs on. */
#define TEXT_VA 0x401000ull
#define DATA_OFF 0x3650ull
#define DATA_VA (0x404000ull + (DATA_OFF & 0xfff))
#define DATA_FILESZ 0x30ull
#define DATA_MEMSZ 0x2000ull
#define VALID_LEN 0x5000ull

static const struct ph valid_ph[] = {
	{ PT_LOAD, PF_R, 0, 0x400000, 0x158, 0x158, 0x1000 },
	{ PT_LOAD, PF_R | PF_X, 0x1000, TEXT_VA, 0x1fae, 0x1fae, 0x1000 },
	{ PT_LOAD, PF_R, 0x3000, 0x403000, 0x650, 0x650, 0x1000 },
	{ PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VA, DATA_FILESZ, DATA_MEMSZ,
	  0x1000 },
	{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
};

static void put(uint8_t *b, size_t off, const void *v, size_t n)
{
	memcpy(b + off, v, n);
}

/*
 * An executable of @len bytes (a pattern where no header lies), at the
 * end of a heap block of exactly that size; free with free().
 */
static uint8_t *build(uint64_t entry, const struct ph *ph, size_t n, size_t len)
{
	uint8_t *b = malloc(len);
	struct elf64_ehdr eh;

	assert_non_null(b);
	for (size_t i = 0; i < len; i++) {
		b[i] = (uint8_t)(0x5a ^ (i * 7) ^ (i >> 8));
	}
	memset(&eh, 0, sizeof(eh));
	eh.e_ident[EI_MAG0] = ELFMAG0;
	eh.e_ident[EI_MAG1] = ELFMAG1;
	eh.e_ident[EI_MAG2] = ELFMAG2;
	eh.e_ident[EI_MAG3] = ELFMAG3;
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(struct elf64_phdr);
	eh.e_phnum = (uint16_t)n;
	assert_true(len >= sizeof(eh) + n * sizeof(struct elf64_phdr));
	put(b, 0, &eh, sizeof(eh));
	for (size_t i = 0; i < n; i++) {
		struct elf64_phdr p;

		memset(&p, 0, sizeof(p));
		p.p_type = ph[i].type;
		p.p_flags = ph[i].flags;
		p.p_offset = ph[i].offset;
		p.p_vaddr = ph[i].vaddr;
		p.p_paddr = ph[i].vaddr;
		p.p_filesz = ph[i].filesz;
		p.p_memsz = ph[i].memsz;
		p.p_align = ph[i].align;
		put(b, sizeof(eh) + i * sizeof(p), &p, sizeof(p));
	}
	return b;
}

static uint8_t *build_valid(void)
{
	return build(TEXT_VA + 0x10, valid_ph, ARRAY_SIZE(valid_ph), VALID_LEN);
}

/* Plan a copy of @len bytes of @b placed at the end of its own block. */
static int plan_tail(const uint8_t *b, size_t len, struct elf_image *img)
{
	uint8_t *p = malloc(len ? len : 1);
	int rc;

	assert_non_null(p);
	memcpy(p, b, len);
	rc = image_plan(p, len, img);
	free(p);
	return rc;
}

static void test_plan_valid(void **state)
{
	uint8_t *b = build_valid();
	struct elf_image img;

	assert_int_equal(image_plan(b, VALID_LEN, &img), 0);
	assert_int_equal(img.nsegments, 4);
	assert_int_equal(img.entry, TEXT_VA + 0x10);
	assert_int_equal(img.seg[3].vaddr, DATA_VA);
	assert_int_equal(img.seg[3].flags, ELF_SEG_R | ELF_SEG_W);
	assert_int_equal(image_perm(img.seg[0].flags), EXO_PERM_R);
	assert_int_equal(image_perm(img.seg[1].flags), EXO_PERM_R | EXO_PERM_X);
	assert_int_equal(image_perm(img.seg[3].flags), EXO_PERM_R | EXO_PERM_W);
	free(b);
}

/* Each image is valid but for one thing, which spawn must refuse. */
static void expect_refused(const struct ph *ph, size_t n, uint64_t entry,
			   size_t len, int want, const char *msg)
{
	uint8_t *b = build(entry, ph, n, len);
	struct elf_image img;

	assert_int_equal(plan_tail(b, len, &img), want);
	assert_non_null(img.error);
	assert_string_equal(img.error, msg);
	assert_int_equal(img.nsegments, 0);
	free(b);
}

static void test_plan_refusals(void **state)
{
	struct ph ph[ARRAY_SIZE(valid_ph)];
	uint8_t *b;
	struct elf_image img;

	/* Segments where the runtime lives (the stack, boot modules). */
	memcpy(ph, valid_ph, sizeof(ph));
	ph[3].vaddr = SPAWN_STACK_TOP - PAGE + (DATA_OFF & 0xfff);
	ph[3].memsz = DATA_FILESZ;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_DENIED,
		       "segment outside the user range");
	ph[3].vaddr = SPAWN_IMAGE_TOP - PAGE + (DATA_OFF & 0xfff);
	ph[3].memsz = PAGE;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_DENIED,
		       "segment outside the user range");
	/* ... and the null pages. */
	memcpy(ph, valid_ph, sizeof(ph));
	ph[0].vaddr = 0;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_DENIED,
		       "segment outside the user range");

	/* Writable code. */
	memcpy(ph, valid_ph, sizeof(ph));
	ph[1].flags = PF_R | PF_W | PF_X;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_DENIED,
		       "segment both writable and executable");

	/* More pages than a spawned program may have: a 65 MiB bss. */
	memcpy(ph, valid_ph, sizeof(ph));
	ph[3].memsz = (SPAWN_IMAGE_PAGES_MAX + 1) * PAGE;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_TOO_BIG,
		       "segments span more than SPAWN_IMAGE_PAGES_MAX pages");
	ph[3].memsz = (SPAWN_IMAGE_PAGES_MAX - 7) * PAGE;
	b = build(TEXT_VA, ph, ARRAY_SIZE(ph), VALID_LEN);
	assert_int_equal(plan_tail(b, VALID_LEN, &img), 0);
	free(b);

	/* File bytes past the end: a truncated program. */
	expect_refused(valid_ph, ARRAY_SIZE(valid_ph), TEXT_VA, 0x3660,
		       EXO_ERR_INVALID,
		       "segment file bytes run past the image");
	/* Entry in data. */
	expect_refused(valid_ph, ARRAY_SIZE(valid_ph), DATA_VA, VALID_LEN,
		       EXO_ERR_INVALID,
		       "entry point not in an executable segment");
	/* A dynamic executable. */
	memcpy(ph, valid_ph, sizeof(ph));
	ph[4].type = PT_INTERP;
	expect_refused(ph, ARRAY_SIZE(ph), TEXT_VA, VALID_LEN, EXO_ERR_INVALID,
		       "PT_INTERP present: not a static executable");
}

static void test_plan_not_elf(void **state)
{
	static const char text[] = "hello, this is not a program\n";
	struct elf_image img;
	uint8_t *b = build_valid();

	assert_int_equal(
		plan_tail((const uint8_t *)text, sizeof(text) - 1, &img),
		EXO_ERR_INVALID);
	assert_string_equal(img.error, "image shorter than the ELF header");
	assert_int_equal(plan_tail(b, 0, &img), EXO_ERR_INVALID);
	b[0] = 0x7e;
	assert_int_equal(plan_tail(b, VALID_LEN, &img), EXO_ERR_INVALID);
	assert_string_equal(img.error, "bad ELF magic");
	free(b);
}

/* Every length the image could be cut to: refused or fully planned. */
static void test_plan_truncated(void **state)
{
	uint8_t *b = build_valid();
	struct elf_image img;

	for (size_t len = 0; len < VALID_LEN; len++) {
		int rc = plan_tail(b, len, &img);

		if (len < DATA_OFF + DATA_FILESZ) {
			assert_int_not_equal(rc, 0);
			assert_non_null(img.error);
		} else {
			assert_int_equal(rc, 0);
		}
	}
	free(b);
}

/*
 * Build the child's memory for every segment from image_page_at and
 * check each byte the segments cover: file bytes, then zeros.
 */
static void model_load(const uint8_t *b, uint64_t addr, size_t len,
		       const struct elf_image *img, uint32_t *shared,
		       uint32_t *copied, uint32_t *zero)
{
	static uint8_t page[PAGE];

	*shared = *copied = *zero = 0;
	for (uint32_t i = 0; i < img->nsegments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t first, n;

		assert_int_equal(elf_segment_pages(s, &first, &n), 0);
		for (uint64_t p = 0; p < n; p++) {
			uint64_t va = first + p * PAGE;
			struct image_page pg;

			image_page_at(s, va, addr, len, &pg);
			assert_int_equal(pg.va, va);
			assert_int_equal(pg.perm, image_perm(s->flags));
			if (pg.shareable) {
				assert_int_equal(
					(addr + pg.share_off) & (PAGE - 1), 0);
				assert_true(pg.share_off + PAGE <= len);
				assert_false(s->flags & ELF_SEG_W);
				memcpy(page, b + pg.share_off, PAGE);
				(*shared)++;
			} else {
				memset(page, 0, PAGE);
				assert_true(pg.copy_dst + pg.copy_len <= PAGE);
				assert_true(pg.copy_src + pg.copy_len <= len);
				memcpy(page + pg.copy_dst, b + pg.copy_src,
				       pg.copy_len);
				if (pg.copy_len) {
					(*copied)++;
				} else {
					(*zero)++;
				}
			}
			/* The segment's bytes in this page. */
			for (uint64_t a = va; a < va + PAGE; a++) {
				uint8_t want;

				if (a < s->vaddr || a >= s->vaddr + s->memsz) {
					continue;
				}
				want = a - s->vaddr < s->filesz
					       ? b[s->offset + (a - s->vaddr)]
					       : 0;
				assert_int_equal(page[a - va], want);
			}
		}
	}
}

static void test_pages(void **state)
{
	uint8_t *b = build_valid();
	struct elf_image img;
	uint32_t shared, copied, zero;
	struct image_page pg;

	assert_int_equal(image_plan(b, VALID_LEN, &img), 0);

	/* At a page-aligned address: headers, text, rodata are shared. */
	model_load(b, 0x7f0000002000ull, VALID_LEN, &img, &shared, &copied,
		   &zero);
	assert_int_equal(shared, 4);
	assert_int_equal(copied, 1);
	assert_int_equal(zero, 2);

	/* Misaligned: nothing can stand for a page; everything is copied. */
	model_load(b, 0x7f0000002008ull, VALID_LEN, &img, &shared, &copied,
		   &zero);
	assert_int_equal(shared, 0);
	assert_int_equal(copied, 5);
	assert_int_equal(zero, 2);

	/* The data page: copied to its offset in the page, never shared. */
	image_page_at(&img.seg[3], 0x404000, 0x7f0000002000ull, VALID_LEN, &pg);
	assert_false(pg.shareable);
	assert_int_equal(pg.copy_dst, DATA_OFF & 0xfff);
	assert_int_equal(pg.copy_src, DATA_OFF);
	assert_int_equal(pg.copy_len, DATA_FILESZ);
	assert_int_equal(pg.perm, EXO_PERM_R | EXO_PERM_W);
	free(b);
}

/* A read-only page of the image that is not wholly inside it is copied. */
static void test_pages_image_end(void **state)
{
	const size_t len = 0x3700; /* ends inside the rodata's page */
	uint8_t *b = build(TEXT_VA, valid_ph, ARRAY_SIZE(valid_ph), len);
	struct elf_image img;
	struct image_page pg;
	uint32_t shared, copied, zero;

	assert_int_equal(image_plan(b, len, &img), 0);
	image_page_at(&img.seg[2], 0x403000, 0x10000, len, &pg);
	assert_false(pg.shareable);
	assert_int_equal(pg.copy_src, 0x3000);
	assert_int_equal(pg.copy_len, 0x650);
	model_load(b, 0x10000, len, &img, &shared, &copied, &zero);
	assert_int_equal(shared, 3);
	free(b);
}

/* A read-only segment with bss: its last page has zeros to supply. */
static void test_pages_readonly_bss(void **state)
{
	struct ph ph[ARRAY_SIZE(valid_ph)];
	uint8_t *b;
	struct elf_image img;
	struct image_page pg;
	uint32_t shared, copied, zero;

	memcpy(ph, valid_ph, sizeof(ph));
	ph[2].memsz = 0x800;
	b = build(TEXT_VA, ph, ARRAY_SIZE(ph), VALID_LEN);
	assert_int_equal(image_plan(b, VALID_LEN, &img), 0);
	image_page_at(&img.seg[2], 0x403000, 0, VALID_LEN, &pg);
	assert_false(pg.shareable);
	assert_int_equal(pg.copy_len, 0x650);
	model_load(b, 0, VALID_LEN, &img, &shared, &copied, &zero);
	assert_int_equal(shared, 3);
	free(b);
}

/* A segment that starts mid-page, with the page before its file offset. */
static void test_pages_unaligned_start(void **state)
{
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x120, 0x400120, 0x2000, 0x2000, 16 },
	};
	uint8_t *b = build(0x400200, ph, 1, 0x4000);
	struct elf_image img;
	struct image_page pg;
	uint32_t shared, copied, zero;

	assert_int_equal(image_plan(b, 0x4000, &img), 0);
	image_page_at(&img.seg[0], 0x400000, 0, 0x4000, &pg);
	assert_int_equal(pg.copy_dst, 0x120);
	assert_int_equal(pg.copy_src, 0x120);
	assert_int_equal(pg.copy_len, PAGE - 0x120);
	assert_true(pg.shareable);
	assert_int_equal(pg.share_off, 0);
	model_load(b, 0, 0x4000, &img, &shared, &copied, &zero);
	assert_int_equal(shared + copied, 3);
	free(b);

	/* p_vaddr ahead of p_offset by less than a page: no page to share. */
	static const struct ph ph2[] = {
		{ PT_LOAD, PF_R | PF_X, 0x20, 0x400120, 0x100, 0x100, 16 },
	};
	b = build(0x400120, ph2, 1, 0x1000);
	assert_int_equal(image_plan(b, 0x1000, &img), 0);
	image_page_at(&img.seg[0], 0x400000, 0, 0x1000, &pg);
	assert_false(pg.shareable);
	assert_int_equal(pg.copy_src, 0x20);
	assert_int_equal(pg.copy_dst, 0x120);
	model_load(b, 0, 0x1000, &img, &shared, &copied, &zero);
	free(b);
}

/*
 * Mutated images, the way a corrupt boot module would arrive: each is
 * refused with a reason, or planned into pages that never read outside it.
 */
static void test_mutations(void **state)
{
	uint8_t *b = build_valid();
	uint8_t *m = malloc(VALID_LEN);
	struct elf_image img;
	uint32_t shared, copied, zero;
	unsigned int seed = 12345;

	assert_non_null(m);
	for (int round = 0; round < 20000; round++) {
		size_t len = VALID_LEN;
		int rc;

		memcpy(m, b, VALID_LEN);
		for (int k = 0; k < 1 + round % 4; k++) {
			/* Mostly the headers, sometimes anywhere. */
			size_t off = (seed = seed * 1103515245 + 12345) >> 8;

			off %= (round & 1) ? 64 + 5 * 56 : VALID_LEN;
			m[off] = (uint8_t)((seed = seed * 1103515245 + 12345) >>
					   16);
		}
		if (round % 5 == 0) {
			len = ((seed = seed * 1103515245 + 12345) >> 8) %
			      (VALID_LEN + 1);
		}
		rc = plan_tail(m, len, &img);
		if (rc) {
			assert_true(rc < 0);
			assert_non_null(img.error);
			continue;
		}
		model_load(m, 0, len, &img, &shared, &copied, &zero);
	}
	free(m);
	free(b);
}

/* Check the argument page @page for @argv, laid out as @a says. */
static void check_args(const uint8_t *page, uint64_t top,
		       const char *const argv[], const struct image_args *a)
{
	uint64_t base = top - PAGE;
	struct spawn_start st;
	uint64_t argc = 0;

	while (argv && argv[argc]) {
		argc++;
	}
	assert_int_equal(a->argc, argc);
	assert_int_equal(a->argv_va % 16, 0);
	assert_true(a->argv_va - sizeof(st) >= base);
	memcpy(&st, page + (a->argv_va - sizeof(st) - base), sizeof(st));
	assert_int_equal(st.argc, argc);
	assert_int_equal(st.argv, a->argv_va);
	for (uint64_t i = 0; i <= argc; i++) {
		uint64_t p;

		memcpy(&p, page + (a->argv_va - base) + 8 * i, sizeof(p));
		if (i == argc) {
			assert_int_equal(p, 0);
			break;
		}
		assert_true(p >= a->argv_va + 8 * (argc + 1) && p < top);
		assert_string_equal((const char *)page + (p - base), argv[i]);
	}
}

/* Lay out and write @argv into a page-sized heap block; check it. */
static int args_roundtrip(const char *const argv[], struct image_args *a)
{
	const uint64_t top = SPAWN_STACK_TOP;
	uint8_t *page = calloc(1, PAGE);
	int rc;

	assert_non_null(page);
	rc = image_args_layout(argv, top, a);
	if (rc == 0) {
		image_args_write(page, top, argv, a);
		check_args(page, top, argv, a);
	}
	free(page);
	return rc;
}

static void test_args(void **state)
{
	const char *const three[] = { "prog", "one", "two words", NULL };
	const char *const empty[] = { NULL };
	const char *const blank[] = { "x", "", NULL };
	struct image_args a;

	assert_int_equal(args_roundtrip(three, &a), 0);
	assert_int_equal(a.strings, 5 + 4 + 10);
	assert_int_equal(a.strings_va, SPAWN_STACK_TOP - a.strings);
	assert_int_equal(args_roundtrip(empty, &a), 0);
	assert_int_equal(a.argc, 0);
	assert_int_equal(args_roundtrip(NULL, &a), 0);
	assert_int_equal(a.argc, 0);
	assert_int_equal(args_roundtrip(blank, &a), 0);
	assert_int_equal(image_args_layout(three, SPAWN_STACK_TOP + 8, &a),
			 EXO_ERR_ALIGN);
	assert_int_equal(image_args_layout(three, 0, &a), EXO_ERR_ALIGN);
}

/* Exactly SPAWN_ARGS_MAX bytes fit; one more does not. */
static void test_args_limit(void **state)
{
	/* One string: its pointer, the NULL and its bytes with the NUL. */
	size_t n = SPAWN_ARGS_MAX - 16 - 1;
	char *s = malloc(n + 2);
	const char *argv[] = { s, NULL };
	struct image_args a;

	assert_non_null(s);
	memset(s, 'a', n + 1);
	s[n] = '\0';
	assert_int_equal(args_roundtrip(argv, &a), 0);
	assert_int_equal(a.strings + 16, SPAWN_ARGS_MAX);
	s[n] = 'a';
	s[n + 1] = '\0';
	assert_int_equal(args_roundtrip(argv, &a), EXO_ERR_TOO_BIG);
	free(s);
}

/*
 * A huge argv is refused after reading no more than fits: every string is
 * its own exact-size block, so reading past one fails the sanitized run.
 */
static void test_args_many(void **state)
{
	const size_t count = 100000;
	const char **argv = calloc(count + 1, sizeof(*argv));
	struct image_args a;
	size_t fit = 0;
	const char *cut;

	assert_non_null(argv);
	for (size_t i = 0; i < count; i++) {
		char *s = malloc(1);

		assert_non_null(s);
		s[0] = '\0';
		argv[i] = s;
	}
	assert_int_equal(args_roundtrip(argv, &a), EXO_ERR_TOO_BIG);
	/* Each empty argument costs a pointer and a NUL. */
	fit = (SPAWN_ARGS_MAX - 8) / 9;
	cut = argv[fit];
	argv[fit] = NULL;
	assert_int_equal(args_roundtrip(argv, &a), 0);
	assert_int_equal(a.argc, fit);
	argv[fit] = cut;
	for (size_t i = 0; i < count; i++) {
		free((void *)argv[i]);
	}
	free(argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_valid),
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_plan_not_elf),
		cmocka_unit_test(test_plan_truncated),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_pages_image_end),
		cmocka_unit_test(test_pages_readonly_bss),
		cmocka_unit_test(test_pages_unaligned_start),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_limit),
		cmocka_unit_test(test_args_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
