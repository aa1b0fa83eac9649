/* SPDX-License-Identifier: MIT */
/*
 * family-ipc: synchronous calls with four words each way, the queue of
 * callers, notifications, the errors of call, receive and reply, callers
 * of a receiver that ends, and capabilities carried by a call or a reply.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE
#define NO_SUCH_ENV 0x7fffff42u
#define CLIENT_VA 0x0000650000000000ul
#define CLIENT_VA2 0x0000650000001000ul
#define SERVER_VA 0x0000660000000000ul
#define MARK 0xfeedfacecafef00dul
#define BACK_MARK 0xbeefbeefbeefbeeful
#define CLIENTS 3

/* What the server does with a call (word 0). */
enum {
	OP_ECHO = 1, /* reply with every word inverted */
	OP_EXIT, /* end without replying */
	OP_HOLD, /* keep the caller waiting until told to end (page 0) */
	OP_CAP, /* map the frame capability passed, sum and mark it */
	OP_CAP_BACK, /* reply with a capability on a frame of our own */
	OP_BITS, /* reply with the notification bits received so far */
};

/* Words of shared page 0 for OP_HOLD. */
enum { S_HELD, S_DIE };

static exo_envid_t me;

static int64_t call(exo_envid_t to, struct exo_msg *m, uint64_t w0, uint64_t w1,
		    uint64_t w2, uint64_t w3, int64_t cap)
{
	m->peer = 0;
	m->w[0] = w0;
	m->w[1] = w1;
	m->w[2] = w2;
	m->w[3] = w3;
	m->cap = cap;
	return exo_ipc_call_msg(to, m);
}

/* The sum of the words of the page at @va. */
static uint64_t page_sum(uint64_t va)
{
	const volatile uint64_t *p = (const volatile uint64_t *)va;
	uint64_t sum = 0;

	for (uint64_t i = 0; i < PAGE / 8; i++) {
		sum += p[i];
	}
	return sum;
}

