/* SPDX-License-Identifier: MIT */
/*
 * Spawning a program from an ELF executable with page system calls. image.c
 * decides what each page must hold; here frames are allocated for the
 * child (it owns them, so they go when it ends), filled through a scratch
 * window in our own address space, and mapped into the child in batches;
 * read-only pages of an image we own are shared instead.
 *
 * Everything that can be refused is checked before the child exists. After
 * that only the system calls can fail (no memory, no environment), and
 * then destroying the child takes back every frame it was given: the
 * scratch window is unmapped on every path, so nothing of it stays ours.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/spawn.h>

#include "image.h"

/* Our window onto the child's frames while they are filled. */
#define SCRATCH_VA 0x00007b0000000000ul
#define SCRATCH_PAGES 64
/* Mappings into the child sent per page_batch. */
#define MAP_BATCH 128
/* Shared pages lent per page_lend_range, at most. */
#define LEND_MAX 64

/* What to write into a scratch page once it is mapped. */
struct fill {
	const uint8_t *src; /* NULL: the argument page */
	uint32_t dst;
	uint32_t len;
};

struct loader {
	uint64_t child;
	bool no_share; /* a share was refused: copy from now on */
	uint32_t nmap; /* pending in map_ops */
	uint32_t nscratch; /* pending in scratch_ops */
	uint32_t scratch_mapped; /* scratch pages to unmap at the end */
	const char *const *argv; /* for the argument page */
	const struct image_args *args;
};

/*
 * Read-only pages of ours to lend to the child: a run consecutive here and
 * there, with one set of rights, and what each would hold if copied.
 */
static struct {
	uint64_t src, va;
	uint32_t perm, n;
	struct fill f[LEND_MAX];
} lend;

static struct exo_page_op map_ops[MAP_BATCH];
static struct exo_page_op scratch_ops[SCRATCH_PAGES];
static struct fill fills[SCRATCH_PAGES];
static struct elf_image plan;

/* page_batch as all-or-error: a partial batch counts as out of memory. */
static int batch(uint64_t env, struct exo_page_op *ops, uint32_t n)
{
	int64_t r;

	if (n == 0) {
		return 0;
	}
	r = exo_page_batch(env, (uint64_t)ops, n, 0, 0, 0);
	if (r == (int64_t)n) {
		return 0;
	}
	return r < 0 ? (int)r : EXO_ERR_NO_MEMORY;
}

static int flush_maps(struct loader *l)
{
	int err = batch(l->child, map_ops, l->nmap);

	l->nmap = 0;
	return err;
}

/* Map the pending scratch pages into our window and fill them. */
static int flush_scratch(struct loader *l)
{
	int err = batch(EXO_ENV_SELF, scratch_ops, l->nscratch);

	if (l->nscratch > l->scratch_mapped) {
		l->scratch_mapped = l->nscratch;
	}
	for (uint32_t i = 0; !err && i < l->nscratch; i++) {
		uint8_t *page = (uint8_t *)(SCRATCH_VA + i * EXO_PAGE_SIZE);

		if (fills[i].src) {
			memcpy(page + fills[i].dst, fills[i].src, fills[i].len);
		} else {
			image_args_write(page, SPAWN_STACK_TOP, l->argv,
					 l->args);
		}
	}
	l->nscratch = 0;
	return err;
}

/* A fresh frame for the child at @va, filled as @f says (NULL: zeros). */
static int add_frame(struct loader *l, uint64_t va, uint32_t perm,
		     const struct fill *f)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, l->child, 0, 0, 0, 0);
	struct exo_page_op *op;

	if (pa < 0) {
		return (int)pa;
	}
	op = &map_ops[l->nmap++];
	op->op = EXO_PAGE_OP_MAP;
	op->perm = (uint16_t)perm;
	op->count = 0;
	op->va = va;
	op->arg = (uint64_t)pa;
	if (l->nmap == MAP_BATCH) {
		int err = flush_maps(l);

		if (err) {
			return err;
		}
	}
	if (!f) {
		return 0; /* frames come zeroed */
	}
	op = &scratch_ops[l->nscratch];
	op->op = EXO_PAGE_OP_MAP;
	op->perm = EXO_PERM_R | EXO_PERM_W;
	op->count = 0;
	op->va = SCRATCH_VA + l->nscratch * EXO_PAGE_SIZE;
	op->arg = (uint64_t)pa;
	fills[l->nscratch++] = *f;
	return l->nscratch == SCRATCH_PAGES ? flush_scratch(l) : 0;
}

static int add_frame(struct loader *l, uint64_t va, uint32_t perm,
		     const struct fill *f);

/*
 * Lend the pending run with one page_lend_range. A page the kernel will
 * not lend (someone else's frame: a parent's module) is copied, and so is
 * everything after it, as the frames of one image are alike.
 */
