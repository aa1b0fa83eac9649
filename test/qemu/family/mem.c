/* SPDX-License-Identifier: MIT */
/*
 * family-mem: frames (allocation, zeroing, freeing), mappings as seen
 * through the read-only page-table view, what page_map refuses, batches
 * that apply all or nothing, and the info pages.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE
#define VA0 0x0000650000000000ul
#define KERNEL_VA 0xffff800000000000ul
#define NONCANONICAL_VA 0x0000800000000000ul
#define NO_SUCH_ENV 0x7fffff42u
#define BEYOND_RAM (1ul << 40)
#define PATTERN 0xa5a5a5a5a5a5a5a5ul

/* Page-fault error code bits. */
#define PF_P 0x1
#define PF_W 0x2
#define PF_U 0x4

#define RW (EXO_PERM_R | EXO_PERM_W)

static const volatile struct exo_env_info *info;
static const volatile struct exo_sys_info *sys;

static uint64_t alloc_frame(void)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	CHECK(pa > 0);
	CHECK_EQ(pa & (int64_t)(PAGE - 1), 0);
	return (uint64_t)pa;
}

static void map(uint64_t va, uint64_t pa, uint64_t perm)
{
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, va, pa, perm, 0, 0), 0);
}

static void unmap(uint64_t va, uint64_t n)
{
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, va, n, 0, 0, 0), 0);
}

static void free_frame(uint64_t pa)
{
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
}

/* A page-table frame of ours: the one holding the PTE for @va. */
static uint64_t page_table_pa(uint64_t va)
{
	return *exo_pt_view_entry(va, 2) & EXO_PTE_ADDR;
}

