/* SPDX-License-Identifier: MIT */
/*
 * Capabilities: unforgeable, kernel-held references to a frame, an
 * environment or an extent of the disk, with rights. All capabilities live in one pool; each
 * environment's cspace names up to EXO_CAP_SLOTS of them by slot number,
 * which is what user code passes to system calls.
 *
 * Every capability except a root one was derived (granted) from another,
 * with at most its rights; the pool keeps the derivation tree so that
 * revoking a capability deletes everything derived from it, wherever it is
 * held. A frame capability also remembers the mappings made through it, so
 * deleting it removes them (through the unmap op): revoking a frame takes
 * it out of every grantee's address space.
 *
 * A derived capability always names the same object, with the same type,
 * as its parent, and carries a subset of its rights; a disk extent may
 * also be narrowed to a range inside its parent's (cap_derive_extent).
 *
 * The pool touches no hardware and no environment directly: the ops table
 * reaches the rest of the kernel, so this runs in host tests unchanged.
 * Deleting any number of capabilities takes constant kernel stack: the
 * derivation tree is walked iteratively, never recursively, since chains
 * may be thousands deep. Not locked: the kernel serialises calls, and no op
 * may call back into the pool.
 */
#ifndef CAP_CAP_H
#define CAP_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/abi.h>

#define CAP_POOL_SIZE 4096
#define CAP_NONE (-1)
/* Mapping records one capability may hold (distinct env/va pairs). */
#define CAP_MAX_MAPPINGS 1024
/* Capability types are 1 .. CAP_NTYPES - 1. */
#define CAP_NTYPES (EXO_CAP_DISK + 1)

struct cap_mapping {
	uint32_t env; /* the address space... */
	uint64_t va; /* ...and page the mapping was made at */
	struct cap_mapping *next;
};

struct cap {
	uint16_t type; /* 0 when free, else EXO_CAP_FRAME, _ENV or _DISK */
	uint16_t rights; /* EXO_CAP_* rights */
	uint32_t holder; /* env id whose cspace holds it */
	int32_t slot; /* its slot there */
	uint64_t object; /* frame physical address, env id, first block */
	uint64_t length; /* disk: blocks in the extent (>= 1); else 0 */
	/* Derivation tree, as pool indices, CAP_NONE where absent. */
	int32_t parent, first_child, next_sibling, prev_sibling;
	struct cap_mapping *maps; /* mappings made through it */
	uint32_t nmaps;
};

/* An environment's capability slots: pool indices or CAP_NONE. */
struct cspace {
	int32_t slot[EXO_CAP_SLOTS];
	uint32_t used; /* slots not CAP_NONE: lets searches of empty ones end */
};

struct cap_ops {
	/*
	 * The cspace of environment @env (the holder of a capability), or
	 * NULL if there is no such environment.
	 */
	struct cspace *(*cspace_of)(void *ctx, uint32_t env);
	/*
	 * Remove the mapping at @va in @env's address space if it still maps
	 * the frame at @object; do nothing if it maps something else or
	 * nothing, or if @env is gone. Called as a capability dies.
	 */
	void (*unmap)(void *ctx, uint32_t env, uint64_t va, uint64_t object);
	/* Memory for mapping records; alloc may return NULL. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
};

struct cap_pool {
	struct cap caps[CAP_POOL_SIZE];
	int32_t free_head; /* free entries chained through next_sibling */
	uint32_t used;
	/* Live capabilities of each type: lets whole-pool scans be skipped. */
	uint32_t ntype[CAP_NTYPES];
	const struct cap_ops *ops;
	void *ctx;
};

/* cap_pool_init - an empty pool reaching the kernel through @ops/@ctx. */
void cap_pool_init(struct cap_pool *p, const struct cap_ops *ops, void *ctx);

/* cspace_init - every slot empty. */
void cspace_init(struct cspace *cs);

/*
 * cap_create - a root capability on @object with @rights in the first free
 * slot of @holder's cspace. @type is EXO_CAP_FRAME, whose rights are drawn
 * from R, W, X and GRANT, or EXO_CAP_ENV, whose rights are drawn from
 * CONTROL, MAP and GRANT; no rights at all is allowed. Disk extents are
 * made with cap_create_extent.
 * Return: the slot (>= 0), EXO_ERR_INVALID (bad type, or rights not valid
 * for it), EXO_ERR_NOT_FOUND (no such @holder), EXO_ERR_LIMIT (cspace or
 * pool full).
 */
int cap_create(struct cap_pool *p, uint32_t holder, uint16_t type,
	       uint16_t rights, uint64_t object);

/*
 * cap_create_extent - a root disk-extent capability on blocks [@start,
 * @start + @length) with @rights (drawn from R, W and GRANT) in the first
 * free slot of @holder's cspace.
 * Return: the slot, EXO_ERR_INVALID (@length 0, the range wraps, rights not
 * valid for an extent), EXO_ERR_NOT_FOUND, EXO_ERR_LIMIT.
 */
int cap_create_extent(struct cap_pool *p, uint32_t holder, uint16_t rights,
		      uint64_t start, uint64_t length);

