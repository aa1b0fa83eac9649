/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the capability pool over fake environments. Each fake
 * environment has a cspace; one fake address space, indexed by page, records
 * which (env, va) maps which object, so the tests see exactly which
 * mappings the pool's unmap calls removed; a counting allocator shows that
 * every mapping record is freed. Every page a test maps goes through a
 * recorded mapping, so "live pages == records" holds throughout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"

/* Environments 1..NENV; 64 of them hold as many slots as the pool. */
#define NENV 80
#define NPAGES 65536
#define PAGE 4096ul
#define FRAME_RIGHTS (EXO_CAP_R | EXO_CAP_W | EXO_CAP_X | EXO_CAP_GRANT)
#define ENV_RIGHTS (EXO_CAP_CONTROL | EXO_CAP_MAP | EXO_CAP_GRANT)
#define RWG (EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT)
#define F1 0x100000ul
#define F2 0x200000ul
#define F3 0x300000ul
/* Depth of the long chain; the kernel stack is 16 KiB. */
#define DEPTH 3000
#define STACK_BUDGET 8192

_Static_assert(NENV *EXO_CAP_SLOTS >= CAP_POOL_SIZE + EXO_CAP_SLOTS,
	       "enough fake slots to fill the pool and have room left");

struct fake_env {
	bool exists;
	struct cspace cs;
};

struct fake_page {
	bool live;
	uint32_t env;
	uint64_t object;
	int32_t tag; /* model node in the randomized test, else -1 */
};

struct fake {
	struct fake_env env[NENV + 1]; /* env[0] never exists */
	struct fake_page page[NPAGES]; /* page n is va n * PAGE */
	uint64_t next_page;
	size_t live_pages;
	size_t unmap_calls;
	size_t allocs_live;
	size_t alloc_calls;
	bool fail_alloc;
	/* Lowest frame address seen inside the ops, to bound stack use. */
	uintptr_t stack_min;
};

static struct fake fk;
static struct cap_pool pool;

static void note_stack(void)
{
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

	if (fp < fk.stack_min) {
		fk.stack_min = fp;
	}
}

static struct cspace *fake_cspace_of(void *ctx, uint32_t env)
{
	struct fake *f = ctx;

	note_stack();
	if (env == 0 || env > NENV || !f->env[env].exists) {
		return NULL;
	}
	return &f->env[env].cs;
}

static void fake_unmap(void *ctx, uint32_t env, uint64_t va, uint64_t object)
{
	struct fake *f = ctx;
	struct fake_page *pg;

	note_stack();
	f->unmap_calls++;
	assert_int_equal(va % PAGE, 0);
	assert_true(va / PAGE < NPAGES);
	pg = &f->page[va / PAGE];
	/* Only what still maps that frame there goes, as the op promises. */
	if (pg->live && pg->env == env && pg->object == object) {
		pg->live = false;
		f->live_pages--;
	}
}

static void *fake_alloc(void *ctx, size_t size)
{
	struct fake *f = ctx;
	void *p;

	f->alloc_calls++;
	assert_int_equal(size, sizeof(struct cap_mapping));
	if (f->fail_alloc) {
		return NULL;
	}
	p = malloc(size);
	assert_non_null(p);
	memset(p, 0xa5, size);
	f->allocs_live++;
	return p;
}

static void fake_free(void *ctx, void *p)
{
	struct fake *f = ctx;

	note_stack();
	assert_non_null(p);
	assert_true(f->allocs_live > 0);
	f->allocs_live--;
	free(p);
}

static const struct cap_ops fake_ops = {
	.cspace_of = fake_cspace_of,
	.unmap = fake_unmap,
	.alloc = fake_alloc,
	.free = fake_free,
};

static int setup(void **state)
{
	uint32_t e;

	memset(&fk, 0, sizeof(fk));
	for (e = 1; e <= NENV; e++) {
		fk.env[e].exists = true;
		memset(&fk.env[e].cs, 0x5a, sizeof(fk.env[e].cs));
		cspace_init(&fk.env[e].cs);
	}
	fk.next_page = 16;
	fk.stack_min = UINTPTR_MAX;
	memset(&pool, 0x5a, sizeof(pool));
	cap_pool_init(&pool, &fake_ops, &fk);
	return 0;
}

/* Whether @rights suit @type, computed independently of the pool. */
static bool rights_ok(uint16_t type, uint16_t rights)
{
	if (type == EXO_CAP_FRAME) {
		return (rights & ~FRAME_RIGHTS) == 0;
	}
	if (type == EXO_CAP_ENV) {
		return (rights & ~ENV_RIGHTS) == 0;
	}
	return false;
}

/*
 * Walk the whole pool and every cspace and check each invariant the pool
 * promises: the free list is exactly the free entries, 'used' is exact,
 * slots and holders agree both ways, every live entry's parent is live and
 * lists it once among its children, sibling links agree both ways,
 * children share type and object and have no more rights, the tree has no
 * cycles, records are counted right, unique and all allocated, and every
 * recorded page is still mapped (and nothing else is).
 */
static void check_pool(void)
{
	static uint8_t on_free[CAP_POOL_SIZE];
	uint32_t used = 0, nfree = 0, reached = 0;
	size_t records = 0;
	int32_t i, j, prev, seen;
	uint32_t e, s;

	memset(on_free, 0, sizeof(on_free));
	for (i = pool.free_head; i != CAP_NONE; i = pool.caps[i].next_sibling) {
		assert_true(i >= 0 && i < CAP_POOL_SIZE);
		assert_int_equal(pool.caps[i].type, 0);
		assert_false(on_free[i]);
		assert_null(pool.caps[i].maps);
		assert_int_equal(pool.caps[i].nmaps, 0);
		on_free[i] = 1;
		nfree++;
	}
	for (i = 0; i < CAP_POOL_SIZE; i++) {
		const struct cap *c = &pool.caps[i];
		const struct cap_mapping *m, *m2;
		struct cspace *cs;
		uint32_t n = 0;

		if (c->type == 0) {
			assert_true(on_free[i]);
			continue;
		}
		used++;
		assert_true(rights_ok(c->type, c->rights));
		assert_true(c->slot >= 0 && c->slot < EXO_CAP_SLOTS);
		cs = fake_cspace_of(&fk, c->holder);
		if (cs != NULL) {
			assert_int_equal(cs->slot[c->slot], i);
		}
		if (c->parent != CAP_NONE) {
			const struct cap *par;

			assert_true(c->parent >= 0 &&
				    c->parent < CAP_POOL_SIZE);
			par = &pool.caps[c->parent];
			assert_int_not_equal(par->type, 0);
			assert_int_equal(par->type, c->type);
			assert_int_equal(par->object, c->object);
			assert_int_equal(c->rights & ~par->rights, 0);
			seen = 0;
			for (j = par->first_child; j != CAP_NONE;
			     j = pool.caps[j].next_sibling) {
				seen += j == i;
				assert_true(seen <= 1);
			}
			assert_int_equal(seen, 1);
		} else {
			assert_int_equal(c->prev_sibling, CAP_NONE);
			assert_int_equal(c->next_sibling, CAP_NONE);
		}
		prev = CAP_NONE;
		n = 0;
		for (j = c->first_child; j != CAP_NONE;
		     j = pool.caps[j].next_sibling) {
			assert_true(j >= 0 && j < CAP_POOL_SIZE);
			assert_int_not_equal(pool.caps[j].type, 0);
			assert_int_equal(pool.caps[j].parent, i);
			assert_int_equal(pool.caps[j].prev_sibling, prev);
			prev = j;
			assert_true(++n <= CAP_POOL_SIZE);
		}
		n = 0;
		for (m = c->maps; m != NULL; m = m->next) {
			const struct fake_page *pg = &fk.page[m->va / PAGE];

			assert_int_equal(c->type, EXO_CAP_FRAME);
			assert_true(pg->live);
			assert_int_equal(pg->env, m->env);
			assert_int_equal(pg->object, c->object);
			for (m2 = m->next; m2 != NULL; m2 = m2->next) {
				assert_false(m2->env == m->env &&
					     m2->va == m->va);
			}
			n++;
		}
		assert_int_equal(n, c->nmaps);
		assert_true(n <= CAP_MAX_MAPPINGS);
		records += n;
	}
	assert_int_equal(used, pool.used);
	assert_int_equal(nfree, CAP_POOL_SIZE - used);
	assert_int_equal(records, fk.allocs_live);
	assert_int_equal(records, fk.live_pages);

	/* No cycles: every live entry is reached from a root, once. */
	for (i = 0; i < CAP_POOL_SIZE; i++) {
		int32_t cur = i;

		if (pool.caps[i].type == 0 || pool.caps[i].parent != CAP_NONE) {
			continue;
		}
		reached++;
		for (;;) {
			if (pool.caps[cur].first_child != CAP_NONE) {
				cur = pool.caps[cur].first_child;
			} else {
				while (cur != i &&
				       pool.caps[cur].next_sibling ==
					       CAP_NONE) {
					cur = pool.caps[cur].parent;
				}
				if (cur == i) {
					break;
				}
				cur = pool.caps[cur].next_sibling;
			}
			reached++;
			assert_true(reached <= used);
		}
	}
	assert_int_equal(reached, used);

	for (e = 1; e <= NENV; e++) {
		if (!fk.env[e].exists) {
			continue;
		}
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			int32_t k = fk.env[e].cs.slot[s];

			if (k == CAP_NONE) {
				continue;
			}
			assert_true(k >= 0 && k < CAP_POOL_SIZE);
			assert_int_not_equal(pool.caps[k].type, 0);
			assert_int_equal(pool.caps[k].holder, e);
			assert_int_equal(pool.caps[k].slot, s);
		}
	}
}

