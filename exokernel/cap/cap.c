/* SPDX-License-Identifier: MIT */
/*
 * The capability pool.
 *
 * Invariants, kept by every function below:
 *  - an entry is free iff its type is 0; free entries form one list through
 *    next_sibling starting at free_head, and p->used counts the others;
 *  - a live entry sits in exactly one slot: the cspace of its holder (when
 *    that environment still exists) has its index at slot[c->slot], and no
 *    other slot anywhere names it;
 *  - the derivation tree: a live entry's parent is CAP_NONE or a live
 *    entry whose child list (first_child, then next_sibling, with
 *    prev_sibling pointing back) contains it exactly once; children share
 *    their parent's type and object and carry a subset of its rights;
 *  - c->nmaps is the length of c->maps, at most CAP_MAX_MAPPINGS, with no
 *    two records for the same env and va; only frame capabilities have
 *    records.
 *
 * Deletion never recurses: derivation chains can be as long as the pool,
 * far deeper than a 16 KiB kernel stack allows. It walks down first_child
 * links to a leaf, deletes that, and climbs one step, in constant space.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/errors.h>

#include "cap/cap.h"

#define FRAME_RIGHTS (EXO_CAP_R | EXO_CAP_W | EXO_CAP_X | EXO_CAP_GRANT)
#define ENV_RIGHTS (EXO_CAP_CONTROL | EXO_CAP_MAP | EXO_CAP_GRANT)
#define DISK_RIGHTS (EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT)

_Static_assert(CAP_POOL_SIZE > 0 && CAP_POOL_SIZE < INT32_MAX,
	       "pool indices travel in int32_t");
_Static_assert(EXO_CAP_ALL == (FRAME_RIGHTS | ENV_RIGHTS | DISK_RIGHTS),
	       "every right belongs to some type");

/* Whether @rights may be carried by a capability of @type. */
static bool rights_valid(uint16_t type, uint16_t rights)
{
	switch (type) {
	case EXO_CAP_FRAME:
		return (rights & ~FRAME_RIGHTS) == 0;
	case EXO_CAP_ENV:
		return (rights & ~ENV_RIGHTS) == 0;
	case EXO_CAP_DISK:
		return (rights & ~DISK_RIGHTS) == 0;
	default:
		return false;
	}
}

static int32_t first_free_slot(const struct cspace *cs)
{
	int32_t s;

	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		if (cs->slot[s] == CAP_NONE) {
			return s;
		}
	}
	return CAP_NONE;
}

/*
 * Take a free entry and fill it in as a leaf, placed in @cs at @slot and,
 * if @parent is not CAP_NONE, put at the head of its children. The caller
 * has checked that the pool is not empty and the slot is free, so this
 * cannot fail.
 */
static int32_t entry_take(struct cap_pool *p, struct cspace *cs,
			  uint32_t holder, int32_t slot, uint16_t type,
			  uint16_t rights, uint64_t object, int32_t parent)
{
	int32_t i = p->free_head;
	struct cap *c = &p->caps[i];

	p->free_head = c->next_sibling;
	p->used++;
	p->ntype[type]++;

	c->type = type;
	c->rights = rights;
	c->holder = holder;
	c->slot = slot;
	c->object = object;
	c->length = 0;
	c->parent = parent;
	c->first_child = CAP_NONE;
	c->prev_sibling = CAP_NONE;
	c->next_sibling = CAP_NONE;
	c->maps = NULL;
	c->nmaps = 0;
	if (parent != CAP_NONE) {
		struct cap *par = &p->caps[parent];

		c->next_sibling = par->first_child;
		if (par->first_child != CAP_NONE) {
			p->caps[par->first_child].prev_sibling = i;
		}
		par->first_child = i;
	}
	cs->slot[slot] = i;
	cs->used++;
	return i;
}

/*
 * Delete the single entry @i, which must have no children: undo its
 * mappings, empty its slot, unlink it from its parent and siblings, and
 * put it back on the free list.
 */
