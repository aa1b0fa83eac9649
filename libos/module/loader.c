/* SPDX-License-Identifier: MIT */
/*
 * Loading a module image. The file is untrusted: every header, table,
 * offset and address is checked against the bytes that exist before it
 * is used, and every refusal names its rule. Dynamic tables are read from
 * the file itself (never from the mapped copy, which the module could
 * have changed by the time module_image_reset runs).
 *
 * Pure logic: the pages come from a struct module_map_ops, so this file
 * builds for the libOS and for the host unit tests.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/module_loader.h>

#include "elf/elf64.h"

#define PAGE 4096ul

/* Dynamic section tags and relocation types the loader knows. */
#define DT_NULL 0
#define DT_NEEDED 1
#define DT_PLTRELSZ 2
#define DT_HASH 4
#define DT_STRTAB 5
#define DT_SYMTAB 6
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_STRSZ 10
#define DT_SYMENT 11
#define DT_INIT 12
#define DT_REL 17
#define DT_PLTREL 20
#define DT_TEXTREL 22
#define DT_JMPREL 23
#define DT_INIT_ARRAY 25
#define DT_FLAGS 30
#define DF_TEXTREL 0x4

#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_GLOB_DAT 6
#define R_X86_64_JUMP_SLOT 7
#define R_X86_64_RELATIVE 8

#define SHN_UNDEF 0
#define SHN_ABS 0xfff1

struct elf64_dyn {
	int64_t d_tag;
	uint64_t d_val;
};

struct elf64_sym {
	uint32_t st_name;
	uint8_t st_info;
	uint8_t st_other;
	uint16_t st_shndx;
	uint64_t st_value;
	uint64_t st_size;
};

struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};

_Static_assert(sizeof(struct elf64_dyn) == 16, "dyn");
_Static_assert(sizeof(struct elf64_sym) == 24, "sym");
_Static_assert(sizeof(struct elf64_rela) == 24, "rela");

/* What the dynamic section says, as file offsets checked in bounds. */
struct dyn_info {
	uint64_t symtab, nsyms; /* offset, count */
	uint64_t strtab, strsz;
	uint64_t rela, relasz;
	uint64_t jmprel, pltrelsz;
};

static int refuse(struct module_image *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct module_image *m, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	return err;
}

static uint64_t round_up(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

/* Is [off, off + len) inside [0, size) without wrapping? */
static int in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* The file offset holding the image's address @va for @len bytes, if the
 * whole range lies in one segment's file bytes. */
static int va_to_off(const struct module_image *m, uint64_t va, uint64_t len,
		     uint64_t *off)
{
	for (uint32_t i = 0; i < m->nseg; i++) {
		const struct module_segment *s = &m->seg[i];

		if (va >= s->vaddr && va - s->vaddr <= s->filesz &&
		    len <= s->filesz - (va - s->vaddr)) {
			*off = s->offset + (va - s->vaddr);
			return 1;
		}
	}
	return 0;
}

/* Does [va, va + len) lie inside one segment's memory? With @prot, one
 * whose rights include it. */
static int va_in_seg(const struct module_image *m, uint64_t va, uint64_t len,
		     uint32_t prot)
{
	for (uint32_t i = 0; i < m->nseg; i++) {
		const struct module_segment *s = &m->seg[i];

		if (va >= s->vaddr && va - s->vaddr <= s->memsz &&
		    len <= s->memsz - (va - s->vaddr) &&
		    (s->prot & prot) == prot) {
			return 1;
		}
	}
	return 0;
}

static int check_ehdr(struct module_image *m, const uint8_t *f, uint64_t size,
		      struct elf64_ehdr *eh)
{
	if (size < sizeof(*eh)) {
		return refuse(m, EXO_ERR_INVALID,
			      "truncated: %lu bytes, no ELF header",
			      (unsigned long)size);
	}
	memcpy(eh, f, sizeof(*eh));
	if (eh->e_ident[EI_MAG0] != ELFMAG0 ||
	    eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 ||
	    eh->e_ident[EI_MAG3] != ELFMAG3) {
		return refuse(m, EXO_ERR_INVALID, "bad magic: not an ELF file");
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		return refuse(m, EXO_ERR_INVALID, "not ELFCLASS64");
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		return refuse(m, EXO_ERR_INVALID, "not little-endian");
	}
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT) {
		return refuse(m, EXO_ERR_INVALID, "not ELF version 1");
	}
	if (eh->e_type != ET_DYN) {
		return refuse(m, EXO_ERR_INVALID,
			      "e_type %u is not ET_DYN (a shared object)",
			      eh->e_type);
	}
	if (eh->e_machine != EM_X86_64) {
		return refuse(m, EXO_ERR_INVALID, "e_machine %u is not x86-64",
			      eh->e_machine);
	}
	if (eh->e_ehsize != sizeof(struct elf64_ehdr) ||
	    eh->e_phentsize != sizeof(struct elf64_phdr)) {
		return refuse(m, EXO_ERR_INVALID, "bad header sizes");
	}
	if (eh->e_phnum == 0 || eh->e_phnum > MODULE_MAX_PHDRS) {
		return refuse(m, EXO_ERR_INVALID,
			      "%u program headers (1..%u allowed)", eh->e_phnum,
			      MODULE_MAX_PHDRS);
	}
	if (!in_file(eh->e_phoff,
		     (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), size)) {
		return refuse(m, EXO_ERR_INVALID,
			      "truncated: program headers past the end");
	}
	return 0;
}