/*
 * After each test: everything can still be deleted, and deleting it all
 * leaves no entry, record or mapping behind.
 */
static int teardown(void **state)
{
	uint32_t e;
	int32_t i;

	check_pool();
	for (e = 1; e <= NENV; e++) {
		cspace_clear(&pool, e);
	}
	/* Whatever is left is held by environments that are gone. */
	for (i = 0; i < CAP_POOL_SIZE; i++) {
		if (pool.caps[i].type != 0) {
			cap_delete_object(&pool, pool.caps[i].type,
					  pool.caps[i].object);
		}
	}
	assert_int_equal(pool.used, 0);
	assert_int_equal(fk.allocs_live, 0);
	assert_int_equal(fk.live_pages, 0);
	check_pool();
	return 0;
}

static struct cap *cap_at(uint32_t env, int64_t slot)
{
	struct cap *c = NULL;

	assert_int_equal(cap_lookup(&pool, env, slot, 0, 0, &c), 0);
	assert_non_null(c);
	return c;
}

static int32_t idx_of(const struct cap *c)
{
	return (int32_t)(c - pool.caps);
}

static bool slot_empty(uint32_t env, int32_t slot)
{
	return fk.env[env].cs.slot[slot] == CAP_NONE;
}

static unsigned int nchildren(const struct cap *c)
{
	unsigned int n = 0;
	int32_t j;

	for (j = c->first_child; j != CAP_NONE; j = pool.caps[j].next_sibling) {
		n++;
	}
	return n;
}

static bool page_live(uint64_t va)
{
	return fk.page[va / PAGE].live;
}

/*
 * Map a fresh page of @c's frame into @env and record it through @c. On
 * failure the page is taken down again, as the kernel would. Returns the
 * status; *@va gets the page.
 */
static int try_map(struct cap *c, uint32_t env, int32_t tag, uint64_t *va)
{
	uint64_t n = fk.next_page++;
	struct fake_page *pg;
	int err;

	assert_true(n < NPAGES);
	pg = &fk.page[n];
	pg->live = true;
	pg->env = env;
	pg->object = c->object;
	pg->tag = tag;
	fk.live_pages++;
	*va = n * PAGE;
	err = cap_record_mapping(&pool, c, env, *va);
	if (err) {
		pg->live = false;
		fk.live_pages--;
	}
	return err;
}

static uint64_t map_via(struct cap *c, uint32_t env)
{
	uint64_t va;

	assert_int_equal(try_map(c, env, -1, &va), 0);
	return va;
}

static void test_init_empty(void **state)
{
	struct cspace cs;
	int32_t i, n = 0;

	assert_int_equal(pool.used, 0);
	assert_ptr_equal(pool.ops, &fake_ops);
	assert_ptr_equal(pool.ctx, &fk);
	for (i = pool.free_head; i != CAP_NONE; i = pool.caps[i].next_sibling) {
		/* Handed out from index 0 upwards. */
		assert_int_equal(i, n);
		n++;
	}
	assert_int_equal(n, CAP_POOL_SIZE);

	memset(&cs, 0x5a, sizeof(cs));
	cspace_init(&cs);
	for (i = 0; i < EXO_CAP_SLOTS; i++) {
		assert_int_equal(cs.slot[i], CAP_NONE);
	}
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, 0), 0);
	check_pool();
}

static void test_create_fills_first_free_slot(void **state)
{
	struct cap *c;
	int k;

	for (k = 0; k < 5; k++) {
		assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME,
					    EXO_CAP_R | EXO_CAP_W,
					    F1 + k * PAGE),
				 k);
	}
	c = cap_at(1, 2);
	assert_int_equal(c->type, EXO_CAP_FRAME);
	assert_int_equal(c->rights, EXO_CAP_R | EXO_CAP_W);
	assert_int_equal(c->holder, 1);
	assert_int_equal(c->slot, 2);
	assert_int_equal(c->object, F1 + 2 * PAGE);
	assert_int_equal(c->parent, CAP_NONE);
	assert_int_equal(c->first_child, CAP_NONE);
	assert_null(c->maps);
	assert_int_equal(c->nmaps, 0);
	assert_int_equal(pool.used, 5);

	/* The hole is filled first, then the end. */
	assert_int_equal(cap_delete(&pool, 1, 1), 0);
	assert_true(slot_empty(1, 1));
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, EXO_CAP_CONTROL, 9),
			 1);
	assert_int_equal(cap_at(1, 1)->type, EXO_CAP_ENV);
	assert_int_equal(cap_at(1, 1)->object, 9);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, 0, F2), 5);

	/* Another cspace starts at its own slot 0. */
	assert_int_equal(cap_create(&pool, 2, EXO_CAP_FRAME, EXO_CAP_R, F1), 0);
	assert_int_equal(cap_at(2, 0)->holder, 2);
	assert_int_equal(pool.used, 7);
	check_pool();
}

static void test_create_full_cspace(void **state)
{
	int k;

	for (k = 0; k < EXO_CAP_SLOTS; k++) {
		assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, EXO_CAP_R,
					    F1 + k * PAGE),
				 k);
	}
	assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, EXO_CAP_R, F2),
			 EXO_ERR_LIMIT);
	assert_int_equal(pool.used, EXO_CAP_SLOTS);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F2), 0);

	assert_int_equal(cap_create(&pool, 4, EXO_CAP_FRAME, EXO_CAP_R, F2), 0);
	assert_int_equal(cap_delete(&pool, 3, 37), 0);
	assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, EXO_CAP_R, F3),
			 37);
	assert_int_equal(cap_at(3, 37)->object, F3);
	assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, EXO_CAP_R, F3),
			 EXO_ERR_LIMIT);
	check_pool();
}

static void test_create_full_pool(void **state)
{
	uint32_t e;
	int k;

	for (e = 1; e <= CAP_POOL_SIZE / EXO_CAP_SLOTS; e++) {
		for (k = 0; k < EXO_CAP_SLOTS; k++) {
			assert_int_equal(cap_create(&pool, e, EXO_CAP_FRAME,
						    RWG, F1 + k * PAGE),
					 k);
		}
	}
	assert_int_equal(pool.used, CAP_POOL_SIZE);
	assert_int_equal(pool.free_head, CAP_NONE);

	/* Room in the cspace, none in the pool. */
	e = CAP_POOL_SIZE / EXO_CAP_SLOTS + 1;
	assert_int_equal(cap_create(&pool, e, EXO_CAP_FRAME, EXO_CAP_R, F1),
			 EXO_ERR_LIMIT);
	assert_int_equal(cap_derive(&pool, 1, 0, e, EXO_CAP_R), EXO_ERR_LIMIT);
	assert_true(slot_empty(e, 0));
	assert_int_equal(cap_at(1, 0)->first_child, CAP_NONE);
	assert_int_equal(pool.used, CAP_POOL_SIZE);
	check_pool();

	/* One entry back, one entry out; then full again. */
	assert_int_equal(cap_delete(&pool, 7, 3), 0);
	assert_int_equal(pool.used, CAP_POOL_SIZE - 1);
	assert_int_equal(cap_derive(&pool, 1, 0, e, EXO_CAP_R), 0);
	assert_int_equal(cap_at(e, 0)->parent, idx_of(cap_at(1, 0)));
	assert_int_equal(cap_create(&pool, e, EXO_CAP_FRAME, EXO_CAP_R, F1),
			 EXO_ERR_LIMIT);
	assert_int_equal(cap_delete(&pool, e, 0), 0);
	assert_int_equal(cap_create(&pool, e, EXO_CAP_ENV, EXO_CAP_MAP, 5), 0);
	assert_int_equal(pool.used, CAP_POOL_SIZE);
	check_pool();
}

