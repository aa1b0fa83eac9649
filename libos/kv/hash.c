/* SPDX-License-Identifier: MIT */
/*
 * kv.hash 2.0.0: the key-value store as an open-addressing hash table
 * (linear probing, tombstones). State format 2 adds the number of puts
 * ever served; it still reads and writes format 1 (without that count),
 * so it can take over from kv.list and hand back to it.
 */
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/kv.h>
#include <libos/module.h>

#define SLOTS (2 * KV_CAPACITY) /* a power of two */

/* The build may give a rebuilt image a newer minor version. */
#ifndef KV_HASH_MINOR
#define KV_HASH_MINOR 0
#endif
#define EMPTY 0
#define USED 1
#define GONE 2

struct kv_hash {
	uint64_t count, puts;
	uint8_t mark[SLOTS];
	struct kv_pair pair[SLOTS];
};

static struct kv_hash table;

static uint64_t slot_of(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return key & (SLOTS - 1);
}

/* The slot holding @key, or where it would go (*found 0); SLOTS if full. */
static uint64_t probe(const struct kv_hash *h, uint64_t key, int *found)
{
	uint64_t i = slot_of(key), free_at = SLOTS;

	for (uint64_t n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
		if (h->mark[i] == USED && h->pair[i].key == key) {
			*found = 1;
			return i;
		}
		if (h->mark[i] != USED && free_at == SLOTS) {
			free_at = i;
		}
		if (h->mark[i] == EMPTY) {
			break;
		}
	}
	*found = 0;
	return free_at;
}

static int hash_put(void *self, uint64_t key, uint64_t value)
{
	struct kv_hash *h = self;
	int found;
	uint64_t i = probe(h, key, &found);

	if (!found) {
		if (h->count == KV_CAPACITY || i == SLOTS) {
			return EXO_ERR_LIMIT;
		}
		h->mark[i] = USED;
		h->pair[i].key = key;
		h->count++;
	}
	h->pair[i].value = value;
	h->puts++;
	return 0;
}

static int hash_get(void *self, uint64_t key, uint64_t *value)
{
	struct kv_hash *h = self;
	int found;
	uint64_t i = probe(h, key, &found);

	if (!found) {
		return EXO_ERR_NOT_FOUND;
	}
	*value = h->pair[i].value;
	return 0;
}

static int hash_del(void *self, uint64_t key)
{
	struct kv_hash *h = self;
	int found;
	uint64_t i = probe(h, key, &found);

	if (!found) {
		return EXO_ERR_NOT_FOUND;
	}
	h->mark[i] = GONE;
	h->count--;
	return 0;
}

static int64_t hash_count(void *self)
{
	return (int64_t)((struct kv_hash *)self)->count;
}

static const struct kv_ops hash_ops = {
	.put = hash_put,
	.get = hash_get,
	.del = hash_del,
	.count = hash_count,
};

static int hash_init(void **self)
{
	memset(&table, 0, sizeof(table));
	*self = &table;
	return 0;
}

static int64_t hash_export(void *self, uint16_t version, void *buf,
			   uint64_t cap)
{
	struct kv_hash *h = self;
	uint64_t head = version == 2 ? sizeof(struct kv_state2)
				     : sizeof(struct kv_state1);
	uint64_t need = head + h->count * sizeof(struct kv_pair), n = 0;
	struct kv_state2 s2 = { .count = h->count, .puts = h->puts };
	struct kv_pair *out;

	if (version != 1 && version != 2) {
		return EXO_ERR_NOSYS;
	}
	if (!buf || cap < need) {
		return buf ? EXO_ERR_TOO_BIG : (int64_t)need;
	}
	memcpy(buf, &s2, head); /* count first in both formats */
	out = (struct kv_pair *)((char *)buf + head);
	for (uint64_t i = 0; i < SLOTS && n < h->count; i++) {
		if (h->mark[i] == USED) {
			out[n++] = h->pair[i];
		}
	}
	return (int64_t)need;
}

static int hash_import(void *self, uint16_t version, const void *buf,
		       uint64_t len)
{
	struct kv_hash *h = self;
	struct kv_state2 s2 = { 0 };
	uint64_t head = version == 2 ? sizeof(struct kv_state2)
				     : sizeof(struct kv_state1);
	const struct kv_pair *in;

	if (version != 1 && version != 2) {
		return EXO_ERR_NOSYS;
	}
	if (len < head) {
		return EXO_ERR_INVALID;
	}
	memcpy(&s2, buf, head);
	if (s2.count > KV_CAPACITY) {
		return EXO_ERR_TOO_BIG;
	}
	if (len != head + s2.count * sizeof(struct kv_pair)) {
		return EXO_ERR_INVALID;
	}
	memset(h, 0, sizeof(*h));
	in = (const struct kv_pair *)((const char *)buf + head);
	for (uint64_t i = 0; i < s2.count; i++) {
		hash_put(h, in[i].key, in[i].value);
	}
	h->puts = version == 2 ? s2.puts : h->count;
	return 0;
}

static int hash_health(void *self)
{
	struct kv_hash *h = self;
	uint64_t used = 0;

	for (uint64_t i = 0; i < SLOTS; i++) {
		if (h->mark[i] > GONE) {
			return EXO_ERR_CORRUPT;
		}
		used += h->mark[i] == USED;
	}
	return used == h->count ? 0 : EXO_ERR_CORRUPT;
}

MODULE_DESCRIPTOR(kv_hash_module) = {
	MODULE_DESC_HEADER,
	.iface = "kv",
	.iface_major = KV_IFACE_MAJOR,
	.iface_minor = KV_IFACE_MINOR,
	.name = "kv.hash",
	.impl_major = 2,
	.impl_minor = KV_HASH_MINOR,
	.impl_patch = 0,
	.state_version = 2,
	.state_min = 1,
	.ops_size = sizeof(struct kv_ops),
	.ops = &hash_ops,
	.init = hash_init,
	.export_state = hash_export,
	.import_state = hash_import,
	.health = hash_health,
};