static void test_alloc(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VA0;
	uint64_t f0 = info->frames, pa;

	step("frame_alloc ANY, frame_free; BUSY while mapped, STATE when free");
	pa = alloc_frame();
	CHECK_EQ(info->frames, f0 + 1);
	map(VA0, pa, RW);
	CHECK_EQ(exo_pte(VA0) & EXO_PTE_ADDR, pa);
	for (int i = 0; i < (int)(PAGE / 8); i++) {
		CHECK_EQ(p[i], 0);
		p[i] = PATTERN;
	}
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_BUSY);
	unmap(VA0, 1);
	CHECK_EQ(exo_pte(VA0), 0);
	free_frame(pa);
	CHECK_EQ(info->frames, f0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_STATE);

	step("frame_alloc of that address again: BUSY once taken, zeroed");
	CHECK_EQ(exo_frame_alloc(pa, EXO_ENV_SELF, 0, 0, 0, 0), pa);
	CHECK_EQ(exo_frame_alloc(pa, EXO_ENV_SELF, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(info->frames, f0 + 1);
	map(VA0, pa, EXO_PERM_R);
	for (int i = 0; i < (int)(PAGE / 8); i++) {
		CHECK_EQ(p[i], 0);
	}
	unmap(VA0, 1);
	free_frame(pa);

	step("frame_alloc/free: ALIGN, DENIED (reserved, beyond RAM), BUSY");
	CHECK_EQ(exo_frame_alloc(pa + 8, EXO_ENV_SELF, 0, 0, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_frame_alloc(0, EXO_ENV_SELF, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(BEYOND_RAM, EXO_ENV_SELF, 0, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(page_table_pa((uint64_t)page_table_pa),
				 EXO_ENV_SELF, 0, 0, 0, 0),
		 EXO_ERR_BUSY);
	CHECK_EQ(exo_frame_alloc(EXO_FRAME_ANY, NO_SUCH_ENV, 0, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_frame_free(pa + 8, 0, 0, 0, 0, 0), EXO_ERR_ALIGN);
	CHECK_EQ(exo_frame_free(BEYOND_RAM, 0, 0, 0, 0, 0), EXO_ERR_STATE);
	CHECK_EQ(exo_frame_free(page_table_pa((uint64_t)page_table_pa), 0, 0,
				0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(info->frames, f0);
}

static void test_view(void)
{
	volatile uint64_t *p = (volatile uint64_t *)VA0;
	uint64_t pa = alloc_frame(), pa2, pte, v;

	step("page_map R|W: P, W, U, NX and the frame in the view, no A or D");
	map(VA0, pa, RW);
	pte = exo_pte(VA0);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa);
	CHECK(pte & EXO_PTE_P);
	CHECK(pte & EXO_PTE_W);
	CHECK(pte & EXO_PTE_U);
	CHECK(pte & EXO_PTE_NX);
	CHECK_EQ(pte & (EXO_PTE_A | EXO_PTE_D), 0);
	CHECK_EQ(pte & (EXO_PTE_USER0 | EXO_PTE_USER1 | EXO_PTE_USER2), 0);
	for (int level = 2; level <= 4; level++) {
		uint64_t e = *exo_pt_view_entry(VA0, level);

		CHECK((e & (EXO_PTE_P | EXO_PTE_U)) == (EXO_PTE_P | EXO_PTE_U));
	}

	step("a read sets the accessed bit, a write the dirty bit");
	v = *p;
	CHECK_EQ(v, 0);
	pte = exo_pte(VA0);
	CHECK(pte & EXO_PTE_A);
	CHECK(!(pte & EXO_PTE_D));
	*p = PATTERN;
	CHECK(exo_pte(VA0) & EXO_PTE_D);

	step("page_protect: W and X and USER0..2 change, A, D and frame stay");
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0, 1,
				  EXO_PERM_R | EXO_PERM_USER0 | EXO_PERM_USER2,
				  0, 0),
		 1);
	pte = exo_pte(VA0);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa);
	CHECK(!(pte & EXO_PTE_W));
	CHECK(pte & EXO_PTE_NX);
	CHECK(pte & EXO_PTE_A);
	CHECK(pte & EXO_PTE_D);
	CHECK_EQ(pte & (EXO_PTE_USER0 | EXO_PTE_USER1 | EXO_PTE_USER2),
		 EXO_PTE_USER0 | EXO_PTE_USER2);
	CHECK_EQ(*p, PATTERN);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0, 1,
				  EXO_PERM_R | EXO_PERM_X | EXO_PERM_USER1, 0,
				  0),
		 1);
	pte = exo_pte(VA0);
	CHECK(!(pte & EXO_PTE_NX));
	CHECK(!(pte & EXO_PTE_W));
	CHECK_EQ(pte & (EXO_PTE_USER0 | EXO_PTE_USER1 | EXO_PTE_USER2),
		 EXO_PTE_USER1);
	/* Holes are skipped: one page of four is mapped. */
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0 - PAGE, 4, RW, 0, 0), 1);
	CHECK(exo_pte(VA0) & EXO_PTE_W);
	CHECK_EQ(exo_pte(VA0 + PAGE), 0);

	step("page_protect: INVALID perm or count, ALIGN, DENIED range");
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0, 1, 0x80, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0, 0, RW, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0 + 8, 1, RW, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, KERNEL_VA, 1, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, EXO_INFO_VA, 1, RW, 0, 0),
		 EXO_ERR_DENIED);
	CHECK(!(exo_pte(EXO_INFO_VA) & EXO_PTE_W));

	step("page_map over a mapping replaces it and drops the old frame");
	pa2 = alloc_frame();
	map(VA0, pa2, EXO_PERM_R | EXO_PERM_W | EXO_PERM_X | EXO_PERM_USER1);
	pte = exo_pte(VA0);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa2);
	CHECK_EQ(pte & (EXO_PTE_A | EXO_PTE_D | EXO_PTE_NX), 0);
	CHECK_EQ(pte & (EXO_PTE_USER0 | EXO_PTE_USER1 | EXO_PTE_USER2),
		 EXO_PTE_USER1);
	CHECK_EQ(*p, 0);
	free_frame(pa);

	step("page_unmap skips holes; INVALID count, ALIGN, DENIED range");
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, VA0 - PAGE, 3, 0, 0, 0), 0);
	CHECK_EQ(exo_pte(VA0), 0);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, VA0, 0, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, VA0, (1ul << 20) + 1, 0, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, VA0 + 8, 1, 0, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, KERNEL_VA, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, EXO_INFO_VA, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK(exo_pte(EXO_INFO_VA) & EXO_PTE_P);
	free_frame(pa2);
}

/* In a child: the parent's frame @pa is out of reach. */
static int child_foreign(uint64_t pa)
{
	struct exo_page_op op = { EXO_PAGE_OP_MAP, EXO_PERM_R, 0, VA0, pa };

	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)&op, 1, 0, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_frame_alloc(pa, EXO_ENV_SELF, 0, 0, 0, 0), EXO_ERR_BUSY);
	CHECK_EQ(exo_cap_frame(pa, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_pte(VA0), 0);
	return 0;
}