static void entry_destroy(struct cap_pool *p, int32_t i)
{
	struct cap *c = &p->caps[i];
	struct cap_mapping *m, *next;
	struct cspace *cs;

	for (m = c->maps; m != NULL; m = next) {
		next = m->next;
		p->ops->unmap(p->ctx, m->env, m->va, c->object);
		p->ops->free(p->ctx, m);
	}

	/* The holder may already be gone; then there is no slot to empty. */
	cs = p->ops->cspace_of(p->ctx, c->holder);
	if (cs != NULL && cs->slot[c->slot] == i) {
		cs->slot[c->slot] = CAP_NONE;
		cs->used--;
	}

	if (c->prev_sibling != CAP_NONE) {
		p->caps[c->prev_sibling].next_sibling = c->next_sibling;
	} else if (c->parent != CAP_NONE) {
		p->caps[c->parent].first_child = c->next_sibling;
	}
	if (c->next_sibling != CAP_NONE) {
		p->caps[c->next_sibling].prev_sibling = c->prev_sibling;
	}

	p->ntype[c->type]--;
	c->type = 0;
	c->rights = 0;
	c->holder = 0;
	c->slot = CAP_NONE;
	c->object = 0;
	c->length = 0;
	c->parent = CAP_NONE;
	c->first_child = CAP_NONE;
	c->prev_sibling = CAP_NONE;
	c->maps = NULL;
	c->nmaps = 0;
	c->next_sibling = p->free_head;
	p->free_head = i;
	p->used--;
}

/*
 * Delete every descendant of @root, and @root itself too unless @keep_root.
 *
 * Post-order without a stack: descend through first_child to a leaf,
 * delete it, step up to its parent and descend again. Each entry is
 * entered once from its parent and left once as it dies, so this is
 * linear in the subtree, and the only state is the current index, because
 * the parent links lead back up. Entries outside the subtree are never
 * touched except to unlink @root from its own parent.
 */
static void subtree_delete(struct cap_pool *p, int32_t root, bool keep_root)
{
	int32_t cur = root, up;

	for (;;) {
		while (p->caps[cur].first_child != CAP_NONE) {
			cur = p->caps[cur].first_child;
		}
		if (cur == root) {
			break;
		}
		up = p->caps[cur].parent;
		entry_destroy(p, cur);
		cur = up;
	}
	if (!keep_root) {
		entry_destroy(p, root);
	}
}

void cap_pool_init(struct cap_pool *p, const struct cap_ops *ops, void *ctx)
{
	int32_t i;

	for (i = 0; i < CAP_POOL_SIZE; i++) {
		struct cap *c = &p->caps[i];

		c->type = 0;
		c->rights = 0;
		c->holder = 0;
		c->slot = CAP_NONE;
		c->object = 0;
		c->length = 0;
		c->parent = CAP_NONE;
		c->first_child = CAP_NONE;
		c->prev_sibling = CAP_NONE;
		/* Ascending, so the pool fills from index 0. */
		c->next_sibling = i + 1 < CAP_POOL_SIZE ? i + 1 : CAP_NONE;
		c->maps = NULL;
		c->nmaps = 0;
	}
	p->free_head = 0;
	p->used = 0;
	for (i = 0; i < CAP_NTYPES; i++) {
		p->ntype[i] = 0;
	}
	p->ops = ops;
	p->ctx = ctx;
}

void cspace_init(struct cspace *cs)
{
	int32_t s;

	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		cs->slot[s] = CAP_NONE;
	}
	cs->used = 0;
}

/*
 * The slot of @holder's cspace (*@cs) a new root capability would take:
 * EXO_ERR_NOT_FOUND (no such holder), EXO_ERR_LIMIT (its cspace or the
 * pool is full).
 */
static int32_t room_for_new(struct cap_pool *p, uint32_t holder,
			    struct cspace **cs)
{
	int32_t slot;

	*cs = p->ops->cspace_of(p->ctx, holder);
	if (*cs == NULL) {
		return EXO_ERR_NOT_FOUND;
	}
	slot = first_free_slot(*cs);
	if (slot == CAP_NONE || p->free_head == CAP_NONE) {
		return EXO_ERR_LIMIT;
	}
	return slot;
}

int cap_create(struct cap_pool *p, uint32_t holder, uint16_t type,
	       uint16_t rights, uint64_t object)
{
	struct cspace *cs;
	int32_t slot;

	if (type == EXO_CAP_DISK || !rights_valid(type, rights)) {
		return EXO_ERR_INVALID;
	}
	slot = room_for_new(p, holder, &cs);
	if (slot < 0) {
		return slot;
	}
	entry_take(p, cs, holder, slot, type, rights, object, CAP_NONE);
	return slot;
}

