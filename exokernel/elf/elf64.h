/* SPDX-License-Identifier: MIT */
/*
 * The ELF64 file header and program header as they lie in an executable,
 * and the constants elf.c checks them against. Only elf.c reads these; the
 * rest of the kernel sees the checked description in struct elf_image
 * (elf.h). Section headers are never consulted, so they are not described.
 *
 * Every field is naturally aligned within its structure, so the layouts
 * need no packing; the assertions below pin them to the ELF specification.
 * Multi-byte fields are in the byte order e_ident[EI_DATA] names, which
 * elf.c requires to be little-endian.
 */
#ifndef ELF_ELF64_H
#define ELF_ELF64_H

#include <stddef.h>
#include <stdint.h>

/* Indices into e_ident. */
#define EI_MAG0 0
#define EI_MAG1 1
#define EI_MAG2 2
#define EI_MAG3 3
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define EI_NIDENT 16

/* e_ident[EI_MAG0..EI_MAG3]: "\177ELF". */
#define ELFMAG0 0x7f
#define ELFMAG1 'E'
#define ELFMAG2 'L'
#define ELFMAG3 'F'

#define ELFCLASS32 1
#define ELFCLASS64 2

#define ELFDATA2LSB 1 /* little-endian */
#define ELFDATA2MSB 2 /* big-endian */

/* e_ident[EI_VERSION] and e_version. */
#define EV_CURRENT 1

/* e_type. */
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4

/* e_machine. */
#define EM_386 3
#define EM_X86_64 62

/* e_phnum value meaning "the real count is in section header 0". */
#define PN_XNUM 0xffff

/* p_type. */
#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_SHLIB 5
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_EH_FRAME 0x6474e550u
#define PT_GNU_STACK 0x6474e551u
#define PT_GNU_RELRO 0x6474e552u

/* p_flags. */
#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

/* The file header, at offset 0 of every ELF file. */
struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type; /* ET_* */
	uint16_t e_machine; /* EM_* */
	uint32_t e_version; /* EV_CURRENT */
	uint64_t e_entry; /* virtual address of the first instruction */
	uint64_t e_phoff; /* file offset of the program header table */
	uint64_t e_shoff; /* file offset of the section header table */
	uint32_t e_flags; /* none are defined for x86-64 */
	uint16_t e_ehsize; /* bytes in this header */
	uint16_t e_phentsize; /* bytes per program header */
	uint16_t e_phnum; /* program headers in the table */
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

/* One entry of the program header table: a segment, or other information. */
struct elf64_phdr {
	uint32_t p_type; /* PT_* */
	uint32_t p_flags; /* PF_* */
	uint64_t p_offset; /* file offset of the segment's first byte */
	uint64_t p_vaddr; /* virtual address of that byte in memory */
	uint64_t p_paddr; /* unused for user programs */
	uint64_t p_filesz; /* bytes taken from the file */
	uint64_t p_memsz; /* bytes in memory; those past p_filesz are zero */
	uint64_t p_align; /* 0 or 1 (none), or a power of two */
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "elf64 ehdr");
_Static_assert(offsetof(struct elf64_ehdr, e_ident) == 0, "elf64 e_ident");
_Static_assert(offsetof(struct elf64_ehdr, e_type) == 16, "elf64 e_type");
_Static_assert(offsetof(struct elf64_ehdr, e_machine) == 18, "elf64 e_machine");
_Static_assert(offsetof(struct elf64_ehdr, e_version) == 20, "elf64 e_version");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "elf64 e_entry");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "elf64 e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, e_shoff) == 40, "elf64 e_shoff");
_Static_assert(offsetof(struct elf64_ehdr, e_flags) == 48, "elf64 e_flags");
_Static_assert(offsetof(struct elf64_ehdr, e_ehsize) == 52, "elf64 e_ehsize");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54,
	       "elf64 e_phentsize");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "elf64 e_phnum");
_Static_assert(offsetof(struct elf64_ehdr, e_shentsize) == 58,
	       "elf64 e_shentsize");
_Static_assert(offsetof(struct elf64_ehdr, e_shnum) == 60, "elf64 e_shnum");
_Static_assert(offsetof(struct elf64_ehdr, e_shstrndx) == 62,
	       "elf64 e_shstrndx");

_Static_assert(sizeof(struct elf64_phdr) == 56, "elf64 phdr");
_Static_assert(offsetof(struct elf64_phdr, p_type) == 0, "elf64 p_type");
_Static_assert(offsetof(struct elf64_phdr, p_flags) == 4, "elf64 p_flags");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "elf64 p_offset");
_Static_assert(offsetof(struct elf64_phdr, p_vaddr) == 16, "elf64 p_vaddr");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "elf64 p_paddr");
_Static_assert(offsetof(struct elf64_phdr, p_filesz) == 32, "elf64 p_filesz");
_Static_assert(offsetof(struct elf64_phdr, p_memsz) == 40, "elf64 p_memsz");
_Static_assert(offsetof(struct elf64_phdr, p_align) == 48, "elf64 p_align");

#endif
