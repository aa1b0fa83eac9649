/* SPDX-License-Identifier: MIT */
/*
 * family-cap: frame capabilities granted with fewer rights, what their
 * holders may and may not do with them, revocation along the derivation
 * tree (and the mappings it takes away), environment capabilities that
 * let a sibling control a child, and a full cspace.
 *
 * Children here are agents: they run commands sent by IPC and answer
 * with the result, so the parent can drive them step by step.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE
#define NO_SUCH_ENV 0x7fffff42u
#define PVA 0x0000650000000000ul /* our mapping of the test frame */
#define PVA2 0x0000650000001000ul
#define AVA 0x0000660000000000ul /* the agents' mappings */
#define GVA 0x0000660000001000ul
#define PATTERN 0x0c0ffee00c0ffee0ul
#define AGENT_EXIT 0x1ul /* notification: end */

enum {
	A_MAP = 1, /* cap_map(self, b, slot a, perm c) */
	A_PTE, /* exo_pte(a) */
	A_READ, /* probe a: 0 and the value, or 1 if it faulted */
	A_WRITE, /* probe_write(a, b) */
	A_PROTECT, /* page_protect(self, a, 1, perm b) */
	A_INFO, /* cap_info(a): status, type, rights, object */
	A_GRANT, /* cap_grant(a, env b, rights c) */
	A_REVOKE, /* cap_revoke(a) */
	A_SPAWN, /* start another agent as our child */
	A_DESTROY, /* env_destroy(a) */
	A_FRAME_ALLOC, /* frame_alloc(ANY, owner a) */
	A_PAGE_MAP, /* page_map(env a, va b, pa c, R|W) */
	A_CAP_GOT, /* the slot a capability arrived in, its rights; drop it */
};

static exo_envid_t me;

/* Reap our children; nonzero if one did not end well. */
static int reap(void)
{
	struct exo_exit_info info;
	int bad = 0;

	while (exo_env_wait(EXO_ENV_ANY, (uint64_t)&info, 0, 0, 0, 0) > 0) {
		if (info.reason != EXO_EXIT_NORMAL || info.code != 0) {
			bad = 1;
		}
	}
	return bad;
}

static int agent(uint64_t arg);

static void agent_do(struct exo_msg *m)
{
	uint64_t a = m->w[1], b = m->w[2], c = m->w[3];
	struct exo_cap_info ci = { 0 };
	int64_t r = 0, got = m->cap;

	m->w[1] = m->w[2] = m->w[3] = 0;
	switch (m->w[0]) {
	case A_MAP:
		r = exo_cap_map(EXO_ENV_SELF, b, a, c, 0, 0);
		break;
	case A_PTE:
		r = (int64_t)exo_pte(a);
		break;
	case A_READ:
		r = probe_read(a);
		if (!r) {
			m->w[1] = *(volatile uint64_t *)a;
		}
		break;
	case A_WRITE:
		r = probe_write(a, b);
		break;
	case A_PROTECT:
		r = exo_page_protect(EXO_ENV_SELF, a, 1, b, 0, 0);
		break;
	case A_INFO:
		r = exo_cap_info(a, (uint64_t)&ci, 0, 0, 0, 0);
		m->w[1] = ci.type;
		m->w[2] = ci.rights;
		m->w[3] = ci.object;
		break;
	case A_GRANT:
		r = exo_cap_grant(a, b, c, 0, 0, 0);
		break;
	case A_REVOKE:
		r = exo_cap_revoke(a, 0, 0, 0, 0, 0);
		break;
	case A_SPAWN:
		r = spawn_fn(agent, 0);
		break;
	case A_DESTROY:
		r = exo_env_destroy(a, 0, 0, 0, 0, 0);
		break;
	case A_FRAME_ALLOC:
		r = exo_frame_alloc(EXO_FRAME_ANY, a, 0, 0, 0, 0);
		break;
	case A_PAGE_MAP:
		r = exo_page_map(a, b, c, EXO_PERM_R | EXO_PERM_W, 0, 0);
		break;
	case A_CAP_GOT:
		r = got;
		if (got >= 0) {
			exo_cap_info((uint64_t)got, (uint64_t)&ci, 0, 0, 0, 0);
			m->w[1] = ci.rights;
			exo_cap_drop((uint64_t)got, 0, 0, 0, 0, 0);
		}
		break;
	default:
		r = EXO_ERR_NOSYS;
	}
	m->w[0] = (uint64_t)r;
	m->cap = EXO_CAP_NONE;
}

