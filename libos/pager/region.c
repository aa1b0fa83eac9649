/* SPDX-License-Identifier: MIT */
/*
 * The region table: a sorted array, small enough that moving entries is
 * cheaper than any tree. Every change is checked first (room for the
 * splits it needs, no holes, no overlaps) and then made; merging alike
 * neighbours afterwards keeps the table as short as the address space
 * allows.
 */
#include <stddef.h>
#include <stdint.h>

#include <libos/pager_impl.h>

#define PAGE_MASK (EXO_PAGE_SIZE - 1)

/*
 * Move @count entries from @from to @to: the C library's memmove goes a
 * byte at a time, and this is on the path of every protect.
 */
static void move(struct region_table *t, size_t to, size_t from, size_t count)
{
	if (to < from) {
		for (size_t i = 0; i < count; i++) {
			t->r[to + i] = t->r[from + i];
		}
	} else {
		for (size_t i = count; i-- > 0;) {
			t->r[to + i] = t->r[from + i];
		}
	}
}

void region_init(struct region_table *t)
{
	t->n = 0;
}

/* Index of the first region ending after @va (n when none). */
static size_t first_after(const struct region_table *t, uint64_t va)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->r[mid].end <= va) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

const struct pager_region *region_find(const struct region_table *t,
				       uint64_t va)
{
	size_t i = first_after(t, va);

	return i < t->n && t->r[i].start <= va ? &t->r[i] : NULL;
}

int region_overlaps(const struct region_table *t, uint64_t start,
		    uint64_t end)
{
	size_t i = first_after(t, start);

	return i < t->n && t->r[i].start < end;
}

static int alike(const struct pager_region *a, const struct pager_region *b)
{
	return a->end == b->start && a->prot == b->prot &&
	       a->flags == b->flags;
}

/* Merge every pair of touching, alike neighbours. */
static void merge(struct region_table *t)
{
	size_t i = 0;

	while (i + 1 < t->n) {
		if (alike(&t->r[i], &t->r[i + 1])) {
			t->r[i].end = t->r[i + 1].end;
			move(t, i + 1, i + 2, t->n - i - 2);
			t->n--;
		} else {
			i++;
		}
	}
}

static void insert_at(struct region_table *t, size_t i,
		      const struct pager_region *r)
{
	move(t, i + 1, i, t->n - i);
	t->r[i] = *r;
	t->n++;
}

static int bad_range(uint64_t start, uint64_t end)
{
	return start >= end || (start & PAGE_MASK) || (end & PAGE_MASK);
}

int region_add(struct region_table *t, uint64_t start, uint64_t end,
	       uint32_t prot, uint32_t flags)
{
	struct pager_region r = { start, end, prot, flags };

	if (bad_range(start, end)) {
		return EXO_ERR_INVALID;
	}
	if (region_overlaps(t, start, end)) {
		return EXO_ERR_EXISTS;
	}
	if (t->n == REGION_MAX) {
		return EXO_ERR_LIMIT;
	}
	insert_at(t, first_after(t, start), &r);
	merge(t);
	return 0;
}

/* Split the region strictly containing @va there; room is checked. */
static void split_at(struct region_table *t, uint64_t va)
{
	size_t i = first_after(t, va);
	struct pager_region right;

	if (i == t->n || t->r[i].start >= va) {
		return;
	}
	right = t->r[i];
	right.start = va;
	t->r[i].end = va;
	insert_at(t, i + 1, &right);
}

int region_remove(struct region_table *t, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (bad_range(start, end)) {
		return EXO_ERR_INVALID;
	}
	i = first_after(t, start);
	if (i < t->n && t->r[i].start < start && t->r[i].end > end) {
		/* Cut out of the middle: the only case that needs a slot. */
		if (t->n == REGION_MAX) {
			return EXO_ERR_LIMIT;
		}
		split_at(t, end);
		t->r[i].end = start;
		return 0;
	}
	/* Trim the ends in place; drop what lies wholly inside. */
	if (i < t->n && t->r[i].start < start) {
		t->r[i].end = start;
		i++;
	}
	for (j = i; j < t->n && t->r[j].end <= end; j++) {
	}
	if (j < t->n && t->r[j].start < end) {
		t->r[j].start = end;
	}
	move(t, i, j, t->n - j);
	t->n -= j - i;
	return 0;
}

/* Merge alike neighbours among entries @lo..@hi (inclusive) only. */
static void merge_between(struct region_table *t, size_t lo, size_t hi)
{
	size_t k = lo;

	while (k < hi && k + 1 < t->n) {
		if (alike(&t->r[k], &t->r[k + 1])) {
			t->r[k].end = t->r[k + 1].end;
			move(t, k + 1, k + 2, t->n - k - 2);
			t->n--;
			hi--;
		} else {
			k++;
		}
	}
}