static int add_segment(struct module_image *m, const struct elf64_phdr *ph,
		       unsigned idx, uint64_t size)
{
	struct module_segment *s;

	if (ph->p_filesz > ph->p_memsz || ph->p_memsz > MODULE_SPAN_MAX) {
		return refuse(m, EXO_ERR_INVALID, "segment %u: bad sizes", idx);
	}
	if (!in_file(ph->p_offset, ph->p_filesz, size)) {
		return refuse(m, EXO_ERR_INVALID,
			      "truncated: segment %u past the end", idx);
	}
	if (ph->p_vaddr > MODULE_SPAN_MAX ||
	    ph->p_memsz > MODULE_SPAN_MAX - ph->p_vaddr) {
		return refuse(m, EXO_ERR_TOO_BIG,
			      "segment %u ends past %lu bytes", idx,
			      MODULE_SPAN_MAX);
	}
	if (ph->p_align > 1 && ((ph->p_align & (ph->p_align - 1)) ||
				(ph->p_vaddr - ph->p_offset) % ph->p_align)) {
		return refuse(m, EXO_ERR_INVALID, "segment %u: bad alignment",
			      idx);
	}
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X)) {
		return refuse(m, EXO_ERR_DENIED,
			      "segment %u is writable and executable", idx);
	}
	if (ph->p_memsz == 0) {
		return 0;
	}
	if (m->nseg == MODULE_MAX_SEGMENTS) {
		return refuse(m, EXO_ERR_TOO_BIG, "more than %u segments",
			      MODULE_MAX_SEGMENTS);
	}
	/* Pages carry one set of rights: segments may not share a page. */
	if (m->nseg && ph->p_vaddr < round_up(m->seg[m->nseg - 1].vaddr +
					      m->seg[m->nseg - 1].memsz)) {
		return refuse(m, EXO_ERR_INVALID,
			      "segment %u overlaps or shares a page with the "
			      "one before",
			      idx);
	}
	s = &m->seg[m->nseg++];
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->prot = MODULE_PROT_R | ((ph->p_flags & PF_W) ? MODULE_PROT_W : 0) |
		  ((ph->p_flags & PF_X) ? MODULE_PROT_X : 0);
	return 0;
}

