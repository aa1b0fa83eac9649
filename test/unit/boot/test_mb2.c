/* SPDX-License-Identifier: MIT */
/*
 * Tests for the Multiboot2 information parser. Each test builds an
 * information structure byte by byte with the mb_* helpers, the way a boot
 * loader would, then breaks it in one specific way.
 *
 * Cases that could tempt the parser into reading too far copy the structure
 * to the very end of a heap block exactly @avail bytes long (parse_tail), so
 * the sanitized build turns any overread into a failure.
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

#include "boot/bootinfo.h"
#include "boot/multiboot2.h"

/* Where the tests pretend the information lies in physical memory. */
#define INFO_PHYS 0x10000ull

/* An information structure under construction, 8-byte aligned. */
struct mb {
	uint64_t words[(BOOT_INFO_MAX + 64) / 8];
	size_t len;
};

static uint8_t *mb_bytes(struct mb *b)
{
	return (uint8_t *)b->words;
}

static void put32(struct mb *b, size_t off, uint32_t v)
{
	memcpy(mb_bytes(b) + off, &v, sizeof(v));
}

static void put64(struct mb *b, size_t off, uint64_t v)
{
	memcpy(mb_bytes(b) + off, &v, sizeof(v));
}

static struct mb *mb_new(void)
{
	struct mb *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	b->len = sizeof(struct mb2_info_header);
	return b;
}

/* Append a tag with @plen payload bytes; returns the tag's offset. */
static size_t mb_tag(struct mb *b, uint32_t type, const void *payload,
		     size_t plen)
{
	size_t off = b->len;

	assert_true(off + 8 + plen + 8 <= sizeof(b->words));
	put32(b, off, type);
	put32(b, off + 4, (uint32_t)(8 + plen));
	if (plen) {
		memcpy(mb_bytes(b) + off + 8, payload, plen);
	}
	b->len = (off + 8 + plen + 7) & ~(size_t)7;
	return off;
}

static size_t mb_string(struct mb *b, uint32_t type, const char *s)
{
	return mb_tag(b, type, s, strlen(s) + 1);
}

static size_t mb_module(struct mb *b, uint32_t start, uint32_t end,
			const char *name)
{
	uint8_t p[8 + 256];
	size_t n = strlen(name) + 1;

	assert_true(n <= 256);
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, name, n);
	return mb_tag(b, MB2_TAG_MODULE, p, 8 + n);
}

static size_t mb_meminfo(struct mb *b, uint32_t lower, uint32_t upper)
{
	uint32_t p[2] = { lower, upper };

	return mb_tag(b, MB2_TAG_BASIC_MEMINFO, p, sizeof(p));
}

struct ent {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/* A memory map of @n entries, each padded out to @entry_size bytes. */
static size_t mb_mmap(struct mb *b, uint32_t entry_size, const struct ent *e,
		      size_t n)
{
	static uint8_t p[8 + 64 * 256];
	uint32_t version = 0;
	size_t i;

	assert_true(entry_size >= 20 && entry_size <= 64 && n <= 256);
	memset(p, 0xa5, sizeof(p));
	memcpy(p, &entry_size, 4);
	memcpy(p + 4, &version, 4);
	for (i = 0; i < n; i++) {
		uint8_t *q = p + 8 + i * entry_size;
		uint32_t reserved = 0;

		memcpy(q, &e[i].base, 8);
		memcpy(q + 8, &e[i].len, 8);
		memcpy(q + 16, &e[i].type, 4);
		if (entry_size >= 24) {
			memcpy(q + 20, &reserved, 4);
		}
	}
	return mb_tag(b, MB2_TAG_MMAP, p, 8 + n * entry_size);
}

/* Append the end tag and fix total_size; returns the end tag's offset. */
static size_t mb_finish(struct mb *b)
{
	size_t off = mb_tag(b, MB2_TAG_END, NULL, 0);

	put32(b, 0, (uint32_t)b->len);
	return off;
}

/* Set total_size to @len without an end tag: a truncated information. */
static void mb_cut(struct mb *b, size_t len)
{
	b->len = len;
	put32(b, 0, (uint32_t)len);
}

static int parse(struct mb *b, struct boot_info *bi)
{
	return mb2_parse(b->words, b->len, INFO_PHYS, bi);
}

/* Parse @avail bytes of @data placed at the very end of a heap block. */
static int parse_tail(const void *data, size_t avail, struct boot_info *bi)
{
	uint8_t *p = malloc(avail ? avail : 1);
	int rc;

	assert_non_null(p);
	/* malloc's alignment is at least 16, so the copy stays 8-aligned. */
	assert_int_equal((uintptr_t)p % 8, 0);
	memcpy(p, data, avail);
	rc = mb2_parse(p, avail, INFO_PHYS, bi);
	free(p);
	return rc;
}

static int parse_tail_mb(struct mb *b, struct boot_info *bi)
{
	return parse_tail(b->words, b->len, bi);
}

static void expect_fail(int rc, const struct boot_info *bi, int want_rc,
			const char *want_msg, size_t want_off)
{
	assert_int_equal(rc, want_rc);
	assert_non_null(bi->error);
	assert_string_equal(bi->error, want_msg);
	assert_int_equal(bi->error_offset, want_off);
	/* A failed parse leaves nothing a caller could act on. */
	assert_int_equal(bi->mmap_count, 0);
	assert_int_equal(bi->module_count, 0);
	assert_int_equal(bi->info_size, 0);
	assert_string_equal(bi->cmdline, "");
}

static const struct ent full_mmap[] = {
	{ 0x0, 0x9fc00, MB2_MEMORY_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEMORY_RESERVED },
	{ 0xf0000, 0, MB2_MEMORY_AVAILABLE }, /* empty: dropped */
	{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE },
	{ 0x7fe0000, 0x20000, MB2_MEMORY_ACPI_RECLAIMABLE },
	{ 0xfffc0000, 0x40000, 0x1234 }, /* unknown type: reserved */
	{ 0x100000000ull, 0x10000000, MB2_MEMORY_NVS },
};

/* A realistic information, as GRUB would pass it. */
static struct mb *build_full(void)
{
	struct mb *b = mb_new();
	uint8_t junk[13] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };

	mb_string(b, MB2_TAG_CMDLINE, "console=serial loglevel=3 quiet");
	mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.06");
	mb_module(b, 0x200000, 0x210000, "init");
	mb_meminfo(b, 639, 130048);
	mb_tag(b, MB2_TAG_LOAD_BASE_ADDR, junk, 4);
	mb_mmap(b, 24, full_mmap, sizeof(full_mmap) / sizeof(full_mmap[0]));
	mb_tag(b, 0x7fffffff, junk, sizeof(junk));
	mb_module(b, 0x300000, 0x300100, "fs.img ro");
	mb_finish(b);
	return b;
}

static void check_full(const struct boot_info *bi, size_t total)
{
	assert_null(bi->error);
	assert_int_equal(bi->error_offset, 0);
	assert_int_equal(bi->info_phys, INFO_PHYS);
	assert_int_equal(bi->info_size, total);
	assert_string_equal(bi->cmdline, "console=serial loglevel=3 quiet");
	assert_string_equal(bi->loader, "GRUB 2.06");
	assert_true(bi->have_basic_meminfo);
	assert_int_equal(bi->mem_lower_kib, 639);
	assert_int_equal(bi->mem_upper_kib, 130048);

	assert_int_equal(bi->mmap_count, 6);
	assert_int_equal(bi->mmap[0].base, 0x0);
	assert_int_equal(bi->mmap[0].length, 0x9fc00);
	assert_int_equal(bi->mmap[0].type, BOOT_MEM_USABLE);
	assert_int_equal(bi->mmap[1].base, 0x9fc00);
	assert_int_equal(bi->mmap[1].length, 0x400);
	assert_int_equal(bi->mmap[1].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mmap[2].base, 0x100000);
	assert_int_equal(bi->mmap[2].length, 0x7ee0000);
	assert_int_equal(bi->mmap[2].type, BOOT_MEM_USABLE);
	assert_int_equal(bi->mmap[3].base, 0x7fe0000);
	assert_int_equal(bi->mmap[3].length, 0x20000);
	assert_int_equal(bi->mmap[3].type, BOOT_MEM_ACPI_RECLAIMABLE);
	assert_int_equal(bi->mmap[4].base, 0xfffc0000);
	assert_int_equal(bi->mmap[4].length, 0x40000);
	assert_int_equal(bi->mmap[4].type, BOOT_MEM_RESERVED);
	assert_int_equal(bi->mmap[5].base, 0x100000000ull);
	assert_int_equal(bi->mmap[5].length, 0x10000000);
	assert_int_equal(bi->mmap[5].type, BOOT_MEM_ACPI_NVS);

	assert_int_equal(bi->module_count, 2);
	assert_int_equal(bi->modules[0].start, 0x200000);
	assert_int_equal(bi->modules[0].end, 0x210000);
	assert_string_equal(bi->modules[0].name, "init");
	assert_int_equal(bi->modules[1].start, 0x300000);
	assert_int_equal(bi->modules[1].end, 0x300100);
	assert_string_equal(bi->modules[1].name, "fs.img ro");
}

static void test_valid_full(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;

	memset(&bi, 0x5a, sizeof(bi));
	assert_int_equal(parse(b, &bi), 0);
	check_full(&bi, b->len);
	/* Exactly the structure's bytes suffice. */
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	check_full(&bi, b->len);
	free(b);
}

static void test_valid_minimal(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;

	mb_finish(b);
	assert_int_equal(b->len, 16);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_null(bi.error);
	assert_int_equal(bi.info_size, 16);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "");
	assert_false(bi.have_basic_meminfo);
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.module_count, 0);
	free(b);
}

static void test_valid_wide_mmap_entries(void **state)
{
	static const struct ent e[] = {
		{ 0x1000, 0x2000, MB2_MEMORY_AVAILABLE },
		{ 0x5000, 0x1000, MB2_MEMORY_BADRAM },
	};
	struct mb *b = mb_new();
	struct boot_info bi;

	mb_mmap(b, 40, e, 2);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[0].base, 0x1000);
	assert_int_equal(bi.mmap[0].length, 0x2000);
	assert_int_equal(bi.mmap[1].base, 0x5000);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_BAD);
	free(b);
}

static void test_trailing_bytes_after_end_ignored(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;

	mb_string(b, MB2_TAG_CMDLINE, "a");
	mb_finish(b);
	memset(mb_bytes(b) + b->len, 0xff, 16);
	mb_cut(b, b->len + 16);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_string_equal(bi.cmdline, "a");
	free(b);
}

