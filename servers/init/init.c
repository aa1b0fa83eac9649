/* SPDX-License-Identifier: MIT */
/*
 * init: the first environment. It reads the boot module "manifest"
 * (docs/manifest.md), starts every program it lists from the boot module
 * of that name (granting it the disk extent its line names, carved from
 * the whole disk the kernel gave init), waits for them, reports each end on the console, and exits
 * with the verdict of the whole run, which the kernel turns into the
 * machine's: 0 when every program ran and exited 0, 1 when one did not
 * (could not start, exited non-zero, faulted or was killed), 2 when there
 * is no usable manifest (nothing is started then).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libos/disk.h>
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
static int64_t disk_slot = EXO_ERR_NOT_FOUND; /* the whole disk, if any */
static struct exo_disk_info disk;

/* Is the extent @e names inside the disk? Say why not. */
static bool disk_range_ok(const struct manifest_entry *e)
{
	if (disk_slot < 0) {
		printf("init: manifest line %u: `disk=` but there is no disk\n",
		       e->line);
		return false;
	}
	if (e->disk_start >= disk.blocks ||
	    e->disk_blocks > disk.blocks - e->disk_start) {
		printf("init: manifest line %u: disk=%lu+%lu lies outside the "
		       "disk (%lu blocks)\n",
		       e->line, (unsigned long)e->disk_start,
		       (unsigned long)e->disk_blocks,
		       (unsigned long)disk.blocks);
		return false;
	}
	return true;
}

/*
 * spawn_image's prepare hook: grant the child its extent before it runs,
 * so disk_extent() finds it from the start. GRANT goes with it, so the
 * program may carve its extent further for its own children.
 */
static int grant_extent(exo_envid_t child, void *ctx)
{
	const struct manifest_entry *e = ctx;
	uint64_t rights = EXO_CAP_R | EXO_CAP_GRANT;
	int64_t r;

	if (!(e->flags & MANIFEST_DISK_RO)) {
		rights |= EXO_CAP_W;
	}
	r = exo_disk_derive((uint64_t)disk_slot, child, e->disk_start,
			    e->disk_blocks, rights, 0);
	return r < 0 ? (int)r : 0;
}

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
		} else if (entry.kind == MANIFEST_RUN &&
			   (entry.flags & MANIFEST_DISK) &&
			   !disk_range_ok(&entry)) {
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
	if (e->flags & MANIFEST_DISK) {
		opts.prepare = grant_extent;
		opts.prepare_ctx = (void *)e;
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
	if (e->flags & MANIFEST_DISK) {
		printf("init: started %s (env %x) with disk blocks %lu+%lu%s\n",
		       e->argv[0], (exo_envid_t)id,
		       (unsigned long)e->disk_start,
		       (unsigned long)e->disk_blocks,
		       e->flags & MANIFEST_DISK_RO ? " read-only" : "");
		return;
	}
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
	disk_slot = disk_extent();
	if (disk_slot >= 0 &&
	    exo_disk_info((uint64_t)disk_slot, (uint64_t)&disk, 0, 0, 0, 0)) {
		disk_slot = EXO_ERR_NOT_FOUND;
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