int cap_create_extent(struct cap_pool *p, uint32_t holder, uint16_t rights,
		      uint64_t start, uint64_t length)
{
	struct cspace *cs;
	int32_t slot, i;

	if (length == 0 || start + length < start ||
	    !rights_valid(EXO_CAP_DISK, rights)) {
		return EXO_ERR_INVALID;
	}
	slot = room_for_new(p, holder, &cs);
	if (slot < 0) {
		return slot;
	}
	i = entry_take(p, cs, holder, slot, EXO_CAP_DISK, rights, start,
		       CAP_NONE);
	p->caps[i].length = length;
	return slot;
}

int cap_extent_check(const struct cap *c, uint64_t off, uint64_t count)
{
	/* Written so that nothing can wrap: off < length first. */
	if (count == 0 || off >= c->length || count > c->length - off) {
		return EXO_ERR_INVALID;
	}
	return 0;
}

/* cap_lookup, but giving the pool index. */
static int lookup_index(struct cap_pool *p, uint32_t holder, int64_t slot,
			uint16_t type, uint16_t need, int32_t *out)
{
	struct cspace *cs;
	struct cap *c;
	int32_t i;

	/* Before anything else: @slot is straight from user space. */
	if (slot < 0 || slot >= EXO_CAP_SLOTS) {
		return EXO_ERR_INVALID;
	}
	cs = p->ops->cspace_of(p->ctx, holder);
	if (cs == NULL) {
		return EXO_ERR_NOT_FOUND;
	}
	i = cs->slot[slot];
	if (i == CAP_NONE) {
		return EXO_ERR_NOT_FOUND;
	}
	c = &p->caps[i];
	if (type != 0 && c->type != type) {
		return EXO_ERR_INVALID;
	}
	if ((c->rights & need) != need) {
		return EXO_ERR_DENIED;
	}
	*out = i;
	return 0;
}

int cap_lookup(struct cap_pool *p, uint32_t holder, int64_t slot, uint16_t type,
	       uint16_t need, struct cap **out)
{
	int32_t i;
	int err;

	err = lookup_index(p, holder, slot, type, need, &i);
	if (err) {
		return err;
	}
	*out = &p->caps[i];
	return 0;
}

/*
 * The common end of every derivation from entry @i: check the source may
 * grant @rights, find a free slot in @to's cspace, then take the entry
 * naming @object and @length. Nothing changes unless it succeeds.
 * Return: the slot in @to's cspace, or EXO_ERR_*.
 */
static int derive_from(struct cap_pool *p, int32_t i, uint32_t to,
		       uint16_t rights, uint64_t object, uint64_t length)
{
	struct cap *src = &p->caps[i];
	struct cspace *cs;
	int32_t to_slot;

	if (!(src->rights & EXO_CAP_GRANT) || (rights & ~src->rights) != 0) {
		return EXO_ERR_DENIED;
	}
	cs = p->ops->cspace_of(p->ctx, to);
	if (cs == NULL) {
		return EXO_ERR_NOT_FOUND;
	}
	to_slot = first_free_slot(cs);
	if (to_slot == CAP_NONE || p->free_head == CAP_NONE) {
		return EXO_ERR_LIMIT;
	}
	i = entry_take(p, cs, to, to_slot, src->type, rights, object, i);
	p->caps[i].length = length;
	return to_slot;
}

int cap_derive(struct cap_pool *p, uint32_t holder, int64_t slot, uint32_t to,
	       uint16_t rights)
{
	int32_t i;
	int err;

	/* Check everything first: a failing grant changes nothing. */
	err = lookup_index(p, holder, slot, 0, 0, &i);
	if (err) {
		return err;
	}
	if (!rights_valid(p->caps[i].type, rights)) {
		return EXO_ERR_INVALID;
	}
	return derive_from(p, i, to, rights, p->caps[i].object,
			   p->caps[i].length);
}