/* Run commands from anyone until notified AGENT_EXIT. */
static int agent(uint64_t arg)
{
	struct exo_msg m;
	int bad = 0;
	int64_t r;

	handler_install(probe_handler, NULL);
	r = exo_ipc_recv_msg(0, &m);
	for (;;) {
		if (r == EXO_IPC_NOTIFY) {
			if (m.w[0] & EXO_NOTIFY_CHILD) {
				bad |= reap();
			}
			if (m.w[0] & AGENT_EXIT) {
				return bad | reap();
			}
			r = exo_ipc_recv_msg(0, &m);
			continue;
		}
		CHECK_EQ(r, EXO_IPC_CALL);
		agent_do(&m);
		r = exo_ipc_reply_recv_msg(m.peer, &m);
	}
}

/* Have agent @id run @cmd; its result, and its other words in @out. */
static int64_t ask_cap(exo_envid_t id, uint64_t cmd, uint64_t a, uint64_t b,
		       uint64_t c, int64_t cap, uint64_t out[3])
{
	struct exo_msg m = { 0, { cmd, a, b, c }, cap };

	CHECK_EQ(exo_ipc_call_msg(id, &m), 0);
	CHECK_EQ(m.peer, id);
	if (out) {
		out[0] = m.w[1];
		out[1] = m.w[2];
		out[2] = m.w[3];
	}
	return (int64_t)m.w[0];
}

static int64_t ask(exo_envid_t id, uint64_t cmd, uint64_t a, uint64_t b,
		   uint64_t c)
{
	return ask_cap(id, cmd, a, b, c, EXO_CAP_NONE, NULL);
}

static void expect_info(exo_envid_t id, int64_t slot, uint64_t type,
			uint64_t rights, uint64_t object)
{
	uint64_t out[3];

	CHECK_EQ(ask_cap(id, A_INFO, (uint64_t)slot, 0, 0, EXO_CAP_NONE, out),
		 0);
	CHECK_EQ(out[0], type);
	CHECK_EQ(out[1], rights);
	CHECK_EQ(out[2], object);
}

static void stop_agent(exo_envid_t id)
{
	CHECK_EQ(exo_notify(id, AGENT_EXIT, 0, 0, 0, 0), 0);
}

static uint64_t alloc_frame(void)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	CHECK(pa > 0);
	return (uint64_t)pa;
}