static int read_phdrs(struct module_image *m, const uint8_t *f, uint64_t size,
		      const struct elf64_ehdr *eh, uint64_t *dyn_va,
		      uint64_t *dyn_sz)
{
	int ndyn = 0, err;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, f + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			err = add_segment(m, &ph, i, size);
			if (err) {
				return err;
			}
			break;
		case PT_DYNAMIC:
			ndyn++;
			*dyn_va = ph.p_vaddr;
			*dyn_sz = ph.p_filesz;
			break;
		case PT_INTERP:
			return refuse(m, EXO_ERR_NOSYS,
				      "PT_INTERP: asks for a dynamic linker");
		case PT_TLS:
			return refuse(m, EXO_ERR_NOSYS,
				      "PT_TLS: thread-local storage");
		case PT_GNU_STACK:
			if (ph.p_flags & PF_X) {
				return refuse(m, EXO_ERR_DENIED,
					      "asks for an executable stack");
			}
			break;
		default:
			break;
		}
	}
	if (m->nseg == 0) {
		return refuse(m, EXO_ERR_INVALID, "no loadable segment");
	}
	if (ndyn != 1) {
		return refuse(m, EXO_ERR_INVALID,
			      "%d PT_DYNAMIC headers (one needed)", ndyn);
	}
	return 0;
}

/* Turn a table address from the dynamic section into a file offset. */
static int table(struct module_image *m, const char *what, uint64_t va,
		 uint64_t len, uint64_t *off)
{
	if (!va_to_off(m, va, len, off)) {
		return refuse(m, EXO_ERR_INVALID,
			      "%s at 0x%lx (%lu bytes) is outside the file",
			      what, (unsigned long)va, (unsigned long)len);
	}
	return 0;
}

static int read_dynamic(struct module_image *m, const uint8_t *f,
			uint64_t dyn_va, uint64_t dyn_sz, struct dyn_info *di)
{
	uint64_t off, n, v[32] = { 0 }, hash_off;
	uint32_t nchain;
	int seen[32] = { 0 }, err;

	if (dyn_sz % sizeof(struct elf64_dyn) ||
	    !va_to_off(m, dyn_va, dyn_sz, &off)) {
		return refuse(m, EXO_ERR_INVALID,
			      "PT_DYNAMIC is not inside a loaded segment");
	}
	n = dyn_sz / sizeof(struct elf64_dyn);
	for (uint64_t i = 0;; i++) {
		struct elf64_dyn d;

		if (i == n) {
			return refuse(m, EXO_ERR_INVALID,
				      "dynamic section without DT_NULL");
		}
		memcpy(&d, f + off + i * sizeof(d), sizeof(d));
		if (d.d_tag == DT_NULL) {
			break;
		}
		switch (d.d_tag) {
		case DT_NEEDED:
			return refuse(m, EXO_ERR_NOSYS,
				      "DT_NEEDED: needs another library");
		case DT_TEXTREL:
			return refuse(m, EXO_ERR_DENIED,
				      "DT_TEXTREL: relocates its text");
		case DT_REL:
			return refuse(m, EXO_ERR_NOSYS,
				      "DT_REL: only RELA relocations");
		case DT_INIT:
		case DT_INIT_ARRAY:
			return refuse(m, EXO_ERR_NOSYS,
				      "constructors (DT_INIT, DT_INIT_ARRAY)");
		case DT_FLAGS:
			if (d.d_val & DF_TEXTREL) {
				return refuse(m, EXO_ERR_DENIED,
					      "DF_TEXTREL: relocates its text");
			}
			break;
		default:
			break;
		}
		if (d.d_tag >= 0 && d.d_tag < 32) {
			v[d.d_tag] = d.d_val;
			seen[d.d_tag] = 1;
		}
	}
	if (!seen[DT_HASH] || !seen[DT_SYMTAB] || !seen[DT_STRTAB] ||
	    !seen[DT_STRSZ]) {
		return refuse(m, EXO_ERR_INVALID,
			      "DT_HASH, DT_SYMTAB, DT_STRTAB and DT_STRSZ are "
			      "required");
	}
	if (seen[DT_SYMENT] && v[DT_SYMENT] != sizeof(struct elf64_sym)) {
		return refuse(m, EXO_ERR_INVALID, "DT_SYMENT is not 24");
	}
	if (seen[DT_RELAENT] && v[DT_RELAENT] != sizeof(struct elf64_rela)) {
		return refuse(m, EXO_ERR_INVALID, "DT_RELAENT is not 24");
	}
	if (seen[DT_PLTREL] && v[DT_PLTREL] != DT_RELA) {
		return refuse(m, EXO_ERR_NOSYS, "DT_PLTREL is not DT_RELA");
	}
	err = table(m, "DT_HASH", v[DT_HASH], 8, &hash_off);
	if (err) {
		return err;
	}
	memcpy(&nchain, f + hash_off + 4, 4);
	di->nsyms = nchain;
	err = table(m, "DT_SYMTAB", v[DT_SYMTAB],
		    di->nsyms * sizeof(struct elf64_sym), &di->symtab);
	if (!err) {
		di->strsz = v[DT_STRSZ];
		err = table(m, "DT_STRTAB", v[DT_STRTAB], di->strsz,
			    &di->strtab);
	}
	di->relasz = v[DT_RELASZ];
	di->pltrelsz = v[DT_PLTRELSZ];
	if (!err && di->relasz) {
		err = table(m, "DT_RELA", v[DT_RELA], di->relasz, &di->rela);
	}
	if (!err && di->pltrelsz) {
		err = table(m, "DT_JMPREL", v[DT_JMPREL], di->pltrelsz,
			    &di->jmprel);
	}
	if (!err && (di->relasz % sizeof(struct elf64_rela) ||
		     di->pltrelsz % sizeof(struct elf64_rela))) {
		err = refuse(m, EXO_ERR_INVALID,
			     "relocation table size not a multiple of 24");
	}
	return err;
}

