/* SPDX-License-Identifier: MIT */
/*
 * Host tests of disk extents in the capability pool: root extents, the
 * range check every request goes through, sub-extent derivation (only
 * narrower, rights only fewer, GRANT needed, nothing changed on failure),
 * whole grants keeping the range, and revocation along the tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <cmocka.h>

#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"

#define NENV 4
#define RWG (EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT)

static struct cspace cs[NENV + 1]; /* env 0 never exists */
static struct cap_pool pool;

static struct cspace *cspace_of(void *ctx, uint32_t env)
{
	return env >= 1 && env <= NENV ? &cs[env] : NULL;
}

static void unmap(void *ctx, uint32_t env, uint64_t va, uint64_t object)
{
	fail_msg("extents have no mappings to undo");
}

static void *alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void release(void *ctx, void *p)
{
	free(p);
}

static const struct cap_ops ops = { cspace_of, unmap, alloc, release };

static int setup(void **state)
{
	for (int i = 0; i <= NENV; i++) {
		cspace_init(&cs[i]);
	}
	cap_pool_init(&pool, &ops, NULL);
	return 0;
}

static struct cap *at(uint32_t env, int64_t slot)
{
	struct cap *c = NULL;

	assert_int_equal(cap_lookup(&pool, env, slot, EXO_CAP_DISK, 0, &c), 0);
	return c;
}

static void test_root(void **state)
{
	struct cap *c;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 0, 4096), 0);
	c = at(1, 0);
	assert_int_equal(c->type, EXO_CAP_DISK);
	assert_int_equal(c->object, 0);
	assert_int_equal(c->length, 4096);
	assert_int_equal(c->rights, RWG);
	assert_int_equal(cap_create_extent(&pool, 1, RWG, 10, 0),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_create_extent(&pool, 1, RWG, UINT64_MAX, 2),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_create_extent(&pool, 1, EXO_CAP_CONTROL, 0, 1),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_create_extent(&pool, 1, EXO_CAP_X, 0, 1),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_create_extent(&pool, NENV + 1, RWG, 0, 1),
			 EXO_ERR_NOT_FOUND);
	/* cap_create makes no extents: they need a length. */
	assert_int_equal(cap_create(&pool, 1, EXO_CAP_DISK, RWG, 0),
			 EXO_ERR_INVALID);
	assert_int_equal(pool.used, 1);
}

static void test_range_check(void **state)
{
	struct cap *c;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 100, 64), 0);
	c = at(1, 0);
	assert_int_equal(cap_extent_check(c, 0, 1), 0);
	assert_int_equal(cap_extent_check(c, 0, 64), 0);
	assert_int_equal(cap_extent_check(c, 63, 1), 0);
	assert_int_equal(cap_extent_check(c, 10, 54), 0);
	assert_int_equal(cap_extent_check(c, 0, 0), EXO_ERR_INVALID);
	assert_int_equal(cap_extent_check(c, 64, 1), EXO_ERR_INVALID);
	assert_int_equal(cap_extent_check(c, 63, 2), EXO_ERR_INVALID);
	assert_int_equal(cap_extent_check(c, 0, 65), EXO_ERR_INVALID);
	/* Sums that would wrap must not pass. */
	assert_int_equal(cap_extent_check(c, UINT64_MAX, 2), EXO_ERR_INVALID);
	assert_int_equal(cap_extent_check(c, 1, UINT64_MAX), EXO_ERR_INVALID);
	assert_int_equal(cap_extent_check(c, (uint64_t)-100, 1),
			 EXO_ERR_INVALID);
}

static void test_derive_sub(void **state)
{
	struct cap *c;
	int64_t s, t;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 1000, 100), 0);
	s = cap_derive_extent(&pool, 1, 0, 2, 10, 20, RWG);
	assert_int_equal(s, 0);
	c = at(2, s);
	assert_int_equal(c->object, 1010);
	assert_int_equal(c->length, 20);
	/* A sub-extent of a sub-extent, relative to its own start. */
	t = cap_derive_extent(&pool, 2, s, 3, 19, 1, EXO_CAP_R);
	assert_int_equal(t, 0);
	c = at(3, t);
	assert_int_equal(c->object, 1029);
	assert_int_equal(c->length, 1);
	assert_int_equal(c->rights, EXO_CAP_R);
	/* The whole of the parent is fine too. */
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 1, 0, 100, RWG), 1);
}