static void test_refused(void)
{
	uint64_t pa = alloc_frame();
	uint64_t pt = page_table_pa((uint64_t)page_table_pa);
	uint64_t info_pa = exo_pte(EXO_INFO_VA) & EXO_PTE_ADDR;
	uint64_t sys_pa = exo_pte(EXO_SYSINFO_VA) & EXO_PTE_ADDR;

	step("page_map refuses kernel, reserved, unaligned, unknown targets");
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, KERNEL_VA, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, NONCANONICAL_VA, pa, EXO_PERM_R, 0,
			      0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, EXO_USER_MAP_TOP, pa, EXO_PERM_R, 0,
			      0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, EXO_INFO_VA, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, EXO_PT_VIEW, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, 0, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, EXO_USER_MIN - PAGE, pa, EXO_PERM_R,
			      0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0 + 8, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, pa + 8, EXO_PERM_R, 0, 0),
		 EXO_ERR_ALIGN);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, pa, 0x80, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_page_map(NO_SUCH_ENV, VA0, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_NOT_FOUND);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, BEYOND_RAM, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, 0, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_pte(VA0), 0);

	step("page_map refuses page-table and info frames read from the view");
	CHECK(pt != 0 && info_pa != 0 && sys_pa != 0);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, pt, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0,
			      *exo_pt_view_entry(VA0, 4) & EXO_PTE_ADDR,
			      EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, info_pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, sys_pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_DENIED);
	CHECK_EQ(exo_cap_frame(pt, EXO_CAP_R, 0, 0, 0, 0), EXO_ERR_DENIED);
	CHECK_EQ(exo_pte(VA0), 0);

	step("page_map of a free frame: STATE");
	free_frame(pa);
	CHECK_EQ(exo_page_map(EXO_ENV_SELF, VA0, pa, EXO_PERM_R, 0, 0),
		 EXO_ERR_STATE);

	step("a child cannot map, free, take or name its parent's frame");
	pa = alloc_frame();
	child_expect_exit(child_spawn(child_foreign, pa), 0);
	free_frame(pa);
}

static struct exo_page_op op(uint16_t kind, uint64_t va, uint64_t arg,
			     uint16_t perm, uint32_t count)
{
	struct exo_page_op o = { kind, perm, count, va, arg };

	return o;
}