static void test_misaligned(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	size_t i;

	memmove(mb_bytes(b) + 4, mb_bytes(b), b->len);
	for (i = 1; i < 8; i++) {
		int rc = mb2_parse(mb_bytes(b) + i, b->len, INFO_PHYS, &bi);

		expect_fail(rc, &bi, EXO_ERR_ALIGN,
			    "information not 8-byte aligned", 0);
	}
	free(b);
}

static void test_shorter_than_header(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	size_t avail;

	for (avail = 0; avail < 8; avail++) {
		int rc = parse_tail(b->words, avail, &bi);

		expect_fail(rc, &bi, EXO_ERR_INVALID,
			    "information shorter than its header", 0);
	}
	free(b);
}

static void test_total_size_below_16(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 8, 12, 15 };
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t i;

	mb_finish(b);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put32(b, 0, sizes[i]);
		expect_fail(parse(b, &bi), &bi, EXO_ERR_INVALID,
			    "total_size below 16", 0);
	}
	free(b);
}

static void test_total_size_beyond_avail(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	size_t total = b->len;

	expect_fail(parse_tail(b->words, total - 1, &bi), &bi, EXO_ERR_INVALID,
		    "total_size beyond the readable bytes", 0);
	put32(b, 0, (uint32_t)total + 8);
	expect_fail(parse_tail(b->words, total, &bi), &bi, EXO_ERR_INVALID,
		    "total_size beyond the readable bytes", 0);
	free(b);
}

static void test_total_size_limit(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	static uint8_t filler[BOOT_INFO_MAX];

	/* One big unknown tag makes the information exactly BOOT_INFO_MAX. */
	mb_tag(b, 0x1000, filler, BOOT_INFO_MAX - 8 - 8 - 8);
	mb_finish(b);
	assert_int_equal(b->len, BOOT_INFO_MAX);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.info_size, BOOT_INFO_MAX);

	/* Eight more bytes is too big, however much is readable. */
	put32(b, 8 + 4, BOOT_INFO_MAX - 8);
	mb_finish(b);
	assert_int_equal(b->len, BOOT_INFO_MAX + 8);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_TOO_BIG,
		    "total_size above BOOT_INFO_MAX", 0);
	put32(b, 0, UINT32_MAX);
	expect_fail(parse(b, &bi), &bi, EXO_ERR_TOO_BIG,
		    "total_size above BOOT_INFO_MAX", 0);
	free(b);
}

static void test_info_phys_wraps(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	int rc;

	mb_finish(b);
	rc = mb2_parse(b->words, b->len, UINT64_MAX - 8, &bi);
	expect_fail(rc, &bi, EXO_ERR_INVALID, "information wraps past 2^64", 0);
	rc = mb2_parse(b->words, b->len, UINT64_MAX - 16, &bi);
	assert_int_equal(rc, 0);
	assert_int_equal(bi.info_phys, UINT64_MAX - 16);
	free(b);
}

static void test_tag_runs_past_total_size(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	mb_string(b, MB2_TAG_CMDLINE, "x");
	off = mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "GRUB");
	mb_finish(b);
	/* Claim exactly one byte more than is left, then much more. */
	put32(b, off + 4, (uint32_t)(b->len - off + 1));
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "tag runs past total_size", off);
	put32(b, off + 4, UINT32_MAX);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "tag runs past total_size", off);
	/* Exactly up to total_size is still inside, but leaves no end tag. */
	put32(b, off + 4, (uint32_t)(b->len - off));
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "missing end tag", b->len);
	free(b);
}

static void test_tag_header_runs_past_total_size(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	off = mb_tag(b, 0x99, NULL, 0);
	mb_finish(b);
	mb_cut(b, off + 8 + 4);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "tag header runs past total_size", off + 8);
	free(b);
}

static void test_tag_size_below_8(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 4, 7 };
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	size_t i;

	mb_string(b, MB2_TAG_CMDLINE, "a");
	off = mb_tag(b, 0x99, NULL, 0);
	mb_finish(b);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		put32(b, off + 4, sizes[i]);
		expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
			    "tag size below 8", off);
	}
	/* The end tag is held to the same rule, and to exactly 8. */
	put32(b, off + 4, 8);
	put32(b, b->len - 4, 4);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "tag size below 8", b->len - 8);
	free(b);
}

static void test_end_tag_size_not_8(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	off = mb_tag(b, MB2_TAG_END, "12345678", 8);
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "end tag size not 8", off);
	free(b);
}

/*
 * A tag whose size stops short of its type's fixed part, placed last and cut
 * at its claimed end so that reading the missing fields would overrun.
 */
static void check_truncated(uint32_t type, uint32_t size, const char *msg)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	mb_string(b, MB2_TAG_CMDLINE, "a");
	off = b->len;
	put32(b, off, type);
	put32(b, off + 4, size);
	mb_cut(b, off + size);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID, msg, off);
	free(b);
}

