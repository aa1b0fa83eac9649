/* SPDX-License-Identifier: MIT */
/*
 * family-env: creating, starting, waiting for and destroying environments;
 * how each kind of end is reported (normal exit, destroyed, fault); who may
 * control whom; and that the kernel reaps what an ended environment left.
 */
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>

#include "check.h"

#define RAW_CODE_VA 0x0000640000000000ul
#define SCRATCH_VA 0x0000630000000000ul
#define FAULT_ADDR 0x0000500000001234ul
#define NO_SUCH_ENV 0x7fffff42u
#define KERNEL_VA 0xffff800000000000ul
#define NONCANONICAL_VA 0x0000800000000000ul
#define MAX_ENVS 255

static exo_envid_t me;

static int child_report(uint64_t parent)
{
	exo_envid_t self = (exo_envid_t)exo_env_self(0, 0, 0, 0, 0, 0);

	CHECK(self != 0 && self != parent);
	CHECK_EQ(exo_env_info()->id, self);
	CHECK_EQ(exo_env_info()->parent, parent);
	return (int)-5;
}

static int child_exit(uint64_t code)
{
	return (int)code;
}

static int child_spin(uint64_t arg)
{
	volatile uint64_t n = 0;

	for (;;) {
		n++;
	}
	return 0;
}

static int child_fault(uint64_t addr)
{
	return (int)*(volatile uint64_t *)addr;
}

static int child_divide(uint64_t arg)
{
	return (int)probe_divide(arg);
}