static void test_batch(void)
{
	struct exo_page_op ops[4];
	uint64_t pa1 = alloc_frame(), pa2 = alloc_frame();
	uint64_t pte;

	step("page_batch applies MAP, MAP, PROTECT and UNMAP: 4");
	map(VA0 + 2 * PAGE, pa2, RW);
	ops[0] = op(EXO_PAGE_OP_MAP, VA0, pa1, RW, 0);
	ops[1] = op(EXO_PAGE_OP_MAP, VA0 + PAGE, pa1, RW, 0);
	ops[2] =
		op(EXO_PAGE_OP_PROTECT, VA0, 0, EXO_PERM_R | EXO_PERM_USER1, 1);
	ops[3] = op(EXO_PAGE_OP_UNMAP, VA0 + 2 * PAGE, 0, 0, 1);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 4, 0, 0, 0), 4);
	pte = exo_pte(VA0);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa1);
	CHECK(!(pte & EXO_PTE_W));
	CHECK(pte & EXO_PTE_USER1);
	pte = exo_pte(VA0 + PAGE);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa1);
	CHECK(pte & EXO_PTE_W);
	CHECK_EQ(exo_pte(VA0 + 2 * PAGE), 0);
	CHECK_EQ(exo_frame_free(pa1, 0, 0, 0, 0, 0), EXO_ERR_BUSY);

	step("a batch whose last operation is invalid changes nothing");
	ops[0] = op(EXO_PAGE_OP_UNMAP, VA0, 0, 0, 1);
	ops[1] = op(EXO_PAGE_OP_MAP, VA0 + 2 * PAGE, pa2, RW, 0);
	ops[2] = op(EXO_PAGE_OP_PROTECT, VA0 + PAGE, 0, EXO_PERM_R, 1);
	ops[3] = op(EXO_PAGE_OP_MAP, VA0 + 3 * PAGE, pa2 + 8, RW, 0);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 4, 0, 0, 0),
		 EXO_ERR_ALIGN);
	ops[3] = op(9, VA0 + 3 * PAGE, pa2, RW, 0);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 4, 0, 0, 0),
		 EXO_ERR_INVALID);
	ops[3] = op(EXO_PAGE_OP_PROTECT, KERNEL_VA, 0, EXO_PERM_R, 1);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 4, 0, 0, 0),
		 EXO_ERR_DENIED);
	ops[3] = op(EXO_PAGE_OP_CAP_MAP, VA0 + 3 * PAGE, 63, EXO_PERM_R, 0);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 4, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);
	pte = exo_pte(VA0);
	CHECK_EQ(pte & EXO_PTE_ADDR, pa1);
	CHECK(!(pte & EXO_PTE_W));
	CHECK(exo_pte(VA0 + PAGE) & EXO_PTE_W);
	CHECK_EQ(exo_pte(VA0 + 2 * PAGE), 0);
	CHECK_EQ(exo_pte(VA0 + 3 * PAGE), 0);

	step("page_batch: TOO_BIG for 0 or 513 operations, FAULT, NOT_FOUND");
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops,
				EXO_PAGE_BATCH_MAX + 1, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, 0x1000, 1, 0, 0, 0),
		 EXO_ERR_FAULT);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, KERNEL_VA, 1, 0, 0, 0),
		 EXO_ERR_FAULT);
	CHECK_EQ(exo_page_batch(NO_SUCH_ENV, (uint64_t)ops, 1, 0, 0, 0),
		 EXO_ERR_NOT_FOUND);

	/* Undo it all in one batch. */
	ops[0] = op(EXO_PAGE_OP_UNMAP, VA0, 0, 0, 4);
	CHECK_EQ(exo_page_batch(EXO_ENV_SELF, (uint64_t)ops, 1, 0, 0, 0), 1);
	CHECK_EQ(exo_pte(VA0) | exo_pte(VA0 + PAGE), 0);
	free_frame(pa1);
	free_frame(pa2);
}

static void test_counters(void)
{
	uint64_t s0, sys0, f0, t0, tsc0, pa[3];
	uint64_t spins = 0;

	step("the info page counts our system calls exactly");
	s0 = info->syscalls;
	sys0 = sys->syscalls;
	for (int i = 0; i < 10; i++) {
		exo_null(0, 0, 0, 0, 0, 0);
	}
	CHECK_EQ(info->syscalls - s0, 10);
	CHECK(sys->syscalls - sys0 >= 10);

	step("the info page counts the frames we own");
	f0 = info->frames;
	for (int i = 0; i < 3; i++) {
		pa[i] = alloc_frame();
		CHECK_EQ(info->frames, f0 + (uint64_t)i + 1);
	}
	for (int i = 0; i < 3; i++) {
		free_frame(pa[i]);
	}
	CHECK_EQ(info->frames, f0);

	step("system info: ticks advance over a busy loop; TSC and tick rate");
	CHECK_EQ(sys->abi_version, EXO_ABI_VERSION);
	CHECK(sys->tsc_hz != 0);
	CHECK_EQ(sys->tick_hz, 1000);
	CHECK(sys->boot_tsc != 0);
	t0 = sys->ticks;
	tsc0 = __builtin_ia32_rdtsc();
	while (sys->ticks < t0 + 5 && ++spins < 4000000000ul) {
	}
	CHECK(sys->ticks >= t0 + 5);
	CHECK(__builtin_ia32_rdtsc() > tsc0);
	CHECK(tsc0 > sys->boot_tsc);
	CHECK(sys->frames_free > 0);
	CHECK(sys->frames_total >= sys->frames_free);
	CHECK_EQ(sys->envs, 1);
	CHECK(info->slices >= 1);
}