static void test_create_invalid(void **state)
{
	static const uint16_t bad_types[] = { 0, 3, 4, 0xff, 0xffff };
	static const uint16_t bad_frame[] = {
		EXO_CAP_CONTROL,
		EXO_CAP_MAP,
		EXO_CAP_R | EXO_CAP_MAP,
		0x40,
		0x80,
		0x8000,
		EXO_CAP_ALL,
		0xffff,
	};
	static const uint16_t bad_env[] = {
		EXO_CAP_R, EXO_CAP_W, EXO_CAP_X,   EXO_CAP_CONTROL | EXO_CAP_R,
		0x40,	   0x8000,    EXO_CAP_ALL, 0xffff,
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		assert_int_equal(cap_create(&pool, 1, bad_types[i], 0, F1),
				 EXO_ERR_INVALID);
		assert_int_equal(
			cap_create(&pool, 1, bad_types[i], EXO_CAP_R, F1),
			EXO_ERR_INVALID);
	}
	for (i = 0; i < sizeof(bad_frame) / sizeof(bad_frame[0]); i++) {
		assert_int_equal(
			cap_create(&pool, 1, EXO_CAP_FRAME, bad_frame[i], F1),
			EXO_ERR_INVALID);
	}
	for (i = 0; i < sizeof(bad_env) / sizeof(bad_env[0]); i++) {
		assert_int_equal(
			cap_create(&pool, 1, EXO_CAP_ENV, bad_env[i], 7),
			EXO_ERR_INVALID);
	}
	/* Unknown holders, including one that has gone away. */
	fk.env[9].exists = false;
	assert_int_equal(cap_create(&pool, 0, EXO_CAP_FRAME, EXO_CAP_R, F1),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(
		cap_create(&pool, NENV + 1, EXO_CAP_FRAME, EXO_CAP_R, F1),
		EXO_ERR_NOT_FOUND);
	assert_int_equal(
		cap_create(&pool, UINT32_MAX, EXO_CAP_FRAME, EXO_CAP_R, F1),
		EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_create(&pool, 9, EXO_CAP_FRAME, EXO_CAP_R, F1),
			 EXO_ERR_NOT_FOUND);
	/* Bad rights win over an unknown holder: arguments come first. */
	assert_int_equal(cap_create(&pool, 0, EXO_CAP_FRAME, 0x40, F1),
			 EXO_ERR_INVALID);
	assert_int_equal(pool.used, 0);
	assert_true(slot_empty(1, 0));
	fk.env[9].exists = true;

	/* The edges of what is allowed. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, 0, F1), 0);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, 0, 7), 1);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, FRAME_RIGHTS, F1),
			 2);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, ENV_RIGHTS, 7), 3);
	assert_int_equal(cap_at(1, 2)->rights, FRAME_RIGHTS);
	assert_int_equal(cap_at(1, 3)->rights, ENV_RIGHTS);
	check_pool();
}

static void test_lookup_errors(void **state)
{
	static const int64_t bad_slots[] = {
		-1,
		-2,
		INT64_MIN,
		EXO_CAP_SLOTS,
		EXO_CAP_SLOTS + 1,
		INT64_MAX,
		(int64_t)1 << 32, /* 0 if truncated to 32 bits */
		((int64_t)1 << 32) + 1,
		-((int64_t)1 << 32),
		(int64_t)UINT32_MAX,
		0x7fffffff,
	};
	struct cap *const sentinel = (struct cap *)&fk;
	struct cap *c;
	unsigned int i;

	assert_int_equal(
		cap_create(&pool, 1, EXO_CAP_FRAME, EXO_CAP_R | EXO_CAP_W, F1),
		0);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, EXO_CAP_CONTROL, 5),
			 1);

	for (i = 0; i < sizeof(bad_slots) / sizeof(bad_slots[0]); i++) {
		c = sentinel;
		assert_int_equal(cap_lookup(&pool, 1, bad_slots[i], 0, 0, &c),
				 EXO_ERR_INVALID);
		assert_ptr_equal(c, sentinel);
		assert_int_equal(cap_revoke(&pool, 1, bad_slots[i]),
				 EXO_ERR_INVALID);
		assert_int_equal(cap_delete(&pool, 1, bad_slots[i]),
				 EXO_ERR_INVALID);
		assert_int_equal(cap_derive(&pool, 1, bad_slots[i], 2, 0),
				 EXO_ERR_INVALID);
	}

	c = sentinel;
	assert_int_equal(cap_lookup(&pool, 1, 2, 0, 0, &c), EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, 1, EXO_CAP_SLOTS - 1, 0, 0, &c),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, 0, 0, 0, 0, &c), EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, NENV + 1, 0, 0, 0, &c),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, 2, 0, 0, 0, &c), EXO_ERR_NOT_FOUND);

	assert_int_equal(cap_lookup(&pool, 1, 0, EXO_CAP_ENV, 0, &c),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_lookup(&pool, 1, 1, EXO_CAP_FRAME, 0, &c),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_lookup(&pool, 1, 0, 7, 0, &c), EXO_ERR_INVALID);

	assert_int_equal(cap_lookup(&pool, 1, 0, EXO_CAP_FRAME, EXO_CAP_X, &c),
			 EXO_ERR_DENIED);
	assert_int_equal(cap_lookup(&pool, 1, 0, 0, EXO_CAP_R | EXO_CAP_X, &c),
			 EXO_ERR_DENIED);
	assert_int_equal(cap_lookup(&pool, 1, 0, 0, EXO_CAP_GRANT, &c),
			 EXO_ERR_DENIED);
	assert_int_equal(cap_lookup(&pool, 1, 1, EXO_CAP_ENV, EXO_CAP_MAP, &c),
			 EXO_ERR_DENIED);
	assert_ptr_equal(c, sentinel);

	assert_int_equal(cap_lookup(&pool, 1, 0, 0, 0, &c), 0);
	assert_int_equal(c->object, F1);
	assert_int_equal(cap_lookup(&pool, 1, 0, EXO_CAP_FRAME,
				    EXO_CAP_R | EXO_CAP_W, &c),
			 0);
	assert_int_equal(c->object, F1);
	assert_int_equal(
		cap_lookup(&pool, 1, 1, EXO_CAP_ENV, EXO_CAP_CONTROL, &c), 0);
	assert_int_equal(c->object, 5);
	assert_true(c >= pool.caps && c < pool.caps + CAP_POOL_SIZE);
	check_pool();
}