static int flush_lend(struct loader *l)
{
	int64_t r = 0;
	int err = 0;

	if (lend.n && !l->no_share) {
		r = exo_page_lend_range(l->child, lend.src, lend.va, lend.n,
					lend.perm, 0);
		if (r < 0) {
			return (int)r;
		}
	}
	if ((uint64_t)r < lend.n) {
		l->no_share = true;
	}
	for (uint32_t i = (uint32_t)r; !err && i < lend.n; i++) {
		err = add_frame(l, lend.va + i * EXO_PAGE_SIZE, lend.perm,
				lend.f[i].len ? &lend.f[i] : NULL);
	}
	lend.n = 0;
	return err;
}

/*
 * The child's page at @va is to hold what our page at @src holds: the
 * same frame if it is read-only here and ours (lent in runs, see
 * flush_lend), else a copy as @f says (a length of 0: zeros).
 */
static int share_or_copy(struct loader *l, uint64_t src, uint64_t va,
			 uint32_t perm, const struct fill *f)
{
	uint64_t pte = l->no_share ? 0 : exo_pte(src);
	int err;

	if (!(pte & EXO_PTE_P) || (pte & EXO_PTE_W)) {
		return add_frame(l, va, perm, f->len ? f : NULL);
	}
	if (lend.n && (lend.src + lend.n * EXO_PAGE_SIZE != src ||
		       lend.va + lend.n * EXO_PAGE_SIZE != va ||
		       lend.perm != perm || lend.n == LEND_MAX)) {
		err = flush_lend(l);
		if (err) {
			return err;
		}
	}
	if (!lend.n) {
		lend.src = src;
		lend.va = va;
		lend.perm = perm;
	}
	lend.f[lend.n++] = *f;
	return 0;
}

static int load_page(struct loader *l, const uint8_t *image,
		     const struct image_page *pg)
{
	struct fill f;

	f.src = image + pg->copy_src;
	f.dst = pg->copy_dst;
	f.len = pg->copy_len;
	if (pg->shareable) {
		return share_or_copy(l, (uint64_t)(image + pg->share_off),
				     pg->va, pg->perm, &f);
	}
	return add_frame(l, pg->va, pg->perm, f.len ? &f : NULL);
}

static int load_segments(struct loader *l, const uint8_t *image, size_t size)
{
	for (uint32_t i = 0; i < plan.nsegments; i++) {
		const struct elf_segment *s = &plan.seg[i];
		uint64_t first, n;

		elf_segment_pages(s, &first, &n);
		for (uint64_t p = 0; p < n; p++) {
			struct image_page pg;
			int err;

			image_page_at(s, first + p * EXO_PAGE_SIZE,
				      (uint64_t)image, size, &pg);
			err = load_page(l, image, &pg);
			if (err) {
				return err;
			}
		}
	}
	return 0;
}

static int load_stack(struct loader *l, uint32_t pages)
{
	const struct fill args = { NULL, 0, 0 };
	int err = 0;

	for (uint32_t i = 0; !err && i < pages; i++) {
		err = add_frame(l, SPAWN_STACK_TOP - (i + 1) * EXO_PAGE_SIZE,
				EXO_PERM_R | EXO_PERM_W, i == 0 ? &args : NULL);
	}
	return err;
}

static const struct exo_bootmods *bootmods(void)
{
	if (!(exo_pte(EXO_BOOTMODS_VA) & EXO_PTE_P)) {
		return NULL;
	}
	return (const struct exo_bootmods *)EXO_BOOTMODS_VA;
}

/* Our read-only pages [@va, @va + @len) at the same place in the child. */
static int give_range(struct loader *l, uint64_t va, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += EXO_PAGE_SIZE) {
		struct fill f;
		int err;

		if (!(exo_pte(va + off) & EXO_PTE_P)) {
			return EXO_ERR_FAULT;
		}
		f.src = (const uint8_t *)(va + off);
		f.dst = 0;
		f.len = (uint32_t)(len - off < EXO_PAGE_SIZE ? len - off
							     : EXO_PAGE_SIZE);
		err = share_or_copy(l, va + off, va + off, EXO_PERM_R, &f);
		if (err) {
			return err;
		}
	}
	return 0;
}

/*
 * Is the table sane? It is ours and read-only, but a parent that shared it
 * with us wrote it, so check before walking it.
 */
static bool bootmods_ok(const struct exo_bootmods *t)
{
	if (t->count > EXO_BOOTMOD_MAX) {
		return false;
	}
	for (uint32_t i = 0; i < t->count; i++) {
		const struct exo_bootmod *m = &t->mod[i];

		if ((m->va & (EXO_PAGE_SIZE - 1)) != 0 ||
		    m->va < EXO_BOOTMODS_VA || m->va >= EXO_USER_MAP_TOP ||
		    m->size > EXO_USER_MAP_TOP - m->va) {
			return false;
		}
	}
	return true;
}

static int give_bootmods(struct loader *l)
{
	const struct exo_bootmods *t = bootmods();
	int err;

	err = give_range(l, EXO_BOOTMODS_VA, sizeof(*t));
	for (uint32_t i = 0; !err && i < t->count; i++) {
		err = give_range(l, t->mod[i].va, t->mod[i].size);
	}
	return err;
}