static void test_faults(void)
{
	uint64_t pa = alloc_frame(), f0, sf0;

	handler_install(probe_handler, NULL);
	f0 = info->faults;
	sf0 = sys->faults;

	step("writing the info pages or the page-table view faults");
	CHECK_EQ(probe_read(EXO_INFO_VA), 0);
	CHECK_EQ(probe_read(EXO_SYSINFO_VA), 0);
	CHECK_EQ(probe_read((uint64_t)exo_pt_view_entry(VA0, 1)), 0);
	CHECK_EQ(probe_write(EXO_INFO_VA, 1), 1);
	CHECK_EQ(probe_last.vector, 14);
	CHECK_EQ(probe_last.addr, EXO_INFO_VA);
	CHECK_EQ(probe_last.error, PF_P | PF_W | PF_U);
	CHECK_EQ(probe_write(EXO_SYSINFO_VA + 8, 1), 1);
	CHECK_EQ(probe_last.addr, EXO_SYSINFO_VA + 8);
	CHECK_EQ(probe_write((uint64_t)exo_pt_view_entry(VA0, 1), 1), 1);
	CHECK_EQ(probe_last.addr, (uint64_t)exo_pt_view_entry(VA0, 1));
	CHECK_EQ(probe_last.error, PF_P | PF_W | PF_U);
	CHECK_EQ(probe_write((uint64_t)exo_pt_view_entry(VA0, 4), 1), 1);
	CHECK_EQ(info->id, env_self());

	step("kernel memory can be neither read nor written");
	CHECK_EQ(probe_read(KERNEL_VA), 1);
	CHECK_EQ(probe_last.vector, 14);
	CHECK_EQ(probe_last.addr, KERNEL_VA);
	CHECK_EQ(probe_write(KERNEL_VA, 1), 1);

	step("a read-only page faults on write; an unmapped one on read");
	map(VA0, pa, EXO_PERM_R);
	CHECK_EQ(probe_read(VA0), 0);
	CHECK_EQ(probe_write(VA0, PATTERN), 1);
	CHECK_EQ(probe_last.error, PF_P | PF_W | PF_U);
	CHECK_EQ(exo_page_protect(EXO_ENV_SELF, VA0, 1, RW, 0, 0), 1);
	CHECK_EQ(probe_write(VA0, PATTERN), 0);
	CHECK_EQ(*(volatile uint64_t *)VA0, PATTERN);
	unmap(VA0, 1);
	CHECK_EQ(probe_read(VA0), 1);
	CHECK_EQ(probe_last.error, PF_U);
	CHECK_EQ(probe_last.addr, VA0);

	step("the info pages count each fault");
	CHECK_EQ(probe_last.count, 8);
	CHECK_EQ(info->faults - f0, 8);
	CHECK(sys->faults - sf0 >= 8);
	free_frame(pa);
}

/*
 * A protect over a range changes every page, across a leaf table's end,
 * and drops the writable entries the TLB holds: a few pages one by one,
 * many with one flush of the whole address space.
 */
static void test_protect_range(void)
{
	enum { N = 40 };
	static uint64_t pas[N];
	const uint64_t base = VA0 + (2ul << 20) - 20 * PAGE;
	const uint64_t counts[] = { 3, N };

	handler_install(probe_handler, NULL);
	step("page_protect over a range: every page, and the TLB, change");
	for (int i = 0; i < N; i++) {
		pas[i] = alloc_frame();
		map(base + i * PAGE, pas[i], RW);
	}
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		uint64_t n = counts[c];
		uint64_t first = base + (20 - n / 2) * PAGE;

		for (uint64_t i = 0; i < n; i++) {
			CHECK_EQ(probe_write(first + i * PAGE, i), 0);
		}
		CHECK_EQ(exo_page_protect(EXO_ENV_SELF, first, n, EXO_PERM_R,
					  0, 0),
			 (int64_t)n);
		for (uint64_t i = 0; i < n; i++) {
			CHECK(!(exo_pte(first + i * PAGE) & EXO_PTE_W));
			CHECK_EQ(probe_write(first + i * PAGE, 99), 1);
			CHECK_EQ(probe_last.addr, first + i * PAGE);
			CHECK_EQ(*(volatile uint64_t *)(first + i * PAGE), i);
		}
		CHECK_EQ(exo_page_protect(EXO_ENV_SELF, first, n, RW, 0, 0),
			 (int64_t)n);
		for (uint64_t i = 0; i < n; i++) {
			CHECK_EQ(probe_write(first + i * PAGE, i + 1), 0);
		}
	}
	unmap(base, N);
	for (int i = 0; i < N; i++) {
		free_frame(pas[i]);
	}
}

int main(void)
{
	info = exo_env_info();
	sys = exo_sys_info();
	check_begin("mem");
	test_alloc();
	test_view();
	test_refused();
	test_batch();
	test_counters();
	test_faults();
	test_protect_range();
	return check_end();
}
