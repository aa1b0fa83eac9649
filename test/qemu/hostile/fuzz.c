/* SPDX-License-Identifier: MIT */
/*
 * The system-call fuzzer. Two child environments at a time make random
 * system calls, every number and then some, with arguments drawn from a
 * mix of the meaningful and the malicious: each other's ids and frames
 * among them, so they call, notify, grant to and map from each other too.
 * Whatever ends one (env_exit, a fault after it unmapped its own stack,
 * ...), init starts another in its place, which carries on with the same
 * random sequence, until FUZZ_CALLS calls are made. The kernel must stay
 * up and leak nothing; init prints how every call went.
 */
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>

#include "check.h"
#include "probe.h"
#include "share.h"

/* Fixed, so a run can be repeated; a build may choose others. */
#ifndef FUZZ_SEED
#define FUZZ_SEED 0x5eed0fa11c0ffee5ul
#endif
#ifndef FUZZ_CALLS
#define FUZZ_CALLS 300000
#endif
#define NR_CALLS 46 /* the system calls are 0 .. 45, with gaps */
#define NR_OTHER NR_CALLS /* the tally of numbers beyond them */
#define NERR 70 /* statuses -1 .. -70 are tallied one by one */
#define NFUZZ 2 /* fuzzing children at a time */
#define NPUB 4 /* frames each one publishes to the other */

/* The child's own pages: operations, text and bytes to hand the kernel. */
#define ARENA_VA 0x0000620000000000ul
#define ARENA_PAGES 16
#define OPS_PAGES 4 /* page 0 plausible page operations, 1-3 random */
#define TEXT_PAGE 4 /* pages 4-7 printable text */
#define SCRATCH_VA 0x0000630000000000ul /* where plausible maps go */
#define SCRATCH_PAGES 64
#define REFILL_EVERY 2048
#define PA_POOL 16

#define KERNEL_TEXT 0xffffffff80100000ul
#define DMAP 0xffff800000000000ul
#define NONCANON 0x0000800000000000ul

/* init's patience with a child that makes no calls, in ticks. */
#define STALL_TICKS 50
#define SETTLE_TICKS 5000

/* What one fuzzing slot did, across the children that held it. */
struct fuzz_tally {
	uint64_t calls;
	uint64_t ok; /* results >= 0 */
	uint64_t err[NERR]; /* err[i]: results -(i + 1) */
	uint64_t other; /* any other negative result */
	uint64_t per_nr[NR_CALLS + 1];
	uint64_t last[7]; /* the call in progress: number, arguments */
};

/* Shared by init and the fuzzing children. */
struct fuzz_page {
	uint64_t target, init;
	volatile uint64_t id[NFUZZ]; /* the child in each slot, or 0 */
	volatile uint64_t pa[NFUZZ][NPUB]; /* frames of its, published */
	uint64_t rng[NFUZZ]; /* each slot's generator */
	struct fuzz_tally t[NFUZZ];
};
_Static_assert(sizeof(struct fuzz_page) <= EXO_PAGE_SIZE, "one page");

static struct fuzz_page *fp;
static unsigned slot;
static uint64_t self, child, pa_pool[PA_POOL];
static unsigned npa;

static uint64_t total_calls(void)
{
	uint64_t n = 0;

	for (int k = 0; k < NFUZZ; k++) {
		n += fp->t[k].calls;
	}
	return n;
}

/* The other fuzzing child, if there is one now. */
static uint64_t peer(void)
{
	return fp->id[(slot + 1) % NFUZZ];
}

/* splitmix64 over the shared state. */
static uint64_t rnd64(void)
{
	uint64_t z = (fp->rng[slot] += 0x9e3779b97f4a7c15ul);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ul;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebul;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t n)
{
	return rnd64() % n;
}

static void pa_remember(uint64_t pa)
{
	pa_pool[npa++ % PA_POOL] = pa;
}

