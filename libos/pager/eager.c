/* SPDX-License-Identifier: MIT */
/*
 * pager.eager: pager.cow with every region backed when it is mapped, as
 * if each pager_map asked for PAGER_MAP_EAGER. No first-touch faults, at
 * the price of frames for pages never used. Chosen with MODULES
 * pager.eager.
 */
#include <stdint.h>

#include <libos/pager_impl.h>

static struct pager_ops eager_ops;

static int eager_map(struct pager *p, uint64_t *va, uint64_t len,
		     uint32_t prot, uint32_t flags)
{
	return pager_cow_ops.map(p, va, len, prot, flags | PAGER_MAP_EAGER);
}

static int eager_start(void *self)
{
	eager_ops = pager_cow_ops;
	eager_ops.map = eager_map;
	return pager_cow_start(&eager_ops);
}

PAGER_IMPL(eager_impl, "pager.eager", &eager_ops, (void *)&pager_cow_pg,
	   eager_start, LIBOS_PRIO_MODULE);
