/* SPDX-License-Identifier: MIT */
/*
 * A fault-injection campaign, as init: FAULTS faults of four kinds are
 * injected into module code and data under a running workload on the kv
 * slot served by the kv.test.inject image -
 *   wild   a write through a bad pointer (an unmapped address)
 *   null   a call through a null function pointer
 *   flip   one bit flipped in the module's live data (its instance, or
 *          the relocated data before it: ops table, descriptor, GOT)
 *   loop   an endless loop in an op (the watchdog's business)
 * The seeded generator makes every run the same. The program behaves as an
 * application would: a call that fails is retried after the slot heals,
 * updates since the last good checkpoint are replayed from its own log.
 * After each fault every key is checked against the program's shadow
 * copy; a fault counts as recovered when the program went on and nothing
 * was lost. The share recovered is printed and must be at least 95 %.
 */
#include <stdint.h>
#include <string.h>

#include <libos/kv.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>
#include <libos/spawn.h>

#include "check.h"

#define FAULTS 1000
#define KEYS 64
#define KV_KEY_INJECT 0x1e000 /* as kv_test.c */
#define LOG_MAX 16

enum { WILD, NUL, FLIP, LOOP, KINDS };
static const char *const kind_name[KINDS] = { "wild", "null", "flip", "loop" };

static uint64_t shadow[KEYS];
static struct {
	uint64_t key, value;
} wal[LOG_MAX]; /* updates since the last good checkpoint */
static int nwal;
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const struct exo_bootmod *inject_image;

/* Serve from the injection target again if healing moved away from it. */
static void redeploy(void)
{
	struct module_swap_report r;

	if (kv_slot.cur.image && strcmp(module_slot_current(&kv_slot)->name,
					"kv.test.inject") == 0) {
		return;
	}
	CHECK_EQ(module_slot_swap_image(&kv_slot,
					(const void *)inject_image->va,
					inject_image->size, &r),
		 0);
}

/* Put, retrying once the slot has healed (a failed call changed nothing
 * the program relies on: it replays its log). */
static void replay(void)
{
	for (int i = 0; i < nwal; i++) {
		CHECK_EQ(kv_put(wal[i].key + 1, wal[i].value), 0);
	}
}

static int put_logged(uint64_t k, uint64_t v)
{
	int err = kv_put(k + 1, v);

	for (int tries = 0; err == EXO_ERR_FAULT || err == EXO_ERR_BUSY;
	     tries++) {
		CHECK(tries < 4);
		replay();
		err = kv_put(k + 1, v);
	}
	if (err) {
		return err;
	}
	shadow[k] = v;
	CHECK(nwal < LOG_MAX);
	wal[nwal].key = k;
	wal[nwal].value = v;
	nwal++;
	return 0;
}

static int intact(void)
{
	uint64_t v;

	if (kv_count() != KEYS) {
		return 0;
	}
	for (uint64_t k = 0; k < KEYS; k++) {
		if (kv_get(k + 1, &v) != 0 || v != shadow[k]) {
			return 0;
		}
	}
	return 1;
}

static void resync(void)
{
	for (uint64_t k = 0; k < KEYS; k++) {
		CHECK_EQ(kv_put(k + 1, shadow[k]), 0);
	}
}

/* Flip one bit of the module's live data. */
static void flip_bit(void)
{
	const struct module_image *m = kv_slot.cur.image;
	uint64_t lo = 0, len = 0;

	CHECK(m != NULL);
	if (rand64() & 1) {
		/* The instance: its header and the pairs in use. */
		lo = (uint64_t)(uintptr_t)kv_slot.self;
		len = 32 + (uint64_t)KEYS * 16;
	} else {
		/* The relocated data of the writable segment. */
		for (uint32_t i = 0; i < m->nseg; i++) {
			if (m->seg[i].prot & MODULE_PROT_W) {
				lo = m->base + m->seg[i].vaddr;
				len = m->seg[i].filesz;
			}
		}
	}
	CHECK(len > 0);
	((volatile uint8_t *)lo)[rand64() % len] ^=
		(uint8_t)(1u << (rand64() % 8));
}

static int spin(uint64_t arg)
{
	for (;;) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return 0;
}

