/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write reference counting, against a fake kernel: frames with an
 * owner and a reference count (the owner's plus one per mapping) and two
 * environments' page tables, with the kernel's rules for the calls
 * cow_break makes (frame_refs and frame_free only on one's own frames,
 * frame_free refused while the frame is mapped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libos/pager_impl.h>

#define NFRAMES 16
#define NPAGES 4
#define PA(i) ((uint64_t)((i) + 1) << 12)
#define IDX(pa) ((int)((pa) >> 12) - 1)
#define VA(i) (0x10000ul + (uint64_t)(i) * EXO_PAGE_SIZE)
#define RW (EXO_PERM_R | EXO_PERM_W)

struct fake_frame {
	int owner; /* 0 free */
	int refs;
	char data;
};

struct fake_env {
	int id;
	uint64_t pte[NPAGES]; /* pa | COW mark (USER0) | W, 0 unmapped */
};

static struct fake_frame fr[NFRAMES];
static struct fake_env parent, child;
static int fail_alloc, allocs;

static struct fake_env *as(void *ctx)
{
	return ctx;
}

static int page_of(uint64_t va)
{
	return (int)((va - VA(0)) / EXO_PAGE_SIZE);
}

static int64_t f_refs(void *ctx, uint64_t pa)
{
	struct fake_frame *f = &fr[IDX(pa)];

	if (!f->owner) {
		return EXO_ERR_STATE;
	}
	return f->owner == as(ctx)->id ? f->refs : EXO_ERR_DENIED;
}

static int64_t f_alloc(void *ctx)
{
	if (fail_alloc) {
		return EXO_ERR_NO_MEMORY;
	}
	for (int i = 0; i < NFRAMES; i++) {
		if (!fr[i].owner) {
			fr[i].owner = as(ctx)->id;
			fr[i].refs = 1;
			fr[i].data = 0;
			allocs++;
			return (int64_t)PA(i);
		}
	}
	return EXO_ERR_NO_MEMORY;
}

static int f_copy(void *ctx, uint64_t pa, uint64_t va)
{
	uint64_t pte = as(ctx)->pte[page_of(va)];

	fr[IDX(pa)].data = fr[IDX(pte & EXO_PTE_ADDR)].data;
	return 0;
}

static void unref(uint64_t pa)
{
	if (--fr[IDX(pa)].refs == 0) {
		fr[IDX(pa)].owner = 0;
	}
}

static int f_map(void *ctx, uint64_t va, uint64_t pa, uint32_t perm)
{
	uint64_t *pte = &as(ctx)->pte[page_of(va)];

	fr[IDX(pa)].refs++;
	if (*pte) {
		unref(*pte & EXO_PTE_ADDR);
	}
	*pte = pa | ((perm & EXO_PERM_W) ? EXO_PTE_W : 0);
	return 0;
}

static int f_protect(void *ctx, uint64_t va, uint32_t perm)
{
	uint64_t *pte = &as(ctx)->pte[page_of(va)];

	*pte = (*pte & EXO_PTE_ADDR) | ((perm & EXO_PERM_W) ? EXO_PTE_W : 0) |
	       ((perm & EXO_PERM_USER0) ? EXO_PTE_USER0 : 0);
	return 0;
}

static int f_free(void *ctx, uint64_t pa)
{
	struct fake_frame *f = &fr[IDX(pa)];

	if (!f->owner) {
		return EXO_ERR_STATE;
	}
	if (f->owner != as(ctx)->id) {
		return EXO_ERR_DENIED;
	}
	if (f->refs > 1) {
		return EXO_ERR_BUSY;
	}
	f->owner = 0;
	f->refs = 0;
	return 0;
}

static const struct cow_ops fake = {
	.refs = f_refs,
	.alloc = f_alloc,
	.copy = f_copy,
	.map = f_map,
	.protect = f_protect,
	.free = f_free,
};

static struct cow_orphans po, co;

/* The parent with page 0 at frame 0 ('p'), then a fork: both marked. */
static int setup(void **state)
{
	memset(fr, 0, sizeof(fr));
	memset(&po, 0, sizeof(po));
	memset(&co, 0, sizeof(co));
	fail_alloc = 0;
	allocs = 0;
	parent.id = 1;
	child.id = 2;
	memset(parent.pte, 0, sizeof(parent.pte));
	memset(child.pte, 0, sizeof(child.pte));
	fr[0].owner = 1;
	fr[0].refs = 2; /* owner + parent's mapping */
	fr[0].data = 'p';
	parent.pte[0] = PA(0) | EXO_PTE_USER0;
	child.pte[0] = PA(0) | EXO_PTE_USER0;
	fr[0].refs++; /* the child's mapping */
	return 0;
}

static int cow_write(struct fake_env *e, struct cow_orphans *o, char c)
{
	int r = cow_break(&fake, e, o, VA(0), e->pte[0], RW);

	if (r > 0) {
		fr[IDX(e->pte[0] & EXO_PTE_ADDR)].data = c;
	}
	return r;
}

/* The child exits: the kernel drops its mappings and frees its frames. */
static void child_exits(void)
{
	for (int i = 0; i < NPAGES; i++) {
		if (child.pte[i]) {
			unref(child.pte[i] & EXO_PTE_ADDR);
			child.pte[i] = 0;
		}
	}
	for (int i = 0; i < NFRAMES; i++) {
		if (fr[i].owner == child.id) {
			unref(PA(i));
		}
	}
}

static void test_child_copies_parent_reuses(void **state)
{
	assert_int_equal(f_refs(&parent, PA(0)), 3);
	/* The child's frame is the parent's: not its to reuse, so a copy. */
	assert_int_equal(cow_write(&child, &co, 'c'), COW_COPIED);
	assert_int_not_equal(child.pte[0] & EXO_PTE_ADDR, PA(0));
	assert_int_equal(fr[IDX(child.pte[0] & EXO_PTE_ADDR)].owner, child.id);
	assert_int_equal(fr[0].refs, 2);
	assert_int_equal(co.n, 0); /* nothing of the child's left behind */
	/* Now only the parent maps its frame: made writable, no copy. */
	allocs = 0;
	assert_int_equal(cow_write(&parent, &po, 'P'), COW_REUSED);
	assert_int_equal(allocs, 0);
	assert_int_equal(parent.pte[0], PA(0) | EXO_PTE_W);
	assert_int_equal(fr[0].data, 'P');
	assert_int_equal(fr[IDX(child.pte[0] & EXO_PTE_ADDR)].data, 'c');
}

static void test_parent_first_keeps_orphan(void **state)
{
	uint64_t old = PA(0);

	/* The child still maps it: the parent copies, the old one waits. */
	assert_int_equal(cow_write(&parent, &po, 'P'), COW_COPIED);
	assert_int_equal(po.n, 1);
	assert_int_equal(po.pa[0], old);
	assert_int_equal(fr[0].refs, 2); /* owner + the child's mapping */
	assert_int_equal(fr[0].data, 'p'); /* the child still sees the old */
	cow_orphans_reap(&fake, &parent, &po);
	assert_int_equal(po.n, 1); /* still mapped by the child */
	child_exits();
	assert_int_equal(fr[0].refs, 1);
	cow_orphans_reap(&fake, &parent, &po);
	assert_int_equal(po.n, 0);
	assert_int_equal(fr[0].owner, 0); /* freed */
	/* Only the parent's copy is left. */
	for (int i = 0, used = 0; i < NFRAMES; i++) {
		used += fr[i].owner != 0;
		if (i == NFRAMES - 1) {
			assert_int_equal(used, 1);
		}
	}
}

static void test_no_memory_changes_nothing(void **state)
{
	fail_alloc = 1;
	assert_int_equal(cow_write(&parent, &po, 'P'), EXO_ERR_NO_MEMORY);
	assert_int_equal(parent.pte[0], PA(0) | EXO_PTE_USER0);
	assert_int_equal(fr[0].refs, 3);
	assert_int_equal(po.n, 0);
}

static void test_orphans_overflow_counted(void **state)
{
	struct cow_orphans o;

	memset(&o, 0, sizeof(o));
	o.n = COW_ORPHANS_MAX;
	cow_frame_drop(&fake, &parent, &o, PA(0)); /* busy: mapped twice */
	assert_int_equal(o.n, COW_ORPHANS_MAX);
	assert_int_equal(o.lost, 1);
	/* A lent frame is not ours: neither freed nor kept. */
	memset(&o, 0, sizeof(o));
	cow_frame_drop(&fake, &child, &o, PA(0));
	assert_int_equal(o.n, 0);
	assert_int_equal(fr[0].owner, parent.id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_child_copies_parent_reuses, setup),
		cmocka_unit_test_setup(test_parent_first_keeps_orphan, setup),
		cmocka_unit_test_setup(test_no_memory_changes_nothing, setup),
		cmocka_unit_test_setup(test_orphans_overflow_counted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
