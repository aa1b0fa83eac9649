/* SPDX-License-Identifier: MIT */
/*
 * The demo scripts/run boots: init starts a server and two clients in
 * their own address spaces, they talk over IPC, and init reports what the
 * kernel counted.
 */
#include <libos/runtime.h>

static int server(uint64_t clients)
{
	struct exo_msg m = { .cap = EXO_CAP_NONE };
	int64_t r = exo_ipc_recv_msg(0, &m);
	uint64_t served = 0;

	while (r == EXO_IPC_CALL) {
		m.w[0] *= m.w[0]; /* the service: squaring */
		m.cap = EXO_CAP_NONE;
		served++;
		r = exo_ipc_reply_recv_msg(m.peer, &m);
	}
	printf("server %x: served %lu calls, %lu clients\n", env_self(),
	       (unsigned long)served, (unsigned long)clients);
	return 0;
}

static volatile exo_envid_t server_id;

static int client(uint64_t n)
{
	uint64_t sum = 0;

	for (uint64_t i = 1; i <= n; i++) {
		struct exo_msg m = { .w = { i }, .cap = EXO_CAP_NONE };

		if (exo_ipc_call_msg(server_id, &m) < 0) {
			return 1;
		}
		sum += m.w[0];
	}
	printf("client %x: sum of squares 1..%lu = %lu\n", env_self(),
	       (unsigned long)n, (unsigned long)sum);
	return sum == n * (n + 1) * (2 * n + 1) / 6 ? 0 : 1;
}

int main(void)
{
	struct exo_exit_info info;
	int64_t s, c1, c2;
	int bad = 0;

	printf("init %x: hello from user space\n", env_self());
	s = spawn_fn(server, 2);
	server_id = (exo_envid_t)s;
	c1 = spawn_fn(client, 100);
	c2 = spawn_fn(client, 1000);
	if (s < 0 || c1 < 0 || c2 < 0) {
		printf("init: cannot start the demo environments\n");
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		wait_child(EXO_ENV_ANY, &info);
		bad |= info.reason != EXO_EXIT_NORMAL || info.code != 0;
	}
	exo_notify((uint64_t)s, 1, 0, 0, 0, 0); /* done: stop the server */
	wait_child((exo_envid_t)s, &info);
	printf("init: %lu system calls, %lu IPC calls, %lu context switches\n",
	       (unsigned long)exo_sys_info()->syscalls,
	       (unsigned long)exo_sys_info()->ipc_calls,
	       (unsigned long)exo_sys_info()->context_switches);
	return bad;
}