static void test_derive_refused(void **state)
{
	uint32_t used;
	int64_t ro;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 1000, 100), 0);
	ro = cap_derive_extent(&pool, 1, 0, 1, 0, 50, EXO_CAP_R);
	assert_true(ro > 0);
	used = pool.used;
	/* Larger, shifted, empty or wrapping ranges. */
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 2, 0, 101, RWG),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 2, 100, 1, RWG),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 2, 1, 100, RWG),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 2, 5, 0, RWG),
			 EXO_ERR_INVALID);
	assert_int_equal(
		cap_derive_extent(&pool, 1, 0, 2, UINT64_MAX, UINT64_MAX, RWG),
		EXO_ERR_INVALID);
	/* Rights: not an extent's, more than the source's, no GRANT. */
	assert_int_equal(cap_derive_extent(&pool, 1, 0, 2, 0, 1, EXO_CAP_MAP),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive_extent(&pool, 1, ro, 2, 0, 1, EXO_CAP_R),
			 EXO_ERR_DENIED);
	/* Slots: empty, out of range, another type, unknown target. */
	assert_int_equal(cap_derive_extent(&pool, 1, 40, 2, 0, 1, EXO_CAP_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_derive_extent(&pool, 1, -1, 2, 0, 1, EXO_CAP_R),
			 EXO_ERR_INVALID);
	assert_int_equal(
		cap_create(&pool, 1, EXO_CAP_FRAME, EXO_CAP_GRANT, 0x1000), 2);
	assert_int_equal(cap_derive_extent(&pool, 1, 2, 2, 0, 1, 0),
			 EXO_ERR_INVALID);
	assert_int_equal(cap_derive_extent(&pool, 1, 0, NENV + 1, 0, 1, 0),
			 EXO_ERR_NOT_FOUND);
	/* Nothing changed but the frame capability. */
	assert_int_equal(pool.used, used + 1);
	assert_int_equal(cs[2].used, 0);
}

static void test_grant_whole(void **state)
{
	struct cap *c;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 500, 7), 0);
	assert_int_equal(cap_derive(&pool, 1, 0, 2, EXO_CAP_R | EXO_CAP_GRANT),
			 0);
	c = at(2, 0);
	assert_int_equal(c->object, 500);
	assert_int_equal(c->length, 7);
	assert_int_equal(cap_derive(&pool, 1, 0, 2, EXO_CAP_X),
			 EXO_ERR_INVALID);
}

static void test_revoke(void **state)
{
	struct cap *c;
	int64_t a, b;

	assert_int_equal(cap_create_extent(&pool, 1, RWG, 0, 1000), 0);
	a = cap_derive_extent(&pool, 1, 0, 2, 0, 100, RWG);
	b = cap_derive_extent(&pool, 2, a, 3, 50, 50, RWG);
	assert_int_equal(cap_derive(&pool, 3, b, 4, EXO_CAP_R), 0);
	assert_int_equal(pool.used, 4);
	assert_int_equal(pool.ntype[EXO_CAP_DISK], 4);
	/* Revoking the child takes the grandchildren, wherever they are. */
	assert_int_equal(cap_revoke(&pool, 2, a), 0);
	assert_int_equal(cap_lookup(&pool, 3, b, EXO_CAP_DISK, 0, &c),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, 4, 0, EXO_CAP_DISK, 0, &c),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(cap_lookup(&pool, 2, a, EXO_CAP_DISK, 0, &c), 0);
	/* Ending the root's holder takes everything. */
	cspace_clear(&pool, 1);
	assert_int_equal(pool.used, 0);
	assert_int_equal(pool.ntype[EXO_CAP_DISK], 0);
	assert_int_equal(cap_count_object(&pool, EXO_CAP_DISK, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_root, setup),
		cmocka_unit_test_setup(test_range_check, setup),
		cmocka_unit_test_setup(test_derive_sub, setup),
		cmocka_unit_test_setup(test_derive_refused, setup),
		cmocka_unit_test_setup(test_grant_whole, setup),
		cmocka_unit_test_setup(test_revoke, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