static void test_derive(void **state)
{
	struct cap *src, *child, *g;
	uint32_t used;
	int k;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	src = cap_at(1, 0);

	/* A proper subset, then all of the source's rights. */
	assert_int_equal(cap_derive(&pool, 1, 0, 2, EXO_CAP_R), 0);
	child = cap_at(2, 0);
	assert_int_equal(child->type, EXO_CAP_FRAME);
	assert_int_equal(child->object, F1);
	assert_int_equal(child->rights, EXO_CAP_R);
	assert_int_equal(child->holder, 2);
	assert_int_equal(child->slot, 0);
	assert_int_equal(child->parent, idx_of(src));
	assert_int_equal(src->first_child, idx_of(child));
	assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), 1);
	assert_int_equal(cap_at(2, 1)->rights, RWG);
	assert_int_equal(nchildren(src), 2);
	assert_int_equal(cap_derive(&pool, 1, 0, 3, 0), 0);
	assert_int_equal(cap_at(3, 0)->rights, 0);
	/* The newest child is the head of the list; it can go again. */
	assert_int_equal(cap_delete(&pool, 3, 0), 0);
	assert_int_equal(src->first_child, idx_of(cap_at(2, 1)));
	check_pool();

	/* Into its own cspace. */
	assert_int_equal(cap_derive(&pool, 1, 0, 1, EXO_CAP_W), 1);
	assert_int_equal(cap_at(1, 1)->parent, idx_of(src));

	/* A grandchild from the child that may grant. */
	assert_int_equal(cap_derive(&pool, 2, 1, 3, EXO_CAP_W | EXO_CAP_GRANT),
			 0);
	g = cap_at(3, 0);
	assert_int_equal(g->parent, idx_of(cap_at(2, 1)));
	assert_int_equal(g->object, F1);
	check_pool();

	/* Every refusal leaves everything as it was. */
	used = pool.used;
	assert_int_equal(cap_derive(&pool, 1, 0, 4, RWG | EXO_CAP_X),
			 EXO_ERR_DENIED);
	assert_int_equal(cap_derive(&pool, 1, 0, 4, EXO_CAP_X), EXO_ERR_DENIED);
	assert_int_equal(cap_derive(&pool, 3, 0, 4, EXO_CAP_R), EXO_ERR_DENIED);
	/* Without GRANT, even nothing at all cannot be granted. */
	assert_int_equal(cap_derive(&pool, 2, 0, 4, 0), EXO_ERR_DENIED);
	assert_int_equal(cap_derive(&pool, 2, 0, 4, EXO_CAP_R), EXO_ERR_DENIED);
	assert_int_equal(cap_derive(&pool, 1, 0, 4, EXO_CAP_CONTROL),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive(&pool, 1, 0, 4, 0x40), EXO_ERR_INVALID);
	assert_int_equal(cap_derive(&pool, 1, 0, 4, 0xffff), EXO_ERR_INVALID);
	assert_int_equal(cap_derive(&pool, 1, 0, 0, EXO_CAP_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_derive(&pool, 1, 0, NENV + 1, EXO_CAP_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_derive(&pool, 1, 5, 4, EXO_CAP_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_derive(&pool, 0, 0, 4, EXO_CAP_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_derive(&pool, 1, -1, 4, EXO_CAP_R),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive(&pool, 1, (int64_t)1 << 32, 4, EXO_CAP_R),
			 EXO_ERR_INVALID);

	/* Into a full cspace. */
	for (k = 0; k < EXO_CAP_SLOTS; k++) {
		assert_int_equal(cap_create(&pool, 5, EXO_CAP_ENV, 0, k), k);
	}
	used = pool.used;
	assert_int_equal(cap_derive(&pool, 1, 0, 5, EXO_CAP_R), EXO_ERR_LIMIT);
	assert_int_equal(pool.used, used);
	assert_int_equal(nchildren(src), 3);
	assert_true(slot_empty(4, 0));
	check_pool();

	/* An environment capability derives the same way. */
	assert_int_equal(cap_create(&pool, 6, EXO_CAP_ENV,
				    EXO_CAP_CONTROL | EXO_CAP_GRANT, 42),
			 0);
	assert_int_equal(cap_derive(&pool, 6, 0, 7, EXO_CAP_CONTROL), 0);
	assert_int_equal(cap_at(7, 0)->type, EXO_CAP_ENV);
	assert_int_equal(cap_at(7, 0)->object, 42);
	assert_int_equal(cap_derive(&pool, 6, 0, 7, EXO_CAP_MAP),
			 EXO_ERR_DENIED);
	assert_int_equal(cap_derive(&pool, 6, 0, 7, EXO_CAP_R),
			 EXO_ERR_INVALID);
	check_pool();
}

static void test_revoke_reaches_every_holder(void **state)
{
	uint64_t va_r0, va_r1, va_a, va_g, va_g2, va_gg, va_b, va_u;
	struct cap *root;
	size_t calls;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	root = cap_at(1, 0);
	va_r0 = map_via(root, 1);
	va_r1 = map_via(root, 5);

	assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), 0); /* a */
	va_a = map_via(cap_at(2, 0), 2);
	assert_int_equal(cap_derive(&pool, 2, 0, 3, EXO_CAP_R | EXO_CAP_GRANT),
			 0); /* g */
	va_g = map_via(cap_at(3, 0), 3);
	va_g2 = map_via(cap_at(3, 0), 4);
	assert_int_equal(cap_derive(&pool, 3, 0, 1, EXO_CAP_R), 1); /* gg */
	va_gg = map_via(cap_at(1, 1), 1);
	assert_int_equal(cap_derive(&pool, 1, 0, 4, EXO_CAP_R), 0); /* b */
	va_b = map_via(cap_at(4, 0), 4);

	/* Unrelated: another frame, held by the same environments. */
	assert_int_equal(cap_create(&pool, 2, EXO_CAP_FRAME, RWG, F2), 1);
	assert_int_equal(cap_derive(&pool, 2, 1, 3, EXO_CAP_R), 1);
	va_u = map_via(cap_at(3, 1), 3);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 5);
	check_pool();

	assert_int_equal(cap_revoke(&pool, 1, 0), 0);

	/* The revoked capability and its own mappings stay. */
	assert_ptr_equal(cap_at(1, 0), root);
	assert_int_equal(root->rights, RWG);
	assert_int_equal(root->nmaps, 2);
	assert_int_equal(root->first_child, CAP_NONE);
	assert_true(page_live(va_r0));
	assert_true(page_live(va_r1));
	/* Every descendant is gone from every cspace, mappings and all. */
	assert_true(slot_empty(2, 0));
	assert_true(slot_empty(3, 0));
	assert_true(slot_empty(1, 1));
	assert_true(slot_empty(4, 0));
	assert_false(page_live(va_a));
	assert_false(page_live(va_g));
	assert_false(page_live(va_g2));
	assert_false(page_live(va_gg));
	assert_false(page_live(va_b));
	assert_int_equal(fk.unmap_calls, 5);
	/* The unrelated tree is untouched. */
	assert_true(page_live(va_u));
	assert_int_equal(cap_at(3, 1)->object, F2);
	assert_int_equal(pool.used, 3);
	assert_int_equal(fk.allocs_live, 3);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 1);
	check_pool();

	/* Nothing left to revoke; and the errors of a lookup. */
	calls = fk.unmap_calls;
	assert_int_equal(cap_revoke(&pool, 1, 0), 0);
	assert_int_equal(fk.unmap_calls, calls);
	assert_int_equal(cap_revoke(&pool, 1, 1), EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_revoke(&pool, 0, 0), EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_revoke(&pool, 1, -1), EXO_ERR_INVALID);
	assert_int_equal(pool.used, 3);

	/* Revoking a middle capability leaves its parent alone. */
	assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), 0);
	assert_int_equal(cap_derive(&pool, 2, 0, 3, EXO_CAP_R), 0);
	va_g = map_via(cap_at(3, 0), 3);
	assert_int_equal(cap_revoke(&pool, 2, 0), 0);
	assert_false(page_live(va_g));
	assert_true(slot_empty(3, 0));
	assert_int_equal(cap_at(2, 0)->parent, idx_of(root));
	assert_int_equal(root->first_child, idx_of(cap_at(2, 0)));
	check_pool();
}

static void test_delete_removes_itself(void **state)
{
	uint64_t va_root, va_c[3], va_g[3];
	struct cap *root, *c[3];
	int k;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	root = cap_at(1, 0);
	va_root = map_via(root, 1);
	for (k = 0; k < 3; k++) {
		assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), k);
		c[k] = cap_at(2, k);
		va_c[k] = map_via(c[k], 2);
		assert_int_equal(cap_derive(&pool, 2, k, 3, EXO_CAP_R), k);
		va_g[k] = map_via(cap_at(3, k), 3);
	}
	assert_int_equal(nchildren(root), 3);
	check_pool();

	/* A middle sibling. */
	assert_int_equal(cap_delete(&pool, 2, 1), 0);
	assert_true(slot_empty(2, 1));
	assert_true(slot_empty(3, 1));
	assert_false(page_live(va_c[1]));
	assert_false(page_live(va_g[1]));
	assert_true(page_live(va_c[0]) && page_live(va_c[2]));
	assert_true(page_live(va_g[0]) && page_live(va_g[2]));
	assert_true(page_live(va_root));
	assert_int_equal(nchildren(root), 2);
	assert_int_equal(cap_lookup(&pool, 2, 1, 0, 0, &c[1]),
			 EXO_ERR_NOT_FOUND);
	check_pool();

	/* Then the head of the list and the last one. */
	assert_int_equal(cap_delete(&pool, 2, 2), 0);
	assert_int_equal(nchildren(root), 1);
	assert_int_equal(root->first_child, idx_of(c[0]));
	check_pool();
	assert_int_equal(cap_delete(&pool, 2, 0), 0);
	assert_int_equal(root->first_child, CAP_NONE);
	assert_int_equal(pool.used, 1);
	assert_true(page_live(va_root));
	check_pool();

	/* The root itself, with its own mapping. */
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_true(slot_empty(1, 0));
	assert_false(page_live(va_root));
	assert_int_equal(pool.used, 0);
	assert_int_equal(fk.allocs_live, 0);
	assert_int_equal(fk.unmap_calls, 7);
	assert_int_equal(cap_delete(&pool, 1, 0), EXO_ERR_NOT_FOUND);
	check_pool();

	/* The last entry freed is the first reused. */
	k = idx_of(root);
	assert_int_equal(cap_create(&pool, 4, EXO_CAP_ENV, 0, 1), 0);
	assert_int_equal(idx_of(cap_at(4, 0)), k);
	check_pool();
}

