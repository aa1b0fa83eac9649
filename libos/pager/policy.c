/* SPDX-License-Identifier: MIT */
/*
 * Two replacement policies behind one ops table. Both learn about use
 * only through the accessed bits the pager_ref_ops report (and clear), so
 * they run unchanged on the host against reference traces.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libos/pager_impl.h>

/* Clock: the hand gives every used page a second chance. */

static void clock_reset(struct pager_policy *pol, size_t nslots)
{
	struct policy_clock *c = container_of(pol, struct policy_clock, base);

	c->nslots = nslots > POLICY_SLOTS_MAX ? POLICY_SLOTS_MAX : nslots;
	c->hand = 0;
}

static void clock_insert(struct pager_policy *pol, size_t slot)
{
}

static void clock_remove(struct pager_policy *pol, size_t slot)
{
}

static size_t clock_victim(struct pager_policy *pol,
			   const struct pager_ref_ops *ref, void *ctx)
{
	struct policy_clock *c = container_of(pol, struct policy_clock, base);

	/* At most one full turn clears every bit; the next finds a victim. */
	for (;;) {
		size_t s = c->hand;

		c->hand = (c->hand + 1) % c->nslots;
		if (!ref->referenced(ctx, s)) {
			return s;
		}
	}
}

static const struct pager_policy_ops clock_ops = {
	.reset = clock_reset,
	.insert = clock_insert,
	.remove = clock_remove,
	.victim = clock_victim,
};

void policy_clock_init(struct policy_clock *c)
{
	c->base.ops = &clock_ops;
	c->base.name = "clock";
	c->nslots = 0;
	c->hand = 0;
}

/* Aging: eight bits of history per page, the least recently used goes. */

static void aging_reset(struct pager_policy *pol, size_t nslots)
{
	struct policy_aging *a = container_of(pol, struct policy_aging, base);

	a->nslots = nslots > POLICY_SLOTS_MAX ? POLICY_SLOTS_MAX : nslots;
	memset(a->age, 0, sizeof(a->age));
}

static void aging_insert(struct pager_policy *pol, size_t slot)
{
	struct policy_aging *a = container_of(pol, struct policy_aging, base);

	/* Just brought in: as if used in the latest interval. */
	a->age[slot] = 0x80;
}

static void aging_remove(struct pager_policy *pol, size_t slot)
{
	struct policy_aging *a = container_of(pol, struct policy_aging, base);

	a->age[slot] = 0;
}

static size_t aging_victim(struct pager_policy *pol,
			   const struct pager_ref_ops *ref, void *ctx)
{
	struct policy_aging *a = container_of(pol, struct policy_aging, base);
	size_t s, best = 0;

	for (s = 0; s < a->nslots; s++) {
		a->age[s] = (uint8_t)((a->age[s] >> 1) |
				      (ref->referenced(ctx, s) ? 0x80 : 0));
		if (a->age[s] < a->age[best]) {
			best = s;
		}
	}
	return best;
}

static const struct pager_policy_ops aging_ops = {
	.reset = aging_reset,
	.insert = aging_insert,
	.remove = aging_remove,
	.victim = aging_victim,
};

void policy_aging_init(struct policy_aging *a)
{
	a->base.ops = &aging_ops;
	a->base.name = "aging";
	aging_reset(&a->base, 0);
}