static void test_truncated_fixed_parts(void **state)
{
	uint32_t size;

	for (size = 8; size < 16; size++) {
		check_truncated(MB2_TAG_MODULE, size,
				"module tag shorter than 16 bytes");
		check_truncated(MB2_TAG_MMAP, size,
				"mmap tag shorter than 16 bytes");
		check_truncated(MB2_TAG_BASIC_MEMINFO, size,
				"basic memory info tag shorter than 16 bytes");
	}
}

static void test_truncated_mmap_entries(void **state)
{
	static const struct ent e[] = {
		{ 0x1000, 0x1000, MB2_MEMORY_AVAILABLE },
		{ 0x3000, 0x1000, MB2_MEMORY_AVAILABLE },
	};
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	uint32_t cut;

	mb_string(b, MB2_TAG_CMDLINE, "a");
	off = mb_mmap(b, 24, e, 2);
	/* Any size between whole entries leaves a partial entry at the end. */
	for (cut = 1; cut < 24; cut++) {
		put32(b, off + 4, 16 + 48 - cut);
		mb_cut(b, off + 16 + 48 - cut);
		expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
			    "mmap tag not a whole number of entries", off);
	}
	free(b);
}

static void test_mmap_entry_size(void **state)
{
	static const struct ent e[] = {
		{ 0x1000, 0x1000, MB2_MEMORY_AVAILABLE },
	};
	static const uint32_t below[] = { 0, 8, 16, 20, 23 };
	static const uint32_t odd[] = { 25, 28, 36, 44 };
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	size_t i;

	off = mb_mmap(b, 48, e, 1);
	mb_finish(b);
	for (i = 0; i < sizeof(below) / sizeof(below[0]); i++) {
		put32(b, off + 8, below[i]);
		expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
			    "mmap entry_size below 24", off);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		put32(b, off + 8, odd[i]);
		expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
			    "mmap entry_size not a multiple of 8", off);
	}
	/* 32 does not divide the 48 bytes of entries. */
	put32(b, off + 8, 32);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "mmap tag not a whole number of entries", off);
	/* 24 does: two entries, the second of a type nobody knows. */
	put32(b, off + 8, 24);
	put64(b, off + 16 + 24, 0x10000);
	put64(b, off + 16 + 32, 0x1000);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, 0x10000);
	assert_int_equal(bi.mmap[1].length, 0x1000);
	assert_int_equal(bi.mmap[1].type, BOOT_MEM_RESERVED);
	free(b);
}

static void test_mmap_entry_wraps(void **state)
{
	struct ent e[] = {
		{ 0x1000, 0x1000, MB2_MEMORY_AVAILABLE },
		{ UINT64_MAX - 0xfff, 0xfff, MB2_MEMORY_RESERVED },
	};
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	/* Ending at the last byte of the address space is fine. */
	off = mb_mmap(b, 24, e, 2);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_int_equal(bi.mmap[1].base, UINT64_MAX - 0xfff);

	/* One byte more and base + length wraps to 0. */
	put64(b, off + 16 + 24 + 8, 0x1000);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "mmap entry wraps past 2^64", off + 16 + 24);
	put64(b, off + 16 + 24, UINT64_MAX);
	put64(b, off + 16 + 24 + 8, UINT64_MAX);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "mmap entry wraps past 2^64", off + 16 + 24);
	free(b);
}

static void test_too_many_mmap_entries(void **state)
{
	struct ent e[BOOT_MAX_MMAP + 1];
	struct mb *b;
	struct boot_info bi;
	size_t off;
	size_t i;

	for (i = 0; i < BOOT_MAX_MMAP + 1; i++) {
		e[i].base = i * 0x1000;
		e[i].len = 0x1000;
		e[i].type = MB2_MEMORY_AVAILABLE;
	}

	b = mb_new();
	mb_mmap(b, 24, e, BOOT_MAX_MMAP);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.mmap_count, BOOT_MAX_MMAP);
	assert_int_equal(bi.mmap[BOOT_MAX_MMAP - 1].base,
			 (BOOT_MAX_MMAP - 1) * 0x1000);
	free(b);

	b = mb_new();
	off = mb_mmap(b, 24, e, BOOT_MAX_MMAP + 1);
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_TOO_BIG,
		    "more mmap entries than BOOT_MAX_MMAP",
		    off + 16 + 24 * BOOT_MAX_MMAP);
	free(b);

	/* Empty entries do not count against the table. */
	e[7].len = 0;
	b = mb_new();
	mb_mmap(b, 24, e, BOOT_MAX_MMAP + 1);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.mmap_count, BOOT_MAX_MMAP);
	free(b);
}

static void test_too_many_modules(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	uint32_t i;

	for (i = 0; i < BOOT_MAX_MODULES; i++) {
		mb_module(b, 0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "m");
	}
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_int_equal(bi.module_count, BOOT_MAX_MODULES);

	b->len -= 8;
	off = mb_module(b, 0x900000, 0x901000, "one too many");
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_TOO_BIG,
		    "more modules than BOOT_MAX_MODULES", off);
	free(b);
}

/*
 * A string tag with no NUL anywhere, placed last and cut at its end so that
 * looking past the tag for a NUL would overrun.
 */