static uint64_t some_pa(void)
{
	uint64_t r = rnd(8);

	if (npa && r < 5) {
		return pa_pool[rnd(npa < PA_POOL ? npa : PA_POOL)];
	}
	if (r < 7) {
		return fp->pa[(slot + 1) % NFUZZ][rnd(NPUB)];
	}
	return rnd(1ul << 27) & ~(EXO_PAGE_SIZE - 1);
}

/* One argument, from a mix of the meaningful and the malicious. */
static uint64_t pick_arg(void)
{
	static const uint64_t huge[] = {
		1ul << 63,    1ul << 32,	 0x7ffffffffffffffful,
		~0ul - 4095,  1ul << 20,	 (1ul << 20) + 1,
		0xfffffffful, 0x100000000ul + 1,
	};
	static const uint64_t edges[] = {
		EXO_USER_MIN - EXO_PAGE_SIZE,
		EXO_USER_MIN,
		EXO_USER_MAP_TOP - EXO_PAGE_SIZE,
		EXO_USER_MAP_TOP,
		EXO_SYSINFO_VA,
		EXO_INFO_VA,
		EXO_INFO_VA + EXO_PAGE_SIZE - 8,
		EXO_PT_VIEW,
		NONCANON - 8,
		NONCANON,
	};
	uint64_t local;

	switch (rnd(21)) {
	case 0:
		return 0;
	case 1:
		return rnd(17);
	case 2:
		return rnd(EXO_CAP_SLOTS + 2);
	case 3:
		return ~0ul;
	case 4:
		return EXO_ENV_ANY;
	case 5:
		return self;
	case 6:
		return fp->init;
	case 7:
		switch (rnd(3)) {
		case 0:
			return child;
		case 1:
			return peer();
		default:
			return rnd(16) << 8 | rnd(256);
		}
	case 8:
		return ARENA_VA + rnd(ARENA_PAGES * EXO_PAGE_SIZE);
	case 9:
		return ARENA_VA + rnd(ARENA_PAGES) * EXO_PAGE_SIZE;
	case 10:
		return SCRATCH_VA + rnd(SCRATCH_PAGES) * EXO_PAGE_SIZE;
	case 11:
		/* Our own stack, code and data. */
		switch (rnd(3)) {
		case 0:
			return rnd(2) ? (uint64_t)&local
				      : (uint64_t)&local & ~0xffful;
		case 1:
			return (uint64_t)pick_arg;
		default:
			return (uint64_t)pa_pool;
		}
	case 12:
		return rnd64() & 0x00007ffffffff000ul;
	case 13:
		return rnd64() & 0x00007ffffffffffful;
	case 14:
		return rnd(2) ? KERNEL_TEXT + rnd(1ul << 22)
			      : DMAP + rnd(1ul << 28);
	case 15:
		return huge[rnd(sizeof(huge) / sizeof(huge[0]))];
	case 16:
		return some_pa();
	case 17:
		return rnd(0x80);
	case 18:
		return (1 + rnd(4)) * EXO_PAGE_SIZE;
	case 19:
		return edges[rnd(sizeof(edges) / sizeof(edges[0]))];
	default:
		return rnd64();
	}
}

/* A system-call number: mostly real ones, env_exit seldom. */
static uint64_t pick_nr(void)
{
	static const uint64_t beyond[] = { NR_CALLS,  NR_CALLS + 1, 255, 256,
					   1ul << 31, 1ul << 32,    ~0ul };
	uint64_t nr;

	for (;;) {
		nr = rnd(100) < 93
			     ? rnd(NR_CALLS)
			     : beyond[rnd(sizeof(beyond) / sizeof(beyond[0]))];
		if (nr != 6 || rnd(25) == 0) {
			return nr;
		}
	}
}

