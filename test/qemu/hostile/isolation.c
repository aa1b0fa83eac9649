/* SPDX-License-Identifier: MIT */
/*
 * The isolation suite. init starts a victim, which keeps working (a counter
 * in a page shared with init, a secret pattern in a private page), and a
 * hostile environment, which attacks the victim, the kernel and itself in
 * every way it can think of: each attempt must fail with the documented
 * error or, for memory and instructions, fault into its own handler. At
 * the end init checks that the victim kept running with its secret intact,
 * and that everything is reaped; the kernel then checks that no frame
 * leaked.
 */
#include <stdint.h>
#include <string.h>

#include <libos/runtime.h>

#include "check.h"
#include "probe.h"
#include "share.h"

/* Addresses of the hostile's own mappings (and the victim's secret). */
#define ARENA_VA 0x0000620000000000ul /* five pages, see arena_setup */
#define PROBE_VA 0x0000630000000000ul /* where mappings are attempted */
#define REF_VA 0x0000640000000000ul /* up to 65536 mappings of one frame */
#define CAPMAP_VA 0x0000650000000000ul /* mappings through one capability */
#define SECRET_VA 0x0000660000000000ul /* the victim's private page */
#define XSTACK_VA 0x0000670000000000ul /* a child's exception stack */
#define EMPTY_VA 0x0000100000000000ul /* nothing is ever mapped here */

#define KERNEL_TEXT 0xffffffff80100000ul
#define DMAP 0xffff800000000000ul
#define NONCANON 0x0000800000000000ul

#define ARENA_PAGE(n) (ARENA_VA + EXO_PAGE_SIZE * (n))
#define RW 0x3u /* EXO_PERM_R | EXO_PERM_W */
#define SELF EXO_ENV_SELF
#define CANARY 0xc0ffee00c0ffee00ul
#define X87_SECRET 0x0123456789abcdeful
#define NO_SUCH_ENV 0x00abcd42u
#define WAIT_TICKS 20000 /* 20 s: far longer than anything should take */

/* Shared by init and the victim. */
struct victim_page {
	volatile uint64_t ready, stop;
	volatile uint64_t counter; /* bumped on every round */
	volatile uint64_t secret_pa; /* the private page, for the hostile */
	volatile uint64_t bad; /* rounds that found the secret changed */
	volatile uint64_t x87; /* 1: the victim keeps a secret in x87 */
	volatile uint64_t max_gap; /* longest time between rounds, ticks */
};

/* Shared by init and the hostile environment. */
struct hostile_page {
	volatile uint64_t victim, init;
	volatile uint64_t victim_pa; /* the victim's private frame */
	volatile uint64_t share_pa; /* init's page shared with the victim */
};

static uint64_t secret_word(uint64_t i)
{
	return 0x5ec2e75ec2e70000ul ^ (i * 0x9e3779b97f4a7c15ul);
}

static uint64_t secret_mismatches(const volatile uint64_t *p)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < EXO_PAGE_SIZE / 8; i++) {
		bad += p[i] != secret_word(i);
	}
	return bad;
}

/* The victim: a counter, a secret, and maybe x87 state; yields a lot. */
static int victim_main(uint64_t arg)
{
	struct victim_page *vp = share_wait();
	volatile uint64_t *secret = (volatile uint64_t *)SECRET_VA;
	uint64_t last = 0, now;

	if (map_anon(SECRET_VA, 1) || probe_install()) {
		return 2;
	}
	for (uint64_t i = 0; i < EXO_PAGE_SIZE / 8; i++) {
		secret[i] = secret_word(i);
	}
	vp->secret_pa = exo_pte(SECRET_VA) & EXO_PTE_ADDR;
	/* With x87 state shared between environments, this would leak. */
	vp->x87 = probe_run(x87_load, X87_SECRET) == 0;
	vp->ready = 1;
	while (!vp->stop) {
		if (secret_mismatches(secret)) {
			vp->bad++;
		}
		if (vp->x87) {
			x87_load(X87_SECRET);
		}
		vp->counter++;
		now = ticks();
		if (last && now - last > vp->max_gap) {
			vp->max_gap = now - last;
		}
		last = now;
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return vp->bad || secret_mismatches(secret) ? 1 : 0;
}

/* The hostile environment's state. */
static struct hostile_page *hp;
static exo_envid_t me, victim, init;
static uint64_t frame_a, frame_b, frame_c, frame_d; /* arena frames */
static int have_nx;

static uint64_t own_frame(void)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, SELF, 0, 0, 0, 0);

	CHECK(pa > 0);
	return pa > 0 ? (uint64_t)pa : 0;
}

/*
 * The arena: page 0 read-write, page 1 a hole, page 2 read-only (holding
 * a line of text), page 3 read-write, page 4 read-only. Buffers across
 * its edges straddle into a hole or into read-only memory.
 */
static void arena_setup(void)
{
	static const char line[] = "isolation: a read-only page is readable\n";

	frame_a = own_frame();
	frame_b = own_frame();
	frame_c = own_frame();
	frame_d = own_frame();
	CHECK_EQ(exo_page_map(SELF, ARENA_PAGE(0), frame_a, RW, 0, 0), 0);
	CHECK_EQ(exo_page_map(SELF, ARENA_PAGE(2), frame_b, RW, 0, 0), 0);
	CHECK_EQ(exo_page_map(SELF, ARENA_PAGE(3), frame_c, RW, 0, 0), 0);
	CHECK_EQ(exo_page_map(SELF, ARENA_PAGE(4), frame_d, RW, 0, 0), 0);
	memcpy((void *)ARENA_PAGE(2), line, sizeof(line));
	CHECK_EQ(exo_page_protect(SELF, ARENA_PAGE(2), 1, EXO_PERM_R, 0, 0), 1);
	CHECK_EQ(exo_page_protect(SELF, ARENA_PAGE(4), 1, EXO_PERM_R, 0, 0), 1);
	have_nx = !!(exo_pte(ARENA_PAGE(0)) & EXO_PTE_NX);
}

/* The canaries at the ends of the read-write arena pages. */
static void canaries_set(void)
{
	*(volatile uint64_t *)(ARENA_PAGE(1) - 8) = CANARY;
	*(volatile uint64_t *)(ARENA_PAGE(4) - 8) = CANARY;
}

static int canaries_intact(void)
{
	return *(volatile uint64_t *)(ARENA_PAGE(1) - 8) == CANARY &&
	       *(volatile uint64_t *)(ARENA_PAGE(4) - 8) == CANARY;
}

/* Check that @addr faults with a page fault there, with @err bits set. */
static void expect_pf(probe_fn fn, uint64_t addr, uint64_t err)
{
	CHECK_EQ(probe_run(fn, addr), PROBE_FAULTED);
	CHECK_EQ(probe_last.vector, VEC_PF);
	CHECK_EQ(probe_last.addr, addr);
	CHECK_EQ(probe_last.error & err, err);
}