static void check_unterminated(uint32_t type, const char *msg)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	size_t n;

	mb_meminfo(b, 1, 2);
	for (n = 0; n < 20; n++) {
		off = b->len;
		if (type == MB2_TAG_MODULE) {
			uint32_t p[2] = { 0x200000, 0x201000 };

			put32(b, off + 8, p[0]);
			put32(b, off + 12, p[1]);
			memset(mb_bytes(b) + off + 16, 'x', n);
			put32(b, off + 4, (uint32_t)(16 + n));
			mb_cut(b, off + 16 + n);
		} else {
			memset(mb_bytes(b) + off + 8, 'x', n);
			put32(b, off + 4, (uint32_t)(8 + n));
			mb_cut(b, off + 8 + n);
		}
		put32(b, off, type);
		expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID, msg,
			    off);
		b->len = off;
	}
	free(b);
}

static void test_strings_unterminated(void **state)
{
	check_unterminated(MB2_TAG_CMDLINE, "command line not NUL-terminated");
	check_unterminated(MB2_TAG_BOOT_LOADER_NAME,
			   "boot loader name not NUL-terminated");
	check_unterminated(MB2_TAG_MODULE, "module string not NUL-terminated");
}

static void test_string_nul_before_tag_end(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;

	/* Bytes after the NUL but inside the tag are ignored. */
	mb_tag(b, MB2_TAG_CMDLINE, "ab\0cd", 5);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_string_equal(bi.cmdline, "ab");
	free(b);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void check_string_limit(uint32_t type, size_t cap, const char *msg)
{
	struct boot_info bi;
	struct mb *b;
	char *s;
	size_t off;

	s = repeat('k', cap - 1);
	b = mb_new();
	if (type == MB2_TAG_MODULE) {
		mb_module(b, 0x200000, 0x201000, s);
	} else {
		mb_string(b, type, s);
	}
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	if (type == MB2_TAG_CMDLINE) {
		assert_string_equal(bi.cmdline, s);
	} else if (type == MB2_TAG_BOOT_LOADER_NAME) {
		assert_string_equal(bi.loader, s);
	} else {
		assert_string_equal(bi.modules[0].name, s);
	}
	free(b);
	free(s);

	s = repeat('k', cap);
	b = mb_new();
	if (type == MB2_TAG_MODULE) {
		off = mb_module(b, 0x200000, 0x201000, s);
	} else {
		off = mb_string(b, type, s);
	}
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_TOO_BIG, msg, off);
	free(b);
	free(s);
}

static void test_strings_too_long(void **state)
{
	check_string_limit(MB2_TAG_CMDLINE, BOOT_CMDLINE_MAX,
			   "command line longer than BOOT_CMDLINE_MAX");
	check_string_limit(MB2_TAG_BOOT_LOADER_NAME, BOOT_LOADER_MAX,
			   "boot loader name longer than BOOT_LOADER_MAX");
	check_string_limit(MB2_TAG_MODULE, BOOT_MODNAME_MAX,
			   "module string longer than BOOT_MODNAME_MAX");
}

static void test_duplicate_singletons(void **state)
{
	static const struct ent e[] = {
		{ 0x1000, 0x1000, MB2_MEMORY_AVAILABLE },
	};
	struct boot_info bi;
	struct mb *b;
	size_t off;

	b = mb_new();
	mb_string(b, MB2_TAG_CMDLINE, "a");
	mb_meminfo(b, 1, 2);
	off = mb_string(b, MB2_TAG_CMDLINE, "b");
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "duplicate command line tag", off);
	free(b);

	b = mb_new();
	mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "a");
	off = mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "a");
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "duplicate boot loader name tag", off);
	free(b);

	b = mb_new();
	mb_meminfo(b, 1, 2);
	mb_string(b, MB2_TAG_CMDLINE, "a");
	off = mb_meminfo(b, 1, 2);
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "duplicate basic memory info tag", off);
	free(b);

	b = mb_new();
	mb_mmap(b, 24, e, 1);
	off = mb_mmap(b, 24, e, 1);
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "duplicate memory map tag", off);
	free(b);

	/* An empty memory map still counts as the one memory map. */
	b = mb_new();
	mb_mmap(b, 24, e, 0);
	off = mb_mmap(b, 24, e, 1);
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "duplicate memory map tag", off);
	free(b);
}

static void test_module_end_before_start(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	off = mb_module(b, 0x200001, 0x200000, "m");
	mb_finish(b);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "module end before start", off);
	free(b);
}

struct pair {
	uint32_t a_start, a_end, b_start, b_end;
	bool overlap;
};