/* Split entry @i at @va (inside it): [start, va) stays at @i. */
static void split_entry(struct region_table *t, size_t i, uint64_t va)
{
	struct pager_region right = t->r[i];

	right.start = va;
	t->r[i].end = va;
	insert_at(t, i + 1, &right);
}

/* Would @r, given @prot, be alike with its neighbour @n? */
static int alike_as(const struct pager_region *r, const struct pager_region *n,
		    uint32_t prot)
{
	return n->prot == prot && n->flags == r->flags;
}

/*
 * region_protect of [@start, @end) inside the one entry @i, in place: the
 * common case (Appel & Li's protect and unprotect of one page) without
 * the general loops. Gives the same table as the general path.
 */
static int protect_within(struct region_table *t, size_t i, uint64_t start,
			  uint64_t end, uint32_t prot)
{
	struct pager_region *r = &t->r[i];
	int left = i > 0 && r[-1].end == start && alike_as(r, &r[-1], prot);
	int right = i + 1 < t->n && r[1].start == end &&
		    alike_as(r, &r[1], prot);
	struct pager_region mid = { start, end, prot, r->flags };

	if (r->prot == prot) {
		return 0;
	}
	if (start == r->start && end == r->end) {
		/* The whole entry: it joins the neighbours that match. */
		if (left && right) {
			r[-1].end = r[1].end;
			move(t, i, i + 2, t->n - i - 2);
			t->n -= 2;
		} else if (left || right) {
			if (left) {
				r[-1].end = end;
			} else {
				r[1].start = start;
			}
			move(t, i, i + 1, t->n - i - 1);
			t->n--;
		} else {
			r->prot = prot;
		}
		return 0;
	}
	if (start == r->start) {
		/* A head: it moves to the left neighbour or becomes one. */
		if (left) {
			r[-1].end = end;
		} else if (t->n == REGION_MAX) {
			return EXO_ERR_LIMIT;
		} else {
			insert_at(t, i, &mid);
		}
		t->r[left ? i : i + 1].start = end;
		return 0;
	}
	if (end == r->end) {
		/* A tail, likewise to the right. */
		if (right) {
			r[1].start = start;
		} else if (t->n == REGION_MAX) {
			return EXO_ERR_LIMIT;
		} else {
			insert_at(t, i + 1, &mid);
		}
		t->r[i].end = start;
		return 0;
	}
	/* The middle: two new entries after @i. */
	if (t->n + 2 > REGION_MAX) {
		return EXO_ERR_LIMIT;
	}
	move(t, i + 3, i + 1, t->n - i - 1);
	t->r[i + 2] = *r;
	t->r[i + 2].start = end;
	t->r[i + 1] = mid;
	r->end = start;
	t->n += 2;
	return 0;
}

/* Cold: pager.cow protects in place when it can (region_in_place). */
__attribute__((cold)) int region_protect(struct region_table *t,
					 uint64_t start, uint64_t end,
					 uint32_t prot)
{
	size_t i, last, extra;
	uint64_t at = start;

	if (bad_range(start, end)) {
		return EXO_ERR_INVALID;
	}
	/* Covered without holes by entries i..last? */
	i = first_after(t, start);
	if (i < t->n && t->r[i].start <= start && end <= t->r[i].end) {
		return protect_within(t, i, start, end, prot);
	}
	for (last = i; at < end; last++) {
		if (last == t->n || t->r[last].start > at) {
			return EXO_ERR_NOT_FOUND;
		}
		at = t->r[last].end;
	}
	last--;
	extra = (size_t)(t->r[i].start < start) + (size_t)(t->r[last].end > end);
	if (t->n + extra > REGION_MAX) {
		return EXO_ERR_LIMIT;
	}
	/* The end first, so that i stays where it is. */
	if (t->r[last].end > end) {
		split_entry(t, last, end);
	}
	if (t->r[i].start < start) {
		split_entry(t, i, start);
		i++;
		last++;
	}
	for (size_t k = i; k <= last; k++) {
		t->r[k].prot = prot;
	}
	merge_between(t, i ? i - 1 : 0, last + 1);
	return 0;
}

uint64_t region_place(const struct region_table *t, uint64_t len, uint64_t lo,
		      uint64_t hi)
{
	uint64_t at = lo;
	size_t i;

	if (len == 0 || (len & PAGE_MASK) || hi < lo) {
		return 0;
	}
	for (i = first_after(t, lo); i < t->n && t->r[i].start < hi; i++) {
		if (t->r[i].start >= at && t->r[i].start - at >= len) {
			return at;
		}
		if (t->r[i].end > at) {
			at = t->r[i].end;
		}
	}
	return at < hi && hi - at >= len ? at : 0;
}