static void test_unmap_only_what_it_mapped(void **state)
{
	struct cap *c;
	uint64_t va;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	c = cap_at(1, 0);
	va = map_via(c, 2);
	/* The page was unmapped and now holds another frame. */
	fk.page[va / PAGE].object = F2;
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_int_equal(fk.unmap_calls, 1);
	assert_true(page_live(va));
	fk.page[va / PAGE].live = false;
	fk.live_pages--;
	check_pool();
}

static void test_cspace_clear(void **state)
{
	uint64_t va_a, va_a2, va_a3, va_c, va_c1, va_c4, va_self;
	struct cap *croot, *b2;
	size_t calls;
	int s;

	/* Env 1's own tree, handed on to 2 and then 3, and to itself. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	va_a = map_via(cap_at(1, 0), 1);
	assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), 0);
	va_a2 = map_via(cap_at(2, 0), 2);
	assert_int_equal(cap_derive(&pool, 2, 0, 3, EXO_CAP_R), 0);
	va_a3 = map_via(cap_at(3, 0), 3);
	assert_int_equal(cap_derive(&pool, 1, 0, 1, EXO_CAP_R), 1);
	va_self = map_via(cap_at(1, 1), 1);

	/* Granted to env 1 by env 3, and passed on by env 1 to env 4. */
	assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, RWG, F2), 1);
	croot = cap_at(3, 1);
	va_c = map_via(croot, 3);
	assert_int_equal(cap_derive(&pool, 3, 1, 1, RWG), 2);
	va_c1 = map_via(cap_at(1, 2), 1);
	assert_int_equal(cap_derive(&pool, 1, 2, 4, EXO_CAP_R), 0);
	va_c4 = map_via(cap_at(4, 0), 4);

	/* An environment capability on env 1, held by env 2. */
	assert_int_equal(cap_create(&pool, 2, EXO_CAP_ENV,
				    EXO_CAP_CONTROL | EXO_CAP_GRANT, 1),
			 1);
	b2 = cap_at(2, 1);
	assert_int_equal(cap_derive(&pool, 2, 1, 1, EXO_CAP_CONTROL), 3);
	assert_int_equal(pool.used, 9);
	check_pool();

	cspace_clear(&pool, 1);

	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		assert_true(slot_empty(1, s));
	}
	/* Derived from env 1's capabilities: gone wherever held. */
	assert_true(slot_empty(2, 0));
	assert_true(slot_empty(3, 0));
	assert_true(slot_empty(4, 0));
	assert_false(page_live(va_a));
	assert_false(page_live(va_a2));
	assert_false(page_live(va_a3));
	assert_false(page_live(va_self));
	assert_false(page_live(va_c1));
	assert_false(page_live(va_c4));
	/* What others granted to env 1 is gone; the sources stay. */
	assert_ptr_equal(cap_at(3, 1), croot);
	assert_int_equal(croot->first_child, CAP_NONE);
	assert_true(page_live(va_c));
	assert_ptr_equal(cap_at(2, 1), b2);
	assert_int_equal(b2->first_child, CAP_NONE);
	assert_int_equal(pool.used, 2);
	assert_int_equal(fk.unmap_calls, 6);
	check_pool();

	/* Unknown, gone or empty holders: nothing happens. */
	calls = fk.unmap_calls;
	cspace_clear(&pool, 0);
	cspace_clear(&pool, NENV + 1);
	cspace_clear(&pool, UINT32_MAX);
	cspace_clear(&pool, 1);
	fk.env[3].exists = false;
	cspace_clear(&pool, 3);
	fk.env[3].exists = true;
	assert_int_equal(pool.used, 2);
	assert_int_equal(fk.unmap_calls, calls);
	assert_ptr_equal(cap_at(3, 1), croot);
	check_pool();
}

static void test_delete_object(void **state)
{
	uint64_t va_z, va_zc, va_zg, va_x2, va_y;
	struct cap *z, *zc;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F2), 1);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 2);
	/* An environment capability whose id happens to equal F1. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, ENV_RIGHTS, F1), 3);
	va_y = map_via(cap_at(1, 1), 1);

	/*
	 * Free entry 0, so that the next child lands below its parent in
	 * the pool: the scan meets descendants before and after ancestors.
	 */
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	z = cap_at(1, 2);
	va_z = map_via(z, 1);
	assert_int_equal(cap_derive(&pool, 1, 2, 2, RWG), 0);
	zc = cap_at(2, 0);
	assert_true(idx_of(zc) < idx_of(z));
	va_zc = map_via(zc, 2);
	assert_int_equal(cap_derive(&pool, 2, 0, 3, EXO_CAP_R), 0);
	assert_true(idx_of(cap_at(3, 0)) > idx_of(z));
	va_zg = map_via(cap_at(3, 0), 5);

	/* A second root on the same frame, in another environment. */
	assert_int_equal(cap_create(&pool, 4, EXO_CAP_FRAME, RWG, F1), 0);
	assert_int_equal(cap_derive(&pool, 4, 0, 5, EXO_CAP_R | EXO_CAP_GRANT),
			 0);
	assert_int_equal(cap_derive(&pool, 5, 0, 1, EXO_CAP_R), 0);
	va_x2 = map_via(cap_at(1, 0), 1);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 6);
	check_pool();

	/* Type 0 and objects nobody names: nothing. */
	cap_delete_object(&pool, 0, F1);
	cap_delete_object(&pool, EXO_CAP_FRAME, F3);
	assert_int_equal(pool.used, 8);
	assert_int_equal(fk.unmap_calls, 0);

	cap_delete_object(&pool, EXO_CAP_FRAME, F1);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 0);
	assert_false(page_live(va_z));
	assert_false(page_live(va_zc));
	assert_false(page_live(va_zg));
	assert_false(page_live(va_x2));
	assert_true(page_live(va_y));
	assert_int_equal(cap_at(1, 1)->object, F2);
	assert_int_equal(cap_at(1, 3)->type, EXO_CAP_ENV);
	assert_int_equal(pool.used, 2);
	assert_true(slot_empty(1, 0));
	assert_true(slot_empty(1, 2));
	assert_true(slot_empty(2, 0));
	assert_true(slot_empty(3, 0));
	assert_true(slot_empty(4, 0));
	assert_true(slot_empty(5, 0));
	check_pool();

	cap_delete_object(&pool, EXO_CAP_ENV, F1);
	assert_true(slot_empty(1, 3));
	assert_int_equal(pool.used, 1);
	check_pool();
}

static void test_dead_holder(void **state)
{
	struct cap *root;
	uint64_t va;
	int32_t stale;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	root = cap_at(1, 0);
	assert_int_equal(cap_derive(&pool, 1, 0, 2, RWG), 0);
	va = map_via(cap_at(2, 0), 2);
	stale = fk.env[2].cs.slot[0];

	/* Env 2 is gone (its cspace with it); revoking must still work. */
	fk.env[2].exists = false;
	assert_int_equal(cap_revoke(&pool, 1, 0), 0);
	assert_false(page_live(va));
	assert_int_equal(root->first_child, CAP_NONE);
	assert_int_equal(pool.used, 1);
	assert_int_equal(fk.env[2].cs.slot[0], stale);
	cspace_init(&fk.env[2].cs);
	fk.env[2].exists = true;
	check_pool();
}