int cap_derive_extent(struct cap_pool *p, uint32_t holder, int64_t slot,
		      uint32_t to, uint64_t off, uint64_t count,
		      uint16_t rights)
{
	int32_t i;
	int err;

	err = lookup_index(p, holder, slot, EXO_CAP_DISK, 0, &i);
	if (err) {
		return err;
	}
	if (!rights_valid(EXO_CAP_DISK, rights)) {
		return EXO_ERR_INVALID;
	}
	err = cap_extent_check(&p->caps[i], off, count);
	if (err) {
		return err;
	}
	/* object + off cannot wrap: the source's range did not. */
	return derive_from(p, i, to, rights, p->caps[i].object + off, count);
}

int cap_revoke(struct cap_pool *p, uint32_t holder, int64_t slot)
{
	int32_t i;
	int err;

	err = lookup_index(p, holder, slot, 0, 0, &i);
	if (err) {
		return err;
	}
	subtree_delete(p, i, true);
	return 0;
}

int cap_delete(struct cap_pool *p, uint32_t holder, int64_t slot)
{
	int32_t i;
	int err;

	err = lookup_index(p, holder, slot, 0, 0, &i);
	if (err) {
		return err;
	}
	subtree_delete(p, i, false);
	return 0;
}

void cspace_clear(struct cap_pool *p, uint32_t holder)
{
	struct cspace *cs;
	int32_t s;

	cs = p->ops->cspace_of(p->ctx, holder);
	if (cs == NULL) {
		return;
	}
	/*
	 * Re-read each slot as it comes: deleting one subtree may already
	 * have emptied later slots (capabilities @holder granted to itself).
	 * Done once none is left (most environments end holding none).
	 */
	for (s = 0; s < EXO_CAP_SLOTS && cs->used; s++) {
		if (cs->slot[s] != CAP_NONE) {
			subtree_delete(p, cs->slot[s], false);
		}
	}
}

void cap_delete_object(struct cap_pool *p, uint16_t type, uint64_t object)
{
	int32_t i;

	/*
	 * One pass in index order. Deleting a subtree frees entries, some not
	 * yet visited; they are then free (type 0) when reached and skipped.
	 * Nothing is allocated meanwhile, so a freed entry cannot come back
	 * live under us, and no visited entry can become a match later.
	 */
	if (type == 0 || type >= CAP_NTYPES || p->ntype[type] == 0) {
		return;
	}
	for (i = 0; i < CAP_POOL_SIZE; i++) {
		struct cap *c = &p->caps[i];

		if (c->type == type && c->object == object) {
			subtree_delete(p, i, false);
		}
	}
}

int cap_record_mapping(struct cap_pool *p, struct cap *c, uint32_t env,
		       uint64_t va)
{
	struct cap_mapping *m;

	if (c->type != EXO_CAP_FRAME) {
		return EXO_ERR_INVALID;
	}
	/*
	 * One record per page: a libOS that unmaps and maps the same page
	 * again through this capability must not use up its records.
	 */
	for (m = c->maps; m != NULL; m = m->next) {
		if (m->env == env && m->va == va) {
			return 0;
		}
	}
	if (c->nmaps >= CAP_MAX_MAPPINGS) {
		return EXO_ERR_LIMIT;
	}
	m = p->ops->alloc(p->ctx, sizeof(*m));
	if (m == NULL) {
		return EXO_ERR_NO_MEMORY;
	}
	m->env = env;
	m->va = va;
	m->next = c->maps;
	c->maps = m;
	c->nmaps++;
	return 0;
}

bool cap_holds(struct cap_pool *p, uint32_t holder, uint16_t type,
	       uint64_t object, uint16_t need)
{
	struct cspace *cs;
	int32_t s;

	cs = p->ops->cspace_of(p->ctx, holder);
	if (cs == NULL || cs->used == 0) {
		return false;
	}
	for (s = 0; s < EXO_CAP_SLOTS; s++) {
		const struct cap *c;

		if (cs->slot[s] == CAP_NONE) {
			continue;
		}
		c = &p->caps[cs->slot[s]];
		if (c->type == type && c->object == object &&
		    (c->rights & need) == need) {
			return true;
		}
	}
	return false;
}

uint32_t cap_count_object(struct cap_pool *p, uint16_t type, uint64_t object)
{
	uint32_t n = 0;
	int32_t i;

	if (type == 0 || type >= CAP_NTYPES || p->ntype[type] == 0) {
		return 0;
	}
	for (i = 0; i < CAP_POOL_SIZE; i++) {
		if (p->caps[i].type == type && p->caps[i].object == object) {
			n++;
		}
	}
	return n;
}