static void test_modules_overlap(void **state)
{
	static const struct pair cases[] = {
		{ 0x200000, 0x210000, 0x20f000, 0x220000, true },
		{ 0x200000, 0x210000, 0x1f0000, 0x200001, true },
		{ 0x200000, 0x210000, 0x200000, 0x210000, true },
		{ 0x200000, 0x210000, 0x204000, 0x205000, true },
		{ 0x204000, 0x205000, 0x200000, 0x210000, true },
		{ 0x200000, 0x210000, 0x210000, 0x220000, false },
		{ 0x210000, 0x220000, 0x200000, 0x210000, false },
		/* An empty module occupies nothing. */
		{ 0x200000, 0x210000, 0x208000, 0x208000, false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pair *c = &cases[i];
		struct mb *b = mb_new();
		struct boot_info bi;
		size_t off;
		int rc;

		mb_module(b, c->a_start, c->a_end, "a");
		mb_string(b, MB2_TAG_CMDLINE, "x");
		off = mb_module(b, c->b_start, c->b_end, "b");
		mb_finish(b);
		rc = parse_tail_mb(b, &bi);
		if (c->overlap) {
			expect_fail(rc, &bi, EXO_ERR_INVALID, "modules overlap",
				    off);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(bi.module_count, 2);
		}
		free(b);
	}
}

static void test_module_overlaps_info(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;
	uint32_t total;

	off = mb_module(b, INFO_PHYS - 0x1000, INFO_PHYS + 1, "m");
	mb_finish(b);
	total = (uint32_t)b->len;
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "module overlaps the information", off);

	/* The last byte of the information. */
	put32(b, off + 8, INFO_PHYS + total - 1);
	put32(b, off + 12, INFO_PHYS + 0x2000);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "module overlaps the information", off);

	/* Just below and just above are fine. */
	put32(b, off + 8, INFO_PHYS - 0x1000);
	put32(b, off + 12, INFO_PHYS);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	put32(b, off + 8, INFO_PHYS + total);
	put32(b, off + 12, INFO_PHYS + 0x2000);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	free(b);
}

static void test_missing_end_tag(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;
	size_t off;

	mb_string(b, MB2_TAG_CMDLINE, "console=serial");
	off = mb_string(b, MB2_TAG_BOOT_LOADER_NAME, "GRUB");
	mb_cut(b, b->len);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "missing end tag", b->len);

	/* A last tag ending unaligned: the next would start past the end. */
	assert_int_equal(off + 13, b->len - 3);
	mb_cut(b, off + 13);
	expect_fail(parse_tail_mb(b, &bi), &bi, EXO_ERR_INVALID,
		    "missing end tag", off + 16);
	free(b);
}

/* Tags the parser has no use for, with payloads of assorted lengths. */
static void add_unknown_tags(struct mb *b, size_t salt)
{
	uint8_t junk[40];

	memset(junk, 0xff, sizeof(junk));
	mb_tag(b, MB2_TAG_BOOTDEV, junk, salt % 13);
	mb_tag(b, MB2_TAG_FRAMEBUFFER, junk, (salt + 5) % 40);
	mb_tag(b, MB2_TAG_ELF_SECTIONS, junk, (salt + 9) % 40);
	mb_tag(b, MB2_TAG_ACPI_NEW, junk, (salt + 17) % 40);
	mb_tag(b, MB2_TAG_EFI_MMAP, junk, (salt + 23) % 40);
	mb_tag(b, 22, junk, (salt + 31) % 40);
	mb_tag(b, 0x80000000u, junk, (salt + 37) % 40);
	mb_tag(b, UINT32_MAX, junk, salt % 40);
}

static void test_unknown_tags_skipped(void **state)
{
	struct mb *b = mb_new();
	struct boot_info bi;

	add_unknown_tags(b, 0);
	mb_string(b, MB2_TAG_CMDLINE, "k=v");
	add_unknown_tags(b, 3);
	mb_finish(b);
	assert_int_equal(parse_tail_mb(b, &bi), 0);
	assert_string_equal(bi.cmdline, "k=v");
	assert_int_equal(bi.mmap_count, 0);
	assert_int_equal(bi.module_count, 0);
	free(b);
}

static void test_reserved_ranges(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	struct boot_range r[8];
	size_t i;

	assert_int_equal(parse(b, &bi), 0);
	memset(r, 0xee, sizeof(r));
	assert_int_equal(boot_info_reserved(&bi, r, 8), 3);
	assert_int_equal(r[0].start, INFO_PHYS);
	assert_int_equal(r[0].end, INFO_PHYS + b->len);
	assert_int_equal(r[1].start, 0x200000);
	assert_int_equal(r[1].end, 0x210000);
	assert_int_equal(r[2].start, 0x300000);
	assert_int_equal(r[2].end, 0x300100);
	for (i = 3; i < 8; i++) {
		assert_int_equal(r[i].start, 0xeeeeeeeeeeeeeeeeull);
	}

	memset(r, 0xee, sizeof(r));
	assert_int_equal(boot_info_reserved(&bi, r, 2), 2);
	assert_int_equal(r[0].start, INFO_PHYS);
	assert_int_equal(r[1].start, 0x200000);
	assert_int_equal(r[2].start, 0xeeeeeeeeeeeeeeeeull);

	assert_int_equal(boot_info_reserved(&bi, r, 0), 0);
	free(b);
}

static void test_module_lookup(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	const struct boot_module *m;

	assert_int_equal(parse(b, &bi), 0);
	m = boot_info_module(&bi, "init");
	assert_ptr_equal(m, &bi.modules[0]);
	m = boot_info_module(&bi, "fs.img ro");
	assert_ptr_equal(m, &bi.modules[1]);
	assert_int_equal(m->start, 0x300000);
	assert_null(boot_info_module(&bi, "fs.img"));
	assert_null(boot_info_module(&bi, "ini"));
	assert_null(boot_info_module(&bi, ""));
	assert_null(boot_info_module(&bi, NULL));
	free(b);
}

static void cmdline_info(struct boot_info *bi, const char *cmdline)
{
	struct mb *b = mb_new();

	mb_string(b, MB2_TAG_CMDLINE, cmdline);
	mb_finish(b);
	assert_int_equal(parse(b, bi), 0);
	free(b);
}

