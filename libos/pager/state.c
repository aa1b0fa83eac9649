/* SPDX-License-Identifier: MIT */
/*
 * The pager's state in its versioned export format (<libos/pager_impl.h>),
 * and the swap map it includes. Import checks everything before it
 * changes anything, so a refused import leaves the pager as it was.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libos/pager_impl.h>

uint32_t pager_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h = (h ^ b[i]) * 16777619u;
	}
	return h;
}

long swap_map_find(const struct swap_map *m, uint64_t va)
{
	if (m->n == 0) {
		return -1;
	}
	for (size_t i = 0; i < SWAP_SLOTS_MAX; i++) {
		if (m->va[i] == va) {
			return (long)i;
		}
	}
	return -1;
}

int64_t pager_state_export(const struct region_table *t,
			   const struct swap_map *swap, uint64_t limit,
			   void *buf, size_t len)
{
	struct pager_state_header h = {
		.magic = PAGER_STATE_MAGIC,
		.major = PAGER_STATE_MAJOR,
		.minor = PAGER_STATE_MINOR,
		.nregions = (uint32_t)t->n,
		.nswap = swap ? (uint32_t)swap->n : 0,
		.limit = limit,
	};
	size_t need = sizeof(h) + t->n * sizeof(t->r[0]) +
		      h.nswap * sizeof(struct pager_state_swap);
	uint8_t *out = buf, *at;

	if (len < need) {
		return EXO_ERR_TOO_BIG;
	}
	at = out + sizeof(h);
	memcpy(at, t->r, t->n * sizeof(t->r[0]));
	at += t->n * sizeof(t->r[0]);
	for (size_t i = 0; i < SWAP_SLOTS_MAX && h.nswap; i++) {
		struct pager_state_swap e = { swap->va[i], i };

		if (swap->va[i]) {
			memcpy(at, &e, sizeof(e));
			at += sizeof(e);
		}
	}
	h.checksum = pager_checksum(out + sizeof(h), need - sizeof(h));
	memcpy(out, &h, sizeof(h));
	return (int64_t)need;
}

/* The @i-th region of the state at @in, and of the swap entries. */
static void region_at(const uint8_t *in, uint32_t i, struct pager_region *r)
{
	memcpy(r, in + sizeof(struct pager_state_header) + i * sizeof(*r),
	       sizeof(*r));
}

int pager_state_import(struct region_table *t, struct swap_map *swap,
		       uint64_t *limit, const void *buf, size_t len)
{
	struct pager_state_header h;
	const uint8_t *in = buf, *sw;
	struct pager_region r, prev = { 0, 0, 0, 0 };
	size_t need;

	if (len < sizeof(h)) {
		return EXO_ERR_CORRUPT;
	}
	memcpy(&h, in, sizeof(h));
	if (h.magic != PAGER_STATE_MAGIC) {
		return EXO_ERR_CORRUPT;
	}
	if (h.major != PAGER_STATE_MAJOR) {
		return EXO_ERR_NOSYS;
	}
	if (h.nregions > REGION_MAX || h.nswap > SWAP_SLOTS_MAX ||
	    (h.nswap && !swap)) {
		return EXO_ERR_CORRUPT;
	}
	need = sizeof(h) + h.nregions * sizeof(struct pager_region) +
	       h.nswap * sizeof(struct pager_state_swap);
	if (len < need ||
	    pager_checksum(in + sizeof(h), need - sizeof(h)) != h.checksum) {
		return EXO_ERR_CORRUPT;
	}
	/* Regions: well formed, sorted, not overlapping. */
	for (uint32_t i = 0; i < h.nregions; i++) {
		region_at(in, i, &r);
		if (r.start >= r.end || ((r.start | r.end) & (EXO_PAGE_SIZE - 1)) ||
		    (r.prot & ~PAGER_PROT_ALL) || (i && r.start < prev.end)) {
			return EXO_ERR_CORRUPT;
		}
		prev = r;
	}
	/* Pages out: each in a region, no slot or page twice. */
	sw = in + sizeof(h) + h.nregions * sizeof(struct pager_region);
	for (uint32_t i = 0; i < h.nswap; i++) {
		struct pager_state_swap e;
		int inside = 0;

		memcpy(&e, sw + i * sizeof(e), sizeof(e));
		for (uint32_t k = 0; k < h.nregions && !inside; k++) {
			region_at(in, k, &r);
			inside = e.va >= r.start && e.va < r.end;
		}
		if (e.slot >= SWAP_SLOTS_MAX || !inside ||
		    (e.va & (EXO_PAGE_SIZE - 1))) {
			return EXO_ERR_CORRUPT;
		}
		for (uint32_t j = 0; j < i; j++) {
			struct pager_state_swap o;

			memcpy(&o, sw + j * sizeof(o), sizeof(o));
			if (o.slot == e.slot || o.va == e.va) {
				return EXO_ERR_CORRUPT;
			}
		}
	}
	/* Commit. */
	region_init(t);
	for (uint32_t i = 0; i < h.nregions; i++) {
		region_at(in, i, &t->r[i]);
	}
	t->n = h.nregions;
	if (swap) {
		memset(swap, 0, sizeof(*swap));
		for (uint32_t i = 0; i < h.nswap; i++) {
			struct pager_state_swap e;

			memcpy(&e, sw + i * sizeof(e), sizeof(e));
			swap->va[e.slot] = e.va;
		}
		swap->n = h.nswap;
	}
	*limit = h.limit;
	return 0;
}
