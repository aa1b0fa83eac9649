/* SPDX-License-Identifier: MIT */
/* The pager's state export format: round trips and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libos/pager_impl.h>

#define P(n) (0x200000000000ul + (uint64_t)(n) * EXO_PAGE_SIZE)

static struct region_table t, t2;
static struct swap_map s, s2;
static uint8_t buf[8192];

static void setup_state(void)
{
	region_init(&t);
	memset(&s, 0, sizeof(s));
	assert_int_equal(region_add(&t, P(0), P(100), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(200), P(201), PAGER_PROT_NONE,
				    REGION_GUARD), 0);
	assert_int_equal(region_add(&t, P(201), P(300), PAGER_PROT_RW,
				    REGION_STACK), 0);
	assert_int_equal(region_protect(&t, P(7), P(8), PAGER_PROT_R), 0);
	s.va[3] = P(5);
	s.va[9] = P(250);
	s.n = 2;
}

static void test_round_trip(void **state)
{
	uint64_t limit = 0;
	int64_t len;

	setup_state();
	len = pager_state_export(&t, &s, 32, NULL, buf, sizeof(buf));
	assert_int_equal(len, 32 + 5 * 24 + 2 * 16);
	region_init(&t2);
	memset(&s2, 0, sizeof(s2));
	assert_int_equal(pager_state_import(&t2, &s2, &limit, NULL, buf, (size_t)len),
			 0);
	assert_int_equal(t2.n, t.n);
	assert_memory_equal(t2.r, t.r, t.n * sizeof(t.r[0]));
	assert_int_equal(s2.n, 2);
	assert_int_equal(s2.va[3], P(5));
	assert_int_equal(s2.va[9], P(250));
	assert_int_equal(limit, 32);
	assert_int_equal(swap_map_find(&s2, P(250)), 9);
	assert_int_equal(swap_map_find(&s2, P(251)), -1);
}

static void test_short_buffer(void **state)
{
	setup_state();
	assert_int_equal(pager_state_export(&t, &s, 0, NULL, buf, 100),
			 EXO_ERR_TOO_BIG);
}

static int64_t import_after(void (*damage)(uint8_t *b, int64_t len))
{
	uint64_t limit = 77;
	int64_t len;
	int err;

	setup_state();
	len = pager_state_export(&t, &s, 0, NULL, buf, sizeof(buf));
	damage(buf, len);
	region_init(&t2);
	assert_int_equal(region_add(&t2, P(1000), P(1001), PAGER_PROT_R, 0),
			 0);
	memset(&s2, 0, sizeof(s2));
	err = pager_state_import(&t2, &s2, &limit, NULL, buf, (size_t)len);
	if (err) {
		/* A refused import leaves everything as it was. */
		assert_int_equal(t2.n, 1);
		assert_int_equal(t2.r[0].start, P(1000));
		assert_int_equal(s2.n, 0);
		assert_int_equal(limit, 77);
	}
	return err;
}

static void flip_payload(uint8_t *b, int64_t len)
{
	b[len - 3] ^= 0x10;
}

static void bad_magic(uint8_t *b, int64_t len)
{
	b[0] ^= 1;
}

static void other_major(uint8_t *b, int64_t len)
{
	struct pager_state_header h;

	memcpy(&h, b, sizeof(h));
	h.major = PAGER_STATE_MAJOR + 1;
	memcpy(b, &h, sizeof(h));
}

static void newer_minor(uint8_t *b, int64_t len)
{
	struct pager_state_header h;

	memcpy(&h, b, sizeof(h));
	h.minor = PAGER_STATE_MINOR + 5;
	memcpy(b, &h, sizeof(h));
}

/* Overlapping regions with a checksum that matches: still refused. */
static void overlap_resealed(uint8_t *b, int64_t len)
{
	struct pager_state_header h;
	struct pager_region r;

	memcpy(&r, b + sizeof(h) + sizeof(r), sizeof(r));
	r.start -= EXO_PAGE_SIZE;
	memcpy(b + sizeof(h) + sizeof(r), &r, sizeof(r));
	memcpy(&h, b, sizeof(h));
	h.checksum = pager_checksum(b + sizeof(h), (size_t)len - sizeof(h));
	memcpy(b, &h, sizeof(h));
}

/* A swapped page outside every region, resealed. */
static void stray_swap_resealed(uint8_t *b, int64_t len)
{
	struct pager_state_header h;
	struct pager_state_swap e = { P(150), 4 };

	memcpy(b + len - sizeof(e), &e, sizeof(e));
	memcpy(&h, b, sizeof(h));
	h.checksum = pager_checksum(b + sizeof(h), (size_t)len - sizeof(h));
	memcpy(b, &h, sizeof(h));
}

static void test_refusals(void **state)
{
	assert_int_equal(import_after(flip_payload), EXO_ERR_CORRUPT);
	assert_int_equal(import_after(bad_magic), EXO_ERR_CORRUPT);
	assert_int_equal(import_after(other_major), EXO_ERR_NOSYS);
	assert_int_equal(import_after(overlap_resealed), EXO_ERR_CORRUPT);
	assert_int_equal(import_after(stray_swap_resealed), EXO_ERR_CORRUPT);
	/* A newer minor version of the same major is read. */
	assert_int_equal(import_after(newer_minor), 0);
}

static void test_truncated(void **state)
{
	uint64_t limit;
	int64_t len;

	setup_state();
	len = pager_state_export(&t, &s, 0, NULL, buf, sizeof(buf));
	for (int64_t cut = 0; cut < len; cut += 7) {
		assert_int_equal(pager_state_import(&t2, &s2, &limit, NULL, buf,
						    (size_t)cut),
				 EXO_ERR_CORRUPT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
