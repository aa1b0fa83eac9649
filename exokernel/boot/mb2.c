/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 information parser.
 *
 * The information comes from the boot loader and is the first untrusted
 * input the kernel sees, so it is read defensively: every offset is computed
 * in 64 bits from values already checked to lie inside total_size, and every
 * field is fetched with memcpy so that nothing depends on the loader having
 * honoured alignment inside a tag. total_size itself is at most
 * BOOT_INFO_MAX, which keeps every sum below far from overflowing; the only
 * 64-bit quantities that could wrap (memory map ranges, the information's
 * own physical range) are checked explicitly.
 *
 * Results are written into @out as the walk goes; any failure wipes @out
 * again so a caller can never act on half a parse.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "bootinfo.h"
#include "multiboot2.h"

/* The smallest information: its header followed directly by an end tag. */
#define MB2_INFO_MIN (sizeof(struct mb2_info_header) + sizeof(struct mb2_tag))

/* boot_mem_type promises Multiboot2's numbering; keep the two in step. */
_Static_assert(BOOT_MEM_USABLE == MB2_MEMORY_AVAILABLE, "usable");
_Static_assert(BOOT_MEM_RESERVED == MB2_MEMORY_RESERVED, "reserved");
_Static_assert(BOOT_MEM_ACPI_RECLAIMABLE == MB2_MEMORY_ACPI_RECLAIMABLE,
	       "ACPI reclaimable");
_Static_assert(BOOT_MEM_ACPI_NVS == MB2_MEMORY_NVS, "ACPI NVS");
_Static_assert(BOOT_MEM_BAD == MB2_MEMORY_BADRAM, "bad");

/* error_offset is 32 bits; every offset we report is at most this. */
_Static_assert(BOOT_INFO_MAX + MB2_TAG_ALIGN <= UINT32_MAX, "error_offset");

struct parse {
	const uint8_t *base;
	uint32_t total; /* total_size, already checked against avail */
	struct boot_info *out;
	bool seen_cmdline;
	bool seen_loader;
	bool seen_meminfo;
	bool seen_mmap;
};

