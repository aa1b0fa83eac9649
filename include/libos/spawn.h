/* SPDX-License-Identifier: MIT */
/*
 * Starting programs from ELF executables. The kernel loads only init; every
 * other program is loaded by its parent's libOS: spawn_image checks the
 * image (exokernel/elf), creates the child, fills frames the child owns
 * through a scratch mapping in the parent, maps them into the child with
 * each segment's rights, lays out argc/argv on a fresh stack and starts
 * it. A malformed image is refused with a message and an error; it never
 * harms the parent.
 *
 * A spawned program's address space: its segments where the ELF file says
 * (below SPAWN_IMAGE_TOP), a stack of SPAWN_STACK_PAGES pages below
 * SPAWN_STACK_TOP, and, if its parent shares them, the boot modules at
 * EXO_BOOTMODS_VA as init has them. Every frame costs its zeroing and
 * every page-table page too, so the stack is small and ends at
 * EXO_USER_MAP_TOP, where the tables that map the info pages already
 * reach: it needs one page-table page of its own, not three.
 *
 * The start block. A program starts at its ELF entry (crt0's _start) with
 * rsp = S, 16-byte aligned, and every other register 0. Its arguments are
 * described by two words just *below* S:
 *
 *     S - 16   argv: address of argv[0]; argv[argc] is NULL
 *     S -  8   argc
 *     S ...    the argv array, then the strings, up to the stack's top
 *
 * They sit below rsp so that zeros mean "no arguments": the kernel starts
 * init with rsp = EXO_INIT_STACK_TOP on a zeroed stack (the boot-module
 * table lies above it), so init gets argc 0 and argv = { NULL }. crt0 reads
 * both words before its first push. The argv array and the strings live
 * in the stack's top page, which limits them to SPAWN_ARGS_MAX bytes.
 *
 * None of this is reentrant: spawning uses one scratch window and static
 * tables. Call it from one thread at a time.
 */
#ifndef LIBOS_SPAWN_H
#define LIBOS_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include <libos/exo.h>

/*
 * Where a spawned program's stack ends, and its size: mapped in full at
 * the start (there is no pager behind it yet), so ask for more with
 * spawn_opts.stack_pages when a program needs it.
 */
#define SPAWN_STACK_TOP EXO_USER_MAP_TOP
#define SPAWN_STACK_PAGES 4 /* 16 KiB */
#define SPAWN_STACK_PAGES_MAX 256 /* 1 MiB */

/*
 * Segments must lie in [EXO_USER_MIN, SPAWN_IMAGE_TOP), the lowest 16 TiB;
 * the space above is the runtime's (heap, stacks, exception stack, scratch
 * windows, boot modules).
 */
#define SPAWN_IMAGE_TOP 0x0000100000000000ul

/* Most pages an image's segments may span (64 MiB). */
#define SPAWN_IMAGE_PAGES_MAX 16384

/* Bytes the argv array (with its NULL) and strings may take. */
#define SPAWN_ARGS_MAX (EXO_PAGE_SIZE - 32)

/* The two words below the entry rsp, at S - 16 (see above). */
struct spawn_start {
	uint64_t argv; /* user address of argv[0], or 0 for none */
	uint64_t argc;
};
_Static_assert(sizeof(struct spawn_start) == 16, "start block layout");

/* spawn_opts.flags */
#define SPAWN_SHARE_BOOTMODS 0x1u /* give the child the boot modules */

struct spawn_opts {
	const char *name; /* for messages; NULL: argv[0], else "image" */
	uint32_t flags; /* SPAWN_* */
	uint32_t stack_pages; /* 0: SPAWN_STACK_PAGES */
	/*
	 * Called (when not NULL) with the child's id once it is loaded and
	 * before it starts, e.g. to grant it capabilities it must find in
	 * place. A negative result cancels the spawn: the child is destroyed
	 * and spawn_image returns that error.
	 */
	int (*prepare)(exo_envid_t child, void *ctx);
	void *prepare_ctx;
};

/*
 * spawn_image - start a program from an ELF64 executable in memory.
 * @elf:   the image; read only, and only within [@elf, @elf + @size)
 * @size:  its length in bytes
 * @argv:  the child's arguments, NULL-terminated (argv[0] is by
 *         convention the program's name); NULL gives argc 0
 * @opts:  NULL for the defaults
 *
 * Everything is checked before anything is created: the image with
 * elf_parse (static ET_EXEC for x86-64, segments in [EXO_USER_MIN,
 * SPAWN_IMAGE_TOP), never writable and executable, ...), then that its
 * segments span at most SPAWN_IMAGE_PAGES_MAX pages, that the arguments
 * fit, and the options. A refusal prints "spawn: NAME: refused: WHY" on
 * the console.
 *
 * The child owns every frame it gets, except pages of the image that are
 * fully covered by a read-only segment, which are shared rather than
 * copied when the caller maps them read-only and owns their frame (as init
 * does its boot modules): the caller must not change those pages while the
 * child runs. Writable segments and the stack are always the child's own.
 * With SPAWN_SHARE_BOOTMODS the caller's boot-module table and modules
 * are mapped read-only at the same addresses in the child (shared when
 * the caller owns them, else copied), so the child can spawn_module too.
 * The child starts with no fault handler: a fault ends it, and its parent
 * sees the vector and address in env_wait's record.
 *
 * Return: the child's id (to wait for with wait_child or wait_any), or
 * EXO_ERR_INVALID, EXO_ERR_TOO_BIG, EXO_ERR_DENIED, EXO_ERR_ALIGN (the image
 * is refused: see elf_parse; TOO_BIG also for too many pages or arguments,
 * INVALID also for a bad option), EXO_ERR_NOT_FOUND (SPAWN_SHARE_BOOTMODS
 * without boot modules), or what the system calls return: EXO_ERR_LIMIT
 * (no environment free), EXO_ERR_NO_MEMORY. On failure nothing is left
 * behind.
 */
int64_t spawn_image(const void *elf, size_t size, const char *const argv[],
		    const struct spawn_opts *opts);

/*
 * bootmod_find - the boot module called @name in this environment's table
 * at EXO_BOOTMODS_VA, or NULL when there is none (or no table: only init
 * and programs it shared them with have one).
 */
const struct exo_bootmod *bootmod_find(const char *name);

/*
 * spawn_module - spawn_image of boot module @name, with default options
 * (the child gets no boot modules).
 * @argv: as for spawn_image; NULL gives argv = { @name, NULL }
 * Return: the child's id, EXO_ERR_NOT_FOUND (no such module), or the
 * errors of spawn_image.
 */
int64_t spawn_module(const char *name, const char *const argv[]);

/*
 * wait_any - wait until any child ends (wait_child(EXO_ENV_ANY, @info)).
 * @info: filled with the child's exit record when not NULL: reason
 *        EXO_EXIT_NORMAL with its code, or EXO_EXIT_FAULT with the vector,
 *        address and rip of the fault that ended it, ...
 * Return: the child's id, or EXO_ERR_NOT_FOUND (no children).
 */
int64_t wait_any(struct exo_exit_info *info);

#endif