/* Symbol @i's name, checked to end inside the string table. */
static const char *sym_name(const uint8_t *f, const struct dyn_info *di,
			    const struct elf64_sym *s)
{
	const char *p;

	if (s->st_name >= di->strsz) {
		return NULL;
	}
	p = (const char *)f + di->strtab + s->st_name;
	if (!memchr(p, 0, di->strsz - s->st_name)) {
		return NULL;
	}
	return p;
}

static void read_sym(const uint8_t *f, const struct dyn_info *di, uint64_t i,
		     struct elf64_sym *s)
{
	memcpy(s, f + di->symtab + i * sizeof(*s), sizeof(*s));
}

static int find_desc(struct module_image *m, const uint8_t *f,
		     const struct dyn_info *di, uint64_t *desc_va)
{
	for (uint64_t i = 1; i < di->nsyms; i++) {
		struct elf64_sym s;
		const char *name;

		read_sym(f, di, i, &s);
		name = sym_name(f, di, &s);
		if (!name || strcmp(name, MODULE_DESC_SYMBOL) != 0 ||
		    s.st_shndx == SHN_UNDEF) {
			continue;
		}
		if (s.st_size < sizeof(struct module_desc) ||
		    !va_in_seg(m, s.st_value, sizeof(struct module_desc),
			       MODULE_PROT_R) ||
		    s.st_value % 8) {
			return refuse(m, EXO_ERR_INVALID,
				      "descriptor \"%s\" is malformed",
				      MODULE_DESC_SYMBOL);
		}
		*desc_va = s.st_value;
		return 0;
	}
	return refuse(m, EXO_ERR_NOT_FOUND, "no descriptor (symbol \"%s\")",
		      MODULE_DESC_SYMBOL);
}