/* Page operations: page 0 plausible, the rest anything. */
static void fill_ops(void)
{
	struct exo_page_op *ops = (struct exo_page_op *)ARENA_VA;
	unsigned per_page = EXO_PAGE_SIZE / sizeof(*ops);

	for (unsigned i = 0; i < per_page; i++) {
		uint16_t op = (uint16_t)(1 + rnd(4));

		ops[i] = (struct exo_page_op){
			op, (uint16_t)rnd(8), (uint32_t)(1 + rnd(4)),
			SCRATCH_VA + rnd(SCRATCH_PAGES) * EXO_PAGE_SIZE,
			op == EXO_PAGE_OP_MAP	    ? some_pa()
			: op == EXO_PAGE_OP_CAP_MAP ? rnd(8)
						    : 0
		};
	}
	for (unsigned i = per_page; i < OPS_PAGES * per_page; i++) {
		ops[i] = (struct exo_page_op){ (uint16_t)rnd(6),
					       (uint16_t)pick_arg(),
					       (uint32_t)pick_arg(), pick_arg(),
					       pick_arg() };
	}
}

static void fill_text(void)
{
	static const char words[] = "the quick axolotl regrows its gills ";
	char *t = (char *)(ARENA_VA + TEXT_PAGE * EXO_PAGE_SIZE);

	for (uint64_t i = 0; i < 4 * EXO_PAGE_SIZE; i++) {
		t[i] = (i % 64) == 63 ? '\n' : words[i % (sizeof(words) - 1)];
	}
}

static void tally(struct fuzz_tally *t, int64_t r)
{
	if (r >= 0) {
		t->ok++;
	} else if (r >= -NERR) {
		t->err[-r - 1]++;
	} else {
		t->other++;
	}
}

static int fuzz_child(uint64_t k)
{
	struct fuzz_tally *t;
	uint64_t a[6];
	int64_t r;

	fp = share_wait();
	slot = (unsigned)k;
	t = &fp->t[slot];
	self = env_self();
	if (map_anon(ARENA_VA, ARENA_PAGES)) {
		return 1;
	}
	for (unsigned i = 0; i < NPUB; i++) {
		uint64_t pa = exo_pte(ARENA_VA + i * 4 * EXO_PAGE_SIZE) &
			      EXO_PTE_ADDR;

		pa_remember(pa);
		fp->pa[slot][i] = pa;
	}
	fill_ops();
	fill_text();
	while (total_calls() < fp->target) {
		uint64_t nr = pick_nr();

		for (int i = 0; i < 6; i++) {
			a[i] = pick_arg();
		}
		/* Blocking receives and calls nobody answers: seldom. */
		if (nr == 17 && a[0] == 0 && rnd(4)) {
			a[0] = EXO_RECV_NONBLOCK;
		}
		if (nr == 16 && a[0] == child && rnd(10)) {
			a[0] = fp->init;
		}
		/* Sleeps until a far tick: seldom; mostly a few ticks. */
		if (nr == 27 && rnd(50)) {
			a[0] = ticks() + rnd(3);
		}
		t->last[0] = nr;
		memcpy(&t->last[1], a, sizeof(a));
		t->per_nr[nr < NR_CALLS ? nr : NR_OTHER]++;
		t->calls++;
		r = raw_syscall(nr, a);
		tally(t, r);
		if (nr == 9 && r > 0) {
			pa_remember((uint64_t)r);
		} else if (nr == 3 && r > 0) {
			child = (uint64_t)r;
		}
		if (t->calls % REFILL_EVERY == 0) {
			fill_ops();
			fill_text();
		}
	}
	return 0;
}