/*
 * cap_extent_check - may blocks [@off, @off + @count) relative to the
 * start of extent @c be used? Pure range arithmetic, safe against
 * overflow. Return: 0, or EXO_ERR_INVALID (@count 0, or the range reaches
 * past the extent).
 */
int cap_extent_check(const struct cap *c, uint64_t off, uint64_t count);

/*
 * cap_lookup - the capability in @holder's @slot, checked to be of @type
 * (0: any) and to carry every right in @need. @slot comes from user space
 * unchecked: anything outside [0, EXO_CAP_SLOTS) is refused. *@out stays
 * valid until the capability is deleted, and is untouched on failure.
 * Return: 0 and *@out, EXO_ERR_INVALID (slot out of range or wrong type),
 * EXO_ERR_NOT_FOUND (no such @holder, or empty slot), EXO_ERR_DENIED
 * (missing rights).
 */
int cap_lookup(struct cap_pool *p, uint32_t holder, int64_t slot, uint16_t type,
	       uint16_t need, struct cap **out);

/*
 * cap_derive - grant: a child of @holder's @slot, on the same object and of
 * the same type, with @rights (a subset of the source's), into the first
 * free slot of @to's cspace (@to may be @holder). The source must carry
 * EXO_CAP_GRANT. A failing call changes nothing.
 * Return: the new slot, or cap_lookup's errors, EXO_ERR_INVALID (@rights
 * not valid for the type, as for cap_create), EXO_ERR_DENIED (no GRANT
 * right, or rights beyond the source's), EXO_ERR_NOT_FOUND (no such @to),
 * EXO_ERR_LIMIT (@to's cspace or the pool full).
 */
int cap_derive(struct cap_pool *p, uint32_t holder, int64_t slot, uint32_t to,
	       uint16_t rights);

/*
 * cap_derive_extent - a sub-extent: a child of @holder's disk extent
 * @slot covering its blocks [@off, @off + @count), with @rights (a subset
 * of the source's), in the first free slot of @to's cspace (@to may be
 * @holder). The source must carry EXO_CAP_GRANT. It sits in the
 * derivation tree like any grant, so revoking the source takes it away.
 * A failing call changes nothing.
 * Return: the new slot, or cap_lookup's errors (EXO_ERR_INVALID also when
 * @slot is not a disk extent), EXO_ERR_INVALID (the range is empty or
 * reaches past the source; rights not valid for an extent), EXO_ERR_DENIED
 * (no GRANT right, rights beyond the source's), EXO_ERR_NOT_FOUND (no such
 * @to), EXO_ERR_LIMIT.
 */
int cap_derive_extent(struct cap_pool *p, uint32_t holder, int64_t slot,
		      uint32_t to, uint64_t off, uint64_t count,
		      uint16_t rights);

/*
 * cap_revoke - delete every capability derived from @holder's @slot,
 * transitively and wherever held, with their mappings (each is unmapped and
 * its record freed). The capability itself stays, with its own mappings.
 * Return: 0 or cap_lookup's errors.
 */
int cap_revoke(struct cap_pool *p, uint32_t holder, int64_t slot);

/*
 * cap_delete - cap_revoke, then delete the capability itself (and its
 * mappings), emptying the slot.
 * Return: 0 or cap_lookup's errors.
 */
int cap_delete(struct cap_pool *p, uint32_t holder, int64_t slot);

/*
 * cspace_clear - delete every capability @holder holds, each with its
 * descendants wherever they are held; capabilities others derived from one
 * of them go, capabilities others granted to @holder go too (their sources
 * stay). Nothing to do for an unknown @holder.
 */
void cspace_clear(struct cap_pool *p, uint32_t holder);

/*
 * cap_delete_object - delete every capability of @type on @object (and
 * descendants), e.g. when the environment it names is gone. Linear in the
 * pool size. Type 0 matches nothing.
 */
void cap_delete_object(struct cap_pool *p, uint16_t type, uint64_t object);

/*
 * cap_record_mapping - remember that @c, a live frame capability, was used
 * to map a page at @va in @env, so deleting @c removes it. Recording the
 * same @env and @va again keeps the one record, so remapping a page through
 * the same capability never uses up its records. Linear in @c's records.
 * Return: 0, EXO_ERR_INVALID (@c is not a live frame capability),
 * EXO_ERR_NO_MEMORY, EXO_ERR_LIMIT (CAP_MAX_MAPPINGS reached).
 */
int cap_record_mapping(struct cap_pool *p, struct cap *c, uint32_t env,
		       uint64_t va);

/*
 * cap_holds - true when @holder's cspace has a capability of @type on
 * @object carrying every right in @need; false for an unknown @holder.
 */
bool cap_holds(struct cap_pool *p, uint32_t holder, uint16_t type,
	       uint64_t object, uint16_t need);

/*
 * cap_count_object - how many capabilities of @type name @object, anywhere.
 * Linear in the pool size. Type 0 matches nothing.
 */
uint32_t cap_count_object(struct cap_pool *p, uint16_t type, uint64_t object);

#endif