static const char *rel_name(uint32_t type)
{
	switch (type) {
	case 2:
		return "R_X86_64_PC32";
	case 4:
		return "R_X86_64_PLT32";
	case 5:
		return "R_X86_64_COPY";
	case 9:
		return "R_X86_64_GOTPCREL";
	case 10:
		return "R_X86_64_32";
	case 11:
		return "R_X86_64_32S";
	case 16:
		return "R_X86_64_DTPMOD64";
	case 18:
		return "R_X86_64_TPOFF64";
	case 37:
		return "R_X86_64_IRELATIVE";
	default:
		return "unknown";
	}
}

static int resolve(struct module_image *m, const uint8_t *f,
		   const struct dyn_info *di, uint64_t symidx, uint64_t *value)
{
	const struct module_exports *ex = m->exports;
	struct elf64_sym s;
	const char *name;

	if (symidx == 0 || symidx >= di->nsyms) {
		return refuse(m, EXO_ERR_INVALID,
			      "relocation names symbol %lu of %lu",
			      (unsigned long)symidx, (unsigned long)di->nsyms);
	}
	read_sym(f, di, symidx, &s);
	name = sym_name(f, di, &s);
	if (!name) {
		return refuse(m, EXO_ERR_INVALID, "symbol %lu has a bad name",
			      (unsigned long)symidx);
	}
	if (s.st_shndx == SHN_ABS) {
		*value = s.st_value;
		return 0;
	}
	if (s.st_shndx != SHN_UNDEF) {
		if (!va_in_seg(m, s.st_value, 0, MODULE_PROT_R)) {
			return refuse(m, EXO_ERR_INVALID,
				      "symbol \"%s\" lies outside the image",
				      name);
		}
		*value = m->base + s.st_value;
		return 0;
	}
	/* check_imports has vetted every import's version already. */
	for (uint32_t i = 0; i < ex->count; i++) {
		if (strcmp(ex->sym[i].name, name) == 0) {
			*value = (uint64_t)(uintptr_t)ex->sym[i].addr;
			return 0;
		}
	}
	return refuse(m, EXO_ERR_NOT_FOUND,
		      "import \"%s\" is not in the export table", name);
}

/* Apply the relocations of @size bytes at file offset @off. Each must land
 * in a writable segment, so text is never written and a reset of the data
 * segments redoes them all. */
static int relocate(struct module_image *m, const uint8_t *f,
		    const struct dyn_info *di, uint64_t off, uint64_t size)
{
	for (uint64_t i = 0; i < size / sizeof(struct elf64_rela); i++) {
		struct elf64_rela r;
		uint32_t type;
		uint64_t val = 0, sym;
		int err;

		memcpy(&r, f + off + i * sizeof(r), sizeof(r));
		type = (uint32_t)r.r_info;
		sym = r.r_info >> 32;
		if (type == R_X86_64_NONE) {
			continue;
		}
		if (!va_in_seg(m, r.r_offset, 8, MODULE_PROT_W)) {
			return refuse(m, EXO_ERR_INVALID,
				      "relocation %lu at 0x%lx is out of "
				      "bounds (not in a writable segment)",
				      (unsigned long)i,
				      (unsigned long)r.r_offset);
		}
		switch (type) {
		case R_X86_64_RELATIVE:
			val = m->base + (uint64_t)r.r_addend;
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			err = resolve(m, f, di, sym, &val);
			if (err) {
				return err;
			}
			if (type == R_X86_64_64) {
				val += (uint64_t)r.r_addend;
			}
			break;
		default:
			return refuse(
				m, EXO_ERR_NOSYS,
				"relocation type %u (%s) is not supported",
				type, rel_name(type));
		}
		memcpy((void *)(uintptr_t)(m->base + r.r_offset), &val, 8);
	}
	return 0;
}

/* Every undefined symbol must be an export new enough for the table
 * version the module names, whether or not a relocation uses it. */