/* Answer calls and take notifications, never blocking. */
static void serve(void)
{
	struct exo_msg m;
	int64_t r;

	m.cap = EXO_CAP_NONE;
	while ((r = exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m)) >= 0) {
		if (m.cap >= 0) {
			exo_cap_drop((uint64_t)m.cap, 0, 0, 0, 0, 0);
		}
		if (r != EXO_IPC_CALL) {
			m.cap = EXO_CAP_NONE;
			continue;
		}
		/*
		 * ipc_reply_recv receives after replying; a notification to
		 * ourselves is what it receives, so it cannot block.
		 */
		exo_notify(EXO_ENV_SELF, 1, 0, 0, 0, 0);
		m.w[0] = (uint64_t)EXO_ERR_BUSY;
		m.cap = EXO_CAP_NONE;
		exo_ipc_reply_recv_msg(m.peer, &m);
		m.cap = EXO_CAP_NONE;
	}
}

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case EXO_EXIT_NORMAL:
		return "exited";
	case EXO_EXIT_KILLED:
		return "destroyed";
	case EXO_EXIT_FAULT:
		return "faulted";
	case EXO_EXIT_UPCALL_FAULT:
		return "upcall failed";
	default:
		return "?";
	}
}

/* A fuzzing slot, as init sees it. */
struct slot_watch {
	int64_t id; /* the child in it, or 0 */
	uint64_t seen, t_seen; /* its calls when last counted, and when */
	int poked;
};

static struct slot_watch watch[NFUZZ];

/* Start a child in slot @k. Return: whether one started. */
static int start(unsigned k, uint64_t pa)
{
	int64_t id = share_spawn(fuzz_child, k, pa);

	if (!CHECK(id > 0)) {
		printf("fuzz: cannot start a child: %s\n", exo_status_name(id));
		return 0;
	}
	fp->id[k] = (uint64_t)id;
	watch[k] = (struct slot_watch){ id, fp->t[k].calls, ticks(), 0 };
	return 1;
}

/*
 * A child that makes no calls for STALL_TICKS is blocked (or lost in a
 * loop): wake it, in case a receive holds it; then destroy it.
 */
static void watchdog(unsigned k, uint64_t *stalled)
{
	struct slot_watch *w = &watch[k];

	if (!w->id) {
		return;
	}
	if (fp->t[k].calls != w->seen) {
		w->seen = fp->t[k].calls;
		w->t_seen = ticks();
		w->poked = 0;
	} else if (ticks() - w->t_seen > STALL_TICKS) {
		if (!w->poked) {
			exo_notify((uint64_t)w->id, 1, 0, 0, 0, 0);
			w->poked = 1;
		} else if (w->poked == 1) {
			CHECK_EQ(
				exo_env_destroy((uint64_t)w->id, 0, 0, 0, 0, 0),
				0);
			w->poked = 2;
			(*stalled)++;
		}
		w->t_seen = ticks();
	}
}

static void ended(unsigned k, const struct exo_exit_info *info)
{
	const uint64_t *last = fp->t[k].last;

	if (info->reason == EXO_EXIT_NORMAL && info->code == 0) {
		return;
	}
	printf("fuzz: child %x %s (code %ld, vector %lu, rip 0x%lx) after "
	       "%lu(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n",
	       info->env, reason_name(info->reason), (long)info->code,
	       (unsigned long)info->vector, (unsigned long)info->rip,
	       (unsigned long)last[0], (unsigned long)last[1],
	       (unsigned long)last[2], (unsigned long)last[3],
	       (unsigned long)last[4], (unsigned long)last[5],
	       (unsigned long)last[6]);
}