static int load(struct loader *l, const uint8_t *image, size_t size,
		uint32_t stack_pages, uint32_t flags)
{
	int err;

	lend.n = 0; /* nothing pending from a spawn that failed */
	err = load_segments(l, image, size);
	if (!err) {
		err = load_stack(l, stack_pages);
	}
	if (!err && (flags & SPAWN_SHARE_BOOTMODS)) {
		err = give_bootmods(l);
	}
	if (!err) {
		err = flush_lend(l);
	}
	if (!err) {
		err = flush_scratch(l);
	}
	if (!err) {
		err = flush_maps(l);
	}
	/* The child's frames must not stay writable from here. */
	if (l->scratch_mapped) {
		exo_page_unmap(EXO_ENV_SELF, SCRATCH_VA, l->scratch_mapped, 0,
			       0, 0);
	}
	return err;
}

static int refuse(const char *name, int err, const char *why, int32_t phdr)
{
	if (phdr >= 0) {
		printf("spawn: %s: refused: %s (program header %d) [%s]\n",
		       name, why, phdr, exo_status_name(err));
	} else {
		printf("spawn: %s: refused: %s [%s]\n", name, why,
		       exo_status_name(err));
	}
	return err;
}

int64_t spawn_image(const void *elf, size_t size, const char *const argv[],
		    const struct spawn_opts *opts)
{
	struct loader l = { 0 };
	struct image_args args;
	const struct exo_bootmods *mods;
	const char *name = "image";
	uint32_t flags = opts ? opts->flags : 0;
	uint32_t stack_pages = SPAWN_STACK_PAGES;
	int64_t child;
	int err;

	if (opts && opts->name) {
		name = opts->name;
	} else if (argv && argv[0]) {
		name = argv[0];
	}
	if (opts && opts->stack_pages) {
		stack_pages = opts->stack_pages;
	}

	if (flags & ~SPAWN_SHARE_BOOTMODS) {
		return refuse(name, EXO_ERR_INVALID, "unknown spawn flags", -1);
	}
	if (stack_pages > SPAWN_STACK_PAGES_MAX) {
		return refuse(name, EXO_ERR_INVALID,
			      "stack above SPAWN_STACK_PAGES_MAX pages", -1);
	}
	err = image_plan(elf, size, &plan);
	if (err) {
		return refuse(name, err, plan.error, plan.error_phdr);
	}
	err = image_args_layout(argv, SPAWN_STACK_TOP, &args);
	if (err) {
		return refuse(name, err,
			      "arguments take more than SPAWN_ARGS_MAX bytes",
			      -1);
	}
	if (flags & SPAWN_SHARE_BOOTMODS) {
		mods = bootmods();
		if (!mods) {
			return refuse(name, EXO_ERR_NOT_FOUND,
				      "no boot modules to share", -1);
		}
		if (!bootmods_ok(mods)) {
			return refuse(name, EXO_ERR_INVALID,
				      "the boot-module table is malformed", -1);
		}
	}

	child = exo_env_create(0, 0, 0, 0, 0, 0);
	if (child < 0) {
		printf("spawn: %s: cannot create an environment: %s\n", name,
		       exo_status_name(child));
		return child;
	}
	l.child = (uint64_t)child;
	l.argv = argv;
	l.args = &args;
	err = load(&l, elf, size, stack_pages, flags);
	if (err) {
		goto err_destroy;
	}
	if (opts && opts->prepare) {
		err = opts->prepare((exo_envid_t)child, opts->prepare_ctx);
		if (err < 0) {
			printf("spawn: %s: not started: preparing it failed: "
			       "%s\n",
			       name, exo_status_name(err));
			goto err_reap;
		}
		err = 0;
	}
	err = (int)exo_env_start(l.child, plan.entry, args.argv_va, 0, 0, 0);
	if (err) {
		goto err_destroy;
	}
	return child;

err_destroy:
	printf("spawn: %s: cannot load: %s\n", name, exo_status_name(err));
err_reap:
	/* Its frames and mappings go with it; reap it so no one waits on it. */
	exo_env_destroy(l.child, 0, 0, 0, 0, 0);
	exo_env_wait(l.child, 0, 0, 0, 0, 0);
	return err;
}

const struct exo_bootmod *bootmod_find(const char *name)
{
	const struct exo_bootmods *t = bootmods();

	if (!t || t->count > EXO_BOOTMOD_MAX) {
		return NULL;
	}
	for (uint32_t i = 0; i < t->count; i++) {
		if (strncmp(t->mod[i].name, name, EXO_BOOTMOD_NAME) == 0) {
			return &t->mod[i];
		}
	}
	return NULL;
}

int64_t spawn_module(const char *name, const char *const argv[])
{
	const struct exo_bootmod *m = bootmod_find(name);
	const char *const self[] = { name, NULL };
	struct spawn_opts opts = { .name = name };

	if (!m) {
		printf("spawn: %s: no boot module of that name\n", name);
		return EXO_ERR_NOT_FOUND;
	}
	return spawn_image((const void *)m->va, m->size, argv ? argv : self,
			   &opts);
}

int64_t wait_any(struct exo_exit_info *info)
{
	return wait_child(EXO_ENV_ANY, info);
}