static void expect_key(const struct boot_info *bi, const char *key,
		       const char *want)
{
	char val[64];

	memset(val, '#', sizeof(val));
	assert_true(boot_cmdline_get(bi, key, val, sizeof(val)));
	assert_string_equal(val, want);
}

static void expect_no_key(const struct boot_info *bi, const char *key)
{
	char val[8] = "keep";

	assert_false(boot_cmdline_get(bi, key, val, sizeof(val)));
	assert_string_equal(val, "keep");
}

static void test_cmdline_get(void **state)
{
	struct boot_info bi;

	cmdline_info(&bi, "  console=serial  loglevel=7 debug log=2 "
			  "quiet= x=a=b dup=1 dup=2 ");
	expect_key(&bi, "console", "serial");
	expect_key(&bi, "loglevel", "7");
	expect_key(&bi, "debug", "");
	expect_key(&bi, "quiet", "");
	expect_key(&bi, "x", "a=b");
	expect_key(&bi, "dup", "2");
	/* A key that is a prefix of another key matches only itself. */
	expect_key(&bi, "log", "2");
	expect_no_key(&bi, "consol");
	expect_no_key(&bi, "console=");
	expect_no_key(&bi, "console=serial");
	expect_no_key(&bi, "debugx");
	expect_no_key(&bi, "deb");
	expect_no_key(&bi, "missing");
	expect_no_key(&bi, "");
	expect_no_key(&bi, "console serial");
	expect_no_key(&bi, NULL);

	/* "log" alone: the longer key must not be taken for it. */
	cmdline_info(&bi, "loglevel=7 logger");
	expect_no_key(&bi, "log");

	cmdline_info(&bi, "");
	expect_no_key(&bi, "console");
}

static void test_cmdline_get_truncates(void **state)
{
	struct boot_info bi;
	char val[8];

	cmdline_info(&bi, "console=serial,115200 flag");
	memset(val, '#', sizeof(val));
	assert_true(boot_cmdline_get(&bi, "console", val, 4));
	assert_string_equal(val, "ser");
	assert_int_equal(val[4], '#');
	assert_true(boot_cmdline_get(&bi, "console", val, 1));
	assert_string_equal(val, "");
	assert_int_equal(val[1], 'e');

	/* No room at all: only presence is reported, nothing written. */
	memset(val, '#', sizeof(val));
	assert_true(boot_cmdline_get(&bi, "console", val, 0));
	assert_int_equal(val[0], '#');
	assert_true(boot_cmdline_get(&bi, "flag", NULL, 0));
	assert_false(boot_cmdline_get(&bi, "none", NULL, 0));

	/* Exactly fits. */
	cmdline_info(&bi, "k=1234567");
	assert_true(boot_cmdline_get(&bi, "k", val, sizeof(val)));
	assert_string_equal(val, "1234567");
}

static void test_mem_type_names(void **state)
{
	assert_string_equal(boot_mem_type_name(BOOT_MEM_USABLE), "usable");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_RESERVED), "reserved");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_ACPI_RECLAIMABLE),
			    "ACPI reclaimable");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(boot_mem_type_name(BOOT_MEM_BAD), "bad");
	assert_string_equal(boot_mem_type_name(0), "reserved");
	assert_string_equal(boot_mem_type_name(6), "reserved");
	assert_string_equal(boot_mem_type_name(UINT32_MAX), "reserved");
}

/* Whether [a_start, a_end) and [b_start, b_end) share a byte. */
static bool overlap(uint64_t a_start, uint64_t a_end, uint64_t b_start,
		    uint64_t b_end)
{
	return a_start < a_end && b_start < b_end && a_start < b_end &&
	       b_start < a_end;
}

/* Whatever a parse accepted must keep bootinfo.h's promises. */
static void check_invariants(int rc, const struct boot_info *bi, size_t avail)
{
	uint32_t i;
	uint32_t j;

	if (rc != 0) {
		assert_true(rc == EXO_ERR_INVALID || rc == EXO_ERR_TOO_BIG);
		assert_non_null(bi->error);
		assert_true(bi->error_offset <= avail + 8);
		return;
	}
	assert_null(bi->error);
	assert_true(bi->info_size >= 16 && bi->info_size <= avail);
	assert_true(strnlen(bi->cmdline, BOOT_CMDLINE_MAX) < BOOT_CMDLINE_MAX);
	assert_true(strnlen(bi->loader, BOOT_LOADER_MAX) < BOOT_LOADER_MAX);
	assert_true(bi->mmap_count <= BOOT_MAX_MMAP);
	for (i = 0; i < bi->mmap_count; i++) {
		const struct boot_mem_region *r = &bi->mmap[i];

		assert_true(r->length > 0);
		assert_true(r->length <= UINT64_MAX - r->base);
		assert_true(r->type >= BOOT_MEM_USABLE &&
			    r->type <= BOOT_MEM_BAD);
	}
	assert_true(bi->module_count <= BOOT_MAX_MODULES);
	for (i = 0; i < bi->module_count; i++) {
		const struct boot_module *m = &bi->modules[i];

		assert_true(m->start <= m->end);
		assert_true(strnlen(m->name, BOOT_MODNAME_MAX) <
			    BOOT_MODNAME_MAX);
		assert_false(overlap(m->start, m->end, bi->info_phys,
				     bi->info_phys + bi->info_size));
		for (j = 0; j < i; j++) {
			assert_false(overlap(m->start, m->end,
					     bi->modules[j].start,
					     bi->modules[j].end));
		}
	}
}

