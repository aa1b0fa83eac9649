/* SPDX-License-Identifier: MIT */
/*
 * Pick-next cost of each policy at 10, 100 and 1,000 runnable threads:
 * one scheduling decision is charging the running thread a tick, queueing
 * it and picking the next. Private instances of each policy (the
 * constructors of libos/sched/policies.h) over plain descriptors; no
 * thread runs. Prints BENCH sched_pick_<policy>_<n> lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arch/cycles.h>
#include <libos/runtime.h>
#include <libos/sched_impl.h>
#include <sched/policies.h>

#include "bench.h"

static const struct {
	const char *name;
	struct sched *(*make)(void);
	void (*drop)(struct sched *s);
} kinds[] = {
	{ "rr", sched_rr_new, sched_rr_delete },
	{ "prio", sched_prio_new, sched_prio_delete },
	{ "stride", sched_stride_new, sched_stride_delete },
	{ "edf", sched_edf_new, sched_edf_delete },
};

static const uint32_t sizes[] = { 10, 100, 1000 };

static int failed;

/*
 * @n threads of varied parameters: priorities over 8 levels, tickets
 * 100..1000, periodic with density at most 1/(2n) each (edf).
 */
static struct thread *population(uint32_t n)
{
	struct thread *v = calloc(n, sizeof(*v));

	for (uint32_t i = 0; v && i < n; i++) {
		v[i].id = i + 1;
		v[i].param.prio = 8 + (int32_t)(i % 8);
		v[i].param.tickets = 100 + (i * 37) % 901;
		/* Four deadlines, so that the admission test's fraction fits. */
		v[i].param.deadline = (1ull << 30) * (1 + i % 4);
		v[i].param.period = v[i].param.deadline;
		v[i].param.budget = (1ull << 30) / (2 * n);
		v[i].eff_prio = v[i].param.prio;
	}
	return v;
}

static int bench(int k, uint32_t n, int trial)
{
	struct sched *s = kinds[k].make();
	struct thread *v = population(n), *t;
	uint64_t now = 1, t0, t1;
	char name[40];

	if (!s || !v) {
		return EXO_ERR_NO_MEMORY;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (sched_attach(s, &v[i], now)) {
			return EXO_ERR_LIMIT;
		}
		sched_enqueue(s, &v[i], now);
	}
	t = sched_pick_next(s, now);
	t0 = arch_read_cycles();
	for (int i = 0; i < SCHED_PICK_ITERS; i++) {
		sched_tick(s, t, 1, true, ++now);
		sched_enqueue(s, t, now);
		t = sched_pick_next(s, now);
	}
	t1 = arch_read_cycles();
	snprintf(name, sizeof(name), "sched_pick_%s_%u", kinds[k].name, n);
	printf("BENCH %s %d %d %lu\n", name, SCHED_PICK_ITERS, trial,
	       (unsigned long)(t1 - t0));
	sched_enqueue(s, t, now);
	while ((t = sched_pick_next(s, now))) {
		t->state = SCHED_T_NEW;
	}
	for (uint32_t i = 0; i < n; i++) {
		sched_detach(s, &v[i]);
	}
	kinds[k].drop(s);
	free(v);
	return 0;
}

static struct sem gate_sem;
static volatile uint32_t parked;

static void *park(void *arg)
{
	parked++;
	sem_wait(&gate_sem);
	return arg;
}

/*
 * swap_downtime_<n>, swap_total_<n>: @n threads parked on a semaphore
 * while the program moves between sched.rr and sched.stride.
 */
static int bench_swap(uint32_t n, int trial)
{
	static const char *const to[2] = { "sched.stride", "sched.rr" };
	struct thread **v = calloc(n, sizeof(*v));
	struct thread_attr a = { .stack_size = 4096 };
	uint64_t down = 0, total = 0;
	uint32_t made = 0;
	char name[40];
	int err = 0;

	if (!v) {
		return EXO_ERR_NO_MEMORY;
	}
	sem_init(&gate_sem, 0);
	parked = 0;
	for (; made < n && !err; made++) {
		err = thread_create(&v[made], park, NULL, &a);
	}
	if (err) {
		made--;
	}
	while (!err && parked < n) {
		thread_yield();
	}
	for (int i = 0; i < SCHED_SWAP_ITERS && !err; i++) {
		struct module_swap_report r;

		/* The last swap's health window closes after a few calls. */
		while (sched_gate.prev.live) {
			thread_yield();
		}
		err = thread_sched_swap_report(to[i % 2], &r);
		down += r.downtime;
		total += r.total;
	}
	for (uint32_t i = 0; i < made; i++) {
		sem_post(&gate_sem);
	}
	for (uint32_t i = 0; i < made; i++) {
		thread_join(v[i], NULL);
	}
	free(v);
	if (err) {
		return err;
	}
	snprintf(name, sizeof(name), "swap_downtime_%u", n);
	printf("BENCH %s %d %d %lu\n", name, SCHED_SWAP_ITERS, trial,
	       (unsigned long)down);
	snprintf(name, sizeof(name), "swap_total_%u", n);
	printf("BENCH %s %d %d %lu\n", name, SCHED_SWAP_ITERS, trial,
	       (unsigned long)total);
	return 0;
}

int main(void)
{
	if (thread_sched_swap("sched.rr")) {
		printf("bench: no sched.rr to start from\n");
		failed = 1;
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		for (int i = 0; i < 3; i++) {
			int err = bench_swap(sizes[i], t);

			if (err) {
				printf("bench: swap with %u threads: %s\n",
				       sizes[i], exo_status_name(err));
				failed = 1;
			}
		}
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		for (int k = 0; k < 4; k++) {
			for (int i = 0; i < 3; i++) {
				int err = bench(k, sizes[i], t);

				if (err) {
					printf("bench: %s at %u: %s\n",
					       kinds[k].name, sizes[i],
					       exo_status_name(err));
					failed = 1;
				}
			}
		}
	}
	return failed;
}