static void report(uint64_t ms, uint64_t children, const uint64_t *ends,
		   uint64_t stalled)
{
	struct fuzz_tally sum = { 0 };

	for (int k = 0; k < NFUZZ; k++) {
		const struct fuzz_tally *t = &fp->t[k];

		sum.calls += t->calls;
		sum.ok += t->ok;
		sum.other += t->other;
		for (int i = 0; i < NERR; i++) {
			sum.err[i] += t->err[i];
		}
		for (int i = 0; i <= NR_CALLS; i++) {
			sum.per_nr[i] += t->per_nr[i];
		}
	}
	printf("fuzz: %lu calls in %lu ms by %lu children: %lu exited, "
	       "%lu faulted, %lu upcalls failed, %lu destroyed (%lu for "
	       "stalling)\n",
	       (unsigned long)sum.calls, (unsigned long)ms,
	       (unsigned long)children, (unsigned long)ends[EXO_EXIT_NORMAL],
	       (unsigned long)ends[EXO_EXIT_FAULT],
	       (unsigned long)ends[EXO_EXIT_UPCALL_FAULT],
	       (unsigned long)ends[EXO_EXIT_KILLED], (unsigned long)stalled);
	printf("fuzz: results: %lu succeeded\n", (unsigned long)sum.ok);
	for (int i = 0; i < NERR; i++) {
		if (sum.err[i]) {
			printf("fuzz: results: %lu %s (%d)\n",
			       (unsigned long)sum.err[i],
			       exo_status_name(-(i + 1)), -(i + 1));
		}
	}
	if (sum.other) {
		printf("fuzz: results: %lu other\n", (unsigned long)sum.other);
	}
	for (int nr = 0; nr <= NR_CALLS; nr += 7) {
		printf("fuzz: calls by number:");
		for (int k = nr; k < nr + 7 && k <= NR_CALLS; k++) {
			if (k == NR_OTHER) {
				printf(" other %lu",
				       (unsigned long)sum.per_nr[k]);
			} else {
				printf(" %d:%lu", k,
				       (unsigned long)sum.per_nr[k]);
			}
		}
		printf("\n");
	}
	/* A call that ended its caller returned nothing. */
	sum.other += sum.ok;
	for (int i = 0; i < NERR; i++) {
		sum.other += sum.err[i];
	}
	CHECK(sum.calls >= FUZZ_CALLS);
	CHECK(sum.other <= sum.calls && sum.other + children >= sum.calls);
}

int main(void)
{
	uint64_t pa, t0, children = 0, stalled = 0;
	uint64_t ends[EXO_EXIT_UPCALL_FAULT + 1] = { 0 };
	struct exo_exit_info info;
	int64_t r;
	int active;

	check_begin("fuzz");
	fp = share_new(0, &pa);
	if (!CHECK(fp)) {
		return check_end();
	}
	fp->target = FUZZ_CALLS;
	fp->init = env_self();
	for (int k = 0; k < NFUZZ; k++) {
		fp->rng[k] = FUZZ_SEED + (uint64_t)k;
	}
	printf("fuzz: seed 0x%lx, %u calls, %d children at a time\n",
	       (unsigned long)FUZZ_SEED, FUZZ_CALLS, NFUZZ);
	t0 = ticks();
	for (unsigned k = 0; k < NFUZZ; k++) {
		start(k, pa);
	}
	do {
		serve();
		while ((r = exo_env_wait(EXO_ENV_ANY, (uint64_t)&info, 0, 0, 0,
					 0)) > 0) {
			unsigned k = 0;

			while (k < NFUZZ && watch[k].id != r) {
				k++;
			}
			if (!CHECK(k < NFUZZ) ||
			    !CHECK(info.reason <= EXO_EXIT_UPCALL_FAULT)) {
				continue;
			}
			children++;
			ends[info.reason]++;
			ended(k, &info);
			fp->id[k] = 0;
			watch[k].id = 0;
			if (total_calls() < fp->target) {
				start(k, pa);
			}
		}
		active = 0;
		for (unsigned k = 0; k < NFUZZ; k++) {
			watchdog(k, &stalled);
			active += watch[k].id != 0;
		}
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	} while (active);
	/* What the last ones started ends by itself (it faults). */
	for (uint64_t t = ticks();
	     exo_sys_info()->envs > 1 && ticks() - t < SETTLE_TICKS;) {
		serve();
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	report(ticks() - t0, children, ends, stalled);
	CHECK_EQ(exo_sys_info()->envs, 1);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SHARE_PARENT_VA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
	return check_end();
}