/* A child trying to control its parent (high half) or a sibling. */
static int child_denied(uint64_t arg)
{
	uint64_t parent = arg >> 32, sibling = arg & 0xffffffffu;
	struct exo_page_op op = { EXO_PAGE_OP_UNMAP, 0, 1, RAW_CODE_VA, 0 };
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	CHECK(pa > 0);
	CHECK_EQ(exo_env_destroy(parent, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_env_start(parent, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_env_set_upcall(parent, RAW_CODE_VA, 0, T_XSTACK_TOP, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, parent, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(parent, SCRATCH_VA, (uint64_t)pa, EXO_PERM_R, 0,
			      0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_unmap(parent, RAW_CODE_VA, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_protect(parent, RAW_CODE_VA, 1, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_batch(parent, (uint64_t)&op, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(parent, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_env_wait(parent, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_env_destroy(sibling, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(sibling, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0), 0);
	return 0;
}

/* Calls its parent, which ends without answering. */
static int grandchild_caller(uint64_t parent)
{
	struct exo_msg m = { 0 };

	m.cap = EXO_CAP_NONE;
	CHECK_EQ(exo_ipc_call_msg(parent, &m), EXO_ERR_NOT_FOUND);
	return 0;
}

/*
 * Starts two children and ends once the first has: one is left a zombie
 * and the other blocked calling us; the kernel must reap both.
 */
static int child_parent_of_two(uint64_t arg)
{
	exo_envid_t self = env_self();
	struct exo_msg m;
	int64_t r;

	child_spawn(child_exit, 0);
	child_spawn(grandchild_caller, self);
	for (;;) {
		r = exo_ipc_recv_msg(0, &m);
		if (r == EXO_IPC_NOTIFY && (m.w[0] & EXO_NOTIFY_CHILD)) {
			break;
		}
		CHECK(r == EXO_IPC_CALL || r == EXO_IPC_NOTIFY);
	}
	return 0;
}

static void test_self(void)
{
	const volatile struct exo_env_info *info = exo_env_info();

	step("env_self, the info page and the parent of init");
	me = (exo_envid_t)exo_env_self(0, 0, 0, 0, 0, 0);
	CHECK(me != 0);
	CHECK_EQ(env_self(), me);
	CHECK_EQ(info->id, me);
	CHECK_EQ(info->parent, 0);
	CHECK_EQ(info->abi_version, EXO_ABI_VERSION);
	CHECK_EQ(exo_sys_info()->envs, 1);
}

static void test_spawn(void)
{
	exo_envid_t id;

	step("spawn_fn: the child sees its own id and its parent; exit code");
	id = child_spawn(child_report, me);
	CHECK(id != me);
	child_expect_exit(id, -5);
	CHECK_EQ(exo_env_wait(id, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
}

static void test_raw(void)
{
	uint64_t len = (uint64_t)(raw_child_code_end - raw_child_code);
	int64_t id, pa;

	step("env_create + page_map + env_start of a hand-made child");
	id = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(id > 0);
	child_track((exo_envid_t)id);
	CHECK(id != me);
	CHECK_EQ(exo_sys_info()->envs, 2);
	CHECK_EQ(exo_env_wait(id, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_BUSY);

	/* A frame the child owns, filled through a mapping of our own. */
	pa = exo_frame_alloc(EXO_FRAME_ANY, (uint64_t)id, 0, 0, 0, 0);
	CHECK(pa > 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, SCRATCH_VA, (uint64_t)pa,
			      EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	memcpy((void *)SCRATCH_VA, raw_child_code, len);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SCRATCH_VA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_page_map((uint64_t)id, RAW_CODE_VA, (uint64_t)pa,
			      EXO_PERM_R | EXO_PERM_X, 0, 0),
		 0);
	CHECK_EQ(exo_pte(RAW_CODE_VA), 0);

	step("env_start: bad rip/rsp INVALID, self STATE, unknown NOT_FOUND");
	CHECK_EQ(exo_env_start((uint64_t)id, 0x1000, RAW_CHILD_RSP, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start((uint64_t)id, KERNEL_VA, RAW_CHILD_RSP, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start((uint64_t)id, RAW_CODE_VA, KERNEL_VA, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start((uint64_t)id, RAW_CODE_VA, NONCANONICAL_VA, 0, 0,
			       0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start(EXO_ENV_SELF, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0,
			       0),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_env_start(me, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0, 0),
		 EXO_ERR_STATE);
	CHECK_EQ(
		exo_env_start(NO_SUCH_ENV, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0, 0),
		EXO_ERR_NOT_FOUND);

	step("env_start runs it with zero registers; a second start is STATE");
	CHECK_EQ(exo_env_start((uint64_t)id, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0,
			       0),
		 0);
	CHECK_EQ(exo_env_start((uint64_t)id, RAW_CODE_VA, RAW_CHILD_RSP, 0, 0,
			       0),
		 EXO_ERR_STATE);
	child_expect_exit((exo_envid_t)id, 77);
	/* The child's frame went with it. */
	CHECK_EQ(exo_frame_free((uint64_t)pa, 0, 0, 0, 0, 0), EXO_ERR_STATE);

	step("env_destroy of a child never started: KILLED");
	id = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(id > 0);
	child_track((exo_envid_t)id);
	CHECK_EQ(exo_env_destroy((uint64_t)id, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(child_wait((exo_envid_t)id).reason, EXO_EXIT_KILLED);
}

static void test_killed(void)
{
	struct exo_exit_info info;
	exo_envid_t id;

	step("env_wait BUSY while a spinning child lives; env_destroy KILLED");
	id = child_spawn(child_spin, 0);
	CHECK_EQ(exo_env_wait(id, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_yield(id, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_env_wait(id, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_env_destroy(id, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_env_destroy(id, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_KILLED);
	CHECK_EQ(info.code, 0);
	CHECK_EQ(exo_env_wait(id, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
}

static void test_fault(void)
{
	struct exo_exit_info info;
	exo_envid_t id;

	step("a child faulting without a handler ends with FAULT, vector 14");
	id = child_spawn(child_fault, FAULT_ADDR);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_FAULT);
	CHECK_EQ(info.vector, 14);
	CHECK_EQ(info.addr, FAULT_ADDR);
	CHECK(info.rip >= (uint64_t)child_fault &&
	      info.rip < (uint64_t)child_fault + 64);
	CHECK_EQ(info.code, 0);

	step("a divide error without a handler: FAULT, vector 0, its rip");
	id = child_spawn(child_divide, 12);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_FAULT);
	CHECK_EQ(info.vector, 0);
	CHECK_EQ(info.rip, (uint64_t)probe_divide_insn);
}

static void test_wait(void)
{
	struct exo_exit_info info = { 0 };
	struct exo_msg m;
	exo_envid_t id;

	step("env_wait NOT_FOUND for no child, self, an unknown id");
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_env_wait(me, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_env_wait(NO_SUCH_ENV, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);

	step("EXO_NOTIFY_CHILD arrives through ipc_recv when a child ends");
	drain_notifications();
	id = child_spawn(child_exit, 7);
	CHECK_EQ(exo_ipc_recv_msg(0, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(m.peer, 0);
	CHECK_EQ(m.w[0], EXO_NOTIFY_CHILD);
	CHECK_EQ(m.cap, EXO_CAP_NONE);
	CHECK_EQ(exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m), EXO_ERR_BUSY);

	step("env_wait into a read-only page is FAULT and reaps nothing");
	CHECK_EQ(exo_env_wait(id, EXO_INFO_VA, 0, 0, 0, 0), EXO_ERR_FAULT);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, (uint64_t)&info, 0, 0, 0, 0), id);
	child_forget(id);
	CHECK_EQ(info.env, id);
	CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(info.code, 7);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
}

static void test_control(void)
{
	exo_envid_t sibling, id;

	step("env_destroy of self is INVALID; of an unknown id NOT_FOUND");
	CHECK_EQ(exo_env_destroy(EXO_ENV_SELF, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_destroy(me, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_destroy(NO_SUCH_ENV, 0, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);

	step("a child cannot control its parent or its sibling: DENIED");
	sibling = child_spawn(child_spin, 0);
	id = child_spawn(child_denied, (uint64_t)me << 32 | sibling);
	child_expect_exit(id, 0);
	CHECK_EQ(exo_env_destroy(sibling, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(child_wait(sibling).reason, EXO_EXIT_KILLED);
}

static void test_orphans(void)
{
	const volatile struct exo_sys_info *sys = exo_sys_info();
	uint64_t free0, t, end;
	exo_envid_t id;

	step("the kernel reaps a zombie and an orphan of an ended child");
	/* frames_free is refreshed every tick. */
	t = ticks();
	while (ticks() == t) {
	}
	free0 = sys->frames_free;
	id = child_spawn(child_parent_of_two, 0);
	child_expect_exit(id, 0);
	end = ticks() + 5000;
	while (sys->envs != 1) {
		CHECK(ticks() < end);
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	t = ticks();
	while (ticks() == t) {
	}
	CHECK_EQ(sys->frames_free, free0);
}

static void test_limit(void)
{
	static int64_t ids[MAX_ENVS];
	int n = 0, reaped = 0;
	int64_t r;

	step("env_create until LIMIT: 255 environments in all");
	for (;;) {
		r = exo_env_create(0, 0, 0, 0, 0, 0);
		if (r < 0) {
			break;
		}
		CHECK(n < MAX_ENVS);
		ids[n++] = r;
	}
	CHECK_EQ(r, EXO_ERR_LIMIT);
	CHECK_EQ(n + 1, MAX_ENVS);
	CHECK_EQ(exo_sys_info()->envs, MAX_ENVS);
	for (int i = 0; i < n; i++) {
		CHECK_EQ(exo_env_destroy((uint64_t)ids[i], 0, 0, 0, 0, 0), 0);
	}
	while ((r = exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0)) > 0) {
		reaped++;
	}
	CHECK_EQ(r, EXO_ERR_NOT_FOUND);
	CHECK_EQ(reaped, n);
	CHECK_EQ(exo_sys_info()->envs, 1);
	drain_notifications();
}

int main(void)
{
	check_begin("env");
	test_self();
	test_spawn();
	test_raw();
	test_killed();
	test_fault();
	test_wait();
	test_control();
	test_orphans();
	test_limit();
	return check_end();
}
