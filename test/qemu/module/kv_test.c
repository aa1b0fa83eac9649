/* SPDX-License-Identifier: MIT */
/*
 * Deliberately faulty kv implementations, one source built as several
 * module images (KV_TEST_* picks the flaw). Otherwise a plain array store
 * with state format 1, so it can take over from kv.list and back.
 *
 *   KV_TEST_REFUSE  import_state refuses every blob
 *   KV_TEST_SICK    health reports corruption
 *   KV_TEST_CRASH   put of KV_KEY_CRASH writes through a null pointer
 *   KV_TEST_LOOP    get of KV_KEY_LOOP never returns
 *   KV_TEST_ABI2    descriptor names module ABI 2.0
 *   KV_TEST_IMPORT  imports "fopen", which no export table offers
 *   KV_TEST_INJECT  the fault-injection target: put of KV_KEY_INJECT + n
 *                   arms flaw n (1 wild write, 2 null call, 3 endless
 *                   loop) for the next get
 */
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/kv.h>
#include <libos/module.h>

#define KV_KEY_CRASH 0xdead
#define KV_KEY_LOOP 0x100f
#define KV_KEY_INJECT 0x1e000

#ifndef KV_TEST_NAME
#define KV_TEST_NAME "kv.test"
#endif

struct kv_arr {
	uint64_t count;
	uint64_t armed;
	uint64_t sum; /* of keys and values */
	uint64_t count_check; /* ~count */
	struct kv_pair pair[KV_CAPACITY];
};

static struct kv_arr arr;
/* Read through a volatile pointer, so the compiler keeps the flaw. */
static void *volatile nowhere;

static int find(uint64_t key, uint64_t *at)
{
	for (uint64_t i = 0; i < arr.count; i++) {
		if (arr.pair[i].key == key) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

static int t_put(void *self, uint64_t key, uint64_t value)
{
	uint64_t i;

	if (IS_CRASH && key == KV_KEY_CRASH) {
		*(volatile uint64_t *)nowhere = value;
	}
	if (IS_INJECT && key > KV_KEY_INJECT && key <= KV_KEY_INJECT + 3) {
		arr.armed = key - KV_KEY_INJECT;
		return 0;
	}
	if (find(key, &i)) {
		arr.sum += value - arr.pair[i].value;
		arr.pair[i].value = value;
		return 0;
	}
	if (arr.count == KV_CAPACITY) {
		return EXO_ERR_LIMIT;
	}
	arr.pair[arr.count].key = key;
	arr.pair[arr.count].value = value;
	arr.count++;
	arr.count_check = ~arr.count;
	arr.sum += key + value;
	return 0;
}

static int t_get(void *self, uint64_t key, uint64_t *value)
{
	uint64_t i;

	if (IS_LOOP && key == KV_KEY_LOOP) {
		for (;;) {
			__asm__ volatile("");
		}
	}
	if (IS_INJECT && arr.armed) {
		uint64_t flaw = arr.armed;

		arr.armed = 0;
		if (flaw == 1) {
			*(volatile uint64_t *)(0x0000100000000000ul -
					       0x1000ul * (key & 0xff)) = key;
		} else if (flaw == 2) {
			((void (*)(void))nowhere)();
		} else {
			for (;;) {
				__asm__ volatile("");
			}
		}
	}
	if (!find(key, &i)) {
		return EXO_ERR_NOT_FOUND;
	}
	*value = arr.pair[i].value;
	return 0;
}

static int t_del(void *self, uint64_t key)
{
	uint64_t i;

	if (!find(key, &i)) {
		return EXO_ERR_NOT_FOUND;
	}
	arr.sum -= key + arr.pair[i].value;
	arr.pair[i] = arr.pair[--arr.count];
	arr.pair[arr.count] = (struct kv_pair){ 0 };
	arr.count_check = ~arr.count;
	return 0;
}

static int64_t t_count(void *self)
{
	return (int64_t)arr.count;
}

static const struct kv_ops t_ops = {
	.put = t_put,
	.get = t_get,
	.del = t_del,
	.count = t_count,
};

static int t_init(void **self)
{
	memset(&arr, 0, sizeof(arr));
	arr.count_check = ~0ull;
	*self = &arr;
	return 0;
}

static int64_t t_export(void *self, uint16_t version, void *buf, uint64_t cap)
{
	uint64_t need =
		sizeof(struct kv_state1) + arr.count * sizeof(struct kv_pair);

	if (version != 1) {
		return EXO_ERR_NOSYS;
	}
	if (!buf || cap < need) {
		return buf ? EXO_ERR_TOO_BIG : (int64_t)need;
	}
	memcpy(buf, &arr.count, sizeof(uint64_t));
	memcpy((char *)buf + sizeof(uint64_t), arr.pair,
	       arr.count * sizeof(struct kv_pair));
	return (int64_t)need;
}

static int t_import(void *self, uint16_t version, const void *buf, uint64_t len)
{
	uint64_t n;

	if (IS_REFUSE) {
		return EXO_ERR_INVALID;
	}
	if (version != 1 || len < sizeof(n)) {
		return version != 1 ? EXO_ERR_NOSYS : EXO_ERR_INVALID;
	}
	memcpy(&n, buf, sizeof(n));
	if (n > KV_CAPACITY || len != sizeof(n) + n * sizeof(struct kv_pair)) {
		return EXO_ERR_INVALID;
	}
	arr.count = n;
	arr.count_check = ~n;
	memcpy(arr.pair, (const char *)buf + sizeof(n),
	       n * sizeof(struct kv_pair));
	arr.sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		arr.sum += arr.pair[i].key + arr.pair[i].value;
	}
	return 0;
}

static int t_health(void *self)
{
	uint64_t sum = 0;

	if (IS_SICK || arr.count > KV_CAPACITY || arr.armed > 3 ||
	    arr.count_check != ~arr.count) {
		return EXO_ERR_CORRUPT;
	}
	for (uint64_t i = 0; i < arr.count; i++) {
		sum += arr.pair[i].key + arr.pair[i].value;
	}
	return sum == arr.sum ? 0 : EXO_ERR_CORRUPT;
}

#if IS_IMPORT
/* A symbol no export table offers; the loader must refuse the image. */
void *fopen(const char *path, const char *mode);

static int t_fini_import(void *self)
{
	return fopen("x", "r") ? 0 : EXO_ERR_IO;
}
#define T_QUIESCE t_fini_import
#else
#define T_QUIESCE NULL
#endif

MODULE_DESCRIPTOR(kv_test_module) = {
	MODULE_DESC_HEADER,
	.abi_major = IS_ABI2 ? 2 : MODULE_ABI_MAJOR,
	.iface = "kv",
	.iface_major = KV_IFACE_MAJOR,
	.iface_minor = KV_IFACE_MINOR,
	.name = KV_TEST_NAME,
	.impl_major = 1,
	.impl_minor = 0,
	.impl_patch = 1,
	.state_version = 1,
	.state_min = 1,
	.ops_size = sizeof(struct kv_ops),
	.ops = &t_ops,
	.init = t_init,
	.quiesce = T_QUIESCE,
	.export_state = t_export,
	.import_state = t_import,
	.health = t_health,
};