static void serve_cap(struct exo_msg *m)
{
	struct exo_cap_info ci;
	int64_t slot = m->cap;

	CHECK(slot >= 0);
	CHECK_EQ(exo_cap_info((uint64_t)slot, (uint64_t)&ci, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_cap_map(EXO_ENV_SELF, SERVER_VA, (uint64_t)slot,
			     EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	m->w[0] = page_sum(SERVER_VA);
	*(volatile uint64_t *)SERVER_VA = MARK;
	CHECK_EQ(exo_cap_drop((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	m->w[1] = (uint64_t)ci.type << 32 | ci.rights;
	m->w[2] = ci.object;
	m->w[3] = exo_pte(SERVER_VA);
	m->cap = EXO_CAP_NONE;
}

static void serve_cap_back(struct exo_msg *m)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	int64_t slot;

	CHECK(pa > 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, SERVER_VA, (uint64_t)pa,
			      EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	((volatile uint64_t *)SERVER_VA)[5] = BACK_MARK;
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SERVER_VA, 1, 0, 0, 0), 0);
	slot = exo_cap_frame((uint64_t)pa, EXO_CAP_R | EXO_CAP_GRANT, 0, 0, 0,
			     0);
	CHECK(slot >= 0);
	m->w[0] = (uint64_t)pa;
	m->cap = slot;
}

/* Serve calls from anyone until OP_EXIT or OP_HOLD ends us. */
static int server(uint64_t arg)
{
	uint64_t bits = 0;
	struct exo_msg m;
	int64_t r;

	r = exo_ipc_recv_msg(0, &m);
	for (;;) {
		if (r == EXO_IPC_NOTIFY) {
			CHECK_EQ(m.peer, 0);
			bits |= m.w[0];
			r = exo_ipc_recv_msg(0, &m);
			continue;
		}
		CHECK_EQ(r, EXO_IPC_CALL);
		CHECK(m.peer != 0);
		switch (m.w[0]) {
		case OP_ECHO:
			CHECK_EQ(m.cap, EXO_CAP_NONE);
			for (int i = 0; i < 4; i++) {
				m.w[i] = ~m.w[i];
			}
			break;
		case OP_EXIT:
			return 0;
		case OP_HOLD: {
			volatile uint64_t *s = shared_wait(0);

			s[S_HELD] = 1;
			while (!s[S_DIE]) {
				exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
			}
			return 0;
		}
		case OP_CAP:
			serve_cap(&m);
			break;
		case OP_CAP_BACK:
			serve_cap_back(&m);
			break;
		case OP_BITS:
			m.w[0] = bits;
			bits = 0;
			m.cap = EXO_CAP_NONE;
			break;
		default:
			CHECK(!"unknown operation");
		}
		r = exo_ipc_reply_recv_msg(m.peer, &m);
	}
}

/* A client calling @arg's high half with operation @arg's low half. */
static int client_dies(uint64_t arg)
{
	struct exo_msg m;

	CHECK_EQ(call((exo_envid_t)(arg >> 32), &m, arg & 0xffffffffu, 0, 0, 0,
		      EXO_CAP_NONE),
		 EXO_ERR_NOT_FOUND);
	return 0;
}

/* Client @i calls us (the parent) and checks the answer. */
static int client_numbered(uint64_t i)
{
	exo_envid_t parent = exo_env_info()->parent;
	struct exo_msg m;

	CHECK_EQ(call(parent, &m, i, i * 10, i * 100, i * 1000, EXO_CAP_NONE),
		 0);
	CHECK_EQ(m.peer, parent);
	CHECK_EQ(m.w[0], i + 1);
	CHECK_EQ(m.w[1], i + 2);
	CHECK_EQ(m.w[2], i + 3);
	CHECK_EQ(m.w[3], i + 4);
	CHECK_EQ(m.cap, EXO_CAP_NONE);
	return 0;
}

/* Notify the parent, then call it. */
static int client_notify_then_call(uint64_t arg)
{
	exo_envid_t parent = exo_env_info()->parent;
	struct exo_msg m;

	CHECK_EQ(exo_notify(parent, 0x20, 0, 0, 0, 0), 0);
	CHECK_EQ(call(parent, &m, 7, 0, 0, 0, EXO_CAP_NONE), 0);
	CHECK_EQ(m.w[0], 8);
	return 0;
}

static void echo(exo_envid_t srv, uint64_t salt)
{
	struct exo_msg m;

	CHECK_EQ(call(srv, &m, OP_ECHO, salt, salt << 1, ~salt, EXO_CAP_NONE),
		 0);
	CHECK_EQ(m.peer, srv);
	CHECK_EQ(m.w[0], ~(uint64_t)OP_ECHO);
	CHECK_EQ(m.w[1], ~salt);
	CHECK_EQ(m.w[2], ~(salt << 1));
	CHECK_EQ(m.w[3], salt);
	CHECK_EQ(m.cap, EXO_CAP_NONE);
}

static void test_roundtrip(exo_envid_t srv)
{
	const volatile struct exo_env_info *info = exo_env_info();
	uint64_t calls = info->ipc_calls, sys_calls = exo_sys_info()->ipc_calls;

	step("call/reply: four words each way, the peer, no capability");
	echo(srv, 0x0123456789abcdeful);
	CHECK_EQ(info->ipc_calls, calls + 1);
	CHECK(exo_sys_info()->ipc_calls >= sys_calls + 1);

	step("a hundred round trips in a row");
	for (uint64_t i = 0; i < 100; i++) {
		echo(srv, i * 0x9e3779b97f4a7c15ul);
	}
	CHECK_EQ(info->ipc_calls, calls + 101);
}

static void test_errors(exo_envid_t srv)
{
	struct exo_msg m = { 0 };
	int64_t slot;
	uint64_t pa;

	step("ipc_recv NONBLOCK with nothing pending: BUSY; bad flags INVALID");
	drain_notifications();
	CHECK_EQ(exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m), EXO_ERR_BUSY);
	CHECK_EQ(exo_ipc_recv_msg(2, &m), EXO_ERR_INVALID);

	step("ipc_reply_recv to an env not waiting for us: STATE, no effect");
	wait_blocked(srv);
	m.cap = EXO_CAP_NONE;
	CHECK_EQ(exo_ipc_reply_recv_msg(srv, &m), EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv_msg(me, &m), EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv_msg(EXO_ENV_SELF, &m), EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv_msg(NO_SUCH_ENV, &m), EXO_ERR_NOT_FOUND);
	echo(srv, 5);

	step("ipc_call to self INVALID, to nobody NOT_FOUND");
	CHECK_EQ(call(me, &m, OP_ECHO, 0, 0, 0, EXO_CAP_NONE), EXO_ERR_INVALID);
	CHECK_EQ(call(EXO_ENV_SELF, &m, OP_ECHO, 0, 0, 0, EXO_CAP_NONE),
		 EXO_ERR_INVALID);
	CHECK_EQ(call(NO_SUCH_ENV, &m, OP_ECHO, 0, 0, 0, EXO_CAP_NONE),
		 EXO_ERR_NOT_FOUND);

	step("ipc_call with a bad capability: INVALID, NOT_FOUND, DENIED");
	pa = (uint64_t)exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	slot = exo_cap_frame(pa, EXO_CAP_R, 0, 0, 0, 0);
	CHECK(slot >= 0);
	CHECK_EQ(call(srv, &m, OP_ECHO, 0, 0, 0, EXO_CAP_SLOTS),
		 EXO_ERR_INVALID);
	CHECK_EQ(call(srv, &m, OP_ECHO, 0, 0, 0, EXO_CAP_SLOTS - 1),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(call(srv, &m, OP_ECHO, 0, 0, 0, slot), EXO_ERR_DENIED);
	/* Nothing reached the server: it answers the next call as usual. */
	echo(srv, 6);
	CHECK_EQ(exo_cap_drop((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
}

/* Receive the next call, letting notifications of ended children pass. */
static int64_t next_call(int64_t r, struct exo_msg *m)
{
	while (r == EXO_IPC_NOTIFY) {
		CHECK_EQ(m->w[0] & ~EXO_NOTIFY_CHILD, 0);
		r = exo_ipc_recv_msg(0, m);
	}
	return r;
}

static void test_queue(void)
{
	const volatile struct exo_env_info *info = exo_env_info();
	uint64_t received = info->ipc_received;
	exo_envid_t ids[CLIENTS];
	struct exo_msg m;
	int64_t r;

	step("callers queue while we do not receive, and are served in order");
	drain_notifications();
	for (int i = 0; i < CLIENTS; i++) {
		ids[i] = child_spawn(client_numbered, (uint64_t)i + 1);
		wait_blocked(ids[i]);
	}
	r = exo_ipc_recv_msg(0, &m);
	for (int i = 0; i < CLIENTS; i++) {
		uint64_t n = (uint64_t)i + 1;

		r = next_call(r, &m);
		CHECK_EQ(r, EXO_IPC_CALL);
		CHECK_EQ(m.peer, ids[i]);
		CHECK_EQ(m.w[0], n);
		CHECK_EQ(m.w[1], n * 10);
		CHECK_EQ(m.w[2], n * 100);
		CHECK_EQ(m.w[3], n * 1000);
		CHECK_EQ(m.cap, EXO_CAP_NONE);
		for (int k = 0; k < 4; k++) {
			m.w[k] = n + (uint64_t)k + 1;
		}
		m.cap = EXO_CAP_NONE;
		if (i + 1 < CLIENTS) {
			r = exo_ipc_reply_recv_msg(ids[i], &m);
		}
	}
	/* The last reply: we then wait, until a client's end wakes us. */
	CHECK_EQ(exo_ipc_reply_recv_msg(ids[CLIENTS - 1], &m), EXO_IPC_NOTIFY);
	CHECK(m.w[0] & EXO_NOTIFY_CHILD);
	CHECK_EQ(info->ipc_received, received + CLIENTS);
	for (int i = 0; i < CLIENTS; i++) {
		child_expect_exit(ids[i], 0);
	}
}

static void test_notify(exo_envid_t srv)
{
	struct exo_msg m;
	exo_envid_t id;

	step("notifications OR together and are cleared when received");
	drain_notifications();
	CHECK_EQ(exo_notify(me, 0x1, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_notify(EXO_ENV_SELF, 0x4, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_notify(me, 0x1, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(m.peer, 0);
	CHECK_EQ(m.w[0], 0x5);
	CHECK_EQ(m.w[1] | m.w[2] | m.w[3], 0);
	CHECK_EQ(m.cap, EXO_CAP_NONE);
	CHECK_EQ(exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m), EXO_ERR_BUSY);

	step("notify: bits 0 INVALID, unknown env NOT_FOUND");
	CHECK_EQ(exo_notify(me, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_notify(NO_SUCH_ENV, 1, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m), EXO_ERR_BUSY);

	step("pending notifications come before a queued call");
	id = child_spawn(client_notify_then_call, 0);
	wait_blocked(id);
	CHECK_EQ(exo_notify(EXO_ENV_SELF, 0x10, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_ipc_recv_msg(0, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(m.w[0], 0x30);
	CHECK_EQ(exo_ipc_recv_msg(0, &m), EXO_IPC_CALL);
	CHECK_EQ(m.peer, id);
	CHECK_EQ(m.w[0], 7);
	m.w[0] = 8;
	m.cap = EXO_CAP_NONE;
	CHECK_EQ(exo_ipc_reply_recv_msg(id, &m), EXO_IPC_NOTIFY);
	CHECK_EQ(m.w[0], EXO_NOTIFY_CHILD);
	child_expect_exit(id, 0);

	step("a notification wakes a server blocked in ipc_recv");
	wait_blocked(srv);
	CHECK_EQ(exo_notify(srv, 0x8, 0, 0, 0, 0), 0);
	wait_blocked(srv);
	CHECK_EQ(exo_notify(srv, 0x2, 0, 0, 0, 0), 0);
	CHECK_EQ(call(srv, &m, OP_BITS, 0, 0, 0, EXO_CAP_NONE), 0);
	CHECK_EQ(m.w[0], 0xa);
}

static void test_death(void)
{
	volatile uint64_t *s = shared_new(0);
	exo_envid_t srv, k1, k2;
	struct exo_msg m;

	step("a server that ends instead of replying: the caller NOT_FOUND");
	srv = child_spawn(server, 0);
	CHECK_EQ(call(srv, &m, OP_EXIT, 1, 2, 3, EXO_CAP_NONE),
		 EXO_ERR_NOT_FOUND);
	child_expect_exit(srv, 0);
	CHECK_EQ(call(srv, &m, OP_ECHO, 1, 2, 3, EXO_CAP_NONE),
		 EXO_ERR_NOT_FOUND);

	step("its waiting and its queued callers both get NOT_FOUND");
	srv = child_spawn(server, 0);
	shared_give(srv, 0);
	k1 = child_spawn(client_dies, (uint64_t)srv << 32 | OP_HOLD);
	wait_for(&s[S_HELD], 1);
	wait_blocked(k1);
	k2 = child_spawn(client_dies, (uint64_t)srv << 32 | OP_ECHO);
	wait_blocked(k2);
	s[S_DIE] = 1;
	child_expect_exit(srv, 0);
	child_expect_exit(k1, 0);
	child_expect_exit(k2, 0);
	shared_free(0);
}

static void test_caps(exo_envid_t srv)
{
	volatile uint64_t *p = (volatile uint64_t *)CLIENT_VA;
	struct exo_cap_info ci;
	struct exo_msg m;
	uint64_t pa, sum = 0;
	int64_t slot;

	step("a call carries a frame capability; the server maps and reads it");
	pa = (uint64_t)exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, CLIENT_VA, pa,
			      EXO_PERM_R | EXO_PERM_W, 0, 0),
		 0);
	for (uint64_t i = 0; i < PAGE / 8; i++) {
		p[i] = i * 3 + 1;
		sum += i * 3 + 1;
	}
	slot = exo_cap_frame(pa, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0, 0, 0,
			     0);
	CHECK(slot >= 0);
	CHECK_EQ(call(srv, &m, OP_CAP, 0, 0, 0, slot), 0);
	CHECK_EQ(m.w[0], sum);
	CHECK_EQ(m.w[1], (uint64_t)EXO_CAP_FRAME << 32 |
				 (EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT));
	CHECK_EQ(m.w[2], pa);
	CHECK_EQ(m.w[3], 0); /* its mapping went with its dropped copy */
	CHECK_EQ(p[0], MARK);
	CHECK_EQ(m.cap, EXO_CAP_NONE);
	/* Ours is still there, and names the frame. */
	CHECK_EQ(exo_cap_info((uint64_t)slot, (uint64_t)&ci, 0, 0, 0, 0), 0);
	CHECK_EQ(ci.object, pa);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, CLIENT_VA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_cap_drop((uint64_t)slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);

	step("a reply carries a capability back; its rights bound our mapping");
	CHECK_EQ(call(srv, &m, OP_CAP_BACK, 0, 0, 0, EXO_CAP_NONE), 0);
	CHECK(m.cap >= 0);
	CHECK_EQ(exo_cap_info((uint64_t)m.cap, (uint64_t)&ci, 0, 0, 0, 0), 0);
	CHECK_EQ(ci.type, EXO_CAP_FRAME);
	CHECK_EQ(ci.rights, EXO_CAP_R | EXO_CAP_GRANT);
	CHECK_EQ(ci.object, m.w[0]);
	CHECK_EQ(exo_cap_map(EXO_ENV_SELF, CLIENT_VA2, (uint64_t)m.cap,
			     EXO_PERM_R | EXO_PERM_W, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_map(EXO_ENV_SELF, CLIENT_VA2, (uint64_t)m.cap,
			     EXO_PERM_R, 0, 0),
		 0);
	CHECK_EQ(((volatile uint64_t *)CLIENT_VA2)[5], BACK_MARK);
	CHECK_EQ(exo_cap_drop((uint64_t)m.cap, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_pte(CLIENT_VA2), 0);
}

int main(void)
{
	exo_envid_t srv;
	struct exo_msg m;

	me = env_self();
	check_begin("ipc");
	srv = child_spawn(server, 0);
	test_roundtrip(srv);
	test_errors(srv);
	test_queue();
	test_notify(srv);
	test_death();
	test_caps(srv);
	CHECK_EQ(call(srv, &m, OP_EXIT, 0, 0, 0, EXO_CAP_NONE),
		 EXO_ERR_NOT_FOUND);
	child_expect_exit(srv, 0);
	return check_end();
}