static void test_holds(void **state)
{
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, 0));
	assert_int_equal(
		cap_create(&pool, 1, EXO_CAP_FRAME, EXO_CAP_R | EXO_CAP_W, F1),
		0);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, EXO_CAP_CONTROL, 7),
			 1);

	assert_true(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, 0));
	assert_true(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, EXO_CAP_R));
	assert_true(
		cap_holds(&pool, 1, EXO_CAP_FRAME, F1, EXO_CAP_R | EXO_CAP_W));
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, EXO_CAP_X));
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, EXO_CAP_GRANT));
	assert_false(cap_holds(&pool, 1, EXO_CAP_ENV, F1, 0));
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, F1 + PAGE, 0));
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, 7, 0));
	assert_false(cap_holds(&pool, 2, EXO_CAP_FRAME, F1, 0));
	assert_false(cap_holds(&pool, 0, EXO_CAP_FRAME, F1, 0));
	assert_false(cap_holds(&pool, NENV + 1, EXO_CAP_FRAME, F1, 0));
	assert_true(cap_holds(&pool, 1, EXO_CAP_ENV, 7, EXO_CAP_CONTROL));
	assert_false(cap_holds(&pool, 1, EXO_CAP_ENV, 7, EXO_CAP_MAP));

	/* Two weak capabilities do not add up to one strong one. */
	assert_int_equal(cap_create(&pool, 3, EXO_CAP_FRAME, RWG, F2), 0);
	assert_int_equal(cap_derive(&pool, 3, 0, 2, EXO_CAP_R), 0);
	assert_int_equal(cap_derive(&pool, 3, 0, 2, EXO_CAP_W), 1);
	assert_true(cap_holds(&pool, 2, EXO_CAP_FRAME, F2, EXO_CAP_R));
	assert_true(cap_holds(&pool, 2, EXO_CAP_FRAME, F2, EXO_CAP_W));
	assert_false(
		cap_holds(&pool, 2, EXO_CAP_FRAME, F2, EXO_CAP_R | EXO_CAP_W));

	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_false(cap_holds(&pool, 1, EXO_CAP_FRAME, F1, 0));
	assert_int_equal(cap_revoke(&pool, 3, 0), 0);
	assert_false(cap_holds(&pool, 2, EXO_CAP_FRAME, F2, 0));
	assert_true(cap_holds(&pool, 3, EXO_CAP_FRAME, F2, RWG));
	check_pool();
}

static void test_count_object(void **state)
{
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 0);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	assert_int_equal(cap_create(&pool, 2, EXO_CAP_FRAME, RWG, F1), 0);
	assert_int_equal(cap_derive(&pool, 1, 0, 3, RWG), 0);
	assert_int_equal(cap_derive(&pool, 3, 0, 4, EXO_CAP_R), 0);
	assert_int_equal(cap_derive(&pool, 2, 0, 4, EXO_CAP_R), 1);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F2), 1);
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, 0, F1), 2);

	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 5);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F2), 1);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_ENV, F1), 1);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F3), 0);
	/* Free entries have type 0 and object 0; they never count. */
	assert_int_equal(cap_count_object(&pool, 0, 0), 0);
	assert_int_equal(cap_count_object(&pool, 0, F1), 0);

	assert_int_equal(cap_revoke(&pool, 1, 0), 0);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 3);
	assert_int_equal(cap_delete(&pool, 2, 0), 0);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_FRAME, F1), 1);
	check_pool();
}

static void test_mapping_limit(void **state)
{
	struct cap *c, *e;
	uint64_t first, va;
	size_t calls;
	int k;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	c = cap_at(1, 0);
	first = map_via(c, 1);
	for (k = 1; k < CAP_MAX_MAPPINGS; k++) {
		map_via(c, 1 + k % 4);
	}
	assert_int_equal(c->nmaps, CAP_MAX_MAPPINGS);
	assert_int_equal(fk.allocs_live, CAP_MAX_MAPPINGS);
	check_pool();

	/* Full: a new page is refused, and nothing is allocated for it. */
	calls = fk.alloc_calls;
	assert_int_equal(try_map(c, 1, -1, &va), EXO_ERR_LIMIT);
	assert_int_equal(fk.alloc_calls, calls);
	assert_int_equal(c->nmaps, CAP_MAX_MAPPINGS);
	/* The same page in another environment is another mapping. */
	assert_int_equal(cap_record_mapping(&pool, c, 2, first), EXO_ERR_LIMIT);
	/* The same page again is the record it already has. */
	assert_int_equal(cap_record_mapping(&pool, c, 1, first), 0);
	assert_int_equal(c->nmaps, CAP_MAX_MAPPINGS);
	assert_int_equal(fk.alloc_calls, calls);
	check_pool();

	/* Deleting undoes every mapping and frees every record. */
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_int_equal(fk.unmap_calls, CAP_MAX_MAPPINGS);
	assert_int_equal(fk.allocs_live, 0);
	assert_int_equal(fk.live_pages, 0);
	check_pool();

	/* Remapping one page below the limit keeps one record too. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F2), 0);
	c = cap_at(1, 0);
	va = map_via(c, 3);
	assert_int_equal(cap_record_mapping(&pool, c, 3, va), 0);
	assert_int_equal(c->nmaps, 1);
	assert_int_equal(fk.allocs_live, 1);

	/* Out of memory: refused, nothing recorded; then it works. */
	fk.fail_alloc = true;
	assert_int_equal(try_map(c, 3, -1, &va), EXO_ERR_NO_MEMORY);
	assert_int_equal(c->nmaps, 1);
	fk.fail_alloc = false;
	assert_int_equal(try_map(c, 3, -1, &va), 0);
	assert_int_equal(c->nmaps, 2);

	/* Only frame capabilities map anything. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_ENV, ENV_RIGHTS, 4), 1);
	e = cap_at(1, 1);
	calls = fk.alloc_calls;
	assert_int_equal(cap_record_mapping(&pool, e, 1, 0x10000),
			 EXO_ERR_INVALID);
	assert_int_equal(e->nmaps, 0);
	assert_int_equal(fk.alloc_calls, calls);
	check_pool();
}

/* Build a chain of @depth frame capabilities, each mapped once. */
static void build_chain(int depth, uint32_t *holder, int32_t *slot)
{
	int k;

	assert_int_equal(cap_create(&pool, 1, EXO_CAP_FRAME, RWG, F1), 0);
	holder[0] = 1;
	slot[0] = 0;
	map_via(cap_at(1, 0), 1);
	for (k = 1; k < depth; k++) {
		uint32_t to = 1 + k % NENV;
		int r = cap_derive(&pool, holder[k - 1], slot[k - 1], to, RWG);

		assert_true(r >= 0);
		holder[k] = to;
		slot[k] = r;
		map_via(cap_at(to, r), to);
	}
}

static void test_deep_chain_without_recursion(void **state)
{
	static uint32_t holder[DEPTH];
	static int32_t slot[DEPTH];
	/* Everything the pool uses lies below this frame. */
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);
	int k;

	build_chain(DEPTH, holder, slot);
	assert_int_equal(pool.used, DEPTH);
	assert_int_equal(cap_at(holder[DEPTH - 1], slot[DEPTH - 1])->parent,
			 idx_of(cap_at(holder[DEPTH - 2], slot[DEPTH - 2])));
	check_pool();

	/* Revoke from the root: the whole chain goes, in bounded stack. */
	fk.stack_min = UINTPTR_MAX;
	assert_int_equal(cap_revoke(&pool, 1, 0), 0);
	assert_true(top - fk.stack_min < STACK_BUDGET);
	assert_int_equal(pool.used, 1);
	assert_int_equal(fk.unmap_calls, DEPTH - 1);
	assert_int_equal(fk.allocs_live, 1);
	assert_int_equal(fk.live_pages, 1);
	for (k = 1; k < DEPTH; k++) {
		assert_true(slot_empty(holder[k], slot[k]));
	}
	check_pool();
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_int_equal(pool.used, 0);

	/* Delete from the middle, then the rest from the root. */
	build_chain(DEPTH, holder, slot);
	fk.stack_min = UINTPTR_MAX;
	assert_int_equal(cap_delete(&pool, holder[DEPTH / 2], slot[DEPTH / 2]),
			 0);
	assert_true(top - fk.stack_min < STACK_BUDGET);
	assert_int_equal(pool.used, DEPTH / 2);
	assert_int_equal(
		cap_at(holder[DEPTH / 2 - 1], slot[DEPTH / 2 - 1])->first_child,
		CAP_NONE);
	check_pool();
	fk.stack_min = UINTPTR_MAX;
	assert_int_equal(cap_delete(&pool, 1, 0), 0);
	assert_true(top - fk.stack_min < STACK_BUDGET);
	assert_int_equal(pool.used, 0);
	assert_int_equal(fk.allocs_live, 0);
	check_pool();

	/* The same through cspace_clear and cap_delete_object. */
	build_chain(DEPTH, holder, slot);
	fk.stack_min = UINTPTR_MAX;
	cspace_clear(&pool, 1);
	assert_true(top - fk.stack_min < STACK_BUDGET);
	assert_int_equal(pool.used, 0);
	build_chain(DEPTH, holder, slot);
	fk.stack_min = UINTPTR_MAX;
	cap_delete_object(&pool, EXO_CAP_FRAME, F1);
	assert_true(top - fk.stack_min < STACK_BUDGET);
	assert_int_equal(pool.used, 0);
	assert_int_equal(fk.allocs_live, 0);
	assert_int_equal(fk.live_pages, 0);
	check_pool();
}

