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

static void region_at(const uint8_t *in, uint32_t i, struct pager_region *r);

int64_t pager_state_export(const struct region_table *t,
			   const struct swap_map *swap, uint64_t limit,
			   const struct stack_area *stacks, void *buf,
			   size_t len)
{
	struct pager_state_header h = {
		.magic = PAGER_STATE_MAGIC,
		.major = PAGER_STATE_MAJOR,
		.minor = PAGER_STATE_MINOR,
		.nregions = (uint32_t)t->n,
		.nswap = swap ? (uint32_t)swap->n : 0,
		.limit = limit,
		.stacks = stacks ? stacks->used : 0,
	};
	size_t need = sizeof(h) + t->n * sizeof(t->r[0]) +
		      h.nswap * sizeof(struct pager_state_swap);
	size_t stack_bytes = h.stacks * sizeof(struct stack_slot);
	uint8_t *out = buf, *at;

	if (len < need || (h.stacks && len - need < sizeof(struct
		pager_state_stacks) + stack_bytes)) {
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
	if (h.stacks) {
		struct pager_state_stacks ss = {
			.checksum = pager_checksum(stacks->slot, stack_bytes),
			.nfree = stacks->nfree,
		};

		memcpy(at, &ss, sizeof(ss));
		memcpy(at + sizeof(ss), stacks->slot, stack_bytes);
		need += sizeof(ss) + stack_bytes;
	}
	return (int64_t)need;
}

uint32_t pager_state_stacks(const void *buf, size_t len)
{
	struct pager_state_header h;

	if (len < sizeof(h)) {
		return 0;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != PAGER_STATE_MAGIC || h.major != PAGER_STATE_MAJOR ||
	    h.minor < 1) {
		return 0;
	}
	return h.stacks;
}

/*
 * Check the stacks section of @h's state at @in (@len bytes, the section
 * at @at): sizes, checksum, each slot within its limits, and each held
 * slot inside a REGION_STACKS region of the state.
 */
static int check_stacks(const struct pager_state_header *h, const uint8_t *in,
			size_t len, size_t at)
{
	struct pager_state_stacks ss;
	size_t bytes = h->stacks * sizeof(struct stack_slot);
	uint32_t nfree = 0;

	if (h->stacks > PAGER_STACK_SLOTS || len < at ||
	    len - at < sizeof(ss) + bytes) {
		return EXO_ERR_CORRUPT;
	}
	memcpy(&ss, in + at, sizeof(ss));
	at += sizeof(ss);
	if (pager_checksum(in + at, bytes) != ss.checksum) {
		return EXO_ERR_CORRUPT;
	}
	for (uint32_t i = 0; i < h->stacks; i++) {
		struct stack_slot s;
		uint64_t top = pager_stack_top(i);
		int inside = 0;

		memcpy(&s, in + at + i * sizeof(s), sizeof(s));
		if (s.pages > PAGER_STACK_MAX / EXO_PAGE_SIZE ||
		    s.deep > PAGER_STACK_SLOT / EXO_PAGE_SIZE ||
		    (s.flags & ~PAGER_STACK_FLAGS) || s.reserved) {
			return EXO_ERR_CORRUPT;
		}
		if (!s.pages) {
			nfree++;
			continue;
		}
		for (uint32_t k = 0; k < h->nregions && !inside; k++) {
			struct pager_region r;

			region_at(in, k, &r);
			inside = (r.flags & REGION_STACKS) &&
				 r.start <= top - (uint64_t)s.pages *
							 EXO_PAGE_SIZE &&
				 r.end >= top;
		}
		if (!inside) {
			return EXO_ERR_CORRUPT;
		}
	}
	return nfree == ss.nfree ? 0 : EXO_ERR_CORRUPT;
}

/* Take the checked stacks section at @at into @a; free slots lowest first. */
static void load_stacks(struct stack_area *a, uint32_t n, const uint8_t *in,
			size_t at)
{
	stack_area_init(a);
	memcpy(a->slot, in + at + sizeof(struct pager_state_stacks),
	       n * sizeof(struct stack_slot));
	a->used = n;
	for (uint32_t i = n; i-- > 0;) {
		if (!a->slot[i].pages) {
			a->free[a->nfree++] = (uint16_t)i;
		}
	}
}

/* The @i-th region of the state at @in, and of the swap entries. */
static void region_at(const uint8_t *in, uint32_t i, struct pager_region *r)
{
	memcpy(r, in + sizeof(struct pager_state_header) + i * sizeof(*r),
	       sizeof(*r));
}

int pager_state_import(struct region_table *t, struct swap_map *swap,
		       uint64_t *limit, struct stack_area *stacks,
		       const void *buf, size_t len)
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
	if (h.minor < 1) {
		h.stacks = 0; /* 1.0: reserved */
	}
	if (h.nregions > REGION_MAX || h.nswap > SWAP_SLOTS_MAX ||
	    (h.nswap && !swap) || (h.stacks && !stacks)) {
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
	if (h.stacks && check_stacks(&h, in, len, need)) {
		return EXO_ERR_CORRUPT;
	}
	/* Commit. */
	if (h.stacks) {
		load_stacks(stacks, h.stacks, in, need);
	} else if (stacks) {
		stack_area_init(stacks);
	}
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
