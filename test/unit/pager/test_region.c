/* SPDX-License-Identifier: MIT */
/* The region table: overlaps, splits, merges, permission changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libos/pager_impl.h>

#define P(n) ((uint64_t)(n) * EXO_PAGE_SIZE)

static struct region_table t;

static void expect_region(size_t i, uint64_t start, uint64_t end,
			  uint32_t prot)
{
	assert_true(i < t.n);
	assert_int_equal(t.r[i].start, start);
	assert_int_equal(t.r[i].end, end);
	assert_int_equal(t.r[i].prot, prot);
}

static void test_add_and_find(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(10), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(30), P(40), PAGER_PROT_R, 0), 0);
	assert_non_null(region_find(&t, P(10)));
	assert_non_null(region_find(&t, P(20) - 1));
	assert_null(region_find(&t, P(20)));
	assert_null(region_find(&t, P(9)));
	assert_int_equal(region_find(&t, P(35))->prot, PAGER_PROT_R);
}

static void test_overlaps_refused(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(10), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(19), P(25), PAGER_PROT_RW, 0),
			 EXO_ERR_EXISTS);
	assert_int_equal(region_add(&t, P(5), P(11), PAGER_PROT_RW, 0),
			 EXO_ERR_EXISTS);
	assert_int_equal(region_add(&t, P(12), P(13), PAGER_PROT_RW, 0),
			 EXO_ERR_EXISTS);
	assert_int_equal(region_add(&t, P(5), P(5), PAGER_PROT_RW, 0),
			 EXO_ERR_INVALID);
	assert_int_equal(region_add(&t, 123, P(5), PAGER_PROT_RW, 0),
			 EXO_ERR_INVALID);
	assert_int_equal(t.n, 1);
	assert_true(region_overlaps(&t, P(0), P(11)));
	assert_false(region_overlaps(&t, P(20), P(30)));
}

static void test_merge_neighbours(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(10), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(30), P(40), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(20), P(30), PAGER_PROT_RW, 0), 0);
	assert_int_equal(t.n, 1);
	expect_region(0, P(10), P(40), PAGER_PROT_RW);
	/* Other rights or flags do not merge. */
	assert_int_equal(region_add(&t, P(40), P(50), PAGER_PROT_R, 0), 0);
	assert_int_equal(region_add(&t, P(50), P(60), PAGER_PROT_R,
				    REGION_STACK), 0);
	assert_int_equal(t.n, 3);
}

static void test_remove_splits(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(10), P(40), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_remove(&t, P(20), P(25)), 0);
	assert_int_equal(t.n, 2);
	expect_region(0, P(10), P(20), PAGER_PROT_RW);
	expect_region(1, P(25), P(40), PAGER_PROT_RW);
	/* Across a hole and an edge. */
	assert_int_equal(region_remove(&t, P(15), P(30)), 0);
	expect_region(0, P(10), P(15), PAGER_PROT_RW);
	expect_region(1, P(30), P(40), PAGER_PROT_RW);
	/* Nothing there is fine. */
	assert_int_equal(region_remove(&t, P(100), P(200)), 0);
	assert_int_equal(region_remove(&t, P(0), P(100)), 0);
	assert_int_equal(t.n, 0);
}

static void test_protect_splits_and_merges(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(0), P(100), PAGER_PROT_RW, 0), 0);
	/* prot1 in the middle: three regions. */
	assert_int_equal(region_protect(&t, P(7), P(8), PAGER_PROT_R), 0);
	assert_int_equal(t.n, 3);
	expect_region(0, P(0), P(7), PAGER_PROT_RW);
	expect_region(1, P(7), P(8), PAGER_PROT_R);
	expect_region(2, P(8), P(100), PAGER_PROT_RW);
	/* unprot: one again. */
	assert_int_equal(region_protect(&t, P(7), P(8), PAGER_PROT_RW), 0);
	assert_int_equal(t.n, 1);
	expect_region(0, P(0), P(100), PAGER_PROT_RW);
	/* Across two regions with other rights. */
	assert_int_equal(region_add(&t, P(100), P(110), PAGER_PROT_R,
				    REGION_STACK), 0);
	assert_int_equal(region_protect(&t, P(90), P(105), PAGER_PROT_ALL), 0);
	assert_int_equal(t.n, 4);
	expect_region(1, P(90), P(100), PAGER_PROT_ALL);
	expect_region(2, P(100), P(105), PAGER_PROT_ALL);
	assert_int_equal(t.r[2].flags, REGION_STACK);
}

