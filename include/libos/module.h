/* SPDX-License-Identifier: MIT */
/*
 * The module ABI: what a module image carries and what it may use. A
 * module is a position-independent ELF shared object (see docs/modules.md,
 * the specification) that exports one symbol, MODULE_DESC_SYMBOL, a
 * struct module_desc naming its versions and entry points. It may import
 * only symbols of the libOS export table (struct module_export); anything
 * else is refused when it is loaded.
 *
 * The same sources can also be linked into a program statically: then the
 * descriptor goes into the "libos_modules" section instead and serves as
 * a built-in implementation (module_builtin_find in <libos/module_slot.h>).
 *
 * Everything here has a fixed layout, the same in a module image and in
 * the loader; the assertions pin it.
 */
#ifndef LIBOS_MODULE_H
#define LIBOS_MODULE_H

#include <stddef.h>
#include <stdint.h>

/* The module ABI this header describes. */
#define MODULE_ABI_MAJOR 1
#define MODULE_ABI_MINOR 0

/* struct module_desc.magic: "AXOM" in memory. */
#define MODULE_DESC_MAGIC 0x4d4f5841u
/* The one symbol a module image exports: its descriptor. */
#define MODULE_DESC_SYMBOL "axo_module"
/* Names (interface, implementation) including their NUL. */
#define MODULE_NAME_MAX 32

/*
 * The descriptor. Pointers are relocated by the loader (R_X86_64_RELATIVE)
 * and must point into the image: entry points and every ops slot into its
 * executable segment, ops into the image.
 *
 * Entry points, each called with the gate closed (no op running):
 * - init (required): make a fresh instance; *@self receives the object
 *   every op and entry point gets first. 0 or EXO_ERR_*.
 * - quiesce (optional): stop background work before a swap. The swap may
 *   still abort afterwards; the instance must then go on serving.
 * - export_state (required when state_version != 0): write the instance's
 *   state in format @version (state_min..state_version) into @buf of @cap
 *   bytes. Return the length, EXO_ERR_TOO_BIG (with @cap too small, or
 *   @buf NULL: the return of a call with @buf NULL and @cap 0 is the
 *   length needed, as a positive number) or EXO_ERR_NOSYS (a format it
 *   cannot write).
 * - import_state (required when state_version != 0): replace the fresh
 *   instance's state by @len bytes of format @version. 0, EXO_ERR_NOSYS (a
 *   format it cannot read) or EXO_ERR_INVALID/EXO_ERR_TOO_BIG (contents it
 *   refuses). On failure the instance is discarded.
 * - health (optional): 0 when the instance is consistent, else EXO_ERR_*.
 * - fini (optional): release what init and the ops acquired.
 */
struct module_desc {
	uint32_t magic; /* MODULE_DESC_MAGIC */
	uint16_t abi_major, abi_minor; /* module ABI built against */
	uint16_t exports_major, exports_minor; /* export table built against */
	uint16_t iface_major, iface_minor; /* interface version implemented */
	char iface[MODULE_NAME_MAX]; /* interface, e.g. "kv" */
	char name[MODULE_NAME_MAX]; /* implementation, e.g. "kv.hash" */
	uint16_t impl_major, impl_minor,
		impl_patch; /* implementation version */
	uint16_t state_version; /* state format it writes; 0: no state */
	uint16_t state_min; /* oldest format it reads and writes */
	uint16_t flags; /* 0 in an image; MODULE_DESC_IMPL */
	uint32_t ops_size; /* bytes of the ops table */
	const void *ops; /* the ops table */
	int (*init)(void **self);
	int (*quiesce)(void *self);
	int64_t (*export_state)(void *self, uint16_t version, void *buf,
				uint64_t cap);
	int (*import_state)(void *self, uint16_t version, const void *buf,
			    uint64_t len);
	int (*health)(void *self);
	void (*fini)(void *self);
};
_Static_assert(sizeof(struct module_desc) == 152, "module_desc size");
_Static_assert(offsetof(struct module_desc, abi_major) == 4, "abi_major");
_Static_assert(offsetof(struct module_desc, exports_major) == 8, "exports");
_Static_assert(offsetof(struct module_desc, iface_major) == 12, "iface ver");
_Static_assert(offsetof(struct module_desc, iface) == 16, "iface");
_Static_assert(offsetof(struct module_desc, name) == 48, "name");
_Static_assert(offsetof(struct module_desc, impl_major) == 80, "impl ver");
_Static_assert(offsetof(struct module_desc, state_version) == 86, "state");
_Static_assert(offsetof(struct module_desc, state_min) == 88, "state_min");
_Static_assert(offsetof(struct module_desc, ops_size) == 92, "ops_size");
_Static_assert(offsetof(struct module_desc, ops) == 96, "ops");
_Static_assert(offsetof(struct module_desc, init) == 104, "init");
_Static_assert(offsetof(struct module_desc, quiesce) == 112, "quiesce");
_Static_assert(offsetof(struct module_desc, export_state) == 120, "export");
_Static_assert(offsetof(struct module_desc, import_state) == 128, "import");
_Static_assert(offsetof(struct module_desc, health) == 136, "health");
_Static_assert(offsetof(struct module_desc, fini) == 144, "fini");