int main(void)
{
	uint64_t injected[KINDS] = { 0 }, recovered[KINDS] = { 0 };
	uint64_t total_ok = 0, caught = 0;
	int last_ok = -1; /* the last fault counted as recovered */
	exo_envid_t spinner;

	check_begin("campaign");
	inject_image = bootmod_find("kv_test_inject");
	CHECK(inject_image != NULL);
	CHECK_EQ(kv_start("kv.list"), 0);
	CHECK_EQ(module_healing_enable(), 0);
	kv_slot.quiet = 1;
	kv_slot.budget_ticks = 2;
	kv_slot.window_calls = 0;
	spinner = child_spawn(spin, 0); /* preemption needs someone else */
	for (uint64_t k = 0; k < KEYS; k++) {
		shadow[k] = k * 31;
		CHECK_EQ(kv_put(k + 1, shadow[k]), 0);
	}
	redeploy();
	CHECK_EQ(module_slot_checkpoint(&kv_slot), 0);

	for (int i = 0; i < FAULTS; i++) {
		int kind = i % KINDS;
		uint64_t before = kv_slot.stats.faults + kv_slot.stats.overruns,
			 v;
		int err;

		redeploy();
		injected[kind]++;
		if (kind == FLIP) {
			flip_bit();
		} else {
			int flaw = kind == WILD ? 1 : kind == NUL ? 2 : 3;

			CHECK_EQ(kv_put(KV_KEY_INJECT + (uint64_t)flaw, 0), 0);
		}
		/* The workload goes on: a read, then the health check. */
		err = kv_get(rand64() % KEYS + 1, &v);
		if (kind != FLIP) {
			CHECK(err == EXO_ERR_FAULT || err == EXO_ERR_BUSY);
		}
		if (module_slot_check(&kv_slot) ||
		    kv_slot.stats.faults + kv_slot.stats.overruns != before) {
			caught++;
			replay();
		}
		/* An update, then everything checked. */
		CHECK_EQ(put_logged(rand64() % KEYS, rand64()), 0);
		if (intact()) {
			recovered[kind]++;
			total_ok++;
			last_ok = i;
		} else {
			printf("campaign: fault %d (%s) lost data\n", i,
			       kind_name[kind]);
			resync();
			CHECK(intact());
		}
		err = module_slot_checkpoint(&kv_slot);
		if (err) {
			/*
			 * The damage showed only now (the checkpoint faulted and
			 * the slot healed): replay the log; if even that does
			 * not bring the data back, this fault lost data after
			 * all, and the program rebuilds from its shadow copy.
			 */
			replay();
			if (!intact()) {
				printf("campaign: fault %d (%s) lost data at its "
				       "checkpoint\n",
				       i, kind_name[kind]);
				if (recovered[kind] && last_ok == i) {
					recovered[kind]--;
					total_ok--;
				}
				resync();
				CHECK(intact());
			}
			CHECK_EQ(module_slot_checkpoint(&kv_slot), 0);
		}
		nwal = 0;
	}
	exo_env_destroy(spinner, 0, 0, 0, 0, 0);
	child_wait(spinner);

	for (int k = 0; k < KINDS; k++) {
		printf("campaign: %s: %lu injected, %lu recovered\n",
		       kind_name[k], (unsigned long)injected[k],
		       (unsigned long)recovered[k]);
	}
	printf("campaign: %d faults injected, %lu caught by the gate or the "
	       "health check, %lu recovered without the application failing "
	       "(%lu.%lu %%)\n",
	       FAULTS, (unsigned long)caught, (unsigned long)total_ok,
	       (unsigned long)(total_ok * 100 / FAULTS),
	       (unsigned long)(total_ok * 1000 / FAULTS % 10));
	printf("campaign: slot: %lu faults, %lu overruns, %lu restores, %lu "
	       "rollbacks, %lu fallbacks, %lu refusals\n",
	       (unsigned long)kv_slot.stats.faults,
	       (unsigned long)kv_slot.stats.overruns,
	       (unsigned long)kv_slot.stats.restores,
	       (unsigned long)kv_slot.stats.rollbacks,
	       (unsigned long)kv_slot.stats.fallbacks,
	       (unsigned long)kv_slot.stats.refusals);
	CHECK(total_ok * 100 >= 95 * (uint64_t)FAULTS);
	module_slot_fini(&kv_slot);
	return check_end();
}