/* Every byte of the valid information, overwritten with a few values. */
static void test_mutate_bytes(void **state)
{
	static const uint8_t values[] = { 0x00, 0xff, 0x07, 0x80, 0x01 };
	struct mb *b = build_full();
	size_t total = b->len;
	uint8_t *p = malloc(total);
	struct boot_info bi;
	size_t off;
	size_t v;

	assert_non_null(p);
	for (off = 0; off < total; off++) {
		for (v = 0; v < sizeof(values); v++) {
			int rc;

			memcpy(p, b->words, total);
			p[off] = values[v];
			rc = mb2_parse(p, total, INFO_PHYS, &bi);
			check_invariants(rc, &bi, total);
		}
		/* And flipping every bit of the byte at once. */
		memcpy(p, b->words, total);
		p[off] ^= 0xff;
		check_invariants(mb2_parse(p, total, INFO_PHYS, &bi), &bi,
				 total);
	}
	free(p);
	free(b);
}

/*
 * Every 32-bit field, overwritten with sizes and counts likely to hurt: each
 * of a few boundaries, one below it and one above it.
 */
static void test_mutate_words(void **state)
{
	static const uint32_t fixed[] = { 0, 8, 16, 24, 32, 0x80000000u };
	struct mb *b = build_full();
	size_t total = b->len;
	uint32_t bounds[sizeof(fixed) / sizeof(fixed[0]) + 2];
	uint8_t *p = malloc(total);
	struct boot_info bi;
	size_t nbounds = 0;
	size_t off;
	size_t i;
	int d;

	assert_non_null(p);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		bounds[nbounds++] = fixed[i];
	}
	bounds[nbounds++] = (uint32_t)total - 8;
	bounds[nbounds++] = (uint32_t)total;
	for (off = 0; off + 4 <= total; off += 4) {
		for (i = 0; i < nbounds; i++) {
			for (d = -1; d <= 1; d++) {
				uint32_t v = bounds[i] + (uint32_t)d;

				memcpy(p, b->words, total);
				memcpy(p + off, &v, 4);
				check_invariants(
					mb2_parse(p, total, INFO_PHYS, &bi),
					&bi, total);
			}
		}
	}
	free(p);
	free(b);
}

/* Fewer readable bytes than total_size: always refused, never overread. */
static void test_truncate_avail(void **state)
{
	struct mb *b = build_full();
	struct boot_info bi;
	size_t avail;

	for (avail = 0; avail < b->len; avail++) {
		assert_int_not_equal(parse_tail(b->words, avail, &bi), 0);
		assert_non_null(bi.error);
	}
	assert_int_equal(parse_tail(b->words, b->len, &bi), 0);
	free(b);
}

/* total_size itself cut short, with exactly that much readable. */
static void test_truncate_total_size(void **state)
{
	struct mb *b = build_full();
	size_t total = b->len;
	struct boot_info bi;
	size_t cut;

	for (cut = 0; cut < total; cut++) {
		int rc;

		put32(b, 0, (uint32_t)cut);
		rc = parse_tail(b->words, cut, &bi);
		assert_int_not_equal(rc, 0);
		check_invariants(rc, &bi, cut);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_valid_minimal),
		cmocka_unit_test(test_valid_wide_mmap_entries),
		cmocka_unit_test(test_trailing_bytes_after_end_ignored),
		cmocka_unit_test(test_misaligned),
		cmocka_unit_test(test_shorter_than_header),
		cmocka_unit_test(test_total_size_below_16),
		cmocka_unit_test(test_total_size_beyond_avail),
		cmocka_unit_test(test_total_size_limit),
		cmocka_unit_test(test_info_phys_wraps),
		cmocka_unit_test(test_tag_runs_past_total_size),
		cmocka_unit_test(test_tag_header_runs_past_total_size),
		cmocka_unit_test(test_tag_size_below_8),
		cmocka_unit_test(test_end_tag_size_not_8),
		cmocka_unit_test(test_truncated_fixed_parts),
		cmocka_unit_test(test_truncated_mmap_entries),
		cmocka_unit_test(test_mmap_entry_size),
		cmocka_unit_test(test_mmap_entry_wraps),
		cmocka_unit_test(test_too_many_mmap_entries),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_strings_unterminated),
		cmocka_unit_test(test_string_nul_before_tag_end),
		cmocka_unit_test(test_strings_too_long),
		cmocka_unit_test(test_duplicate_singletons),
		cmocka_unit_test(test_module_end_before_start),
		cmocka_unit_test(test_modules_overlap),
		cmocka_unit_test(test_module_overlaps_info),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_unknown_tags_skipped),
		cmocka_unit_test(test_reserved_ranges),
		cmocka_unit_test(test_module_lookup),
		cmocka_unit_test(test_cmdline_get),
		cmocka_unit_test(test_cmdline_get_truncates),
		cmocka_unit_test(test_mem_type_names),
		cmocka_unit_test(test_mutate_bytes),
		cmocka_unit_test(test_mutate_words),
		cmocka_unit_test(test_truncate_avail),
		cmocka_unit_test(test_truncate_total_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