static uint32_t rd32(const uint8_t *base, uint64_t off)
{
	uint32_t v;

	memcpy(&v, base + off, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *base, uint64_t off)
{
	uint64_t v;

	memcpy(&v, base + off, sizeof(v));
	return v;
}

static int fail(struct boot_info *out, int err, const char *msg, uint64_t off)
{
	memset(out, 0, sizeof(*out));
	out->error = msg;
	out->error_offset = (uint32_t)off;
	return err;
}

/* An empty range holds no byte, so it overlaps nothing, even inside another. */
static bool ranges_overlap(uint64_t a_start, uint64_t a_end, uint64_t b_start,
			   uint64_t b_end)
{
	return a_start < a_end && b_start < b_end && a_start < b_end &&
	       b_start < a_end;
}

/*
 * Copy the string that fills the tag at @off (from byte @skip to the tag's
 * end) into @dst. strnlen bounded by the tag is what keeps a missing NUL
 * from walking into the next tag or past the buffer.
 */
static int take_string(struct parse *p, uint64_t off, uint32_t size,
		       uint32_t skip, char *dst, size_t cap,
		       const char *unterminated, const char *too_long)
{
	const char *s = (const char *)(p->base + off + skip);
	size_t n = size - skip;
	size_t len = strnlen(s, n);

	if (len == n) {
		return fail(p->out, EXO_ERR_INVALID, unterminated, off);
	}
	if (len >= cap) {
		return fail(p->out, EXO_ERR_TOO_BIG, too_long, off);
	}
	memcpy(dst, s, len + 1);
	return 0;
}

static int parse_module(struct parse *p, uint64_t off, uint32_t size)
{
	struct boot_info *out = p->out;
	struct boot_module *mod;
	uint64_t start;
	uint64_t end;
	uint32_t i;
	int err;

	if (size < sizeof(struct mb2_tag_module)) {
		return fail(out, EXO_ERR_INVALID,
			    "module tag shorter than 16 bytes", off);
	}
	if (out->module_count >= BOOT_MAX_MODULES) {
		return fail(out, EXO_ERR_TOO_BIG,
			    "more modules than BOOT_MAX_MODULES", off);
	}
	start = rd32(p->base, off + offsetof(struct mb2_tag_module, mod_start));
	end = rd32(p->base, off + offsetof(struct mb2_tag_module, mod_end));
	if (end < start) {
		return fail(out, EXO_ERR_INVALID, "module end before start",
			    off);
	}
	mod = &out->modules[out->module_count];
	err = take_string(p, off, size, offsetof(struct mb2_tag_module, string),
			  mod->name, sizeof(mod->name),
			  "module string not NUL-terminated",
			  "module string longer than BOOT_MODNAME_MAX");
	if (err) {
		return err;
	}
	/*
	 * The frame allocator will treat modules and the information as
	 * reserved ranges; an overlap means the loader's bookkeeping is
	 * wrong and one of them has already been clobbered.
	 */
	if (ranges_overlap(start, end, out->info_phys,
			   out->info_phys + out->info_size)) {
		return fail(out, EXO_ERR_INVALID,
			    "module overlaps the information", off);
	}
	for (i = 0; i < out->module_count; i++) {
		if (ranges_overlap(start, end, out->modules[i].start,
				   out->modules[i].end)) {
			return fail(out, EXO_ERR_INVALID, "modules overlap",
				    off);
		}
	}
	mod->start = start;
	mod->end = end;
	out->module_count++;
	return 0;
}

static int parse_meminfo(struct parse *p, uint64_t off, uint32_t size)
{
	if (p->seen_meminfo) {
		return fail(p->out, EXO_ERR_INVALID,
			    "duplicate basic memory info tag", off);
	}
	p->seen_meminfo = true;
	if (size < sizeof(struct mb2_tag_basic_meminfo)) {
		return fail(p->out, EXO_ERR_INVALID,
			    "basic memory info tag shorter than 16 bytes", off);
	}
	p->out->have_basic_meminfo = true;
	p->out->mem_lower_kib =
		rd32(p->base,
		     off + offsetof(struct mb2_tag_basic_meminfo, mem_lower));
	p->out->mem_upper_kib =
		rd32(p->base,
		     off + offsetof(struct mb2_tag_basic_meminfo, mem_upper));
	return 0;
}

/* Types the kernel does not know are reserved: never hand them out. */
static uint32_t mem_type(uint32_t mb2_type)
{
	switch (mb2_type) {
	case MB2_MEMORY_AVAILABLE:
	case MB2_MEMORY_RESERVED:
	case MB2_MEMORY_ACPI_RECLAIMABLE:
	case MB2_MEMORY_NVS:
	case MB2_MEMORY_BADRAM:
		return mb2_type;
	default:
		return BOOT_MEM_RESERVED;
	}
}

static int parse_mmap(struct parse *p, uint64_t off, uint32_t size)
{
	struct boot_info *out = p->out;
	const uint64_t hdr = sizeof(struct mb2_tag_mmap);
	uint32_t entry_size;
	uint64_t e;

	if (p->seen_mmap) {
		return fail(out, EXO_ERR_INVALID, "duplicate memory map tag",
			    off);
	}
	p->seen_mmap = true;
	if (size < hdr) {
		return fail(out, EXO_ERR_INVALID,
			    "mmap tag shorter than 16 bytes", off);
	}
	entry_size =
		rd32(p->base, off + offsetof(struct mb2_tag_mmap, entry_size));
	if (entry_size < sizeof(struct mb2_mmap_entry)) {
		return fail(out, EXO_ERR_INVALID, "mmap entry_size below 24",
			    off);
	}
	if (entry_size % 8 != 0) {
		return fail(out, EXO_ERR_INVALID,
			    "mmap entry_size not a multiple of 8", off);
	}
	/*
	 * A ragged tail would be a partial entry; rather than guess what the
	 * loader meant, refuse the map.
	 */
	if ((size - hdr) % entry_size != 0) {
		return fail(out, EXO_ERR_INVALID,
			    "mmap tag not a whole number of entries", off);
	}
	for (e = off + hdr; e < off + size; e += entry_size) {
		uint64_t base =
			rd64(p->base,
			     e + offsetof(struct mb2_mmap_entry, base_addr));
		uint64_t len = rd64(
			p->base, e + offsetof(struct mb2_mmap_entry, length));
		uint32_t type = rd32(p->base,
				     e + offsetof(struct mb2_mmap_entry, type));
		struct boot_mem_region *r;

		/* Firmware does emit empty entries; they describe nothing. */
		if (len == 0) {
			continue;
		}
		if (len > UINT64_MAX - base) {
			return fail(out, EXO_ERR_INVALID,
				    "mmap entry wraps past 2^64", e);
		}
		if (out->mmap_count >= BOOT_MAX_MMAP) {
			return fail(out, EXO_ERR_TOO_BIG,
				    "more mmap entries than BOOT_MAX_MMAP", e);
		}
		r = &out->mmap[out->mmap_count++];
		r->base = base;
		r->length = len;
		r->type = mem_type(type);
	}
	return 0;
}

static int parse_tag(struct parse *p, uint64_t off, uint32_t type,
		     uint32_t size)
{
	struct boot_info *out = p->out;

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (p->seen_cmdline) {
			return fail(out, EXO_ERR_INVALID,
				    "duplicate command line tag", off);
		}
		p->seen_cmdline = true;
		return take_string(p, off, size,
				   offsetof(struct mb2_tag_string, string),
				   out->cmdline, sizeof(out->cmdline),
				   "command line not NUL-terminated",
				   "command line longer than BOOT_CMDLINE_MAX");
	case MB2_TAG_BOOT_LOADER_NAME:
		if (p->seen_loader) {
			return fail(out, EXO_ERR_INVALID,
				    "duplicate boot loader name tag", off);
		}
		p->seen_loader = true;
		return take_string(
			p, off, size, offsetof(struct mb2_tag_string, string),
			out->loader, sizeof(out->loader),
			"boot loader name not NUL-terminated",
			"boot loader name longer than BOOT_LOADER_MAX");
	case MB2_TAG_MODULE:
		return parse_module(p, off, size);
	case MB2_TAG_BASIC_MEMINFO:
		return parse_meminfo(p, off, size);
	case MB2_TAG_MMAP:
		return parse_mmap(p, off, size);
	default:
		/* Tags the kernel has no use for, known or not. */
		return 0;
	}
}