/*
 * flags: the descriptor stands for a LIBOS_IMPL record (module_desc_of_impl);
 * init is NULL and the record's self and init serve instead. Never in an
 * image.
 */
#define MODULE_DESC_IMPL 0x1u

/*
 * MODULE_DESCRIPTOR(var) - define a module's descriptor:
 *
 *	MODULE_DESCRIPTOR(kv_hash_module) = {
 *		MODULE_DESC_HEADER,
 *		.iface = "kv", .iface_major = 1, .iface_minor = 1, ...
 *	};
 *
 * Built as an image (axo_add_module defines AXO_MODULE_IMAGE) it is the
 * exported symbol MODULE_DESC_SYMBOL; linked statically it is a record in
 * the "libos_modules" section, so several modules fit in one program.
 */
#if defined(AXO_MODULE_IMAGE)
#define MODULE_DESCRIPTOR(var)                                                 \
	extern const struct module_desc axo_module                             \
		__attribute__((visibility("default")));                        \
	const struct module_desc axo_module
#else
#define MODULE_DESCRIPTOR(var)                                                 \
	static const struct module_desc var                                    \
		__attribute__((used, section("libos_modules"), aligned(8)))
#endif

/* The fields every descriptor starts with. */
#define MODULE_DESC_HEADER                                                     \
	.magic = MODULE_DESC_MAGIC, .abi_major = MODULE_ABI_MAJOR,             \
	.abi_minor = MODULE_ABI_MINOR, .exports_major = MODULE_EXPORTS_MAJOR,  \
	.exports_minor = MODULE_EXPORTS_MINOR

/*
 * The libOS export table: the only symbols a module may import. Each
 * entry names the table minor version that introduced it; a module built
 * against table version major.minor may import the entries with since_minor
 * <= minor. Entries are never removed or changed within a major version.
 *
 * Version 1.0: memcpy memmove memset memcmp strlen strcmp strncmp
 * snprintf printf malloc calloc realloc free module_cycles module_yield.
 * Version 1.1 adds: strncpy, and sched_module_host_get (the thread
 * machinery a scheduling policy image needs, <libos/sched_impl.h>).
 */
#define MODULE_EXPORTS_MAJOR 1
#define MODULE_EXPORTS_MINOR 1

struct module_export {
	const char *name;
	const void *addr;
	uint16_t since_minor;
};

struct module_exports {
	uint16_t major, minor;
	uint32_t count;
	const struct module_export *sym;
};

/* Exported to modules: a cycle counter, and giving up the CPU. */
uint64_t module_cycles(void);
void module_yield(void);

/*
 * A state blob: what export_state wrote, framed by the module framework
 * with a header and checksummed, so a corrupted or foreign blob is refused
 * before any module reads it.
 */
#define MODULE_STATE_MAGIC 0x534f5841u /* "AXOS" */

struct module_state_hdr {
	uint32_t magic; /* MODULE_STATE_MAGIC */
	uint16_t version; /* the format of the payload */
	uint16_t reserved; /* 0 */
	uint64_t length; /* payload bytes after the header */
	uint64_t checksum; /* module_state_checksum(payload, length) */
};
_Static_assert(sizeof(struct module_state_hdr) == 24, "state header");
_Static_assert(offsetof(struct module_state_hdr, length) == 8, "length");
_Static_assert(offsetof(struct module_state_hdr, checksum) == 16, "sum");

/* A 64-bit load from any address (x86-64: little-endian, unaligned). */
typedef uint64_t __attribute__((may_alias, aligned(1))) module_sum_word;

/*
 * module_words_sum - FNV-1a 64 over @len bytes at @buf taken as
 * little-endian 64-bit words, a last partial word padded with zeros:
 * loads straight from the buffer, four words a turn. Inline, so that a
 * module image can sum its own data without an import.
 */
static inline uint64_t module_words_sum(const void *buf, uint64_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	const uint64_t prime = 0x100000001b3ull;
	uint64_t h = 0xcbf29ce484222325ull;

	for (; len >= 32; p += 32, len -= 32) {
		const module_sum_word *w = (const module_sum_word *)p;

		h = (h ^ w[0]) * prime;
		h = (h ^ w[1]) * prime;
		h = (h ^ w[2]) * prime;
		h = (h ^ w[3]) * prime;
	}
	for (; len >= 8; p += 8, len -= 8) {
		h = (h ^ *(const module_sum_word *)p) * prime;
	}
	if (len) {
		uint64_t w = 0;

		for (uint64_t i = 0; i < len; i++) {
			w |= (uint64_t)p[i] << (8 * i);
		}
		h = (h ^ w) * prime;
	}
	return h;
}

/* module_state_checksum - module_words_sum of the payload. */
uint64_t module_state_checksum(const void *buf, uint64_t len);

/*
 * module_state_check - is @blob (@size bytes) a sound state blob? Checks
 * the magic, that the header's length fits @size, and the checksum.
 * Return: 0, EXO_ERR_INVALID (not a blob, or truncated) or
 * EXO_ERR_CORRUPT (checksum mismatch).
 */
int module_state_check(const void *blob, uint64_t size);

#endif
