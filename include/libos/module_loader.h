/* SPDX-License-Identifier: MIT */
/*
 * The module loader: checks a module image (an ELF64 shared object) byte
 * by byte, maps it through a small ops table, relocates it, resolves its
 * imports against an export table only, and checks its descriptor. It is
 * pure logic over a byte buffer, so the same code runs in the libOS
 * (mapping with page system calls) and in the host unit tests (mmap).
 *
 * Every refusal leaves nothing mapped and says which rule failed, in
 * module_image.error, e.g.
 *   "segment 1 is writable and executable"
 *   "import \"fopen\" is not in the export table"
 *   "module ABI 2.0 is not 1.x"
 */
#ifndef LIBOS_MODULE_LOADER_H
#define LIBOS_MODULE_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <libos/module.h>

/* Limits on an image. */
#define MODULE_SPAN_MAX (16ul << 20) /* bytes from first to last segment */
#define MODULE_MAX_SEGMENTS 8
#define MODULE_MAX_PHDRS 32
#define MODULE_ERROR_MAX 112

/* Rights for module_map_ops.protect. */
#define MODULE_PROT_R 0x1u
#define MODULE_PROT_W 0x2u
#define MODULE_PROT_X 0x4u

/* Where a loaded image's pages come from. */
struct module_map_ops {
	/*
	 * Map @size bytes (a multiple of 4096) of zeroed memory read-write,
	 * page-aligned. Return its address, or 0 when out of memory or
	 * address space.
	 */
	uint64_t (*map)(void *ctx, uint64_t size);
	/* Set the rights of [@va, @va + @size) (pages). 0 or EXO_ERR_*. */
	int (*protect)(void *ctx, uint64_t va, uint64_t size, uint32_t prot);
	/* Give back exactly what one map call returned. */
	void (*unmap)(void *ctx, uint64_t va, uint64_t size);
};

/* What a slot requires of an implementation (NULL: no requirement). */
struct module_want {
	const char *iface;
	uint16_t major, minor;
	uint32_t ops_size;
};

struct module_segment {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t prot; /* MODULE_PROT_* */
};

/* A loaded (or refused) image. */
struct module_image {
	uint64_t base; /* where it is mapped */
	uint64_t size; /* bytes mapped, a page multiple */
	uint64_t text_lo, text_hi; /* its executable range */
	/*
	 * The descriptor, copied out of the image once checked: the module's
	 * own writable copy may be damaged later, this one is not.
	 */
	const struct module_desc *desc; /* = &desc_copy */
	struct module_desc desc_copy;
	/* The file, kept to give the module a fresh data segment. */
	const uint8_t *file;
	uint64_t file_size;
	uint32_t nseg;
	struct module_segment seg[MODULE_MAX_SEGMENTS];
	const struct module_exports *exports;
	const struct module_map_ops *mops;
	void *mctx;
	char error[MODULE_ERROR_MAX]; /* why it was refused ("" if loaded) */
};

/*
 * module_image_load - check, map and relocate a module image.
 * @m:       filled; on failure only ->error is meaningful
 * @file:    the image's bytes, @size of them; they must stay readable and
 *           unchanged while the image is loaded (module_image_reset
 *           reads them again)
 * @exports: the only symbols the image may import
 * @want:    what the slot it is meant for requires, or NULL
 * @mops:    where its pages come from, with @mctx
 *
 * Return: 0, or
 *   EXO_ERR_INVALID  the file breaks a format rule (magic, class, type,
 *                    machine, a header or table out of bounds, truncated)
 *   EXO_ERR_DENIED   a segment writable and executable, a text
 *                    relocation, an executable stack
 *   EXO_ERR_NOT_FOUND an import missing from the export table or too new
 *                    for the table version the module names; no
 *                    descriptor
 *   EXO_ERR_NOSYS    an unsupported relocation type, needed library, or
 *                    a version rule failed (module ABI, export table,
 *                    interface name, major or minor, ops size)
 *   EXO_ERR_TOO_BIG  more segments or a larger span than the limits
 *   EXO_ERR_NO_MEMORY mops->map failed
 */
int module_image_load(struct module_image *m, const void *file, uint64_t size,
		      const struct module_exports *exports,
		      const struct module_want *want,
		      const struct module_map_ops *mops, void *mctx);

/*
 * module_image_reset - give a loaded image a fresh data segment: its
 * writable segments are copied again from the file, zero-filled and
 * relocated, exactly as at load. Used to restore a module whose data may
 * be damaged. Return: 0 or the errors of module_image_load.
 */
int module_image_reset(struct module_image *m);

/* Unmap a loaded image. */
void module_image_unload(struct module_image *m);

/* Does @addr lie in @m's executable range? */
static inline int module_image_has_pc(const struct module_image *m,
				      uint64_t addr)
{
	return addr >= m->text_lo && addr < m->text_hi;
}

/*
 * module_desc_check - the version rules for a descriptor, on their own.
 * @d:       the descriptor (its scalar fields are read)
 * @exports: the loader's export table (its version)
 * @want:    the slot's requirements, or NULL
 * @why:     receives the failed rule, @len bytes
 * Return: 0 or EXO_ERR_NOSYS (a version rule) / EXO_ERR_INVALID (a
 * malformed descriptor: magic, unterminated names, ops size).
 */
int module_desc_check(const struct module_desc *d,
		      const struct module_exports *exports,
		      const struct module_want *want, char *why, size_t len);

#endif