static int check_imports(struct module_image *m, const uint8_t *f,
			 const struct dyn_info *di, uint16_t exports_minor)
{
	const struct module_exports *ex = m->exports;

	for (uint64_t i = 1; i < di->nsyms; i++) {
		struct elf64_sym s;
		const char *name;
		uint32_t j;

		read_sym(f, di, i, &s);
		if (s.st_shndx != SHN_UNDEF) {
			continue;
		}
		name = sym_name(f, di, &s);
		if (!name) {
			return refuse(m, EXO_ERR_INVALID,
				      "symbol %lu has a bad name",
				      (unsigned long)i);
		}
		for (j = 0; j < ex->count; j++) {
			if (strcmp(ex->sym[j].name, name) == 0) {
				break;
			}
		}
		if (j == ex->count) {
			return refuse(
				m, EXO_ERR_NOT_FOUND,
				"import \"%s\" is not in the export table",
				name);
		}
		if (ex->sym[j].since_minor > exports_minor) {
			return refuse(m, EXO_ERR_NOT_FOUND,
				      "import \"%s\" is export table %u.%u, "
				      "the module names %u.%u",
				      name, ex->major, ex->sym[j].since_minor,
				      ex->major, exports_minor);
		}
	}
	return 0;
}

static int bounded_name(const char *s)
{
	return memchr(s, 0, MODULE_NAME_MAX) != NULL && s[0] != 0;
}

int module_desc_check(const struct module_desc *d,
		      const struct module_exports *ex,
		      const struct module_want *want, char *why, size_t len)
{
	if (d->magic != MODULE_DESC_MAGIC) {
		snprintf(why, len, "descriptor magic 0x%x is wrong", d->magic);
		return EXO_ERR_INVALID;
	}
	if (d->abi_major != MODULE_ABI_MAJOR) {
		snprintf(why, len, "module ABI %u.%u is not %u.x", d->abi_major,
			 d->abi_minor, MODULE_ABI_MAJOR);
		return EXO_ERR_NOSYS;
	}
	if (d->abi_minor > MODULE_ABI_MINOR) {
		snprintf(why, len, "module ABI %u.%u is newer than %u.%u",
			 d->abi_major, d->abi_minor, MODULE_ABI_MAJOR,
			 MODULE_ABI_MINOR);
		return EXO_ERR_NOSYS;
	}
	if (d->exports_major != ex->major || d->exports_minor > ex->minor) {
		snprintf(why, len, "export table %u.%u is not offered (%u.%u)",
			 d->exports_major, d->exports_minor, ex->major,
			 ex->minor);
		return EXO_ERR_NOSYS;
	}
	if (!bounded_name(d->iface) || !bounded_name(d->name)) {
		snprintf(why, len,
			 "descriptor names are empty or unterminated");
		return EXO_ERR_INVALID;
	}
	if (d->ops_size == 0 || d->ops_size % 8 || d->ops_size > 4096) {
		snprintf(why, len, "ops size %u is not 8..4096 in words",
			 d->ops_size);
		return EXO_ERR_INVALID;
	}
	if (d->state_min > d->state_version) {
		snprintf(why, len, "state formats %u..%u are backwards",
			 d->state_min, d->state_version);
		return EXO_ERR_INVALID;
	}
	if (!want) {
		return 0;
	}
	if (strcmp(d->iface, want->iface) != 0) {
		snprintf(why, len, "interface \"%s\" is not \"%s\"", d->iface,
			 want->iface);
		return EXO_ERR_NOSYS;
	}
	if (d->iface_major != want->major) {
		snprintf(why, len, "interface %s %u.%u: major is not %u",
			 d->iface, d->iface_major, d->iface_minor, want->major);
		return EXO_ERR_NOSYS;
	}
	if (d->iface_minor < want->minor) {
		snprintf(why, len, "interface %s %u.%u is older than %u.%u",
			 d->iface, d->iface_major, d->iface_minor, want->major,
			 want->minor);
		return EXO_ERR_NOSYS;
	}
	if (d->ops_size < want->ops_size) {
		snprintf(why, len, "ops table of %u bytes, %u needed",
			 d->ops_size, want->ops_size);
		return EXO_ERR_NOSYS;
	}
	return 0;
}