int mb2_parse(const void *info, size_t avail, uint64_t info_phys,
	      struct boot_info *out)
{
	struct parse p = {
		.base = info,
		.out = out,
	};
	uint64_t off;
	uint32_t type;
	uint32_t size;
	int err;

	memset(out, 0, sizeof(*out));
	if ((uintptr_t)info % MB2_TAG_ALIGN != 0) {
		return fail(out, EXO_ERR_ALIGN,
			    "information not 8-byte aligned", 0);
	}
	if (avail < sizeof(struct mb2_info_header)) {
		return fail(out, EXO_ERR_INVALID,
			    "information shorter than its header", 0);
	}
	p.total = rd32(p.base, offsetof(struct mb2_info_header, total_size));
	if (p.total < MB2_INFO_MIN) {
		return fail(out, EXO_ERR_INVALID, "total_size below 16", 0);
	}
	if (p.total > BOOT_INFO_MAX) {
		return fail(out, EXO_ERR_TOO_BIG,
			    "total_size above BOOT_INFO_MAX", 0);
	}
	if (p.total > avail) {
		return fail(out, EXO_ERR_INVALID,
			    "total_size beyond the readable bytes", 0);
	}
	if (info_phys > UINT64_MAX - p.total) {
		return fail(out, EXO_ERR_INVALID, "information wraps past 2^64",
			    0);
	}
	out->info_phys = info_phys;
	out->info_size = p.total;