static void test_protect_holes_refused(void **state)
{
	region_init(&t);
	assert_int_equal(region_add(&t, P(0), P(10), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(11), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_protect(&t, P(5), P(15), PAGER_PROT_R),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(region_protect(&t, P(30), P(31), PAGER_PROT_R),
			 EXO_ERR_NOT_FOUND);
	/* Nothing changed. */
	assert_int_equal(t.n, 2);
	expect_region(0, P(0), P(10), PAGER_PROT_RW);
	expect_region(1, P(11), P(20), PAGER_PROT_RW);
}

/*
 * Protect of a range inside one region takes a shorter path: heads, tails,
 * middles and whole regions, next to matching and differing neighbours.
 * Thousands of random protects are checked against a model of each page.
 */
#define MODEL_PAGES 60

struct model_page {
	int present;
	uint32_t prot, flags;
};

static struct model_page model[MODEL_PAGES];

static void expect_model(void)
{
	size_t k = 0;

	for (size_t pg = 0; pg < MODEL_PAGES;) {
		size_t e = pg + 1;

		if (!model[pg].present) {
			pg++;
			continue;
		}
		while (e < MODEL_PAGES && model[e].present &&
		       model[e].prot == model[pg].prot &&
		       model[e].flags == model[pg].flags) {
			e++;
		}
		expect_region(k, P(pg), P(e), model[pg].prot);
		assert_int_equal(t.r[k].flags, model[pg].flags);
		k++;
		pg = e;
	}
	assert_int_equal(t.n, k);
}

static void test_protect_matches_model(void **state)
{
	static const uint32_t prots[] = { PAGER_PROT_R, PAGER_PROT_RW,
					  PAGER_PROT_ALL };
	/* Regions with a hole at 20 and a flags change at 40. */
	static const struct {
		size_t start, end;
		uint32_t flags;
	} add[] = { { 0, 20, 0 }, { 21, 40, 0 }, { 40, MODEL_PAGES,
						      REGION_STACK } };
	uint32_t seed = 12345;

	region_init(&t);
	for (size_t a = 0; a < sizeof(add) / sizeof(add[0]); a++) {
		assert_int_equal(region_add(&t, P(add[a].start),
					    P(add[a].end), PAGER_PROT_RW,
					    add[a].flags),
				 0);
		for (size_t pg = add[a].start; pg < add[a].end; pg++) {
			model[pg] = (struct model_page){ 1, PAGER_PROT_RW,
							 add[a].flags };
		}
	}
	expect_model();
	for (int n = 0; n < 20000; n++) {
		size_t start, len, pg;
		uint32_t prot;
		int covered = 1;

		seed = seed * 1103515245u + 12345u;
		start = (seed >> 8) % MODEL_PAGES;
		/* Mostly one or two pages, as Appel & Li protect. */
		len = ((seed >> 20) & 7) < 6 ? 1 + ((seed >> 4) & 1) :
					       1 + (seed >> 24) % 12;
		if (start + len > MODEL_PAGES) {
			len = MODEL_PAGES - start;
		}
		prot = prots[(seed >> 16) % 3];
		for (pg = start; pg < start + len; pg++) {
			covered &= model[pg].present;
		}
		assert_int_equal(region_protect(&t, P(start), P(start + len),
						prot),
				 covered ? 0 : EXO_ERR_NOT_FOUND);
		for (pg = start; covered && pg < start + len; pg++) {
			model[pg].prot = prot;
		}
		expect_model();
	}
}

/* ---- Protects that leave the table alone ----------------------------- */

/* A present PTE with @perm, as page_map or page_protect writes it. */
static uint64_t pte_of(uint32_t perm)
{
	return EXO_PTE_P | EXO_PTE_U | ((perm & EXO_PERM_W) ? EXO_PTE_W : 0) |
	       ((perm & EXO_PERM_X) ? 0 : EXO_PTE_NX) |
	       ((perm & PAGER_PERM_COW) ? PAGER_PTE_COW : 0) |
	       ((perm & PAGER_PERM_SHARED) ? PAGER_PTE_SHARED : 0);
}

static void test_holding(void **state)
{
	size_t hint = 99;

	region_init(&t);
	assert_int_equal(region_add(&t, P(10), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(20), P(30), PAGER_PROT_ALL, 0), 0);
	assert_int_equal(region_add(&t, P(40), P(41), PAGER_PROT_NONE,
				    REGION_GUARD), 0);
	/* Within the rights, in one region: found, and the hint set. */
	assert_ptr_equal(region_holding(&t, P(11), P(13), PAGER_PROT_R, &hint),
			 &t.r[0]);
	assert_int_equal(hint, 0);
	assert_ptr_equal(region_holding(&t, P(25), P(26), PAGER_PROT_ALL,
					&hint), &t.r[1]);
	assert_int_equal(hint, 1);
	/* A stale hint is only a first guess. */
	hint = 1;
	assert_ptr_equal(region_holding(&t, P(19), P(20), PAGER_PROT_RW,
					&hint), &t.r[0]);
	/* Beyond the rights, across regions, in none, empty, NONE: no. */
	assert_null(region_holding(&t, P(11), P(12), PAGER_PROT_ALL, &hint));
	assert_null(region_holding(&t, P(19), P(21), PAGER_PROT_R, &hint));
	assert_null(region_holding(&t, P(30), P(31), PAGER_PROT_R, &hint));
	assert_null(region_holding(&t, P(12), P(12), PAGER_PROT_R, &hint));
	assert_null(region_holding(&t, P(12), P(13), PAGER_PROT_NONE, &hint));
	assert_null(region_holding(&t, P(40), P(41), PAGER_PROT_R, &hint));
}

static void test_in_place(void **state)
{
	uint64_t pte[4] = { pte_of(PAGER_PROT_RW), pte_of(PAGER_PROT_R),
			    pte_of(PAGER_PROT_R | PAGER_PERM_COW), 0 };
	size_t hint = 0;

	region_init(&t);
	assert_int_equal(region_add(&t, P(0), P(4), PAGER_PROT_RW, 0), 0);
	/* Resident, within the rights: the rights themselves. */
	assert_int_equal(region_in_place(&t, P(0), 2, PAGER_PROT_R, pte,
					 &hint), PAGER_PROT_R);
	assert_int_equal(region_in_place(&t, P(1), 1, PAGER_PROT_RW, pte + 1,
					 &hint), PAGER_PROT_RW);
	/* Beyond the region's rights, or a page not resident: the table. */
	assert_int_equal(region_in_place(&t, P(0), 1, PAGER_PROT_ALL, pte,
					 &hint), REGION_IN_PLACE_NO);
	assert_int_equal(region_in_place(&t, P(2), 2, PAGER_PROT_RW, pte + 2,
					 &hint), REGION_IN_PLACE_NO);
	/* Copy-on-write: keeps W only in the region, and its mark. */
	assert_int_equal(region_in_place(&t, P(2), 1, PAGER_PROT_RW, pte + 2,
					 &hint), PAGER_PROT_R | PAGER_PERM_COW);
	assert_int_equal(region_in_place(&t, P(2), 1, PAGER_PROT_R, pte + 2,
					 &hint), REGION_IN_PLACE_NO);
	assert_int_equal(region_in_place(&t, P(1), 2, PAGER_PROT_RW, pte + 1,
					 &hint), REGION_IN_PLACE_MARKED);
	/* Shared read-only by a fork: W makes it copy-on-write. */
	pte[3] = pte_of(PAGER_PROT_R | PAGER_PERM_SHARED);
	assert_int_equal(region_in_place(&t, P(3), 1, PAGER_PROT_RW, pte + 3,
					 &hint), PAGER_PROT_R | PAGER_PERM_COW);
	assert_int_equal(region_in_place(&t, P(3), 1, PAGER_PROT_R, pte + 3,
					 &hint), PAGER_PROT_R | PAGER_PERM_SHARED);
	assert_int_equal(region_in_place(&t, P(0), 4, PAGER_PROT_R, pte,
					 &hint), REGION_IN_PLACE_NO);
	assert_int_equal(region_in_place(&t, P(0), 2, PAGER_PROT_RW, pte,
					 &hint), PAGER_PROT_RW);
	pte[1] = pte_of(PAGER_PROT_R | PAGER_PERM_SHARED);
	assert_int_equal(region_in_place(&t, P(0), 2, PAGER_PROT_R, pte,
					 &hint), REGION_IN_PLACE_MARKED);
	assert_int_equal(pager_marked_perm(pte[1], PAGER_PROT_RW),
			 PAGER_PROT_R | PAGER_PERM_COW);
	assert_int_equal(pager_marked_perm(pte[0], PAGER_PROT_R),
			 PAGER_PROT_R);
	assert_int_equal(region_page_prot(&t.r[0], pte[3]), PAGER_PROT_R);
	pte[1] = pte_of(PAGER_PROT_R);
	pte[3] = 0;
	/* What each page's rights are then. */
	assert_int_equal(region_page_prot(&t.r[0], pte[0]), PAGER_PROT_RW);
	assert_int_equal(region_page_prot(&t.r[0], pte[1]), PAGER_PROT_R);
	assert_int_equal(region_page_prot(&t.r[0], pte[2]), PAGER_PROT_RW);
	assert_int_equal(region_page_prot(&t.r[0], pte[3]), PAGER_PROT_RW);
}

/*
 * pager.cow's protect, on a fake page table: the choice the pager makes
 * (region_in_place, else region_protect and every resident page's PTE)
 * and the rights page_protect writes. Thousands of random protects, first
 * touches, forks (writable pages marked copy-on-write), copy-on-write
 * breaks and, once a memory limit is set, evictions, checked against a
 * per-page model of the rights: a page's rights (region_page_prot) must
 * always be the last ones given to it.
 */
static uint64_t mpte[MODEL_PAGES];
static int tracked[MODEL_PAGES]; /* backed under the limit: evictable */
static int shared[MODEL_PAGES]; /* its frame is a fork relative's too */

static int model_protect(size_t start, size_t len, uint32_t prot, int limit,
			 size_t *hint)
{
	int perm = REGION_IN_PLACE_NO, err;

	if (prot == PAGER_PROT_NONE) {
		for (size_t pg = start; pg < start + len; pg++) {
			if (mpte[pg] & EXO_PTE_P) {
				return EXO_ERR_NOSYS;
			}
		}
	} else if (!limit) {
		perm = region_in_place(&t, P(start), len, prot, mpte + start,
				       hint);
	}
	if (perm == REGION_IN_PLACE_NO) {
		err = region_protect(&t, P(start), P(start + len), prot);
		if (err || prot == PAGER_PROT_NONE) {
			return err;
		}
	}
	for (size_t pg = start; pg < start + len; pg++) {
		uint32_t p = prot;

		if (!(mpte[pg] & EXO_PTE_P)) {
			continue;
		}
		if (perm >= 0) {
			p = (uint32_t)perm; /* one page_protect of them all */
		} else {
			p = pager_marked_perm(mpte[pg], prot); /* a batch */
		}
		mpte[pg] = pte_of(p);
	}
	return 0;
}

static void expect_rights(void)
{
	for (size_t pg = 0; pg < MODEL_PAGES; pg++) {
		const struct pager_region *r = region_find(&t, P(pg));

		assert_int_equal(r != NULL, model[pg].present);
		if (r) {
			assert_int_equal(region_page_prot(r, mpte[pg]),
					 model[pg].prot);
		}
		/* A frame two sides map is never writable. */
		if (shared[pg]) {
			assert_int_equal(mpte[pg] & EXO_PTE_W, 0);
		}
		/* The ceiling: a resident page's PTE never gives more. */
		if (r && (mpte[pg] & EXO_PTE_P)) {
			assert_int_equal(pager_pte_prot(mpte[pg]) & ~r->prot,
					 0);
		}
	}
}

static void test_in_place_matches_model(void **state)
{
	static const uint32_t prots[] = { PAGER_PROT_R, PAGER_PROT_RW,
					  PAGER_PROT_ALL, PAGER_PROT_R,
					  PAGER_PROT_RW, PAGER_PROT_NONE };
	uint32_t seed = 4242;
	size_t hint = 0, in_place = 0;
	int limit = 0;

	region_init(&t);
	assert_int_equal(region_add(&t, P(0), P(20), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(21), P(MODEL_PAGES), PAGER_PROT_ALL,
				    0), 0);
	for (size_t pg = 0; pg < MODEL_PAGES; pg++) {
		model[pg] = (struct model_page){ pg != 20,
						 pg < 20 ? PAGER_PROT_RW
							 : PAGER_PROT_ALL,
						 0 };
		/* Every other page resident to begin with. */
		mpte[pg] = pg != 20 && (pg & 1) ? pte_of(model[pg].prot) : 0;
		tracked[pg] = 0;
		shared[pg] = 0;
	}
	expect_rights();
	for (int n = 0; n < 20000; n++) {
		size_t pg, start, len;
		const struct pager_region *r;
		uint32_t prot, op;
		int covered = 1, resident = 0, err;

		seed = seed * 1103515245u + 12345u;
		op = (seed >> 4) % 16;
		pg = (seed >> 8) % MODEL_PAGES;
		r = region_find(&t, P(pg));
		if (n == 10000) {
			limit = 1; /* pager_set_limit: edits the table now */
		}
		if (op < 10) {
			start = pg;
			len = ((seed >> 20) & 3) ? 1 : 1 + (seed >> 24) % 12;
			if (start + len > MODEL_PAGES) {
				len = MODEL_PAGES - start;
			}
			prot = prots[(seed >> 16) % 6];
			for (pg = start; pg < start + len; pg++) {
				covered &= model[pg].present;
				resident |= (mpte[pg] & EXO_PTE_P) != 0;
			}
			if (!limit && prot && covered &&
			    region_in_place(&t, P(start), len, prot,
					    mpte + start, &hint) >= 0) {
				in_place++;
			}
			err = model_protect(start, len, prot, limit, &hint);
			if (prot == PAGER_PROT_NONE && resident) {
				assert_int_equal(err, EXO_ERR_NOSYS);
				covered = 0; /* refused: nothing changed */
			} else {
				assert_int_equal(err, covered ? 0
						      : EXO_ERR_NOT_FOUND);
			}
			for (pg = start; covered && pg < start + len; pg++) {
				model[pg].prot = prot;
			}
		} else if (op < 12) {
			/* A first touch backs the page with its region's rights. */
			if (r && !(mpte[pg] & EXO_PTE_P) &&
			    r->prot != PAGER_PROT_NONE) {
				mpte[pg] = pte_of(r->prot);
				tracked[pg] = limit;
			}
		} else if (op == 12 && !limit) {
			/*
			 * A fork (page_share_range): writable pages become
			 * copy-on-write, the others are marked shared.
			 */
			for (pg = 0; pg < MODEL_PAGES; pg++) {
				if (!(mpte[pg] & EXO_PTE_P)) {
					continue;
				}
				if (mpte[pg] & EXO_PTE_W) {
					mpte[pg] = (mpte[pg] & ~EXO_PTE_W) |
						   PAGER_PTE_COW;
				} else if (!(mpte[pg] & PAGER_PTE_COW)) {
					mpte[pg] |= PAGER_PTE_SHARED;
				}
				shared[pg] = 1;
			}
		} else if (op < 15) {
			/* A write to a copy-on-write page the region allows. */
			if (r && (mpte[pg] & PAGER_PTE_COW) &&
			    (r->prot & EXO_PERM_W)) {
				mpte[pg] = (mpte[pg] & ~PAGER_PTE_COW) |
					   EXO_PTE_W;
				shared[pg] = 0; /* a copy of its own */
			}
		} else if (limit && tracked[pg]) {
			/* Evicted; it comes back with its region's rights. */
			mpte[pg] = 0;
			tracked[pg] = 0;
			shared[pg] = 0;
		}
		expect_rights();
	}
	/* Both paths were taken, many times. */
	assert_true(in_place > 1000);
}

static void test_full_table(void **state)
{
	region_init(&t);
	for (size_t i = 0; i < REGION_MAX; i++) {
		assert_int_equal(region_add(&t, P(10 * i), P(10 * i + 5),
					    PAGER_PROT_RW, 0), 0);
	}
	assert_int_equal(region_add(&t, P(10 * REGION_MAX), P(10 * REGION_MAX + 1),
				    PAGER_PROT_RW, 0), EXO_ERR_LIMIT);
	/* A split needs a slot: refused, nothing changed. */
	assert_int_equal(region_remove(&t, P(1), P(2)), EXO_ERR_LIMIT);
	assert_int_equal(region_protect(&t, P(1), P(2), PAGER_PROT_R),
			 EXO_ERR_LIMIT);
	expect_region(0, P(0), P(5), PAGER_PROT_RW);
	/* Trimming an end needs none. */
	assert_int_equal(region_remove(&t, P(0), P(1)), 0);
	expect_region(0, P(1), P(5), PAGER_PROT_RW);
	assert_int_equal(t.n, REGION_MAX);
}

static void test_place(void **state)
{
	region_init(&t);
	assert_int_equal(region_place(&t, P(4), P(100), P(200)), P(100));
	assert_int_equal(region_add(&t, P(100), P(104), PAGER_PROT_RW, 0), 0);
	assert_int_equal(region_add(&t, P(106), P(110), PAGER_PROT_R, 0), 0);
	assert_int_equal(region_place(&t, P(2), P(100), P(200)), P(104));
	assert_int_equal(region_place(&t, P(3), P(100), P(200)), P(110));
	assert_int_equal(region_place(&t, P(91), P(100), P(200)), 0);
	assert_int_equal(region_place(&t, P(90), P(100), P(200)), P(110));
	assert_int_equal(region_place(&t, 0, P(100), P(200)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_find),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_merge_neighbours),
		cmocka_unit_test(test_remove_splits),
		cmocka_unit_test(test_protect_splits_and_merges),
		cmocka_unit_test(test_protect_holes_refused),
		cmocka_unit_test(test_protect_matches_model),
		cmocka_unit_test(test_holding),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_in_place_matches_model),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
