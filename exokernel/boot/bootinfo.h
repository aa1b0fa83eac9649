/* SPDX-License-Identifier: MIT */
/*
 * What the kernel learns from its boot loader, parsed and checked once from
 * the Multiboot2 information structure into fixed-size tables. Nothing else
 * in the kernel reads the raw Multiboot2 information.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_MAX_MMAP 128
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 256
#define BOOT_LOADER_MAX 64
#define BOOT_MODNAME_MAX 64
/* Largest Multiboot2 information structure accepted, in bytes. */
#define BOOT_INFO_MAX (64 * 1024)

/* Memory region types, numbered as in Multiboot2. Others read as reserved. */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIMABLE = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_mem_region {
	uint64_t base;
	uint64_t length; /* > 0; base + length does not overflow */
	uint32_t type; /* enum boot_mem_type; unknown types become reserved */
};

struct boot_module {
	uint64_t start; /* physical, inclusive */
	uint64_t end; /* physical, exclusive; start <= end */
	char name[BOOT_MODNAME_MAX]; /* the module's command line, NUL-ended */
};

/* A physical range [start, end) that must never be handed out as free. */
struct boot_range {
	uint64_t start;
	uint64_t end;
};

struct boot_info {
	uint64_t info_phys; /* where the Multiboot2 information lies */
	uint32_t info_size; /* its total_size */
	char cmdline[BOOT_CMDLINE_MAX]; /* empty when the loader gave none */
	char loader[BOOT_LOADER_MAX]; /* boot loader name, or empty */
	bool have_basic_meminfo;
	uint32_t mem_lower_kib;
	uint32_t mem_upper_kib;
	uint32_t mmap_count;
	struct boot_mem_region mmap[BOOT_MAX_MMAP];
	uint32_t module_count;
	struct boot_module modules[BOOT_MAX_MODULES];
	/* On failure: a fixed message naming the rule broken, and where. */
	const char *error;
	uint32_t error_offset; /* byte offset of the tag or mmap entry */
};

/*
 * mb2_parse - check and parse a Multiboot2 information structure.
 * @info:      the structure's bytes, readable for @avail bytes
 * @avail:     how many bytes may be read at @info (the caller's bound)
 * @info_phys: the structure's physical address, recorded in @out
 * @out:       filled on success; on failure only ->error and ->error_offset
 *             are meaningful
 *
 * Never reads outside [@info, @info + @avail) and never past total_size.
 * @info must be 8-byte aligned; total_size must be at least 16, at most
 * @avail and BOOT_INFO_MAX, and [@info_phys, @info_phys + total_size) must
 * not wrap. Each tag starts at the next 8-byte boundary after the previous
 * one, must be at least 8 bytes long, lie wholly inside total_size, and be
 * at least as long as its type's fixed part; the list must end with an end
 * tag of size 8 (bytes after it are ignored). Strings must be
 * NUL-terminated inside their tag. Memory-map entries must be at least 24
 * bytes, a multiple of 8, fill the tag exactly, and not wrap around; entries
 * of length 0 are dropped and unknown types are recorded as reserved.
 * Modules must have start <= end and must not overlap each other or the
 * information itself. Singleton tags (command line, loader name, memory
 * map, basic memory info) may appear at most once. Unknown tags are skipped.
 *
 * On failure @out is zeroed except ->error and ->error_offset, which is 0
 * for faults in the fixed header, the offending mmap entry's offset for
 * faults in one entry, and otherwise the offending tag's offset (for a
 * missing end tag, where it was expected).
 *
 * Return: 0, or EXO_ERR_INVALID (malformed; see @out->error),
 * EXO_ERR_TOO_BIG (more entries than the fixed tables hold, or a string
 * longer than its field, or total_size above BOOT_INFO_MAX),
 * EXO_ERR_ALIGN (@info not 8-byte aligned).
 */
int mb2_parse(const void *info, size_t avail, uint64_t info_phys,
	      struct boot_info *out);

/*
 * boot_info_reserved - physical ranges the boot loader put data in: the
 * information structure itself and every module, in that order.
 * Return: how many ranges were written to @out (at most @max).
 */
size_t boot_info_reserved(const struct boot_info *bi, struct boot_range *out,
			  size_t max);

/*
 * boot_info_module - the module whose name is @name, or NULL.
 */
const struct boot_module *boot_info_module(const struct boot_info *bi,
					   const char *name);

/*
 * boot_cmdline_get - look up "key=value" or a bare "key" in the command line.
 * Words are separated by spaces; only a whole key matches, so "log" does not
 * find "loglevel=7". If the key appears more than once the last one wins.
 * When found, copies the value (empty for a bare key) into @val,
 * NUL-terminated and truncated to @len bytes including the NUL; nothing is
 * written when @len is 0. When absent, @val is left untouched. An empty key
 * or one containing '=' or ' ' is never present.
 * Return: true if the key is present.
 */
bool boot_cmdline_get(const struct boot_info *bi, const char *key, char *val,
		      size_t len);

/* A short name for a memory type ("usable", "reserved", "ACPI", ...). */
const char *boot_mem_type_name(uint32_t type);

#endif