static void victim_memory(void)
{
	uint64_t vpa = hp->victim_pa, spa = hp->share_pa;
	static const uint32_t perms[] = { EXO_PERM_R, RW, RW | EXO_PERM_X,
					  EXO_PERM_ALL };
	struct exo_page_op *ops = (struct exo_page_op *)ARENA_PAGE(0);
	int64_t slot;

	step("the victim's memory");
	CHECK(vpa != 0 && spa != 0);
	/* Its virtual address means nothing here. */
	expect_pf(probe_load, SECRET_VA, PF_U);
	for (unsigned i = 0; i < sizeof(perms) / sizeof(perms[0]); i++) {
		CHECK_EQ(exo_page_map(SELF, PROBE_VA, vpa, perms[i], 0, 0),
			 EXO_ERR_DENIED);
		CHECK_EQ(exo_cap_map(SELF, PROBE_VA, vpa, perms[i], 0, 0),
			 EXO_ERR_INVALID);
	}
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, spa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_pte(PROBE_VA), 0);

	/* A batch whose second operation is refused applies nothing. */
	ops[0] = (struct exo_page_op){ EXO_PAGE_OP_MAP, RW, 0,
				       PROBE_VA + EXO_PAGE_SIZE, frame_c };
	ops[1] = (struct exo_page_op){ EXO_PAGE_OP_MAP, EXO_PERM_R, 0, PROBE_VA,
				       vpa };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 2, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_pte(PROBE_VA + EXO_PAGE_SIZE), 0);
	ops[1] = (struct exo_page_op){ EXO_PAGE_OP_CAP_MAP, EXO_PERM_R, 0,
				       PROBE_VA, 40 };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 2, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_pte(PROBE_VA + EXO_PAGE_SIZE), 0);

	/* Frames by address: not ours to free, name or take. */
	CHECK_EQ(exo_cap_frame(vpa, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_free(vpa, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_free(spa, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(vpa, SELF, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_frame_alloc(vpa, victim, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, victim, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, init, 0, 0, 0, 0),
		 EXO_ERR_DENIED);

	/* Its address space: no mapping, unmapping or protecting there. */
	CHECK_EQ(exo_page_map(victim, SECRET_VA, frame_a, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(victim, PROBE_VA, frame_a, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(victim, SECRET_VA, vpa, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_unmap(victim, SECRET_VA, 1, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_page_protect(victim, SECRET_VA, 1, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	ops[0] = (struct exo_page_op){ EXO_PAGE_OP_UNMAP, 0, 1, SECRET_VA, 0 };
	CHECK_EQ(exo_page_batch(victim, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_batch(init, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	slot = exo_cap_frame(frame_a, EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0,
			     0, 0, 0);
	CHECK(slot >= 0);
	CHECK_EQ(exo_cap_map(victim, SECRET_VA, slot, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_map(init, PROBE_VA, slot, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_drop(slot, 0, 0, 0, 0, 0), 0);

	/* Through the kernel's direct map of physical memory. */
	expect_pf(probe_load, DMAP + vpa, PF_P | PF_U);
	expect_pf(probe_store, DMAP + vpa, PF_P | PF_W | PF_U);
	expect_pf(probe_load, DMAP + spa, PF_P | PF_U);
}

/* Our own pages as the page-table view shows them. */
#define OWN_MAX 512
static uint64_t own_pa[OWN_MAX];
static int own_writable[OWN_MAX];
static int own_count;

static void own_collect(uint64_t base, int level)
{
	uint64_t span = EXO_PAGE_SIZE << (9 * (level - 1));
	int n = level == 4 ? 255 : 512;

	for (int i = 0; i < n; i++) {
		uint64_t va = base + (uint64_t)i * span;
		uint64_t e = *exo_pt_view_entry(va, level);

		if (!(e & EXO_PTE_P)) {
			continue;
		}
		if (level > 1) {
			own_collect(va, level - 1);
		} else if (own_count < OWN_MAX) {
			own_pa[own_count] = e & EXO_PTE_ADDR;
			own_writable[own_count++] = !!(e & EXO_PTE_W);
		}
	}
}

/* May a mapping of @pa by address have worked? Only if the frame is ours. */
static int may_map(uint64_t pa)
{
	for (int i = 0; i < own_count; i++) {
		/*
		 * Writable pages are copies we own, read-only ones init's,
		 * but for the arena's.
		 */
		if (own_pa[i] == pa &&
		    (own_writable[i] || pa == frame_b || pa == frame_d)) {
			return 1;
		}
	}
	return 0;
}

static void brute_force(void)
{
	uint64_t top = exo_sys_info()->frames_total * EXO_PAGE_SIZE * 2;
	uint64_t mapped = 0, denied = 0, state = 0;
	int64_t r;

	step("every physical page, by address");
	own_count = 0;
	own_collect(0, 4);
	CHECK(own_count > 8 && own_count < OWN_MAX);
	for (uint64_t pa = 0; pa < top; pa += EXO_PAGE_SIZE) {
		r = exo_page_map(SELF, PROBE_VA, pa, EXO_PERM_R, 0, 0);
		if (r == 0) {
			mapped++;
			if (!CHECK(may_map(pa))) {
				printf("isolation: mapped frame 0x%lx\n",
				       (unsigned long)pa);
			}
			CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, 1, 0, 0, 0), 0);
		} else if (r == EXO_ERR_DENIED) {
			denied++;
		} else if (r == EXO_ERR_STATE) {
			state++; /* a free frame */
		} else {
			CHECK_EQ(r, EXO_ERR_DENIED);
		}
		if (pa == hp->victim_pa || pa == hp->share_pa) {
			CHECK_EQ(r, EXO_ERR_DENIED);
		}
		/* Neither may a frame be freed that is not ours. */
		r = exo_frame_free(pa, 0, 0, 0, 0, 0);
		if (r != EXO_ERR_STATE && r != EXO_ERR_DENIED) {
			CHECK(r == EXO_ERR_BUSY && may_map(pa));
		}
	}
	/* Beyond RAM (device memory, the local APIC) up to 4 GiB, and more. */
	for (uint64_t pa = top; pa < (4ul << 30); pa += 1ul << 20) {
		CHECK_EQ(exo_page_map(SELF, PROBE_VA, pa, RW, 0, 0),
			 EXO_ERR_DENIED);
	}
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, 0xfee00000ul, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, 0xb8000ul, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, 0x000ffffffffff000ul, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, 0xfffffffffffff000ul, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(0xb8000ul, SELF, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(0x100000ul, SELF, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(0xfee00000ul, SELF, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(0xfffffffffffff000ul, SELF, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(0x1001ul, SELF, 0, 0, 0, 0), EXO_ERR_ALIGN);
	printf("isolation: %lu frames mapped (ours), %lu refused, %lu free\n",
	       (unsigned long)mapped, (unsigned long)denied,
	       (unsigned long)state);
	CHECK(denied > 0 && state > 0 && mapped > 0);
}

/* A frame that must stay out of reach whatever it is asked. */
static void untouchable(uint64_t pa, int kernel_half)
{
	int64_t r;

	CHECK_EQ(exo_page_map(SELF, PROBE_VA, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_frame(pa, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_DENIED);
	r = exo_frame_free(pa, 0, 0, 0, 0, 0);
	if (kernel_half) {
		/* Reserved at boot or taken: either way not handed out. */
		CHECK(r == EXO_ERR_DENIED || r == EXO_ERR_STATE);
		r = exo_frame_alloc(pa, SELF, 0, 0, 0, 0);
		CHECK(r == EXO_ERR_BUSY || r == EXO_ERR_DENIED);
	} else {
		CHECK_EQ(r, EXO_ERR_DENIED);
		CHECK_EQ(exo_frame_alloc(pa, SELF, 0, 0, 0, 0), EXO_ERR_BUSY);
	}
	expect_pf(probe_load, DMAP + pa, PF_P | PF_U);
}

static void page_tables(void)
{
	uint64_t root = *exo_pt_view_entry(EXO_PT_VIEW, 4) & EXO_PTE_ADDR;
	uint64_t pdpt, pd, pt, e;
	int kernel_tables = 0;

	step("page-table and info frames");
	CHECK(root != 0);
	untouchable(root, 0);
	/* The tables that map the arena, level by level. */
	pdpt = *exo_pt_view_entry(ARENA_VA, 4) & EXO_PTE_ADDR;
	pd = *exo_pt_view_entry(ARENA_VA, 3) & EXO_PTE_ADDR;
	pt = *exo_pt_view_entry(ARENA_VA, 2) & EXO_PTE_ADDR;
	CHECK(pdpt && pd && pt);
	untouchable(pdpt, 0);
	untouchable(pd, 0);
	untouchable(pt, 0);
	untouchable(exo_pte(EXO_INFO_VA) & EXO_PTE_ADDR, 0);
	untouchable(exo_pte(EXO_SYSINFO_VA) & EXO_PTE_ADDR, 0);
	/* The kernel half's tables show as addresses in our PML4. */
	for (uint64_t i = 256; i < 512; i++) {
		e = *exo_pt_view_entry(i << 39 | 0xffff000000000000ul, 4);
		if ((e & EXO_PTE_P) && kernel_tables++ < 4) {
			untouchable(e & EXO_PTE_ADDR, 1);
		}
	}
	CHECK(kernel_tables > 0);
	/* The view is read-only, and hides the kernel's lower tables. */
	expect_pf(probe_store, (uint64_t)exo_pt_view_entry(ARENA_VA, 1),
		  PF_P | PF_W | PF_U);
	expect_pf(probe_store, (uint64_t)exo_pt_view_entry(ARENA_VA, 4),
		  PF_P | PF_W | PF_U);
	expect_pf(probe_load, (uint64_t)exo_pt_view_entry(KERNEL_TEXT, 3),
		  PF_U);
	expect_pf(probe_load, (uint64_t)exo_pt_view_entry(KERNEL_TEXT, 1),
		  PF_U);
}

static void layout(void)
{
	static const uint64_t refused[] = {
		0,
		EXO_PAGE_SIZE,
		EXO_USER_MIN - EXO_PAGE_SIZE,
		EXO_USER_MAP_TOP,
		EXO_USER_MAP_TOP + EXO_PAGE_SIZE,
		EXO_SYSINFO_VA,
		EXO_INFO_VA,
		EXO_PT_VIEW,
		EXO_PT_VIEW + 0x1000,
		NONCANON,
		DMAP,
		DMAP + 0x100000,
		KERNEL_TEXT,
		0xfffffffffffff000ul,
	};
	struct exo_page_op *ops = (struct exo_page_op *)ARENA_PAGE(3);
	uint64_t t0;

	step("the layout: kernel half, view, info pages, above the top");
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		uint64_t va = refused[i];

		CHECK_EQ(exo_page_map(SELF, va, frame_c, EXO_PERM_R, 0, 0),
			 EXO_ERR_DENIED);
		CHECK_EQ(exo_page_unmap(SELF, va, 1, 0, 0, 0), EXO_ERR_DENIED);
		CHECK_EQ(exo_page_protect(SELF, va, 1, EXO_PERM_R, 0, 0),
			 EXO_ERR_DENIED);
		ops[0] = (struct exo_page_op){ EXO_PAGE_OP_MAP, EXO_PERM_R, 0,
					       va, frame_c };
		CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
			 EXO_ERR_DENIED);
		ops[0] = (struct exo_page_op){ EXO_PAGE_OP_PROTECT, RW, 1, va,
					       0 };
		CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
			 EXO_ERR_DENIED);
	}
	/* The info pages are still there, unchanged and read-only. */
	CHECK_EQ(exo_env_info()->id, me);
	expect_pf(probe_store, EXO_INFO_VA, PF_P | PF_W | PF_U);
	expect_pf(probe_store, EXO_SYSINFO_VA, PF_P | PF_W | PF_U);
	if (have_nx) {
		expect_pf(probe_exec, EXO_INFO_VA, PF_P | PF_U | PF_I);
	}

	/* The edges of the mappable range. */
	CHECK_EQ(exo_page_map(SELF, EXO_USER_MAP_TOP - EXO_PAGE_SIZE, frame_c,
			      EXO_PERM_R, 0, 0),
		 0);
	CHECK_EQ(exo_page_unmap(SELF, EXO_USER_MAP_TOP - EXO_PAGE_SIZE, 2, 0, 0,
				0),
		 EXO_ERR_DENIED);
	CHECK(exo_pte(EXO_USER_MAP_TOP - EXO_PAGE_SIZE) != 0);
	CHECK_EQ(exo_page_unmap(SELF, EXO_USER_MAP_TOP - EXO_PAGE_SIZE, 1, 0, 0,
				0),
		 0);
	CHECK_EQ(exo_page_unmap(SELF, EXO_USER_MAP_TOP - EXO_PAGE_SIZE,
				1ul << 20, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(SELF, EXO_USER_MIN, frame_c, EXO_PERM_R, 0, 0),
		 0);
	CHECK_EQ(exo_page_unmap(SELF, EXO_USER_MIN, 1, 0, 0, 0), 0);

	/* Malformed requests. */
	CHECK_EQ(exo_page_map(SELF, PROBE_VA + 8, frame_c, EXO_PERM_R, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, frame_c + 8, EXO_PERM_R, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, frame_c, 0x80, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, frame_c, 1ul << 32 | 1, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_protect(SELF, ARENA_PAGE(2), 1, 1ul << 32 | 1, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA + 1, 1, 0, 0, 0), EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, (1ul << 20) + 1, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, 1ul << 63, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_protect(SELF, PROBE_VA, 0, EXO_PERM_R, 0, 0),
		 EXO_ERR_INVALID);
	ops[0] = (struct exo_page_op){ 0, 0, 1, PROBE_VA, 0 };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_INVALID);
	ops[0] = (struct exo_page_op){ 5, 0, 1, PROBE_VA, 0 };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_INVALID);
	ops[0] = (struct exo_page_op){ EXO_PAGE_OP_UNMAP, 0, 0, PROBE_VA, 0 };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_INVALID);

	/* The largest unmap there is, of nothing: it must not take long. */
	t0 = ticks();
	CHECK_EQ(exo_page_unmap(SELF, EMPTY_VA, 1ul << 20, 0, 0, 0), 0);
	CHECK_EQ(exo_page_protect(SELF, EMPTY_VA, 1ul << 20, EXO_PERM_R, 0, 0),
		 0);
	printf("isolation: unmap and protect of 2^20 empty pages: %lu ms\n",
	       (unsigned long)(ticks() - t0));
}

/*
 * Pages init shared with us read-only (spawn_fn shares its code and
 * constants) must stay read-only: writing them would write init's memory,
 * and the victim's code, which is the same frame.
 */
static void shared_read_only(void)
{
	static const char text[] = "constant";
	uint64_t code = (uint64_t)probe_load & ~(EXO_PAGE_SIZE - 1);
	uint64_t rodata = (uint64_t)text & ~(EXO_PAGE_SIZE - 1);
	struct exo_page_op *ops = (struct exo_page_op *)ARENA_PAGE(0);

	step("read-only pages shared by init stay read-only");
	CHECK(exo_pte(code) && !(exo_pte(code) & EXO_PTE_W));
	CHECK(exo_pte(rodata) && !(exo_pte(rodata) & EXO_PTE_W));
	CHECK_EQ(exo_page_protect(SELF, code, 1, RW | EXO_PERM_X, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_protect(SELF, rodata, 1, RW, 0, 0), EXO_ERR_DENIED);
	ops[0] = (struct exo_page_op){ EXO_PAGE_OP_PROTECT, RW, 1, rodata, 0 };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK(!(exo_pte(code) & EXO_PTE_W));
	CHECK(!(exo_pte(rodata) & EXO_PTE_W));
	expect_pf(probe_store_same, code + 16, PF_P | PF_W | PF_U);
	expect_pf(probe_store_same, rodata, PF_P | PF_W | PF_U);
	if (have_nx) {
		CHECK(exo_pte(rodata) & EXO_PTE_NX);
		CHECK_EQ(exo_page_protect(SELF, rodata, 1,
					  EXO_PERM_R | EXO_PERM_X, 0, 0),
			 EXO_ERR_DENIED);
	}
	/* Lowering, or keeping, the rights it was given is fine. */
	CHECK_EQ(exo_page_protect(SELF, rodata, 1, EXO_PERM_R, 0, 0), 1);
}

static void kernel_memory(void)
{
	static const uint64_t addrs[] = {
		KERNEL_TEXT, 0xffffffff80000000ul, 0xffffffff80200000ul,
		DMAP,	     DMAP + 0x100000,	   DMAP + 0x1000000,
	};

	step("kernel memory, read, written and executed directly");
	for (unsigned i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		expect_pf(probe_load, addrs[i], PF_U);
		expect_pf(probe_store, addrs[i], PF_W | PF_U);
	}
	expect_pf(probe_exec, KERNEL_TEXT, PF_U);
	expect_pf(probe_exec, DMAP + 0x100000, PF_P | PF_U);
	expect_pf(probe_load, 0xffff900000000000ul, PF_U);
	expect_pf(probe_load, 0xfffffffffffff000ul, PF_U);
	expect_pf(probe_exec, 0xfffffffffffff000ul, PF_U);
}

static void bad_pointers(void)
{
	/* Never readable by the kernel on our behalf. */
	const uint64_t unreadable[] = {
		KERNEL_TEXT,
		DMAP + hp->victim_pa,
		0,
		ARENA_PAGE(1),
		ARENA_PAGE(1) - 8, /* straddles into the hole */
		NONCANON,
		NONCANON - 8,
		EXO_PT_VIEW,
		EXO_INFO_VA + EXO_PAGE_SIZE - 8, /* straddles into the view */
		0xfffffffffffffff0ul,
	};
	/* Never writable by the kernel on our behalf. */
	const uint64_t unwritable[] = {
		KERNEL_TEXT,	      DMAP + hp->victim_pa, 0,
		ARENA_PAGE(1),	      ARENA_PAGE(1) - 8,    ARENA_PAGE(2),
		ARENA_PAGE(4) - 8, /* straddles into read-only memory */
		NONCANON - 8,	      EXO_PT_VIEW,	    EXO_INFO_VA,
		EXO_SYSINFO_VA + 8,   (uint64_t)probe_load, /* our code */
		0xfffffffffffffff0ul,
	};
	struct exo_page_op *ops = (struct exo_page_op *)ARENA_PAGE(0);
	volatile struct exo_exit_info *ei =
		(volatile struct exo_exit_info *)(ARENA_PAGE(3) + 3);
	volatile struct exo_cap_info *ci =
		(volatile struct exo_cap_info *)(ARENA_PAGE(3) + 101);
	const char *ro = (const char *)ARENA_PAGE(2);
	uint64_t args[6] = { 0 };
	int64_t z, slot;

	step("bad pointers and lengths to every call that takes a pointer");
	/* console_write */
	for (unsigned i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]);
	     i++) {
		CHECK_EQ(exo_console_write(unreadable[i], 16, 0, 0, 0, 0),
			 EXO_ERR_FAULT);
	}
	CHECK_EQ(exo_console_write((uint64_t)ro, 4097, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_console_write((uint64_t)ro, 1ul << 63, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_console_write((uint64_t)ro, ~0ul, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_console_write(0xfffffffffffff000ul, 4096, 0, 0, 0, 0),
		 EXO_ERR_FAULT);
	CHECK_EQ(exo_console_write(ARENA_PAGE(1) - 4096, 4096 + 1, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_console_write((uint64_t)ro, strlen(ro), 0, 0, 0, 0),
		 (int64_t)strlen(ro));

	/* env_wait's exit record: a zombie child to ask about. */
	z = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(z > 0);
	CHECK_EQ(exo_env_destroy(z, 0, 0, 0, 0, 0), 0);
	canaries_set();
	for (unsigned i = 0; i < sizeof(unwritable) / sizeof(unwritable[0]);
	     i++) {
		if (!unwritable[i]) {
			continue; /* env_wait's "no record, please" */
		}
		CHECK_EQ(exo_env_wait(z, unwritable[i], 0, 0, 0, 0),
			 EXO_ERR_FAULT);
		CHECK_EQ(exo_env_wait(EXO_ENV_ANY, unwritable[i], 0, 0, 0, 0),
			 EXO_ERR_FAULT);
	}
	CHECK(canaries_intact());
	/* Still there after all that; misaligned is fine. */
	CHECK_EQ(exo_env_wait(z, (uint64_t)ei, 0, 0, 0, 0), z);
	CHECK_EQ(ei->env, z);
	CHECK_EQ(ei->reason, EXO_EXIT_KILLED);
	CHECK_EQ(exo_env_wait(z, (uint64_t)ei, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);

	/* page_batch's operations */
	for (unsigned i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]);
	     i++) {
		CHECK_EQ(exo_page_batch(SELF, unreadable[i], 1, 0, 0, 0),
			 EXO_ERR_FAULT);
	}
	ops = (struct exo_page_op *)(ARENA_PAGE(1) - sizeof(*ops));
	ops[0] = (struct exo_page_op){ EXO_PAGE_OP_MAP, RW, 0, PROBE_VA,
				       frame_c };
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 2, 0, 0, 0),
		 EXO_ERR_FAULT);
	CHECK_EQ(exo_pte(PROBE_VA), 0);
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, EXO_PAGE_BATCH_MAX + 1, 0,
				0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1ul << 63, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1ul << 32 | 1, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(SELF, (uint64_t)ops, 1, 0, 0, 0), 1);
	CHECK(exo_pte(PROBE_VA) != 0);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, 1, 0, 0, 0), 0);

	/* cap_info's record */
	slot = exo_cap_frame(frame_c, EXO_CAP_R, 0, 0, 0, 0);
	CHECK(slot >= 0);
	canaries_set();
	for (unsigned i = 0; i < sizeof(unwritable) / sizeof(unwritable[0]);
	     i++) {
		CHECK_EQ(exo_cap_info(slot, unwritable[i], 0, 0, 0, 0),
			 EXO_ERR_FAULT);
	}
	CHECK(canaries_intact());
	CHECK_EQ(exo_cap_info(slot, (uint64_t)ci, 0, 0, 0, 0), 0);
	CHECK_EQ(ci->type, EXO_CAP_FRAME);
	CHECK_EQ(ci->rights, EXO_CAP_R);
	CHECK_EQ(ci->object, frame_c);
	/* With the direction flag set, a copy must still go forwards. */
	ci->object = 0;
	canaries_set();
	args[0] = (uint64_t)slot;
	args[1] = ARENA_PAGE(4) - 8 - sizeof(*ci);
	CHECK_EQ(raw_syscall_df(25, args), 0); /* cap_info */
	CHECK(canaries_intact());
	CHECK_EQ(((volatile struct exo_cap_info *)args[1])->object, frame_c);
	CHECK_EQ(exo_cap_drop(slot, 0, 0, 0, 0, 0), 0);
}

static void control(void)
{
	int64_t z, slot;

	step("controlling environments that are not ours");
	CHECK_EQ(exo_env_destroy(victim, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_env_destroy(init, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_env_destroy(SELF, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_destroy(me, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_destroy(NO_SUCH_ENV, 0, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_env_start(victim, 0x400000, 0x500000, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_env_start(init, 0x400000, 0x500000, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_env_start(SELF, 0x400000, 0x500000, 0, 0, 0),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_env_set_upcall(victim, (uint64_t)probe_ud2, 0,
				    ARENA_PAGE(1), 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_env_set_upcall(init, (uint64_t)probe_ud2, 0, ARENA_PAGE(1),
				    0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(victim, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(init, EXO_CAP_ALL & ~0xfu, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(SELF, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_env(me, EXO_CAP_CONTROL, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_env_wait(victim, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_env_wait(init, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);

	/* Malformed requests about a child of our own. */
	z = exo_env_create(0, 0, 0, 0, 0, 0);
	CHECK(z > 0);
	CHECK_EQ(exo_env_start(z, 0x100, 0x500000, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start(z, KERNEL_TEXT, 0x500000, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start(z, 0x400000, DMAP, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_env_start(z, NONCANON, 0x500000, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(z, KERNEL_TEXT, 0, ARENA_PAGE(1), 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(z, 0x400000, NONCANON, ARENA_PAGE(1), 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(z, 0x400000, 0, DMAP, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(z, 0x400000, 0, ARENA_PAGE(1) - 8, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_env(z, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_env(z, 1ul << 16 | EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	slot = exo_cap_env(z, EXO_CAP_CONTROL, 0, 0, 0, 0);
	CHECK(slot >= 0);
	/* An environment capability names no frame. */
	CHECK_EQ(exo_cap_map(SELF, PROBE_VA, slot, EXO_PERM_R, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant(slot, victim, EXO_CAP_CONTROL, 0, 0, 0),
		 EXO_ERR_DENIED); /* no GRANT right */
	CHECK_EQ(exo_cap_drop(slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_env_destroy(z, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_env_wait(z, 0, 0, 0, 0, 0), z);
}

static void capabilities(void)
{
	static const int64_t bad_slots[] = { -1,       64,	 65,
					     1l << 31, 1l << 32, -(1l << 62),
					     INT64_MIN };
	int64_t s_r, s_g;

	step("capability slots we do not hold");
	CHECK_EQ(exo_cap_info(63, ARENA_PAGE(0), 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_revoke(63, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_drop(63, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_grant(63, victim, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_map(SELF, PROBE_VA, 63, EXO_PERM_R, 0, 0),
		 EXO_ERR_NOT_FOUND);
	for (unsigned i = 0; i < sizeof(bad_slots) / sizeof(bad_slots[0]);
	     i++) {
		uint64_t s = (uint64_t)bad_slots[i];

		CHECK_EQ(exo_cap_info(s, ARENA_PAGE(0), 0, 0, 0, 0),
			 EXO_ERR_INVALID);
		CHECK_EQ(exo_cap_revoke(s, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
		CHECK_EQ(exo_cap_drop(s, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
		CHECK_EQ(exo_cap_grant(s, me, EXO_CAP_R, 0, 0, 0),
			 EXO_ERR_INVALID);
		CHECK_EQ(exo_cap_map(SELF, PROBE_VA, s, EXO_PERM_R, 0, 0),
			 EXO_ERR_INVALID);
	}

	/* Rights: no more than the capability carries. */
	s_r = exo_cap_frame(frame_c, EXO_CAP_R, 0, 0, 0, 0);
	s_g = exo_cap_frame(frame_c, EXO_CAP_R | EXO_CAP_GRANT, 0, 0, 0, 0);
	CHECK(s_r >= 0 && s_g >= 0);
	CHECK_EQ(exo_cap_frame(frame_c, 0x40, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_frame(frame_c, EXO_CAP_CONTROL, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_frame(frame_c, 1ul << 16 | EXO_CAP_R, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_frame(frame_c + 1, EXO_CAP_R, 0, 0, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_cap_grant(s_r, init, EXO_CAP_R, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_grant(s_g, init, EXO_CAP_R | EXO_CAP_W, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_grant(s_g, init, 0x40, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant(s_g, init, 1ul << 32 | EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_cap_grant(s_g, NO_SUCH_ENV, EXO_CAP_R, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_cap_map(SELF, PROBE_VA, s_r, RW, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(
		exo_cap_map(SELF, PROBE_VA, s_r, EXO_PERM_R | EXO_PERM_X, 0, 0),
		EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_map(SELF, PROBE_VA, s_r, EXO_PERM_R, 0, 0), 0);
	/* Mapped through a read-only capability: cannot be raised. */
	CHECK_EQ(exo_page_protect(SELF, PROBE_VA, 1, RW, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_page_protect(SELF, PROBE_VA, 1, EXO_PERM_R | EXO_PERM_X, 0,
				  0),
		 EXO_ERR_DENIED);
	expect_pf(probe_store, PROBE_VA, PF_P | PF_W | PF_U);
	CHECK_EQ(exo_cap_drop(s_r, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_pte(PROBE_VA), 0); /* the mapping went with it */
	CHECK_EQ(exo_cap_drop(s_g, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_cap_drop(s_g, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
}

/* Take every notification already pending. */
static void drain(void)
{
	struct exo_msg m;

	while (exo_ipc_recv_msg(EXO_RECV_NONBLOCK, &m) >= 0) {
	}
}

/* Call @arg, which never receives; wait to be destroyed. */
static int stuck_caller(uint64_t arg)
{
	exo_ipc_call(arg, 1, 2, 3, 4, EXO_CAP_NONE);
	return 0x56;
}

static void ipc(void)
{
	int64_t z = exo_env_create(0, 0, 0, 0, 0, 0), slot, r;
	exo_envid_t dead;

	step("IPC and yield to the dead, the unknown and the unwilling");
	CHECK(z > 0);
	dead = (exo_envid_t)z;
	CHECK_EQ(exo_env_destroy(z, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_env_wait(z, 0, 0, 0, 0, 0), z);
	static const uint64_t gone[] = { 0, NO_SUCH_ENV, 0x7fffffff,
					 0xfffffffe };
	for (unsigned i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		uint64_t id = gone[i] ? gone[i] : dead;

		CHECK_EQ(exo_yield(id, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
		CHECK_EQ(exo_notify(id, 1, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
		CHECK_EQ(exo_ipc_call(id, 1, 2, 3, 4, EXO_CAP_NONE),
			 EXO_ERR_NOT_FOUND);
		CHECK_EQ(exo_ipc_reply_recv(id, 1, 2, 3, 4, EXO_CAP_NONE),
			 EXO_ERR_NOT_FOUND);
	}
	CHECK_EQ(exo_notify(EXO_ENV_ANY, 1, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_notify(victim, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_ipc_call(me, 1, 2, 3, 4, EXO_CAP_NONE), EXO_ERR_INVALID);
	CHECK_EQ(exo_ipc_call(SELF, 1, 2, 3, 4, EXO_CAP_NONE), EXO_ERR_INVALID);
	/* A bad capability is refused before anything blocks. */
	CHECK_EQ(exo_ipc_call(init, 1, 2, 3, 4, 63), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_ipc_call(init, 1, 2, 3, 4, 64), EXO_ERR_INVALID);
	CHECK_EQ(exo_ipc_call(init, 1, 2, 3, 4, -2), EXO_ERR_INVALID);
	slot = exo_cap_frame(frame_c, EXO_CAP_R, 0, 0, 0, 0);
	CHECK(slot >= 0);
	CHECK_EQ(exo_ipc_call(init, 1, 2, 3, 4, slot), EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_drop(slot, 0, 0, 0, 0, 0), 0);
	/* Replies to environments that are not waiting for one from us. */
	CHECK_EQ(exo_ipc_reply_recv(victim, 1, 2, 3, 4, EXO_CAP_NONE),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv(init, 1, 2, 3, 4, EXO_CAP_NONE),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv(me, 1, 2, 3, 4, EXO_CAP_NONE),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_reply_recv(SELF, 1, 2, 3, 4, EXO_CAP_NONE),
		 EXO_ERR_STATE);
	CHECK_EQ(exo_ipc_recv(2, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	CHECK_EQ(exo_ipc_recv(~0ul, 0, 0, 0, 0, 0), EXO_ERR_INVALID);
	drain();
	CHECK_EQ(exo_ipc_recv(EXO_RECV_NONBLOCK, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	/* Callers queued at others' doors, destroyed there. */
	for (int k = 0; k < 2; k++) {
		struct exo_exit_info info;
		int64_t c = spawn_fn(stuck_caller, k ? init : victim);

		CHECK(c > 0);
		for (int i = 0; i < 20; i++) {
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
		CHECK_EQ(exo_yield(c, 0, 0, 0, 0, 0), EXO_ERR_STATE);
		CHECK_EQ(exo_env_destroy(c, 0, 0, 0, 0, 0), 0);
		CHECK_EQ(wait_child((exo_envid_t)c, &info), c);
		CHECK_EQ(info.reason, EXO_EXIT_KILLED);
	}
	r = exo_yield(victim, 0, 0, 0, 0, 0);
	CHECK(r == 0 || r == EXO_ERR_STATE);
	CHECK_EQ(exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_yield(SELF, 0, 0, 0, 0, 0), 0);
}

/* A fault to provoke, and the vectors it may come as. */
struct fault_case {
	const char *name;
	probe_fn fn;
	uint64_t arg;
	uint64_t vector, alt;
};

#define FAULT(n, f, a, v, alt)                                                 \
	{                                                                      \
		n, f, a, v, alt                                                \
	}

static const struct fault_case fault_cases[] = {
	FAULT("divide by zero", probe_div0, 0, VEC_DE, VEC_DE),
	FAULT("ud2", probe_ud2, 0, VEC_UD, VEC_UD),
	/* int3 is a DPL-checked software interrupt: #BP or #GP. */
	FAULT("int3", probe_int3, 0, VEC_BP, VEC_GP),
	FAULT("int $0x80", probe_int_0x80, 0, VEC_GP, VEC_GP),
	FAULT("int $0x20 (the timer's vector)", probe_int_timer, 0, VEC_GP,
	      VEC_GP),
	FAULT("int $2 (NMI)", probe_int_nmi, 0, VEC_GP, VEC_GP),
	FAULT("int $8 (double fault)", probe_int_df, 0, VEC_GP, VEC_GP),
	FAULT("int $14 (page fault)", probe_int_pf, 0, VEC_GP, VEC_GP),
	FAULT("hlt", probe_hlt, 0, VEC_GP, VEC_GP),
	FAULT("cli", probe_cli, 0, VEC_GP, VEC_GP),
	FAULT("sti", probe_sti, 0, VEC_GP, VEC_GP),
	FAULT("mov %cr3, %rax", probe_read_cr3, 0, VEC_GP, VEC_GP),
	FAULT("mov %rax, %cr3", probe_write_cr3, 0, VEC_GP, VEC_GP),
	FAULT("mov %rax, %cr0", probe_write_cr0, 0, VEC_GP, VEC_GP),
	FAULT("lgdt", probe_lgdt, 0, VEC_GP, VEC_GP),
	FAULT("lidt", probe_lidt, 0, VEC_GP, VEC_GP),
	FAULT("ltr", probe_ltr, 0, VEC_GP, VEC_GP),
	FAULT("iretq to ring 0", probe_iretq_ring0, 0, VEC_GP, VEC_GP),
	FAULT("lretq to ring 0", probe_lret_ring0, 0, VEC_GP, VEC_GP),
	FAULT("far jump to the TSS", probe_ljmp_tss, 0, VEC_GP, VEC_GP),
	FAULT("sysretq", probe_sysret, 0, VEC_GP, VEC_UD),
	FAULT("swapgs", probe_swapgs, 0, VEC_GP, VEC_UD),
	FAULT("sysenter", probe_sysenter, 0, VEC_GP, VEC_UD),
	FAULT("rdmsr", probe_rdmsr, 0, VEC_GP, VEC_GP),
	FAULT("wrmsr LSTAR", probe_wrmsr, 0, VEC_GP, VEC_GP),
	FAULT("out to the exit port", probe_out_exit, 0, VEC_GP, VEC_GP),
	FAULT("in", probe_in, 0, VEC_GP, VEC_GP),
	FAULT("invlpg", probe_invlpg, KERNEL_TEXT, VEC_GP, VEC_GP),
	FAULT("wbinvd", probe_wbinvd, 0, VEC_GP, VEC_GP),
	FAULT("clts", probe_clts, 0, VEC_GP, VEC_GP),
	FAULT("rdpmc", probe_rdpmc, 0, VEC_GP, VEC_GP),
	FAULT("kernel data selector in ds", probe_load_ds_kernel, 0, VEC_GP,
	      VEC_GP),
	FAULT("null selector in ss", probe_load_ss_null, 0, VEC_GP, VEC_GP),
	FAULT("mov %rax, %dr7", probe_write_dr7, 0, VEC_GP, VEC_GP),
	FAULT("ud2 with the direction flag set", probe_df_fault, 0, VEC_UD,
	      VEC_UD),
	FAULT("ud2 with the nested-task flag set", probe_nt_fault, 0, VEC_UD,
	      VEC_UD),
	FAULT("load from a non-canonical address", probe_noncanon_load, 0,
	      VEC_GP, VEC_GP),
	FAULT("jump to a non-canonical address", probe_noncanon_jump, 0, VEC_GP,
	      VEC_GP),
	FAULT("push on a non-canonical stack", probe_bad_stack_push, 0, VEC_SS,
	      VEC_GP),
	FAULT("stack overflow", probe_stack_overflow, 0, VEC_PF, VEC_PF),
	FAULT("load from kernel text", probe_load, KERNEL_TEXT, VEC_PF, VEC_PF),
	FAULT("jump to kernel text", probe_exec, KERNEL_TEXT, VEC_PF, VEC_PF),
	FAULT("jump to unmapped memory", probe_exec, ARENA_PAGE(1), VEC_PF,
	      VEC_PF),
	FAULT("ud2 on a kernel stack pointer", probe_ud2_with_rsp, DMAP + 4096,
	      VEC_UD, VEC_UD),
	FAULT("ud2 on a null stack pointer", probe_ud2_with_rsp, 0, VEC_UD,
	      VEC_UD),
	FAULT("ud2 on a non-canonical stack pointer", probe_ud2_with_rsp,
	      NONCANON, VEC_UD, VEC_UD),
};

#define NFAULT_CASES (sizeof(fault_cases) / sizeof(fault_cases[0]))

static void faults_handled(void)
{
	uint64_t before = exo_env_info()->faults, taken = 0;
	uint8_t *code = (uint8_t *)ARENA_PAGE(3) + 64;
	int64_t r, t;

	step("faults of every kind, each delivered to our handler");
	for (unsigned i = 0; i < NFAULT_CASES; i++) {
		const struct fault_case *c = &fault_cases[i];

		r = probe_run(c->fn, c->arg);
		taken++;
		if (!CHECK_EQ(r, PROBE_FAULTED) ||
		    !CHECK(probe_last.vector == c->vector ||
			   probe_last.vector == c->alt)) {
			printf("isolation: %s: result %ld, vector %lu\n",
			       c->name, (long)r,
			       (unsigned long)probe_last.vector);
		}
	}
	/* Writable data is not executable: a ud2 there must not run. */
	code[0] = 0x0f;
	code[1] = 0x0b;
	r = probe_run(probe_exec, (uint64_t)code);
	taken++;
	CHECK_EQ(r, PROBE_FAULTED);
	if (have_nx) {
		CHECK_EQ(probe_last.vector, VEC_PF);
		CHECK_EQ(probe_last.error & (PF_P | PF_U | PF_I),
			 PF_P | PF_U | PF_I);
	} else {
		printf("isolation: no NX on this CPU: data is executable\n");
	}
	/*
	 * int1 (icebp): a #DB trap, resumed after it, where the CPU knows
	 * the instruction; else an invalid opcode.
	 */
	r = probe_run(probe_int1, 0);
	CHECK((r == 0 && probe_last.vector == VEC_DB) ||
	      (r == PROBE_FAULTED && probe_last.vector == VEC_UD));
	taken++;
	/* The trap flag: #DB traps in user mode, never in the kernel. */
	r = (int64_t)probe_faults;
	CHECK_EQ(probe_run(probe_syscall_single_step, 0), 0);
	taken += probe_faults - (uint64_t)r;
	/* Flags user code may set: the kernel's entry must clear them. */
	CHECK_EQ(probe_run(probe_nt_syscall, 0), 0);
	/* A system call made with a stack pointer that is not a stack. */
	CHECK_EQ(probe_run(probe_syscall_with_rsp, KERNEL_TEXT), 0);
	CHECK_EQ(probe_run(probe_syscall_with_rsp, 0), 0);
	CHECK_EQ(probe_run(probe_syscall_with_rsp, NONCANON), 0);
	/*
	 * From 32-bit compatibility mode: refused, never the kernel at
	 * address 0. (Were the timer to strike in compatibility mode, we
	 * would come back in 64-bit mode and fault on the far jump.)
	 */
	r = (int64_t)probe_faults;
	t = probe_run(probe_syscall_compat, 0);
	CHECK(t == EXO_ERR_NOSYS || t == PROBE_FAULTED);
	taken += probe_faults - (uint64_t)r;
	printf("isolation: syscall from compatibility mode: %s\n",
	       t == PROBE_FAULTED ? "fault" : exo_status_name(t));
	/* A fault inside the handler nests on the exception stack. */
	probe_nested = probe_load;
	probe_nested_arg = KERNEL_TEXT;
	CHECK_EQ(probe_run(probe_ud2, 0), PROBE_FAULTED);
	CHECK_EQ(probe_nested_result, PROBE_FAULTED);
	CHECK_EQ(probe_last.vector, VEC_PF); /* the inner one came last */
	taken += 2;
	/* A storm of faults costs the kernel nothing it keeps. */
	for (int i = 0; i < 5000; i++) {
		r = probe_run(i & 1 ? probe_ud2 : probe_hlt, 0);
		if (r != PROBE_FAULTED) {
			CHECK_EQ(r, PROBE_FAULTED);
			break;
		}
		taken++;
	}
	CHECK_EQ(exo_env_info()->faults - before, taken);
	printf("isolation: %lu faults handled\n", (unsigned long)taken);
}

/*
 * No fault handler for the children below, whatever the runtime passed
 * on to them from their parent.
 */
static int no_handler(void)
{
	return (int)exo_env_set_upcall(SELF, 0, 0, 0, 0, 0);
}

/* A child without a handler that commits fault @k. */
static int fault_child(uint64_t k)
{
	if (no_handler()) {
		return 0x54;
	}
	fault_cases[k].fn(fault_cases[k].arg);
	return 0x55; /* it did not fault */
}

/* Abuse of the upcall mechanism, in a child; see upcall_cases. */
static int upcall_child(uint64_t k)
{
	uint64_t xtop = XSTACK_VA + 2 * EXO_PAGE_SIZE;
	uint64_t entry = (uint64_t)exo_upcall_entry;
	volatile uint64_t spin = 0;

	if (no_handler() || map_anon(XSTACK_VA, 2)) {
		return 0x50;
	}
	switch (k) {
	case 0: /* the exception stack is read-only */
		xtop = ARENA_PAGE(3);
		break;
	case 1: /* the exception stack is the info page */
		xtop = EXO_INFO_VA + 2048;
		break;
	case 2: /* the exception stack is unmapped */
		xtop = ARENA_PAGE(2);
		break;
	case 3: /* the handler is not mapped: it faults, and nests down */
		entry = 1;
		break;
	case 4: /* the preemption handler is not mapped, no fault handler */
		if (exo_env_set_upcall(SELF, 0, 1, xtop, 0, 0)) {
			return 0x51;
		}
		for (;;) {
			spin++;
		}
	case 5: /* preemption handler, but the exception stack is read-only */
		if (exo_env_set_upcall(SELF, 0, entry, ARENA_PAGE(3), 0, 0)) {
			return 0x51;
		}
		for (;;) {
			spin++;
		}
	default: /* a kernel handler is refused; the fault then kills */
		if (exo_env_set_upcall(SELF, KERNEL_TEXT, 0, xtop, 0, 0) !=
		    EXO_ERR_INVALID) {
			return 0x52;
		}
		probe_ud2(0);
		return 0x53;
	}
	if (exo_env_set_upcall(SELF, entry, 0, xtop, 0, 0)) {
		return 0x51;
	}
	probe_ud2(0);
	return 0x53;
}

struct upcall_case {
	const char *name;
	uint64_t reason, vector;
};

static const struct upcall_case upcall_cases[] = {
	{ "read-only exception stack", EXO_EXIT_UPCALL_FAULT, VEC_UD },
	{ "exception stack on the info page", EXO_EXIT_UPCALL_FAULT, VEC_UD },
	{ "unmapped exception stack", EXO_EXIT_UPCALL_FAULT, VEC_UD },
	{ "unmapped fault handler", EXO_EXIT_UPCALL_FAULT, VEC_PF },
	{ "unmapped preemption handler", EXO_EXIT_FAULT, VEC_PF },
	{ "preemption onto a read-only stack", EXO_EXIT_UPCALL_FAULT, 0 },
	{ "kernel fault handler", EXO_EXIT_FAULT, VEC_UD },
};

static void faults_unhandled(void)
{
	struct exo_exit_info info;
	int64_t c;

	step("the same faults in children without a handler");
	for (unsigned k = 0; k < NFAULT_CASES; k++) {
		const struct fault_case *fc = &fault_cases[k];

		c = spawn_fn(fault_child, k);
		if (!CHECK(c > 0)) {
			continue;
		}
		CHECK_EQ(wait_child((exo_envid_t)c, &info), c);
		if (!CHECK_EQ(info.reason, EXO_EXIT_FAULT) ||
		    !CHECK(info.vector == fc->vector ||
			   info.vector == fc->alt)) {
			printf("isolation: %s: reason %u, code %ld, vector "
			       "%lu\n",
			       fc->name, info.reason, (long)info.code,
			       (unsigned long)info.vector);
		}
	}
	step("abuse of the upcall mechanism");
	for (unsigned k = 0; k < sizeof(upcall_cases) / sizeof(upcall_cases[0]);
	     k++) {
		const struct upcall_case *uc = &upcall_cases[k];

		c = spawn_fn(upcall_child, k);
		if (!CHECK(c > 0)) {
			continue;
		}
		CHECK_EQ(wait_child((exo_envid_t)c, &info), c);
		if (!CHECK_EQ(info.reason, uc->reason) ||
		    (uc->reason == EXO_EXIT_FAULT &&
		     !CHECK_EQ(info.vector, uc->vector))) {
			printf("isolation: %s: reason %u, code %ld, vector "
			       "%lu\n",
			       uc->name, info.reason, (long)info.code,
			       (unsigned long)info.vector);
		}
	}
}

/* Create environments until the table is full, then just exit. */
static int env_hog(uint64_t arg)
{
	int64_t n = 0, r;

	while ((r = exo_env_create(0, 0, 0, 0, 0, 0)) > 0) {
		n++;
	}
	return r == EXO_ERR_LIMIT && n > 200 ? 0 : 1;
}

/* Take every free frame, try what needs memory, then just exit. */
static int memory_hog(uint64_t arg)
{
	int64_t n = 0, r, slot;
	uint64_t pa = 0;

	while ((r = exo_frame_alloc(EXO_FRAME_ANY, SELF, 0, 0, 0, 0)) > 0) {
		pa = (uint64_t)r;
		n++;
	}
	if (r != EXO_ERR_NO_MEMORY || n < 1000) {
		return 1;
	}
	if (exo_env_create(0, 0, 0, 0, 0, 0) != EXO_ERR_NO_MEMORY) {
		return 2;
	}
	/* A new page table would be needed here. */
	if (exo_page_map(SELF, EMPTY_VA, pa, RW, 0, 0) != EXO_ERR_NO_MEMORY) {
		return 3;
	}
	if (spawn_fn(env_hog, 0) != EXO_ERR_NO_MEMORY) {
		return 4;
	}
	slot = exo_cap_frame(pa, EXO_CAP_R, 0, 0, 0, 0);
	if (slot < 0) {
		return 5;
	}
	r = exo_cap_map(SELF, EMPTY_VA, slot, EXO_PERM_R, 0, 0);
	if (r != EXO_ERR_NO_MEMORY) {
		return 6;
	}
	return 0;
}

static void exhaustion(void)
{
	static struct exo_page_op ops[EXO_PAGE_BATCH_MAX];
	struct exo_exit_info info;
	uint64_t envs = exo_sys_info()->envs, t0 = ticks(), mapped = 0;
	int64_t c, r, slot;

	step("exhaustion: environments, memory, references, records");
	c = spawn_fn(env_hog, 0);
	CHECK(c > 0);
	CHECK_EQ(wait_child((exo_envid_t)c, &info), c);
	CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(info.code, 0);
	/* What it left behind can never run: it must be gone. */
	for (int i = 0; i < 100 && exo_sys_info()->envs != envs; i++) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	CHECK_EQ(exo_sys_info()->envs, envs);

	c = spawn_fn(memory_hog, 0);
	CHECK(c > 0);
	CHECK_EQ(wait_child((exo_envid_t)c, &info), c);
	CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(info.code, 0);

	/* One frame mapped 65535 times: the count must not wrap. */
	for (uint64_t base = 0; base < 65536; base += EXO_PAGE_BATCH_MAX) {
		for (int i = 0; i < EXO_PAGE_BATCH_MAX; i++) {
			ops[i] = (struct exo_page_op){
				EXO_PAGE_OP_MAP, EXO_PERM_R, 0,
				REF_VA + (base + i) * EXO_PAGE_SIZE, frame_d
			};
		}
		r = exo_page_batch(SELF, (uint64_t)ops, EXO_PAGE_BATCH_MAX, 0,
				   0, 0);
		if (r < 0) {
			CHECK_EQ(r, EXO_ERR_LIMIT);
			break;
		}
		mapped += (uint64_t)r;
		if (r < EXO_PAGE_BATCH_MAX) {
			break;
		}
	}
	/* The owner's reference and the arena's mapping are the other two. */
	CHECK_EQ(mapped, 65535 - 2);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, frame_d, EXO_PERM_R, 0, 0),
		 EXO_ERR_LIMIT);
	CHECK_EQ(exo_page_unmap(SELF, REF_VA, 65536, 0, 0, 0), 0);
	CHECK_EQ(exo_page_map(SELF, PROBE_VA, frame_d, EXO_PERM_R, 0, 0), 0);
	CHECK_EQ(exo_page_unmap(SELF, PROBE_VA, 1, 0, 0, 0), 0);

	/* One capability, mapped at more places than it keeps records. */
	slot = exo_cap_frame(frame_d, EXO_CAP_R, 0, 0, 0, 0);
	CHECK(slot >= 0);
	mapped = 0;
	for (uint64_t i = 0; i < 1100; i++) {
		r = exo_cap_map(SELF, CAPMAP_VA + i * EXO_PAGE_SIZE, slot,
				EXO_PERM_R, 0, 0);
		if (r) {
			CHECK_EQ(r, EXO_ERR_LIMIT);
			break;
		}
		mapped++;
	}
	CHECK(mapped >= 64 && mapped < 1100);
	CHECK_EQ(exo_cap_drop(slot, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_pte(CAPMAP_VA), 0);
	CHECK_EQ(exo_pte(CAPMAP_VA + (mapped - 1) * EXO_PAGE_SIZE), 0);
	printf("isolation: exhaustion took %lu ms\n",
	       (unsigned long)(ticks() - t0));
}

static void registers(void)
{
	int64_t r;

	step("register state left behind by the victim");
	for (int i = 0; i < 10; i++) {
		exo_yield(victim, 0, 0, 0, 0, 0);
	}
	r = probe_run(x87_peek, 0);
	if (r == PROBE_FAULTED) {
		printf("isolation: x87 unavailable (vector %lu)\n",
		       (unsigned long)probe_last.vector);
		return;
	}
	if (!CHECK(r != (int64_t)X87_SECRET)) {
		printf("isolation: read the victim's x87 register\n");
	}
}

static int hostile_main(uint64_t arg)
{
	uint64_t t0 = ticks();

	hp = share_wait();
	check_begin("hostile");
	me = env_self();
	victim = (exo_envid_t)hp->victim;
	init = (exo_envid_t)hp->init;
	if (!CHECK_EQ(probe_install(), 0)) {
		return 1;
	}
	arena_setup();
	victim_memory();
	brute_force();
	page_tables();
	layout();
	shared_read_only();
	kernel_memory();
	bad_pointers();
	control();
	capabilities();
	ipc();
	faults_handled();
	faults_unhandled();
	exhaustion();
	registers();
	printf("hostile: done in %lu ms\n", (unsigned long)(ticks() - t0));
	return check_end();
}

/* Yield until *@p is set, for at most WAIT_TICKS. */
static int wait_set(const volatile uint64_t *p)
{
	uint64_t t0 = ticks();

	while (!*p && ticks() - t0 < WAIT_TICKS) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return *p != 0;
}

int main(void)
{
	struct victim_page *vp;
	struct hostile_page *hpage;
	struct exo_exit_info info;
	uint64_t vpa, hpa, c0, last, t0;
	int64_t v, h, r;
	volatile uint64_t *secret = (volatile uint64_t *)SECRET_VA;

	check_begin("isolation");
	printf("isolation: init is environment %x\n", env_self());
	vp = share_new(0, &vpa);
	hpage = share_new(1, &hpa);
	if (!CHECK(vp && hpage)) {
		return check_end();
	}
	v = share_spawn(victim_main, 0, vpa);
	if (!CHECK(v > 0) || !CHECK(wait_set(&vp->ready))) {
		return check_end();
	}
	printf("isolation: victim %lx, secret at 0x%lx, x87 %s\n",
	       (unsigned long)v, (unsigned long)vp->secret_pa,
	       vp->x87 ? "in use" : "unavailable");
	hpage->victim = (uint64_t)v;
	hpage->init = env_self();
	hpage->victim_pa = vp->secret_pa;
	hpage->share_pa = vpa;
	vp->max_gap = 0;
	c0 = vp->counter;
	t0 = ticks();
	h = share_spawn(hostile_main, 0, hpa);
	CHECK(h > 0);

	/* The victim keeps a count while the hostile one does its worst. */
	while (h > 0 && (r = exo_env_wait(h, (uint64_t)&info, 0, 0, 0, 0)) ==
				EXO_ERR_BUSY) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	if (h > 0) {
		CHECK_EQ(r, h);
		CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
		CHECK_EQ(info.code, 0);
	}
	printf("isolation: victim made %lu rounds in %lu ms, longest pause "
	       "%lu ms\n",
	       (unsigned long)(vp->counter - c0), (unsigned long)(ticks() - t0),
	       (unsigned long)vp->max_gap);
	/* It yields every round: it must never have waited long. */
	CHECK(vp->counter - c0 > 10);
	CHECK(vp->max_gap < 200);

	/* Its parent may look at the secret; it must be as it was. */
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, SECRET_VA, vp->secret_pa,
			      EXO_PERM_R, 0, 0),
		 0);
	CHECK_EQ(secret_mismatches(secret), 0);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SECRET_VA, 1, 0, 0, 0), 0);
	CHECK_EQ(vp->bad, 0);
	last = vp->counter;
	vp->stop = 1;
	CHECK_EQ(wait_child((exo_envid_t)v, &info), v);
	CHECK_EQ(info.reason, EXO_EXIT_NORMAL);
	CHECK_EQ(info.code, 0);
	CHECK(vp->counter >= last);
	CHECK_EQ(exo_env_wait(EXO_ENV_ANY, 0, 0, 0, 0, 0), EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_sys_info()->envs, 1);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SHARE_PARENT_VA, 2, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(vpa, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(hpa, 0, 0, 0, 0, 0), 0);
	return check_end();
}
