/* SPDX-License-Identifier: MIT */
/*
 * The swap store on a reserved memory area: frames this environment owns
 * and never maps, except one at a time through a one-page window while a
 * page is copied in or out. A disk extent can replace it behind the same
 * ops once the file system has extents to give.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libos/exo.h>
#include <libos/pager_impl.h>

struct mem_store {
	struct swap_store base;
	size_t slots;
	uint64_t window;
	uint64_t *pa; /* per slot; 0 until the slot is first written */
};

static struct mem_store store;

static size_t mem_capacity(struct swap_store *s)
{
	return container_of(s, struct mem_store, base)->slots;
}

/* Map @slot's frame at the window, allocating it on first use. */
static int open_slot(struct mem_store *m, size_t slot)
{
	int64_t pa;

	if (slot >= m->slots) {
		return EXO_ERR_INVALID;
	}
	if (!m->pa[slot]) {
		pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
		if (pa < 0) {
			return (int)pa;
		}
		m->pa[slot] = (uint64_t)pa;
	}
	return (int)exo_page_map(EXO_ENV_SELF, m->window, m->pa[slot],
				 EXO_PERM_R | EXO_PERM_W, 0, 0);
}

static int mem_write(struct swap_store *s, size_t slot, const void *src)
{
	struct mem_store *m = container_of(s, struct mem_store, base);
	int err = open_slot(m, slot);

	if (err) {
		return err;
	}
	memcpy((void *)m->window, src, EXO_PAGE_SIZE);
	return (int)exo_page_unmap(EXO_ENV_SELF, m->window, 1, 0, 0, 0);
}

static int mem_read(struct swap_store *s, size_t slot, void *dst)
{
	struct mem_store *m = container_of(s, struct mem_store, base);
	int err = open_slot(m, slot);

	if (err) {
		return err;
	}
	memcpy(dst, (const void *)m->window, EXO_PAGE_SIZE);
	return (int)exo_page_unmap(EXO_ENV_SELF, m->window, 1, 0, 0, 0);
}

static const struct swap_store_ops mem_ops = {
	.capacity = mem_capacity,
	.write = mem_write,
	.read = mem_read,
};

struct swap_store *swap_mem_store(size_t slots, uint64_t window,
				  uint64_t *frames)
{
	if (slots == 0 || slots > SWAP_SLOTS_MAX || !frames) {
		return NULL;
	}
	store.pa = frames;
	store.base.ops = &mem_ops;
	store.slots = slots;
	store.window = window;
	return &store.base;
}
