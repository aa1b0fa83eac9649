/* SPDX-License-Identifier: MIT */
/*
 * init: the first environment. It reads the boot module "manifest"
 * (docs/manifest.md), starts every program it lists from the boot module
 * of that name, waits for them, reports each end on the console, and exits
 * with the verdict of the whole run, which the kernel turns into the
 * machine's: 0 when every program ran and exited 0, 1 when one did not
 * (could not start, exited non-zero, faulted or was killed), 2 when there
 * is no usable manifest (nothing is started then).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/spawn.h>

#include "manifest.h"

_Static_assert(MANIFEST_NAME_MAX == EXO_BOOTMOD_NAME - 1,
	       "a program name is a boot module's name");

#define MAX_RUNNING 64

struct running {
	exo_envid_t id;
	char name[MANIFEST_NAME_MAX + 1];
};

static struct running running[MAX_RUNNING];
static uint32_t nrunning;
static uint32_t started, failed;
static struct manifest_entry entry;

/* Check every line and that every program exists. Return: errors found. */
static int check(const struct exo_bootmod *man)
{
	struct manifest m;
	int errors = 0, r;

	manifest_init(&m, (const char *)man->va, man->size);
	while ((r = manifest_next(&m, &entry)) != 0) {
		if (r < 0) {
			printf("init: manifest line %u: %s\n", m.line, m.error);
			errors++;
		} else if (entry.kind == MANIFEST_RUN &&
			   !bootmod_find(entry.argv[0])) {
			printf("init: manifest line %u: no boot module "
			       "named \"%s\"\n",
			       entry.line, entry.argv[0]);
			errors++;
		}
	}
	return errors;
}

static void report(const char *name, const struct exo_exit_info *x)
{
	bool ok = false;

	switch (x->reason) {
	case EXO_EXIT_NORMAL:
		printf("init: %s (env %x) exited with %ld\n", name, x->env,
		       (long)x->code);
		ok = x->code == 0;
		break;
	case EXO_EXIT_FAULT:
		printf("init: %s (env %x) killed by fault %lu at 0x%lx "
		       "(rip 0x%lx)\n",
		       name, x->env, (unsigned long)x->vector,
		       (unsigned long)x->addr, (unsigned long)x->rip);
		break;
	case EXO_EXIT_UPCALL_FAULT:
		printf("init: %s (env %x) killed: its fault handler could not "
		       "run (fault %lu at 0x%lx)\n",
		       name, x->env, (unsigned long)x->vector,
		       (unsigned long)x->addr);
		break;
	default:
		printf("init: %s (env %x) was destroyed\n", name, x->env);
		break;
	}
	if (!ok) {
		failed++;
	}
}

/* Wait for one of our programs to end and report it. */
static void wait_one(void)
{
	struct exo_exit_info x;
	int64_t id = wait_any(&x);
	const char *name = "?";

	if (id < 0) {
		/* Nothing left to wait for, though we thought otherwise. */
		printf("init: wait failed: %s\n", exo_status_name(id));
		failed += nrunning;
		nrunning = 0;
		return;
	}
	for (uint32_t i = 0; i < nrunning; i++) {
		if (running[i].id == (exo_envid_t)id) {
			report(running[i].name, &x);
			running[i] = running[--nrunning];
			return;
		}
	}
	report(name, &x);
}

static void start(const struct manifest_entry *e)
{
	const struct exo_bootmod *mod = bootmod_find(e->argv[0]);
	struct spawn_opts opts = { .name = e->argv[0] };
	int64_t id;

	if (e->flags & MANIFEST_MODULES) {
		opts.flags |= SPAWN_SHARE_BOOTMODS;
	}
	while (nrunning == MAX_RUNNING) {
		wait_one();
	}
	started++;
	id = spawn_image((const void *)mod->va, mod->size, e->argv, &opts);
	if (id < 0) {
		printf("init: line %u: cannot start %s: %s\n", e->line,
		       e->argv[0], exo_status_name(id));
		failed++;
		return;
	}
	running[nrunning].id = (exo_envid_t)id;
	memcpy(running[nrunning].name, e->argv[0], strlen(e->argv[0]) + 1);
	nrunning++;
	printf("init: started %s (env %x)\n", e->argv[0], (exo_envid_t)id);
}

int main(void)
{
	const struct exo_bootmod *man = bootmod_find("manifest");
	struct manifest m;
	int errors;

	if (!man) {
		printf("init: no boot module named \"manifest\": nothing to "
		       "start\n");
		return 2;
	}
	errors = check(man);
	if (errors) {
		printf("init: %d error%s in the manifest: starting nothing\n",
		       errors, errors == 1 ? "" : "s");
		return 2;
	}

	/* Checked: now the lines cannot fail to parse. */
	manifest_init(&m, (const char *)man->va, man->size);
	while (manifest_next(&m, &entry) > 0) {
		if (entry.kind == MANIFEST_WAIT) {
			while (nrunning) {
				wait_one();
			}
		} else {
			start(&entry);
		}
	}
	while (nrunning) {
		wait_one();
	}
	if (started == 0) {
		printf("init: the manifest starts no program\n");
		return 2;
	}
	printf("init: %u program%s, %u failed\n", started,
	       started == 1 ? "" : "s", failed);
	return failed ? 1 : 0;
}