/*
 * The randomized test keeps a shadow model: one node per capability ever
 * made, with its holder, slot, parent node and mapping count, and each
 * environment's slots naming nodes. The model is simple on purpose
 * (descendants are found by walking parent links) and is compared against
 * the pool after every step.
 */
#define MAX_NODES 65536

struct mnode {
	bool live;
	uint32_t holder;
	int32_t slot;
	int32_t parent; /* node, or -1 */
	uint16_t type;
	uint16_t rights;
	uint64_t object;
	uint32_t nmaps;
};

static struct mnode mn[MAX_NODES];
static int32_t nnodes;
static int32_t mslot[NENV + 1][EXO_CAP_SLOTS];
static uint32_t mused;
static uint32_t menvs; /* environments 1..menvs exist in this run */

/* Outcomes seen, to show the run reached every interesting case. */
struct rstats {
	unsigned int create_ok, derive_ok, revoke_ok, delete_ok, record_ok;
	unsigned int invalid, not_found, denied, limit_slots, limit_pool;
	unsigned int no_memory, clears, object_deletes, holds_true;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool m_env_known(uint32_t e)
{
	return e >= 1 && e <= menvs;
}

static int32_t m_first_free(uint32_t e)
{
	int32_t s;

	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		if (mslot[e][s] < 0) {
			return s;
		}
	}
	return -1;
}

static int m_lookup(uint32_t e, int64_t slot, uint16_t type, uint16_t need,
		    int32_t *out)
{
	int32_t n;

	if (slot < 0 || slot >= EXO_CAP_SLOTS) {
		return EXO_ERR_INVALID;
	}
	if (!m_env_known(e)) {
		return EXO_ERR_NOT_FOUND;
	}
	n = mslot[e][slot];
	if (n < 0) {
		return EXO_ERR_NOT_FOUND;
	}
	if (type != 0 && mn[n].type != type) {
		return EXO_ERR_INVALID;
	}
	if ((mn[n].rights & need) != need) {
		return EXO_ERR_DENIED;
	}
	*out = n;
	return 0;
}

static int32_t m_new(uint32_t e, int32_t s, uint16_t type, uint16_t rights,
		     uint64_t object, int32_t parent)
{
	int32_t n = nnodes++;

	assert_true(n < MAX_NODES);
	mn[n] = (struct mnode){
		.live = true,
		.holder = e,
		.slot = s,
		.parent = parent,
		.type = type,
		.rights = rights,
		.object = object,
	};
	mslot[e][s] = n;
	mused++;
	return n;
}

static void m_kill(int32_t n)
{
	mn[n].live = false;
	mslot[mn[n].holder][mn[n].slot] = -1;
	mused--;
}

static bool m_descends(int32_t n, int32_t root)
{
	int32_t k;

	for (k = mn[n].parent; k >= 0; k = mn[k].parent) {
		if (k == root) {
			return true;
		}
	}
	return false;
}

/* Every live node is in some slot here, so scanning slots finds them all. */
static void m_kill_subtree(int32_t root, bool keep_root)
{
	static int32_t victims[NENV * EXO_CAP_SLOTS];
	uint32_t e, nv = 0, i;
	int32_t s, n;

	for (e = 1; e <= menvs; e++) {
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			n = mslot[e][s];
			if (n >= 0 && m_descends(n, root)) {
				victims[nv++] = n;
			}
		}
	}
	for (i = 0; i < nv; i++) {
		m_kill(victims[i]);
	}
	if (!keep_root) {
		m_kill(root);
	}
}

/* The pool, the cspaces and the fake address space agree with the model. */
static void check_model(void)
{
	size_t maps = 0;
	uint32_t e;
	int32_t s;

	for (e = 1; e <= menvs; e++) {
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			int32_t n = mslot[e][s], k = fk.env[e].cs.slot[s];
			const struct cap *c;

			if (n < 0) {
				assert_int_equal(k, CAP_NONE);
				continue;
			}
			assert_true(k >= 0 && k < CAP_POOL_SIZE);
			c = &pool.caps[k];
			assert_true(mn[n].live);
			assert_int_equal(c->type, mn[n].type);
			assert_int_equal(c->rights, mn[n].rights);
			assert_int_equal(c->object, mn[n].object);
			assert_int_equal(c->holder, e);
			assert_int_equal(c->slot, s);
			assert_int_equal(c->nmaps, mn[n].nmaps);
			if (mn[n].parent < 0) {
				assert_int_equal(c->parent, CAP_NONE);
			} else {
				const struct mnode *mp = &mn[mn[n].parent];

				assert_true(mp->live);
				assert_int_equal(
					c->parent,
					fk.env[mp->holder].cs.slot[mp->slot]);
			}
			maps += mn[n].nmaps;
		}
	}
	assert_int_equal(pool.used, mused);
	assert_int_equal(fk.allocs_live, maps);
	assert_int_equal(fk.live_pages, maps);
}

/* Every page still mapped was mapped through a capability still alive. */
static void check_pages(void)
{
	uint64_t n;

	for (n = 0; n < fk.next_page; n++) {
		if (fk.page[n].live) {
			assert_true(fk.page[n].tag >= 0);
			assert_true(mn[fk.page[n].tag].live);
		}
	}
}

static uint32_t pick_env(void)
{
	uint64_t r = rng() % (menvs + 8);

	if (r == 0) {
		return 0;
	}
	if (r == 1) {
		return menvs + 1; /* does not exist in this run */
	}
	return 1 + (uint32_t)(r % menvs);
}

static int64_t pick_slot(uint32_t e)
{
	static const int64_t odd[] = {
		-1, EXO_CAP_SLOTS, INT64_MIN, INT64_MAX, (int64_t)1 << 32,
	};
	uint64_t r = rng() % 100;
	int32_t s, live[EXO_CAP_SLOTS], n = 0;

	if (r < 5) {
		return odd[rng() % (sizeof(odd) / sizeof(odd[0]))];
	}
	if (r < 20 || !m_env_known(e)) {
		return (int64_t)(rng() % EXO_CAP_SLOTS);
	}
	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		if (mslot[e][s] >= 0) {
			live[n++] = s;
		}
	}
	return n ? live[rng() % n] : 0;
}

static uint16_t pick_rights(uint16_t type)
{
	uint64_t r = rng() % 100;

	if (r < 10) {
		return (uint16_t)rng();
	}
	if (r < 25) {
		return rng() & EXO_CAP_ALL;
	}
	return (type == EXO_CAP_ENV ? ENV_RIGHTS : FRAME_RIGHTS) & rng();
}

static void count_err(struct rstats *st, int err)
{
	switch (err) {
	case EXO_ERR_INVALID:
		st->invalid++;
		break;
	case EXO_ERR_NOT_FOUND:
		st->not_found++;
		break;
	case EXO_ERR_DENIED:
		st->denied++;
		break;
	default:
		break;
	}
}

static void step_create(struct rstats *st)
{
	static const uint16_t types[] = { EXO_CAP_FRAME, EXO_CAP_ENV, 0, 3 };
	uint32_t e = pick_env();
	uint16_t type = types[rng() % 10 < 9 ? rng() % 2 : 2 + rng() % 2];
	uint16_t rights = pick_rights(type);
	uint64_t object = (rng() % 6) * PAGE;
	int expect, got;
	int32_t s = -1;

	if (!rights_ok(type, rights)) {
		expect = EXO_ERR_INVALID;
	} else if (!m_env_known(e)) {
		expect = EXO_ERR_NOT_FOUND;
	} else if ((s = m_first_free(e)) < 0) {
		expect = EXO_ERR_LIMIT;
		st->limit_slots++;
	} else if (mused == CAP_POOL_SIZE) {
		expect = EXO_ERR_LIMIT;
		st->limit_pool++;
	} else {
		expect = s;
	}
	got = cap_create(&pool, e, type, rights, object);
	assert_int_equal(got, expect);
	if (got >= 0) {
		m_new(e, s, type, rights, object, -1);
		st->create_ok++;
	} else {
		count_err(st, got);
	}
}

