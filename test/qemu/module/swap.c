/* SPDX-License-Identifier: MIT */
/*
 * Modules in a running program, as init: the kv slot starts on the built-in
 * kv.list, then swaps to module images from boot modules while a workload
 * keeps using it - kv.hash, kv.list, kv.hash, back to the built-in - with
 * every key checked after each swap; a crashing image is swapped in and
 * rolled back automatically; an endless loop in a module op is caught by
 * the watchdog; the application finishes with all its data intact.
 */
#include <stdint.h>
#include <string.h>

#include <libos/kv.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>
#include <libos/spawn.h>

#include "check.h"

#define KEYS 300

static uint64_t shadow[KEYS]; /* what the store must hold: key i -> value */
static uint64_t ops_done;

static uint64_t value_of(uint64_t k, uint64_t round)
{
	return k * 1000003u + round;
}

/* A burst of work: update a stretch of keys, read others back. */
static void work(uint64_t round, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t k = (round * 7 + (uint64_t)i * 13) % KEYS, v;

		if (i % 3 == 0) {
			CHECK_EQ(kv_put(k + 1, value_of(k, round)), 0);
			shadow[k] = value_of(k, round);
		} else {
			CHECK_EQ(kv_get(k + 1, &v), 0);
			CHECK_EQ(v, shadow[k]);
		}
		ops_done++;
	}
}

static void verify_all(void)
{
	uint64_t v;

	CHECK_EQ(kv_count(), KEYS);
	for (uint64_t k = 0; k < KEYS; k++) {
		CHECK_EQ(kv_get(k + 1, &v), 0);
		CHECK_EQ(v, shadow[k]);
	}
}

static void list_slots(void)
{
	char line[256];

	for (size_t i = 0; i < module_builtin_count(); i++) {
		const struct module_desc *d = module_builtin_at(i);

		printf("swap: built-in module %s %u.%u.%u (%s %u.%u)\n",
		       d->name, d->impl_major, d->impl_minor, d->impl_patch,
		       d->iface, d->iface_major, d->iface_minor);
	}

	for (struct module_slot *s = module_slot_first(); s; s = s->next) {
		module_slot_describe(s, line, sizeof(line));
		printf("swap: slot %s\n", line);
	}
}

static void swap_to(const char *bootmod, const char *name)
{
	const struct exo_bootmod *m = bootmod_find(bootmod);
	struct module_swap_report r;
	int err;

	CHECK(m != NULL);
	err = module_slot_swap_image(&kv_slot, (const void *)m->va, m->size,
				     &r);
	if (err) {
		printf("swap: to %s failed: %s\n", bootmod, r.why);
	}
	CHECK_EQ(err, 0);
	CHECK(strcmp(module_slot_current(&kv_slot)->name, name) == 0);
	printf("swap: now %s, downtime %lu cycles, %lu state bytes\n", name,
	       (unsigned long)r.downtime, (unsigned long)r.state_bytes);
}

/* The kernel's time slice, in timer ticks (docs/syscalls.md). */
#define SLICE_TICKS 10

static int spin(uint64_t arg)
{
	for (;;) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return 0;
}

int main(void)
{
	struct module_swap_report r;
	exo_envid_t spinner;
	uint64_t v;
	int err;

	check_begin("swap");
	{
		/* This image has no second serial port. */
		static char b[16];

		CHECK_EQ(exo_aux_read((uint64_t)b, sizeof(b), 0, 0, 0, 0),
			 EXO_ERR_NOT_FOUND);
	}
	CHECK_EQ(kv_start("kv.list"), 0);
	CHECK_EQ(module_healing_enable(), 0);
	for (uint64_t k = 0; k < KEYS; k++) {
		shadow[k] = value_of(k, 0);
		CHECK_EQ(kv_put(k + 1, shadow[k]), 0);
	}

	step("swaps under load, state kept");
	for (uint64_t round = 1; round <= 40; round++) {
		work(round, 50);
		if (round == 10) {
			swap_to("kv_hash", "kv.hash");
			verify_all();
		} else if (round == 20) {
			swap_to("kv_list", "kv.list");
			verify_all();
		} else if (round == 30) {
			swap_to("kv_hash", "kv.hash");
			verify_all();
		}
	}
	list_slots();
	step("rollback on request, back to the image before");
	CHECK_EQ(module_slot_rollback(&kv_slot, &r), 0);
	CHECK(strcmp(module_slot_current(&kv_slot)->name, "kv.list") == 0);
	verify_all();

	step("a crashing image is rolled back automatically");
	swap_to("kv_test_crash", "kv.test.crash");
	work(41, 6);
	CHECK_EQ(kv_put(0xdead, 1), EXO_ERR_FAULT);
	work(42, 30);
	CHECK(strcmp(module_slot_current(&kv_slot)->name, "kv.list") == 0);
	CHECK_EQ(kv_slot.stats.faults, 1);
	CHECK_EQ(kv_get(0xdead, &v), EXO_ERR_NOT_FOUND);
	verify_all();

	step("an endless loop in a module op is caught by the watchdog");
	spinner = child_spawn(spin, 0); /* someone to be preempted for */
	kv_slot.budget_ticks = 20;
	swap_to("kv_test_loop", "kv.test.loop");
	verify_all();
	/* Past the window, so the overrun is healed by restoring. */
	verify_all();
	CHECK_EQ(module_slot_checkpoint(&kv_slot), 0);
	{
		/*
		 * Caught within bounds: the watchdog starts timing at the
		 * first slice end inside the call and unwinds it at the
		 * first slice end past the budget, so the call takes at
		 * most two slices of its own beyond the budget (and the
		 * spinner's slices in between).
		 */
		uint64_t t0 = exo_sys_info()->ticks;
		uint64_t p0 = exo_env_info()->preemptions, slices, ticks;

		err = kv_get(0x100f, &v);
		slices = exo_env_info()->preemptions - p0;
		ticks = exo_sys_info()->ticks - t0;
		CHECK_EQ(err, EXO_ERR_BUSY);
		printf("swap: watchdog: the endless loop was unwound after "
		       "%lu ticks, %lu slices (budget %lu ticks)\n",
		       (unsigned long)ticks, (unsigned long)slices,
		       (unsigned long)kv_slot.budget_ticks);
		CHECK(ticks >= kv_slot.budget_ticks);
		CHECK(slices <= kv_slot.budget_ticks / SLICE_TICKS + 2);
		CHECK(ticks <= 2 * (kv_slot.budget_ticks + 2 * SLICE_TICKS));
	}
	CHECK_EQ(kv_slot.stats.overruns, 1);
	verify_all();
	printf("swap: watchdog: %lu restores, serving %s\n",
	       (unsigned long)kv_slot.stats.restores,
	       module_slot_current(&kv_slot)->name);
	CHECK_EQ(kv_slot.stats.restores, 1);
	exo_env_destroy(spinner, 0, 0, 0, 0, 0);
	child_wait(spinner);

	step("back to the built-in");
	CHECK_EQ(module_slot_swap(&kv_slot, module_builtin_find("kv.list"),
				  NULL, &r),
		 0);
	work(50, 100);
	verify_all();
	list_slots();
	printf("swap: %lu operations, %lu swaps, %lu rollbacks, all %d keys "
	       "intact\n",
	       (unsigned long)ops_done, (unsigned long)kv_slot.stats.swaps,
	       (unsigned long)kv_slot.stats.rollbacks, KEYS);
	module_slot_fini(&kv_slot);
	return check_end();
}
