/* SPDX-License-Identifier: MIT */
/* Checks, children, shared pages and fault probes for the family tests. */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define MAX_TRACKED 64
#define WAIT_TICKS 5000

uint64_t checks_passed;
struct probe_fault probe_last;

static const char *family = "family";

/* Children started here, to destroy when a check fails. */
static struct {
	exo_envid_t id, parent;
} tracked[MAX_TRACKED];

static uint64_t shared_pa[SHARED_PAGES];

extern char probe_start[], probe_end[], probe_recover[];

void check_begin(const char *name)
{
	family = name;
	printf("%s: start, environment %x\n", family, env_self());
}

void step(const char *what)
{
	printf("%s: %s\n", family, what);
}

int check_end(void)
{
	printf("%s: all %lu checks passed\n", family,
	       (unsigned long)checks_passed);
	return 0;
}

static _Noreturn void fail_exit(void)
{
	exo_envid_t me = env_self();

	for (int i = 0; i < MAX_TRACKED; i++) {
		if (tracked[i].id && tracked[i].parent == me) {
			exo_env_destroy(tracked[i].id, 0, 0, 0, 0, 0);
		}
	}
	exit(1);
}

_Noreturn void check_failed(const char *file, int line, const char *expr)
{
	printf("FAIL: %s: %s:%d: CHECK(%s) (environment %x)\n", family, file,
	       line, expr, env_self());
	fail_exit();
}

_Noreturn void check_failed_eq(const char *file, int line, const char *got,
			       const char *want, int64_t got_v, int64_t want_v)
{
	printf("FAIL: %s: %s:%d: %s == %s: got %ld (0x%lx, %s), want %ld "
	       "(0x%lx, %s) (environment %x)\n",
	       family, file, line, got, want, (long)got_v, (unsigned long)got_v,
	       exo_status_name(got_v), (long)want_v, (unsigned long)want_v,
	       exo_status_name(want_v), env_self());
	fail_exit();
}

void child_track(exo_envid_t id)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i].id) {
			tracked[i].id = id;
			tracked[i].parent = env_self();
			return;
		}
	}
}

void child_forget(exo_envid_t id)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (tracked[i].id == id) {
			tracked[i].id = 0;
		}
	}
}

exo_envid_t child_spawn(int (*fn)(uint64_t), uint64_t arg)
{
	int64_t id = spawn_fn(fn, arg);

	CHECK(id > 0);
	child_track((exo_envid_t)id);
	return (exo_envid_t)id;
}

struct exo_exit_info child_wait(exo_envid_t id)
{
	struct exo_exit_info info = { 0 };

	CHECK_EQ(wait_child(id, &info), id);
	child_forget(id);
	CHECK_EQ(info.env, id);
	return info;
}

void child_expect_exit(exo_envid_t id, int64_t code)
{
	struct exo_exit_info info = child_wait(id);

	CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(info.code, code);
}

volatile uint64_t *shared_new(int idx)
{
	uint64_t va = SHARED_PARENT_VA + (uint64_t)idx * EXO_PAGE_SIZE;
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	CHECK(idx >= 0 && idx < SHARED_PAGES && !shared_pa[idx]);
	CHECK(pa > 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, va, (uint64_t)pa,
			      EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	shared_pa[idx] = (uint64_t)pa;
	return (volatile uint64_t *)va;
}

void shared_give(exo_envid_t child, int idx)
{
	CHECK_EQ(exo_page_map(child,
			      SHARED_CHILD_VA + (uint64_t)idx * EXO_PAGE_SIZE,
			      shared_pa[idx], EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
}

void shared_free(int idx)
{
	CHECK_EQ(
		exo_page_unmap(EXO_ENV_SELF,
			       SHARED_PARENT_VA + (uint64_t)idx * EXO_PAGE_SIZE,
			       1, 0, 0, 0),
		0);
	CHECK_EQ(exo_frame_free(shared_pa[idx], 0, 0, 0, 0, 0), 0);
	shared_pa[idx] = 0;
}

volatile uint64_t *shared_wait(int idx)
{
	uint64_t va = SHARED_CHILD_VA + (uint64_t)idx * EXO_PAGE_SIZE;
	uint64_t end = ticks() + WAIT_TICKS;

	while (!(exo_pte(va) & EXO_PTE_P)) {
		CHECK(ticks() < end);
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return (volatile uint64_t *)va;
}

uint64_t ticks(void)
{
	return exo_sys_info()->ticks;
}

void wait_for(const volatile uint64_t *p, uint64_t v)
{
	uint64_t end = ticks() + WAIT_TICKS;

	while (*p < v) {
		CHECK(ticks() < end);
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
}

void wait_blocked(exo_envid_t id)
{
	uint64_t end = ticks() + WAIT_TICKS;
	int64_t r;

	while ((r = exo_yield(id, 0, 0, 0, 0, 0)) == 0) {
		CHECK(ticks() < end);
	}
	CHECK_EQ(r, EXO_ERR_STATE);
}

uint64_t drain_notifications(void)
{
	struct exo_msg m;
	uint64_t bits = 0;
	int64_t r;

	while ((r = exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m)) ==
	       EXO_IPC_NOTIFY) {
		bits |= m.w[0];
	}
	/* Nobody may be calling us at this point. */
	CHECK_EQ(r, EXO_ERR_BUSY);
	return bits;
}

void handler_install(fault_handler_fn fault, fault_handler_fn preempt)
{
	uint64_t base = T_XSTACK_TOP - T_XSTACK_PAGES * EXO_PAGE_SIZE;

	if (!(exo_pte(base) & EXO_PTE_P)) {
		CHECK_EQ(map_anon(base, T_XSTACK_PAGES), 0);
	}
	/* Sets the runtime's handlers; the stack is then ours. */
	CHECK_EQ(set_fault_handler(fault, preempt), 0);
	CHECK_EQ(exo_env_set_upcall(EXO_ENV_SELF, (uint64_t)exo_upcall_entry,
				    preempt ? (uint64_t)exo_upcall_entry : 0,
				    T_XSTACK_TOP, 0, 0),
		 0);
}

int probe_fixup(struct exo_upcall_frame *f)
{
	if (f->kind != EXO_UPCALL_FAULT ||
	    f->regs.rip < (uint64_t)probe_start ||
	    f->regs.rip >= (uint64_t)probe_end) {
		return 0;
	}
	probe_last.count++;
	probe_last.vector = f->vector;
	probe_last.error = f->error;
	probe_last.addr = f->addr;
	f->regs.rip = (uint64_t)probe_recover;
	return 1;
}

int probe_handler(struct exo_upcall_frame *f)
{
	if (probe_fixup(f)) {
		return 0;
	}
	printf("FAIL: %s: unexpected fault, vector %lu at rip 0x%lx "
	       "(address 0x%lx)\n",
	       family, (unsigned long)f->vector, (unsigned long)f->regs.rip,
	       (unsigned long)f->addr);
	return 1;
}