static void test_frame_cap(uint64_t pa, int64_t *slot_out)
{
	struct exo_cap_info ci;
	int64_t slot;
	uint64_t free_pa;

	step("cap_frame: a root capability; cap_info: type, rights, frame");
	slot = exo_cap_frame(pa, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0, 0, 0,
			     0);
	CHECK(slot >= 0 && slot < EXO_CAP_SLOTS);
	CHECK_EQ(exo_cap_info((uint64_t)slot, (uint64_t)&ci, 0, 0, 0, 0), 0);
	CHECK_EQ(ci.type, EXO_CAP_FRAME);
	CHECK_EQ(ci.rights, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT);
	CHECK_EQ(ci.object, pa);

	step("cap_frame: INVALID rights, ALIGN, DENIED for a frame not ours");
	CHECK_EQ(exo_cap_frame(pa, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_frame(pa, 0x40, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_frame(pa + 8, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_ALIGN);
	free_pa = alloc_frame();
	CHECK_EQ(exo_frame_free(free_pa, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_cap_frame(free_pa, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_info(EXO_CAP_SLOTS, (uint64_t)&ci, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_info((uint64_t)-1, (uint64_t)&ci, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_info(EXO_CAP_SLOTS - 1, (uint64_t)&ci, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_info((uint64_t)slot, EXO_INFO_VA, 0, 0, 0, 0),
		 EXO_ERR_FAULT);

	step("frame_free is BUSY while a capability names the frame");
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, PVA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, PVA, pa, EXO_PERM_R | EXO_PERM_W, 0,
			      0),
		 0);
	*slot_out = slot;
}

static void test_grant_read_only(exo_envid_t a, int64_t slot, uint64_t pa)
{
	uint64_t out[3], pte;
	int64_t cs;

	step("cap_grant: more rights DENIED, bad rights or slot INVALID");
	CHECK_EQ(exo_cap_grant((uint64_t)slot, a, EXO_CAP_R | EXO_CAP_X, 0, 0,
			       0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_grant((uint64_t)slot, a, 0x80, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant((uint64_t)slot, a, EXO_CAP_CONTROL, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant(EXO_CAP_SLOTS, a, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant(EXO_CAP_SLOTS - 1, a, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_grant((uint64_t)slot, NO_SUCH_ENV, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);

	step("granted R only: the child maps it read-only and reads our data");
	cs = exo_cap_grant((uint64_t)slot, a, EXO_CAP_R, 0, 0, 0);
	CHECK(cs >= 0);
	expect_info(a, cs, EXO_CAP_FRAME, EXO_CAP_R, pa);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R | EXO_PERM_W),
		 EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R | EXO_PERM_X),
		 EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_PTE, AVA, 0, 0), 0);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R), 0);
	pte = (uint64_t)ask(a, A_PTE, AVA, 0, 0);
	CHECK(pte & EXO_PTE_P);
	CHECK(!(pte & EXO_PTE_W));
	CHECK_EQ(pte & EXO_PTE_ADDR, pa);
	CHECK_EQ(ask_cap(a, A_READ, AVA, 0, 0, EXO_CAP_NONE, out), 0);
	CHECK_EQ(out[0], PATTERN);

	step("...and cannot write it, protect it writable or grant it on");
	CHECK_EQ(ask(a, A_WRITE, AVA, 1, 0), 1);
	CHECK_EQ(ask(a, A_PROTECT, AVA, EXO_PERM_R | EXO_PERM_W, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_PROTECT, AVA, EXO_PERM_R | EXO_PERM_X, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_PROTECT, AVA, EXO_PERM_R | EXO_PERM_USER0, 0), 1);
	pte = (uint64_t)ask(a, A_PTE, AVA, 0, 0);
	CHECK(!(pte & EXO_PTE_W));
	CHECK(pte & EXO_PTE_USER0);
	CHECK_EQ(ask(a, A_GRANT, (uint64_t)cs, me, EXO_CAP_R), EXO_ERR_DENIED);
	CHECK_EQ(*(volatile uint64_t *)PVA, PATTERN);

	step("cap_revoke: the child's mapping and capability vanish");
	CHECK_EQ(exo_cap_revoke((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(ask(a, A_PTE, AVA, 0, 0), 0);
	CHECK_EQ(ask(a, A_READ, AVA, 0, 0), 1);
	CHECK_EQ(ask(a, A_INFO, (uint64_t)cs, 0, 0), EXO_ERR_NOT_FOUND);
	/* Our own capability and mapping stay. */
	CHECK(exo_pte(PVA) & EXO_PTE_P);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R),
		 EXO_ERR_NOT_FOUND);
}

static void test_chain(exo_envid_t a, int64_t slot, uint64_t pa,
		       exo_envid_t *g_out)
{
	int64_t cs, gs;
	exo_envid_t g;

	step("a grant chain parent -> child -> grandchild");
	cs = exo_cap_grant((uint64_t)slot, a, EXO_CAP_R | EXO_CAP_GRANT, 0, 0,
			   0);
	CHECK(cs >= 0);
	g = (exo_envid_t)ask(a, A_SPAWN, 0, 0, 0);
	CHECK((int32_t)g > 0);
	*g_out = g;
	gs = ask(a, A_GRANT, (uint64_t)cs, g, EXO_CAP_R);
	CHECK(gs >= 0);
	expect_info(g, gs, EXO_CAP_FRAME, EXO_CAP_R, pa);
	CHECK_EQ(ask(g, A_MAP, (uint64_t)gs, GVA, EXO_PERM_R), 0);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R), 0);
	CHECK(ask(g, A_PTE, GVA, 0, 0) & EXO_PTE_P);
	CHECK(ask(a, A_PTE, AVA, 0, 0) & EXO_PTE_P);

	step("revoked in the middle: the grandchild loses it, the child not");
	CHECK_EQ(ask(a, A_REVOKE, (uint64_t)cs, 0, 0), 0);
	CHECK_EQ(ask(g, A_PTE, GVA, 0, 0), 0);
	CHECK_EQ(ask(g, A_INFO, (uint64_t)gs, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK(ask(a, A_PTE, AVA, 0, 0) & EXO_PTE_P);

	step("revoked from the root: every holder down the chain loses it");
	gs = ask(a, A_GRANT, (uint64_t)cs, g, EXO_CAP_R);
	CHECK(gs >= 0);
	CHECK_EQ(ask(g, A_MAP, (uint64_t)gs, GVA, EXO_PERM_R), 0);
	CHECK_EQ(exo_cap_revoke((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(ask(g, A_PTE, GVA, 0, 0), 0);
	CHECK_EQ(ask(g, A_READ, GVA, 0, 0), 1);
	CHECK_EQ(ask(a, A_PTE, AVA, 0, 0), 0);
	CHECK_EQ(ask(g, A_INFO, (uint64_t)gs, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(ask(a, A_INFO, (uint64_t)cs, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK(exo_pte(PVA) & EXO_PTE_P);
}

static void test_drop(exo_envid_t a, int64_t slot, uint64_t pa)
{
	struct exo_cap_info ci;
	int64_t cs;

	step("cap_drop: the capability and all derived from it go");
	cs = exo_cap_grant((uint64_t)slot, a, EXO_CAP_R, 0, 0, 0);
	CHECK(cs >= 0);
	CHECK_EQ(ask(a, A_MAP, (uint64_t)cs, AVA, EXO_PERM_R), 0);
	CHECK_EQ(exo_cap_drop((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_cap_info((uint64_t)slot, (uint64_t)&ci, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_drop((uint64_t)slot, 0, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(ask(a, A_PTE, AVA, 0, 0), 0);
	CHECK_EQ(ask(a, A_INFO, (uint64_t)cs, 0, 0), EXO_ERR_NOT_FOUND);

	step("with no capability and no mapping left, frame_free succeeds");
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, PVA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
}

static void test_self_grant(void)
{
	uint64_t pa = alloc_frame(), pa2;
	int64_t root, copy;

	step("a reduced copy granted to ourselves: page_protect cannot raise");
	root = exo_cap_frame(pa, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0, 0, 0,
			     0);
	CHECK(root >= 0);
	copy = exo_cap_grant((uint64_t)root, EXO_ENV_SELF, EXO_CAP_R, 0, 0, 0);
	CHECK(copy >= 0 && copy != root);
	CHECK_EQ(exo_cap_map(EXO_ENV_SELF, PVA2, (uint64_t)copy, EXO_PERM_R, 0,
			     0),
		 0);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, PVA2, 1,
				  EXO_PERM_R | EXO_PERM_W, 0, 0),
		 EXO_ERR_DENIED);
	CHECK(!(exo_pte(PVA2) & EXO_PTE_W));
	/* Over a range it is refused whole: the page beside stays too. */
	pa2 = alloc_frame();
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, PVA2 + PAGE, pa2, EXO_PERM_R, 0, 0),
		 0);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, PVA2, 2,
				  EXO_PERM_R | EXO_PERM_W, 0, 0),
		 EXO_ERR_DENIED);
	CHECK(!(exo_pte(PVA2) & EXO_PTE_W));
	CHECK(!(exo_pte(PVA2 + PAGE) & EXO_PTE_W));
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, PVA2 + PAGE, 1,
				  EXO_PERM_R | EXO_PERM_W, 0, 0),
		 1);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, PVA2 + PAGE, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa2, 0, 0, 0, 0, 0), 0);
	/* The same frame through ownership may be writable. */
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, PVA, pa, EXO_PERM_R | EXO_PERM_W, 0,
			      0),
		 0);
	CHECK_EQ(exo_cap_drop((uint64_t)root, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_pte(PVA2), 0);
	CHECK(exo_pte(PVA) & EXO_PTE_P);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, PVA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
}

static void test_env_cap(exo_envid_t a, exo_envid_t g)
{
	struct exo_cap_info ci;
	exo_envid_t b;
	int64_t e, ae;
	int64_t bpa;

	step("cap_env: only for our own children; rights of an env cap");
	b = child_spawn(agent, 0);
	CHECK_EQ(exo_cap_env(NO_SUCH_ENV, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_env(EXO_ENV_SELF, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(g, EXO_CAP_CONTROL, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(b, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_INVALID);
	e = exo_cap_env(b, EXO_CAP_CONTROL | EXO_CAP_MAP | EXO_CAP_GRANT, 0, 0,
			0, 0);
	CHECK(e >= 0);
	CHECK_EQ(exo_cap_info((uint64_t)e, (uint64_t)&ci, 0, 0, 0, 0), 0);
	CHECK_EQ(ci.type, EXO_CAP_ENV);
	CHECK_EQ(ci.rights, EXO_CAP_CONTROL | EXO_CAP_MAP | EXO_CAP_GRANT);
	CHECK_EQ(ci.object, b);
	CHECK_EQ(exo_cap_map(EXO_ENV_SELF, PVA, (uint64_t)e, EXO_PERM_R, 0, 0),
		 EXO_ERR_INVALID);

	step("a sibling without the capability cannot touch the child");
	CHECK_EQ(ask(a, A_DESTROY, b, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_FRAME_ALLOC, b, 0, 0), EXO_ERR_DENIED);

	step("granted MAP only: the sibling maps into the child, cannot kill");
	ae = exo_cap_grant((uint64_t)e, a, EXO_CAP_MAP, 0, 0, 0);
	CHECK(ae >= 0);
	bpa = ask(a, A_FRAME_ALLOC, b, 0, 0);
	CHECK(bpa > 0);
	CHECK_EQ(ask(a, A_PAGE_MAP, b, AVA, (uint64_t)bpa), 0);
	CHECK_EQ(ask(b, A_PTE, AVA, 0, 0) & (int64_t)EXO_PTE_ADDR, bpa);
	CHECK_EQ(ask(a, A_DESTROY, b, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_revoke((uint64_t)e, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(ask(a, A_FRAME_ALLOC, b, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(ask(a, A_INFO, (uint64_t)ae, 0, 0), EXO_ERR_NOT_FOUND);

	step("granted CONTROL: the sibling destroys the child");
	ae = exo_cap_grant((uint64_t)e, a, EXO_CAP_CONTROL, 0, 0, 0);
	CHECK(ae >= 0);
	expect_info(a, ae, EXO_CAP_ENV, EXO_CAP_CONTROL, b);
	CHECK_EQ(ask(a, A_DESTROY, b, 0, 0), 0);
	CHECK_EQ(child_wait(b).reason, EXO_EXIT_KILLED);
	/* Capabilities naming it went with it. */
	CHECK_EQ(exo_cap_info((uint64_t)e, (uint64_t)&ci, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(ask(a, A_INFO, (uint64_t)ae, 0, 0), EXO_ERR_NOT_FOUND);
}

static void test_full(exo_envid_t a)
{
	uint64_t pa = alloc_frame(), out[3];
	int64_t slots[EXO_CAP_SLOTS], s;
	struct exo_cap_info ci;
	int used = 0, n = 0, given = 0;

	step("a capability sent by IPC lands in the receiver's cspace");
	for (int i = 0; i < EXO_CAP_SLOTS; i++) {
		if (exo_cap_info((uint64_t)i, (uint64_t)&ci, 0, 0, 0, 0) == 0) {
			used++;
		}
	}
	s = exo_cap_frame(pa, EXO_CAP_R | EXO_CAP_GRANT, 0, 0, 0, 0);
	CHECK(s >= 0);
	slots[n++] = s;
	CHECK(ask_cap(a, A_CAP_GOT, 0, 0, 0, s, out) >= 0);
	CHECK_EQ(out[0], EXO_CAP_R | EXO_CAP_GRANT);

	step("the receiver's cspace full: cap_grant LIMIT, IPC sends none");
	while ((s = exo_cap_grant((uint64_t)slots[0], a, EXO_CAP_R, 0, 0, 0)) >=
	       0) {
		CHECK(++given <= EXO_CAP_SLOTS);
	}
	CHECK_EQ(s, EXO_ERR_LIMIT);
	CHECK_EQ(ask_cap(a, A_CAP_GOT, 0, 0, 0, slots[0], NULL), EXO_CAP_NONE);
	CHECK_EQ(exo_cap_revoke((uint64_t)slots[0], 0, 0, 0, 0, 0), 0);
	CHECK(ask_cap(a, A_CAP_GOT, 0, 0, 0, slots[0], NULL) >= 0);

	step("our cspace full: cap_frame and cap_grant to ourselves LIMIT");
	while ((s = exo_cap_frame(pa, EXO_CAP_R | EXO_CAP_GRANT, 0, 0, 0, 0)) >=
	       0) {
		CHECK(n < EXO_CAP_SLOTS);
		slots[n++] = s;
	}
	CHECK_EQ(s, EXO_ERR_LIMIT);
	CHECK_EQ(used + n, EXO_CAP_SLOTS);
	CHECK_EQ(exo_cap_grant((uint64_t)slots[0], EXO_ENV_SELF, EXO_CAP_R, 0,
			       0, 0),
		 EXO_ERR_LIMIT);
	CHECK_EQ(exo_cap_drop((uint64_t)slots[n - 1], 0, 0, 0, 0, 0), 0);
	s = exo_cap_grant((uint64_t)slots[0], EXO_ENV_SELF, EXO_CAP_R, 0, 0, 0);
	CHECK_EQ(s, slots[n - 1]);
	/* The copy (derived from slots[0]) first, then the roots. */
	for (int i = n - 1; i >= 0; i--) {
		CHECK_EQ(exo_cap_drop((uint64_t)slots[i], 0, 0, 0, 0, 0), 0);
	}
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
}

int main(void)
{
	uint64_t pa, end;
	int64_t slot;
	exo_envid_t a, g;

	me = env_self();
	check_begin("cap");
	pa = alloc_frame();
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, PVA, pa, EXO_PERM_R | EXO_PERM_W, 0,
			      0),
		 0);
	*(volatile uint64_t *)PVA = PATTERN;
	a = child_spawn(agent, 0);

	test_frame_cap(pa, &slot);
	test_grant_read_only(a, slot, pa);
	test_chain(a, slot, pa, &g);
	test_drop(a, slot, pa);
	test_self_grant();
	test_env_cap(a, g);
	test_full(a);

	/* The grandchild first; its parent reaps it. */
	stop_agent(g);
	end = ticks() + 5000;
	while (exo_yield(g, 0, 0, 0, 0, 0) != EXO_ERR_NOT_FOUND) {
		CHECK(ticks() < end);
	}
	stop_agent(a);
	child_expect_exit(a, 0);
	return check_end();
}