static int in_text(const struct module_image *m, const void *p)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	return a >= m->text_lo && a < m->text_hi;
}

/* After relocation: every pointer of the descriptor into the image. */
static int check_entry_points(struct module_image *m)
{
	const struct module_desc *d = m->desc;
	uint64_t ops = (uint64_t)(uintptr_t)d->ops;
	const void *entries[] = { d->quiesce, d->export_state, d->import_state,
				  d->health, d->fini };

	if (!d->init || !in_text(m, (const void *)(uintptr_t)d->init)) {
		return refuse(m, EXO_ERR_INVALID,
			      "init is missing or outside the module's text");
	}
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		if (entries[i] && !in_text(m, entries[i])) {
			return refuse(m, EXO_ERR_INVALID,
				      "entry point %zu is outside the module's "
				      "text",
				      i + 1);
		}
	}
	if (d->state_version && (!d->export_state || !d->import_state)) {
		return refuse(m, EXO_ERR_INVALID,
			      "state format %u without export_state and "
			      "import_state",
			      d->state_version);
	}
	if (ops < m->base ||
	    !va_in_seg(m, ops - m->base, d->ops_size, MODULE_PROT_R) ||
	    ops % 8) {
		return refuse(m, EXO_ERR_INVALID,
			      "ops table is outside the image");
	}
	for (uint32_t i = 0; i < d->ops_size / 8; i++) {
		const void *fn;

		memcpy(&fn, (const void *)(uintptr_t)(ops + 8 * i), 8);
		if (fn && !in_text(m, fn)) {
			return refuse(m, EXO_ERR_INVALID,
				      "ops entry %u points outside the "
				      "module's text",
				      i);
		}
	}
	return 0;
}

/* Copy the segments' bytes in (only writable ones with @data_only) and
 * zero the rest of their memory. */
