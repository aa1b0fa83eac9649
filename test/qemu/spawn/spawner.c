/* SPDX-License-Identifier: MIT */
/*
 * Spawns copies of itself from its boot module, which init shares with it
 * (`with-modules` in the manifest); the copies get no modules of their
 * own. What it does depends on its first argument:
 *
 *   many N    start N children at once ("child I"), wait for all of them
 *             and check each exit code is the one child I chooses
 *   child I   exit with 3 * I + 1
 *   crash     write through a null pointer
 *   tolerate  start a child, a crashing one and another child: the crash
 *             is reported with its fault and the others exit normally
 *   exhaust   start t_big (48 MiB of bss) until memory runs out: the
 *             failed spawn leaves no frame behind
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>
#include <libos/spawn.h>

#define MAX_CHILDREN 200

static int number(const char *s)
{
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s++ - '0');
	}
	return n;
}

/* @n in decimal into @buf (at least 12 bytes). */
static char *decimal(char *buf, int n)
{
	char tmp[12];
	int len = 0, i = 0;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (len) {
		buf[i++] = tmp[--len];
	}
	buf[i] = '\0';
	return buf;
}

static int64_t start_child(const char *mode, int i)
{
	char num[12];
	const char *argv[] = { "t_spawner", mode, decimal(num, i), NULL };

	return spawn_module("t_spawner", argv);
}

static int many(int n)
{
	static int64_t ids[MAX_CHILDREN];
	static bool seen[MAX_CHILDREN];
	struct exo_exit_info x;
	int bad = 0;

	if (n < 1 || n > MAX_CHILDREN) {
		printf("FAIL: spawner: cannot start %d children\n", n);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		ids[i] = start_child("child", i);
		if (ids[i] < 0) {
			printf("FAIL: spawner: child %d: %s\n", i,
			       exo_status_name(ids[i]));
			return 1;
		}
	}
	printf("spawner: %d children started\n", n);
	for (int k = 0; k < n; k++) {
		int64_t id = wait_any(&x);
		int i;

		for (i = 0; i < n && ids[i] != id; i++) {
		}
		if (id < 0 || i == n || seen[i]) {
			printf("FAIL: spawner: wait gave %ld\n", (long)id);
			return 1;
		}
		seen[i] = true;
		if (x.reason != EXO_EXIT_NORMAL || x.code != 3 * i + 1) {
			printf("FAIL: spawner: child %d (env %x) ended with "
			       "reason %u code %ld\n",
			       i, x.env, x.reason, (long)x.code);
			bad++;
		}
	}
	if (wait_any(&x) != EXO_ERR_NOT_FOUND) {
		printf("FAIL: spawner: a child too many\n");
		return 1;
	}
	if (bad) {
		return 1;
	}
	printf("spawner: all %d children exited with their own codes\n", n);
	return 0;
}

static int crash(void)
{
	/* Through a variable, so the compiler cannot see the null. */
	volatile int *volatile p = NULL;

	*p = 1;
	printf("FAIL: spawner: the null write did not fault\n");
	return 1;
}

static int tolerate(void)
{
	int64_t ok1 = start_child("child", 1);
	int64_t bad = start_child("crash", 0);
	int64_t ok2 = start_child("child", 2);
	int normal = 0, faulted = 0;
	struct exo_exit_info x;

	if (ok1 < 0 || bad < 0 || ok2 < 0) {
		printf("FAIL: spawner: cannot start the children\n");
		return 1;
	}
	for (int k = 0; k < 3; k++) {
		int64_t id = wait_any(&x);

		if (id == bad && x.reason == EXO_EXIT_FAULT && x.vector == 14 &&
		    x.addr == 0) {
			printf("spawner: child %x killed by fault %lu at "
			       "0x%lx\n",
			       x.env, (unsigned long)x.vector,
			       (unsigned long)x.addr);
			faulted++;
		} else if ((id == ok1 && x.code == 4) ||
			   (id == ok2 && x.code == 7)) {
			if (x.reason == EXO_EXIT_NORMAL) {
				normal++;
			}
		} else {
			printf("FAIL: spawner: env %x: reason %u code %ld\n",
			       x.env, x.reason, (long)x.code);
			return 1;
		}
	}
	if (faulted != 1 || normal != 2) {
		printf("FAIL: spawner: %d faulted, %d normal\n", faulted,
		       normal);
		return 1;
	}
	printf("spawner: the crash was reported; the others went on\n");
	return 0;
}

/* Start t_big until that fails; release them all. Return: how many ran. */
static int fill_memory(int64_t *err)
{
	static int64_t ids[MAX_CHILDREN];
	int n = 0;

	for (;;) {
		int64_t id = spawn_module("t_big", NULL);

		if (id < 0) {
			*err = id;
			break;
		}
		ids[n++] = id;
		if (n == MAX_CHILDREN) {
			*err = 0;
			break;
		}
	}
	for (int i = 0; i < n; i++) {
		exo_notify((uint64_t)ids[i], 1, 0, 0, 0, 0);
		if (wait_child((exo_envid_t)ids[i], NULL) != ids[i]) {
			printf("FAIL: spawner: t_big %x did not end\n",
			       (exo_envid_t)ids[i]);
		}
	}
	return n;
}

static int exhaust(void)
{
	const volatile struct exo_sys_info *sys = exo_sys_info();
	uint64_t before;
	int64_t err;
	int n;

	/* Once first, so our own scratch page tables exist before we count. */
	fill_memory(&err);
	before = sys->frames_free;
	n = fill_memory(&err);
	if (err != EXO_ERR_NO_MEMORY || n < 1) {
		printf("FAIL: spawner: %d ran, then %s\n", n,
		       exo_status_name(err));
		return 1;
	}
	if (sys->frames_free != before) {
		printf("FAIL: spawner: %lu frames free, %lu before\n",
		       (unsigned long)sys->frames_free, (unsigned long)before);
		return 1;
	}
	printf("spawner: %d ran, the next ran out of memory; all %lu frames "
	       "came back\n",
	       n, (unsigned long)before);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "many") == 0) {
		return many(number(argv[2]));
	}
	if (argc >= 3 && strcmp(argv[1], "child") == 0) {
		return 3 * number(argv[2]) + 1;
	}
	if (argc >= 2 && strcmp(argv[1], "crash") == 0) {
		return crash();
	}
	if (argc >= 2 && strcmp(argv[1], "tolerate") == 0) {
		return tolerate();
	}
	if (argc >= 2 && strcmp(argv[1], "exhaust") == 0) {
		return exhaust();
	}
	printf("FAIL: spawner: usage: many N | child I | crash | tolerate | "
	       "exhaust\n");
	return 2;
}