	/*
	 * Tags are found only by rounding up after the previous one, so each
	 * starts 8-aligned by construction. Each tag is at least 8 bytes, so
	 * the walk ends within total_size / 8 steps.
	 */
	for (off = sizeof(struct mb2_info_header);;) {
		if (off >= p.total) {
			return fail(out, EXO_ERR_INVALID, "missing end tag",
				    off);
		}
		if (p.total - off < sizeof(struct mb2_tag)) {
			return fail(out, EXO_ERR_INVALID,
				    "tag header runs past total_size", off);
		}
		type = rd32(p.base, off + offsetof(struct mb2_tag, type));
		size = rd32(p.base, off + offsetof(struct mb2_tag, size));
		if (size < sizeof(struct mb2_tag)) {
			return fail(out, EXO_ERR_INVALID, "tag size below 8",
				    off);
		}
		if (size > p.total - off) {
			return fail(out, EXO_ERR_INVALID,
				    "tag runs past total_size", off);
		}
		if (type == MB2_TAG_END) {
			if (size != sizeof(struct mb2_tag)) {
				return fail(out, EXO_ERR_INVALID,
					    "end tag size not 8", off);
			}
			break;
		}
		err = parse_tag(&p, off, type, size);
		if (err) {
			return err;
		}
		off = (off + size + MB2_TAG_ALIGN - 1) &
		      ~(uint64_t)(MB2_TAG_ALIGN - 1);
	}

	out->error = NULL;
	out->error_offset = 0;
	return 0;
}

size_t boot_info_reserved(const struct boot_info *bi, struct boot_range *out,
			  size_t max)
{
	size_t n = 0;
	uint32_t i;

	if (n < max) {
		out[n].start = bi->info_phys;
		out[n].end = bi->info_phys + bi->info_size;
		n++;
	}
	for (i = 0; i < bi->module_count && n < max; i++) {
		out[n].start = bi->modules[i].start;
		out[n].end = bi->modules[i].end;
		n++;
	}
	return n;
}

const struct boot_module *boot_info_module(const struct boot_info *bi,
					   const char *name)
{
	uint32_t i;

	if (!name) {
		return NULL;
	}
	for (i = 0; i < bi->module_count; i++) {
		if (strcmp(bi->modules[i].name, name) == 0) {
			return &bi->modules[i];
		}
	}
	return NULL;
}

bool boot_cmdline_get(const struct boot_info *bi, const char *key, char *val,
		      size_t len)
{
	const char *s = bi->cmdline;
	const char *end = s + strnlen(s, sizeof(bi->cmdline));
	const char *found = NULL;
	size_t found_len = 0;
	size_t klen;

	/* A key holding '=' or ' ' could match across word boundaries. */
	if (!key || key[0] == '\0' || strchr(key, '=') || strchr(key, ' ')) {
		return false;
	}
	klen = strlen(key);
	while (s < end) {
		const char *w;
		size_t wlen;

		while (s < end && *s == ' ') {
			s++;
		}
		w = s;
		while (s < end && *s != ' ') {
			s++;
		}
		wlen = (size_t)(s - w);
		/*
		 * Match the whole key only: "log" must not find "loglevel=7".
		 * Later words win, so an appended option overrides.
		 */
		if (wlen < klen || strncmp(w, key, klen) != 0) {
			continue;
		}
		if (wlen == klen) {
			found = w + wlen;
			found_len = 0;
		} else if (w[klen] == '=') {
			found = w + klen + 1;
			found_len = wlen - klen - 1;
		}
	}
	if (!found) {
		return false;
	}
	if (len > 0) {
		if (found_len > len - 1) {
			found_len = len - 1;
		}
		memcpy(val, found, found_len);
		val[found_len] = '\0';
	}
	return true;
}

const char *boot_mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:
		return "usable";
	case BOOT_MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS:
		return "ACPI NVS";
	case BOOT_MEM_BAD:
		return "bad";
	case BOOT_MEM_RESERVED:
	default:
		return "reserved";
	}
}