static void step_derive(struct rstats *st)
{
	uint32_t e = pick_env(), to = pick_env();
	int64_t slot = pick_slot(e);
	uint16_t rights = 0;
	int32_t src = -1, s = -1;
	int expect, got;

	expect = m_lookup(e, slot, 0, 0, &src);
	if (expect == 0) {
		rights = rng() % 100 < 60 ? mn[src].rights & rng()
					  : pick_rights(mn[src].type);
		if (!rights_ok(mn[src].type, rights)) {
			expect = EXO_ERR_INVALID;
		} else if (!(mn[src].rights & EXO_CAP_GRANT) ||
			   (rights & ~mn[src].rights)) {
			expect = EXO_ERR_DENIED;
		} else if (!m_env_known(to)) {
			expect = EXO_ERR_NOT_FOUND;
		} else if ((s = m_first_free(to)) < 0) {
			expect = EXO_ERR_LIMIT;
			st->limit_slots++;
		} else if (mused == CAP_POOL_SIZE) {
			expect = EXO_ERR_LIMIT;
			st->limit_pool++;
		} else {
			expect = s;
		}
	}
	got = cap_derive(&pool, e, slot, to, rights);
	assert_int_equal(got, expect);
	if (got >= 0) {
		m_new(to, s, mn[src].type, rights, mn[src].object, src);
		st->derive_ok++;
	} else {
		count_err(st, got);
	}
}

static void step_revoke_or_delete(struct rstats *st, bool del)
{
	uint32_t e = pick_env();
	int64_t slot = pick_slot(e);
	int32_t n = -1;
	int expect, got;

	expect = m_lookup(e, slot, 0, 0, &n);
	got = del ? cap_delete(&pool, e, slot) : cap_revoke(&pool, e, slot);
	assert_int_equal(got, expect);
	if (got == 0) {
		m_kill_subtree(n, !del);
		if (del) {
			st->delete_ok++;
		} else {
			st->revoke_ok++;
		}
	} else {
		count_err(st, got);
	}
}

static void step_record(struct rstats *st)
{
	uint32_t e = pick_env(), env = 1 + (uint32_t)(rng() % menvs);
	int64_t slot = pick_slot(e);
	uint16_t type = rng() % 4 ? EXO_CAP_FRAME : 0;
	struct cap *c = NULL;
	int32_t n = -1;
	int expect, got;
	uint64_t va;

	expect = m_lookup(e, slot, type, 0, &n);
	got = cap_lookup(&pool, e, slot, type, 0, &c);
	assert_int_equal(got, expect);
	if (got) {
		count_err(st, got);
		return;
	}
	fk.fail_alloc = rng() % 10 == 0;
	if (mn[n].type != EXO_CAP_FRAME) {
		expect = EXO_ERR_INVALID;
	} else if (mn[n].nmaps == CAP_MAX_MAPPINGS) {
		expect = EXO_ERR_LIMIT;
	} else if (fk.fail_alloc) {
		expect = EXO_ERR_NO_MEMORY;
		st->no_memory++;
	} else {
		expect = 0;
	}
	got = try_map(c, env, n, &va);
	fk.fail_alloc = false;
	assert_int_equal(got, expect);
	if (got == 0) {
		mn[n].nmaps++;
		st->record_ok++;
	}
}

static void step_clear(struct rstats *st)
{
	uint32_t e = pick_env();
	int32_t s;

	cspace_clear(&pool, e);
	if (!m_env_known(e)) {
		return;
	}
	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		if (mslot[e][s] >= 0) {
			m_kill_subtree(mslot[e][s], false);
		}
	}
	st->clears++;
}

static void step_delete_object(struct rstats *st)
{
	uint16_t type = rng() % 2 ? EXO_CAP_FRAME : EXO_CAP_ENV;
	uint64_t object = (rng() % 6) * PAGE;
	uint32_t e;
	int32_t s, n;

	cap_delete_object(&pool, type, object);
	/* Descendants share type and object, so killing matches is enough. */
	for (e = 1; e <= menvs; e++) {
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			n = mslot[e][s];
			if (n >= 0 && mn[n].type == type &&
			    mn[n].object == object) {
				m_kill(n);
			}
		}
	}
	st->object_deletes++;
}

static void step_query(struct rstats *st)
{
	uint32_t e = pick_env(), count = 0, k;
	uint16_t type = rng() % 2 ? EXO_CAP_FRAME : EXO_CAP_ENV;
	uint64_t object = (rng() % 6) * PAGE;
	uint16_t need = rng() & EXO_CAP_ALL & rng();
	bool holds = false;
	int32_t s, n;

	if (m_env_known(e)) {
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			n = mslot[e][s];
			holds = holds || (n >= 0 && mn[n].type == type &&
					  mn[n].object == object &&
					  (mn[n].rights & need) == need);
		}
	}
	assert_int_equal(cap_holds(&pool, e, type, object, need), holds);
	st->holds_true += holds;
	for (k = 1; k <= menvs; k++) {
		for (s = 0; s < EXO_CAP_SLOTS; s++) {
			n = mslot[k][s];
			count += n >= 0 && mn[n].type == type &&
				 mn[n].object == object;
		}
	}
	assert_int_equal(cap_count_object(&pool, type, object), count);
}

/* One random operation; @grow in percent is the extra share of creates. */
static void random_step(struct rstats *st, unsigned int grow)
{
	unsigned int r;

	if (rng() % 100 < grow) {
		step_create(st);
		return;
	}
	r = (unsigned int)(rng() % 1000);
	if (r < 300) {
		step_derive(st);
	} else if (r < 420) {
		step_record(st);
	} else if (r < 500) {
		step_query(st);
	} else if (r < 600) {
		step_revoke_or_delete(st, false);
	} else if (r < 700) {
		step_revoke_or_delete(st, true);
	} else if (r < 705) {
		step_clear(st);
	} else if (r < 710) {
		step_delete_object(st);
	} else {
		step_create(st);
	}
}

/*
 * @nenv environments, @steps random operations; @grow in percent is how
 * often a step creates rather than doing something else.
 */
static void random_run(uint32_t nenv, unsigned int steps, unsigned int grow,
		       uint64_t seed, struct rstats *st)
{
	unsigned int step;
	uint32_t e;

	memset(st, 0, sizeof(*st));
	memset(mn, 0, sizeof(mn));
	memset(mslot, 0xff, sizeof(mslot));
	nnodes = 0;
	mused = 0;
	menvs = nenv;
	/* Environment nenv + 1 is one that does not exist. */
	for (e = nenv + 1; e <= NENV; e++) {
		fk.env[e].exists = false;
	}
	rng_state = seed;
	for (step = 0; step < steps; step++) {
		random_step(st, grow);
		check_model();
		if (step % 500 == 0) {
			check_pool();
			check_pages();
		}
	}
	check_pool();
	check_pages();
	for (e = nenv + 1; e <= NENV; e++) {
		fk.env[e].exists = true;
	}
}

static void test_random_dense(void **state)
{
	struct rstats st;

	/* Few environments: full cspaces, deep and bushy trees. */
	random_run(6, 40000, 5, 0x9e3779b97f4a7c15ull, &st);
	assert_true(st.create_ok > 100);
	assert_true(st.derive_ok > 1000);
	assert_true(st.revoke_ok > 100);
	assert_true(st.delete_ok > 100);
	assert_true(st.record_ok > 100);
	assert_true(st.no_memory > 10);
	assert_true(st.invalid > 100);
	assert_true(st.not_found > 100);
	assert_true(st.denied > 100);
	assert_true(st.limit_slots > 10);
	assert_true(st.clears > 10);
	assert_true(st.object_deletes > 10);
	assert_true(st.holds_true > 10);
}

static void test_random_pool_pressure(void **state)
{
	struct rstats st;

	/* Enough environments to fill the pool, and mostly creation. */
	random_run(70, 15000, 80, 0x243f6a8885a308d3ull, &st);
	assert_true(st.limit_pool > 100);
	assert_true(st.derive_ok > 100);
	assert_true(st.delete_ok > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_create_fills_first_free_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_full_cspace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_full_pool, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_invalid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_derive, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_revoke_reaches_every_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_removes_itself,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_only_what_it_mapped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cspace_clear, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_object, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dead_holder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_holds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_object, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mapping_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_deep_chain_without_recursion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_dense, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_pool_pressure,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
