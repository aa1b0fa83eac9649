/* SPDX-License-Identifier: MIT */
/*
 * kv.list 1.0.0: the built-in key-value store, an unsorted array searched
 * from the start. State format 1 only. Its state lives in its data
 * segment, so a fresh data segment is a fresh instance.
 */
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/kv.h>
#include <libos/module.h>

struct kv_list {
	uint64_t count;
	uint64_t sum; /* of keys and values: health checks it */
	struct kv_pair pair[KV_CAPACITY];
};

static struct kv_list store;

static int find(const struct kv_list *l, uint64_t key, uint64_t *at)
{
	for (uint64_t i = 0; i < l->count; i++) {
		if (l->pair[i].key == key) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

static int list_put(void *self, uint64_t key, uint64_t value)
{
	struct kv_list *l = self;
	uint64_t i;

	if (find(l, key, &i)) {
		l->sum += value - l->pair[i].value;
		l->pair[i].value = value;
		return 0;
	}
	if (l->count == KV_CAPACITY) {
		return EXO_ERR_LIMIT;
	}
	l->pair[l->count].key = key;
	l->pair[l->count].value = value;
	l->count++;
	l->sum += key + value;
	return 0;
}

static int list_get(void *self, uint64_t key, uint64_t *value)
{
	struct kv_list *l = self;
	uint64_t i;

	if (!find(l, key, &i)) {
		return EXO_ERR_NOT_FOUND;
	}
	*value = l->pair[i].value;
	return 0;
}

static int list_del(void *self, uint64_t key)
{
	struct kv_list *l = self;
	uint64_t i;

	if (!find(l, key, &i)) {
		return EXO_ERR_NOT_FOUND;
	}
	l->sum -= key + l->pair[i].value;
	l->pair[i] = l->pair[--l->count];
	return 0;
}

static int64_t list_count(void *self)
{
	return (int64_t)((struct kv_list *)self)->count;
}

static const struct kv_ops list_ops = {
	.put = list_put,
	.get = list_get,
	.del = list_del,
	.count = list_count,
};

static int list_init(void **self)
{
	memset(&store, 0, sizeof(store));
	*self = &store;
	return 0;
}

static int64_t list_export(void *self, uint16_t version, void *buf,
			   uint64_t cap)
{
	struct kv_list *l = self;
	struct kv_state1 h = { .count = l->count };
	uint64_t need = sizeof(h) + l->count * sizeof(struct kv_pair);

	if (version != 1) {
		return EXO_ERR_NOSYS;
	}
	if (!buf || cap < need) {
		return buf ? EXO_ERR_TOO_BIG : (int64_t)need;
	}
	memcpy(buf, &h, sizeof(h));
	memcpy((char *)buf + sizeof(h), l->pair,
	       l->count * sizeof(struct kv_pair));
	return (int64_t)need;
}

static int list_import(void *self, uint16_t version, const void *buf,
		       uint64_t len)
{
	struct kv_list *l = self;
	struct kv_state1 h;

	if (version != 1) {
		return EXO_ERR_NOSYS;
	}
	if (len < sizeof(h)) {
		return EXO_ERR_INVALID;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.count > KV_CAPACITY) {
		return EXO_ERR_TOO_BIG;
	}
	if (len != sizeof(h) + h.count * sizeof(struct kv_pair)) {
		return EXO_ERR_INVALID;
	}
	l->count = h.count;
	memcpy(l->pair, (const char *)buf + sizeof(h),
	       h.count * sizeof(struct kv_pair));
	l->sum = 0;
	for (uint64_t i = 0; i < l->count; i++) {
		l->sum += l->pair[i].key + l->pair[i].value;
	}
	return 0;
}

static int list_health(void *self)
{
	struct kv_list *l = self;
	uint64_t sum = 0;

	if (l->count > KV_CAPACITY) {
		return EXO_ERR_CORRUPT;
	}
	for (uint64_t i = 0; i < l->count; i++) {
		sum += l->pair[i].key + l->pair[i].value;
	}
	return sum == l->sum ? 0 : EXO_ERR_CORRUPT;
}

MODULE_DESCRIPTOR(kv_list_module) = {
	MODULE_DESC_HEADER,
	.iface = "kv",
	.iface_major = KV_IFACE_MAJOR,
	.iface_minor = KV_IFACE_MINOR,
	.name = "kv.list",
	.impl_major = 1,
	.impl_minor = 0,
	.impl_patch = 0,
	.state_version = 1,
	.state_min = 1,
	.ops_size = sizeof(struct kv_ops),
	.ops = &list_ops,
	.init = list_init,
	.export_state = list_export,
	.import_state = list_import,
	.health = list_health,
};