static void fill(struct module_image *m, int data_only)
{
	for (uint32_t i = 0; i < m->nseg; i++) {
		const struct module_segment *s = &m->seg[i];
		uint8_t *dst = (uint8_t *)(uintptr_t)(m->base + s->vaddr);

		if (data_only && !(s->prot & MODULE_PROT_W)) {
			continue;
		}
		memcpy(dst, m->file + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
}

static int link_image(struct module_image *m, const struct dyn_info *di)
{
	int err = relocate(m, m->file, di, di->rela, di->relasz);

	if (!err) {
		err = relocate(m, m->file, di, di->jmprel, di->pltrelsz);
	}
	return err;
}

static int protect_all(struct module_image *m)
{
	for (uint32_t i = 0; i < m->nseg; i++) {
		const struct module_segment *s = &m->seg[i];
		uint64_t lo = s->vaddr & ~(PAGE - 1);
		int err = m->mops->protect(m->mctx, m->base + lo,
					   round_up(s->vaddr + s->memsz) - lo,
					   s->prot);

		if (err) {
			return refuse(m, err, "cannot set segment rights");
		}
	}
	return 0;
}

/* Parse headers and dynamic tables: no memory touched but @m. */
static int parse(struct module_image *m, struct dyn_info *di, uint64_t *desc_va)
{
	struct elf64_ehdr eh;
	uint64_t dyn_va = 0, dyn_sz = 0;
	int err = check_ehdr(m, m->file, m->file_size, &eh);

	if (!err) {
		err = read_phdrs(m, m->file, m->file_size, &eh, &dyn_va,
				 &dyn_sz);
	}
	if (!err) {
		err = read_dynamic(m, m->file, dyn_va, dyn_sz, di);
	}
	if (!err) {
		err = find_desc(m, m->file, di, desc_va);
	}
	return err;
}

int module_image_load(struct module_image *m, const void *file, uint64_t size,
		      const struct module_exports *exports,
		      const struct module_want *want,
		      const struct module_map_ops *mops, void *mctx)
{
	struct dyn_info di = { 0 };
	struct module_desc d;
	uint64_t desc_va = 0, desc_off, last;
	int err;

	memset(m, 0, sizeof(*m));
	m->file = file;
	m->file_size = size;
	m->exports = exports;
	m->mops = mops;
	m->mctx = mctx;
	err = parse(m, &di, &desc_va);
	if (err) {
		return err;
	}
	/* The version rules first, from the file: they need no relocation. */
	if (!va_to_off(m, desc_va, sizeof(d), &desc_off)) {
		return refuse(m, EXO_ERR_INVALID,
			      "descriptor is not in the file's bytes");
	}
	memcpy(&d, m->file + desc_off, sizeof(d));
	err = module_desc_check(&d, exports, want, m->error, sizeof(m->error));
	if (err) {
		return err;
	}
	if (d.flags) {
		return refuse(m, EXO_ERR_INVALID,
			      "descriptor flags 0x%x are not 0", d.flags);
	}
	err = check_imports(m, m->file, &di, d.exports_minor);
	if (err) {
		return err;
	}
	last = m->seg[m->nseg - 1].vaddr + m->seg[m->nseg - 1].memsz;
	m->size = round_up(last);
	m->base = mops->map(mctx, m->size);
	if (!m->base) {
		return refuse(m, EXO_ERR_NO_MEMORY, "no memory for %lu bytes",
			      (unsigned long)m->size);
	}
	m->text_lo = UINT64_MAX;
	for (uint32_t i = 0; i < m->nseg; i++) {
		if (m->seg[i].prot & MODULE_PROT_X) {
			uint64_t lo = m->base + m->seg[i].vaddr;

			if (lo < m->text_lo) {
				m->text_lo = lo;
			}
			if (lo + m->seg[i].memsz > m->text_hi) {
				m->text_hi = lo + m->seg[i].memsz;
			}
		}
	}
	if (!m->text_hi) {
		m->text_lo = 0;
		err = refuse(m, EXO_ERR_INVALID, "no executable segment");
		goto err_unmap;
	}
	fill(m, 0);
	err = link_image(m, &di);
	if (err) {
		goto err_unmap;
	}
	memcpy(&m->desc_copy, (const void *)(uintptr_t)(m->base + desc_va),
	       sizeof(m->desc_copy));
	m->desc = &m->desc_copy;
	err = check_entry_points(m);
	if (!err) {
		err = protect_all(m);
	}
	if (err) {
		goto err_unmap;
	}
	m->error[0] = 0;
	return 0;

err_unmap:
	mops->unmap(mctx, m->base, m->size);
	m->base = 0;
	m->desc = NULL;
	return err;
}

int module_image_reset(struct module_image *m)
{
	struct dyn_info di = { 0 };
	uint64_t desc_va;
	int err;

	m->nseg = 0;
	err = parse(m, &di, &desc_va);
	if (err) {
		return err;
	}
	fill(m, 1);
	return link_image(m, &di);
}

void module_image_unload(struct module_image *m)
{
	if (m->base) {
		m->mops->unmap(m->mctx, m->base, m->size);
		m->base = 0;
		m->desc = NULL;
	}
}

uint64_t module_state_checksum(const void *buf, uint64_t len)
{
	return module_words_sum(buf, len);
}

int module_state_check(const void *blob, uint64_t size)
{
	struct module_state_hdr h;

	if (size < sizeof(h)) {
		return EXO_ERR_INVALID;
	}
	memcpy(&h, blob, sizeof(h));
	if (h.magic != MODULE_STATE_MAGIC || h.length > size - sizeof(h)) {
		return EXO_ERR_INVALID;
	}
	if (module_state_checksum((const uint8_t *)blob + sizeof(h),
				  h.length) != h.checksum) {
		return EXO_ERR_CORRUPT;
	}
	return 0;
}
