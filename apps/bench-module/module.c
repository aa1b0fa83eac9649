/* SPDX-License-Identifier: MIT */
/*
 * The module benchmarks, run as init (see apps/bench/bench.h for the line
 * format). Each prints one line per trial,
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 *
 *   gate_call         kv count through the kv slot's gate (the inline
 *                     wrapper, MODULE_GATE_CALL)
 *   gate_direct_call  the same op called straight through the ops table;
 *                     gate_call less this is the gate's cost
 *   module_load       module_image_load of the kv.hash image (13 KiB): check,
 *                     map, copy, relocate, resolve, protect (unload is
 *                     outside the measurement)
 *   swap_downtime_kv_N, swap_total_kv_N
 *                     a swap of the kv slot holding N records between
 *                     kv.list and kv.hash (the image loaded beforehand):
 *                     how long callers are held at the gate (drain, export,
 *                     checksum, import, re-point), and the whole swap
 *                     (with the new instance's init and the health check).
 *                     A stand-in with real state until the scheduler
 *                     modules give swap_downtime_N its meaning.
 */
#include <stdint.h>
#include <stdlib.h>

#include <arch/cycles.h>
#include <libos/kv.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>
#include <libos/spawn.h>
#include "../bench/report.h"

#ifndef BENCH_SCALE
#define BENCH_SCALE 1
#endif
#define TRIALS 5
#define GATE_ITERS (200000 / BENCH_SCALE)
#define LOAD_ITERS (200 / BENCH_SCALE)
#define SWAPS (20 / (BENCH_SCALE > 10 ? 10 : BENCH_SCALE))

static const struct exo_bootmod *hash_image;

static void bench_gate(int trial)
{
	const struct kv_ops *ops = KV_OPS;
	void *self = kv_slot.self;
	int64_t sum = 0;
	uint64_t t0 = arch_read_cycles(), t1;

	for (int i = 0; i < GATE_ITERS; i++) {
		sum += kv_count();
	}
	t1 = arch_read_cycles();
	report("gate_call", GATE_ITERS, trial, t1 - t0);
	t0 = arch_read_cycles();
	for (int i = 0; i < GATE_ITERS; i++) {
		sum += ops->count(self);
	}
	t1 = arch_read_cycles();
	report("gate_direct_call", GATE_ITERS, trial, t1 - t0);
	if (sum != 2 * (int64_t)GATE_ITERS * kv_count()) {
		printf("bench: gate_call counted %ld\n", (long)sum);
		failed = 1;
	}
}

static struct module_image *load_hash(uint64_t *cycles)
{
	struct module_image *m = malloc(sizeof(*m));
	uint64_t t0 = arch_read_cycles();
	int err = module_image_load(m, (const void *)hash_image->va,
				    hash_image->size, module_sys->exports,
				    &kv_slot.want, module_sys->mops,
				    module_sys->mctx);

	*cycles += arch_read_cycles() - t0;
	if (err) {
		printf("bench: kv_hash refused: %s\n", m->error);
		exit(1);
	}
	return m;
}

static void bench_load(int trial)
{
	uint64_t cycles = 0;

	for (int i = 0; i < LOAD_ITERS; i++) {
		struct module_image *m = load_hash(&cycles);

		module_image_unload(m);
		free(m);
	}
	report("module_load", LOAD_ITERS, trial, cycles);
}

static void bench_swap(int records, int trial)
{
	struct module_swap_report r;
	uint64_t down = 0, total = 0, ignored = 0;
	char name[2][40];

	module_slot_fini(&kv_slot);
	if (kv_start("kv.list")) {
		exit(1);
	}
	kv_slot.window_calls = 0;
	for (int k = 0; k < records; k++) {
		kv_put((uint64_t)k + 1, (uint64_t)k * 7);
	}
	for (int i = 0; i < SWAPS; i++) {
		int err;

		if (i % 2 == 0) {
			struct module_image *m = load_hash(&ignored);

			err = module_slot_swap(&kv_slot, m->desc, m, &r);
		} else {
			err = module_slot_swap(&kv_slot,
					       module_builtin_find("kv.list"),
					       NULL, &r);
		}
		if (err || kv_count() != records) {
			printf("bench: swap %d failed: %s\n", i, r.why);
			exit(1);
		}
		down += r.downtime;
		total += r.total;
	}
	snprintf(name[0], sizeof(name[0]), "swap_downtime_kv_%d", records);
	snprintf(name[1], sizeof(name[1]), "swap_total_kv_%d", records);
	report(name[0], SWAPS, trial, down);
	report(name[1], SWAPS, trial, total);
}

int main(void)
{
	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	hash_image = bootmod_find("kv_hash");
	if (!hash_image || kv_start("kv.list")) {
		printf("bench: no kv_hash boot module or kv slot\n");
		return 1;
	}
	for (int k = 0; k < 100; k++) {
		kv_put((uint64_t)k + 1, (uint64_t)k);
	}
	for (int trial = 0; trial < TRIALS; trial++) {
		bench_gate(trial);
		bench_load(trial);
	}
	for (int trial = 0; trial < TRIALS; trial++) {
		bench_swap(10, trial);
		bench_swap(100, trial);
		bench_swap(1000, trial);
	}
	module_slot_fini(&kv_slot);
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
