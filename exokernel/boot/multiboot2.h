/* SPDX-License-Identifier: MIT */
/*
 * The Multiboot2 boot information as the boot loader lays it out in memory:
 * an 8-byte fixed header, then tags, each starting on an 8-byte boundary and
 * the last one an end tag. Only mb2.c reads these; the rest of the kernel
 * sees the checked copy in struct boot_info (bootinfo.h).
 *
 * Every field is little-endian and naturally aligned, so the structures need
 * no packing; the assertions below pin that layout.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

/* What a Multiboot2 loader leaves in %eax when it enters the kernel. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tags start on this boundary, relative to the start of the information. */
#define MB2_TAG_ALIGN 8

/* Tag types. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOT_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_VBE 7
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE_ADDR 21

/* Memory map entry types. */
#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_RESERVED 2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS 4
#define MB2_MEMORY_BADRAM 5

/* The fixed part at the start of the information. */
struct mb2_info_header {
	uint32_t total_size; /* bytes, including this header and the end tag */
	uint32_t reserved;
};

/* The header every tag starts with. */
struct mb2_tag {
	uint32_t type; /* MB2_TAG_* */
	uint32_t size; /* bytes, including this header, excluding padding */
};

/* MB2_TAG_CMDLINE and MB2_TAG_BOOT_LOADER_NAME. */
struct mb2_tag_string {
	uint32_t type;
	uint32_t size;
	char string[]; /* NUL-terminated */
};

/* MB2_TAG_MODULE: one module the loader put in memory. */
struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start; /* physical, inclusive */
	uint32_t mod_end; /* physical, exclusive */
	char string[]; /* the module's command line, NUL-terminated */
};

/* MB2_TAG_BASIC_MEMINFO: memory below 1 MiB and above 1 MiB, in KiB. */
struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower;
	uint32_t mem_upper;
};

/* One entry of the memory map; entries may be longer (entry_size). */
struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type; /* MB2_MEMORY_* */
	uint32_t reserved;
};

/* MB2_TAG_MMAP: the BIOS or firmware memory map. */
struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size; /* bytes per entry, a multiple of 8, >= 24 */
	uint32_t entry_version; /* 0; later versions stay compatible */
	struct mb2_mmap_entry entries[];
};

_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2 info header");
_Static_assert(offsetof(struct mb2_info_header, total_size) == 0,
	       "mb2 total_size");

_Static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag header");
_Static_assert(offsetof(struct mb2_tag, type) == 0, "mb2 tag type");
_Static_assert(offsetof(struct mb2_tag, size) == 4, "mb2 tag size");

_Static_assert(sizeof(struct mb2_tag_string) == 8, "mb2 string tag");
_Static_assert(offsetof(struct mb2_tag_string, string) == 8,
	       "mb2 string tag string");

_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag");
_Static_assert(offsetof(struct mb2_tag_module, mod_start) == 8,
	       "mb2 module mod_start");
_Static_assert(offsetof(struct mb2_tag_module, mod_end) == 12,
	       "mb2 module mod_end");
_Static_assert(offsetof(struct mb2_tag_module, string) == 16,
	       "mb2 module string");

_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16,
	       "mb2 basic meminfo tag");
_Static_assert(offsetof(struct mb2_tag_basic_meminfo, mem_lower) == 8,
	       "mb2 basic meminfo mem_lower");
_Static_assert(offsetof(struct mb2_tag_basic_meminfo, mem_upper) == 12,
	       "mb2 basic meminfo mem_upper");

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");
_Static_assert(offsetof(struct mb2_mmap_entry, base_addr) == 0,
	       "mb2 mmap entry base_addr");
_Static_assert(offsetof(struct mb2_mmap_entry, length) == 8,
	       "mb2 mmap entry length");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16,
	       "mb2 mmap entry type");

_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_size) == 8,
	       "mb2 mmap entry_size");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_version) == 12,
	       "mb2 mmap entry_version");
_Static_assert(offsetof(struct mb2_tag_mmap, entries) == 16,
	       "mb2 mmap entries");

#endif
