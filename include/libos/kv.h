/* SPDX-License-Identifier: MIT */
/*
 * The key-value interface ("kv" 1.0): a small store of 64-bit keys and
 * values with real state, served through a gated slot (see
 * <libos/module_slot.h>), so it can be swapped, rolled back and healed
 * while a program uses it. It stands in for the libOS families whose
 * state matters (sched, pager, fs) when proving the module mechanism.
 *
 * Implementations: kv.list (1.0.0, state format 1; built in) and kv.hash
 * (2.0.0, state formats 1..2), each a module image and linkable
 * statically.
 */
#ifndef LIBOS_KV_H
#define LIBOS_KV_H

#include <stddef.h>
#include <stdint.h>

#include <libos/module_slot.h>

#define KV_IFACE_MAJOR 1
#define KV_IFACE_MINOR 0
#define KV_CAPACITY 1024 /* keys every implementation must hold */

struct kv_ops {
	/* Set @key to @value. 0, or EXO_ERR_LIMIT (full). */
	int (*put)(void *self, uint64_t key, uint64_t value);
	/* *@value = the value of @key. 0, or EXO_ERR_NOT_FOUND. */
	int (*get)(void *self, uint64_t key, uint64_t *value);
	/* Remove @key. 0, or EXO_ERR_NOT_FOUND. */
	int (*del)(void *self, uint64_t key);
	/* How many keys are stored (>= 0). */
	int64_t (*count)(void *self);
};

/* State format 1: struct kv_state1 then count struct kv_pair. */
struct kv_pair {
	uint64_t key, value;
};
struct kv_state1 {
	uint64_t count;
};
/* State format 2: struct kv_state2 then count struct kv_pair. */
struct kv_state2 {
	uint64_t count;
	uint64_t puts; /* puts ever served, carried across swaps */
};

/* The "kv" slot (libos/kv/kv.c). */
extern struct module_slot kv_slot;

/*
 * kv_start - set up the kv slot served by the built-in module @builtin
 * (e.g. "kv.list"; NULL: none until a swap). Return: 0,
 * EXO_ERR_NOT_FOUND (no such built-in), or module_slot_init's errors.
 */
int kv_start(const char *builtin);

/* The serving module's ops, for calls that bypass the gate. */
#define KV_OPS ((const struct kv_ops *)module_slot_current(&kv_slot)->ops)

/*
 * Each returns the op's result, or the gate's error (MODULE_GATE_CALL):
 * EXO_ERR_FAULT or EXO_ERR_BUSY when the module failed during the call,
 * EXO_ERR_STATE when no implementation is left.
 */
static inline int kv_put(uint64_t key, uint64_t value)
{
	return (int)MODULE_GATE_CALL2(&kv_slot, offsetof(struct kv_ops, put),
				      key, value);
}

static inline int kv_get(uint64_t key, uint64_t *value)
{
	return (int)MODULE_GATE_CALL2(&kv_slot, offsetof(struct kv_ops, get),
				      key, (uintptr_t)value);
}

static inline int kv_del(uint64_t key)
{
	return (int)MODULE_GATE_CALL1(&kv_slot, offsetof(struct kv_ops, del),
				      key);
}

static inline int64_t kv_count(void)
{
	return MODULE_GATE_CALL0(&kv_slot, offsetof(struct kv_ops, count));
}

#endif
