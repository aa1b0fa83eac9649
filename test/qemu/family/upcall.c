/* SPDX-License-Identifier: MIT */
/*
 * family-upcall: faults handed to the environment's own handler (demand
 * zero pages, skipped and repaired instructions, a fault inside the
 * handler), what happens when the handler cannot run, registers across a
 * fault and its resumption, and preemption upcalls.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE
#define DEMAND_VA 0x0000660000000000ul
#define DEMAND_PAGES 16
#define NEST_VA 0x0000670000000000ul
#define UNMAPPED_VA 0x0000680000000010ul
#define NO_XSTACK_TOP 0x0000690000000000ul
#define KERNEL_VA 0xffff800000000000ul
#define NO_SUCH_ENV 0x7fffff42u
#define XSTACK_BASE (T_XSTACK_TOP - T_XSTACK_PAGES * PAGE)

#define VEC_DE 0
#define VEC_UD 6
#define VEC_PF 14
#define PF_W 0x2
#define PF_U 0x4

/* Shared page words for the preemption test. */
enum { S_PREEMPTS, S_KIND, S_VECTOR, S_ON_STACK, S_INFO_PREEMPTS, S_SPINS };

/* What the handler saw. */
static struct {
	uint64_t count;
	uint64_t vector, error, addr;
	int depth, max_depth;
	struct exo_upcall_frame *outer, *inner, *last;
	uint64_t inner_rsp; /* as the kernel saved it (resuming changes it) */
	struct exo_regs seen;
	int nest_next; /* the next demand fault first touches NEST_VA */
} h;

static int is_demand(uint64_t addr)
{
	return (addr >= DEMAND_VA && addr < DEMAND_VA + DEMAND_PAGES * PAGE) ||
	       (addr >= NEST_VA && addr < NEST_VA + PAGE) ||
	       (addr >= PROBE_STORE_VA && addr < PROBE_STORE_VA + PAGE);
}

/* Give the faulting page a fresh zeroed frame. */
static int map_zero_page(uint64_t addr)
{
	int64_t pa = exo_frame_alloc(EXO_FRAME_ANY, EXO_ENV_SELF, 0, 0, 0, 0);

	if (pa < 0) {
		return 1;
	}
	return exo_page_map(EXO_ENV_SELF, addr & ~(PAGE - 1), (uint64_t)pa,
			    EXO_PERM_R | EXO_PERM_W, 0, 0) != 0;
}

static int handler(struct exo_upcall_frame *f)
{
	int bad = 0;

	h.count++;
	h.depth++;
	if (h.depth > h.max_depth) {
		h.max_depth = h.depth;
	}
	h.vector = f->vector;
	h.error = f->error;
	h.addr = f->addr;
	h.last = f;
	if (h.depth == 2) {
		h.inner = f;
		h.inner_rsp = f->regs.rsp;
	}
	if (f->kind != EXO_UPCALL_FAULT) {
		bad = 1;
	} else if (f->vector == VEC_PF && is_demand(f->addr)) {
		if (h.nest_next) {
			/* Fault once more, inside the handler. */
			h.nest_next = 0;
			h.outer = f;
			(void)*(volatile uint64_t *)NEST_VA;
		}
		bad = map_zero_page(f->addr);
	} else if (f->vector == VEC_UD &&
		   (f->regs.rip == (uint64_t)probe_ud2_insn ||
		    f->regs.rip == (uint64_t)probe_regs_ud2_insn)) {
		h.seen = f->regs;
		f->regs.rip += 2; /* ud2 */
	} else if (f->vector == VEC_DE &&
		   f->regs.rip == (uint64_t)probe_divide_insn) {
		h.seen = f->regs;
		f->regs.rcx = 7; /* and divide again */
	} else {
		bad = 1;
	}
	if (bad) {
		printf("FAIL: upcall: unexpected upcall kind %lu vector %lu "
		       "at 0x%lx (address 0x%lx)\n",
		       (unsigned long)f->kind, (unsigned long)f->vector,
		       (unsigned long)f->regs.rip, (unsigned long)f->addr);
	}
	h.depth--;
	return bad;
}

static void test_demand(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(DEMAND_VA + 0x18);
	struct exo_upcall_frame *f;
	uint64_t faults = exo_env_info()->faults;

	step("a page fault handler maps a zero page; the store completes");
	h.count = 0;
	fault_barrier();
	*p = 0x1234;
	fault_barrier();
	CHECK_EQ(h.count, 1);
	CHECK_EQ(*p, 0x1234);
	CHECK_EQ(h.vector, VEC_PF);
	CHECK_EQ(h.addr, DEMAND_VA + 0x18);
	CHECK_EQ(h.error & (PF_W | PF_U), PF_W | PF_U);
	CHECK(exo_pte(DEMAND_VA) & EXO_PTE_W);
	CHECK_EQ(exo_env_info()->faults, faults + 1);

	step("the upcall frame: 16-byte aligned at the exception stack top");
	f = h.last;
	CHECK_EQ((uint64_t)f & 15, 0);
	CHECK_EQ((uint64_t)f, T_XSTACK_TOP - sizeof(*f));
	CHECK_EQ(f->kind, EXO_UPCALL_FAULT);

	step("a load from a fresh demand page reads zero");
	CHECK_EQ(*(volatile uint64_t *)(DEMAND_VA + PAGE + 0x800), 0);
	fault_barrier();
	CHECK_EQ(h.count, 2);
	CHECK_EQ(h.error & PF_W, 0);
}

static void test_skip_and_repair(void)
{
	step("an invalid opcode: the handler skips ud2 and resumes");
	h.count = 0;
	CHECK_EQ(probe_ud2(), 1);
	CHECK_EQ(h.count, 1);
	CHECK_EQ(h.vector, VEC_UD);
	CHECK_EQ(h.error, 0);
	CHECK_EQ(h.seen.rip, (uint64_t)probe_ud2_insn);

	step("a divide error arrives as vector 0; the handler fixes the "
	     "divisor");
	CHECK_EQ(probe_divide(700), 100);
	CHECK_EQ(h.count, 2);
	CHECK_EQ(h.vector, VEC_DE);
	CHECK_EQ(h.seen.rcx, 0);
	CHECK_EQ(h.seen.rax, 700);
	CHECK_EQ(h.seen.rip, (uint64_t)probe_divide_insn);
}

static void test_nested(void)
{
	volatile uint64_t *p = (volatile uint64_t *)(DEMAND_VA + 2 * PAGE);
	struct exo_upcall_frame *in, *out;

	step("a fault inside the handler nests below it; both resolve");
	h.count = 0;
	h.max_depth = 0;
	h.nest_next = 1;
	fault_barrier();
	*p = 99;
	fault_barrier();
	CHECK_EQ(*p, 99);
	CHECK_EQ(h.count, 2);
	CHECK_EQ(h.max_depth, 2);
	in = h.inner;
	out = h.outer;
	CHECK(in != NULL && out != NULL);
	CHECK_EQ((uint64_t)out, T_XSTACK_TOP - sizeof(*out));
	CHECK_EQ(out->addr, (uint64_t)p);
	CHECK_EQ(in->addr, NEST_VA);
	CHECK_EQ((uint64_t)in & 15, 0);
	/* The inner frame lies below the handler's rsp, past the gap. */
	CHECK(h.inner_rsp < (uint64_t)out && h.inner_rsp > XSTACK_BASE);
	CHECK((uint64_t)in + sizeof(*in) <= h.inner_rsp - EXO_UPCALL_GAP);
	CHECK(exo_pte(NEST_VA) & EXO_PTE_P);
}

static void check_patterns(const struct exo_regs *r)
{
	const uint64_t *v = (const uint64_t *)r;

	for (int n = 0; n < 16; n++) {
		if (n != 7) { /* rsp */
			CHECK_EQ(v[n], REG_PATTERN(n));
		}
	}
}

static void test_registers(void)
{
	const uint64_t cf = 0x1, df = 0x400;

	step("every register, CF and DF survive an invalid opcode upcall");
	probe_regs_ud2();
	check_patterns(&probe_regs_after);
	CHECK_EQ(probe_regs_after.rsp, probe_regs_rsp_before);
	CHECK_EQ(probe_regs_after.rflags & (cf | df), cf | df);
	/* The kernel saved them faithfully for the handler too. */
	check_patterns(&h.seen);
	CHECK_EQ(h.seen.rsp, probe_regs_rsp_before);
	CHECK_EQ(h.seen.rip, (uint64_t)probe_regs_ud2_insn);
	CHECK_EQ(h.seen.rflags & (cf | df), cf | df);

	step("every register survives a page fault that is resolved");
	h.count = 0;
	probe_regs_store();
	CHECK_EQ(h.count, 1);
	CHECK_EQ(h.addr, PROBE_STORE_VA);
	check_patterns(&probe_regs_after);
	CHECK_EQ(probe_regs_after.rsp, probe_regs_rsp_before);
	CHECK_EQ(probe_regs_after.rflags & (cf | df), cf | df);
	CHECK_EQ(*(volatile uint64_t *)PROBE_STORE_VA, REG_PATTERN(0));
}

/* A handler that faults again every time it runs. */
static int always_fault(struct exo_upcall_frame *f)
{
	return (int)*(volatile uint64_t *)UNMAPPED_VA;
}

static int child_recursive(uint64_t arg)
{
	handler_install(always_fault, NULL);
	return (int)*(volatile uint64_t *)UNMAPPED_VA;
}

/* A fault entry whose exception stack is not mapped. */
static int child_no_xstack(uint64_t divide)
{
	CHECK_EQ(exo_env_set_upcall(EXO_ENV_SELF, (uint64_t)exo_upcall_entry, 0,
				    NO_XSTACK_TOP, 0, 0),
		 0);
	if (divide) {
		return (int)probe_divide(divide);
	}
	return (int)*(volatile uint64_t *)UNMAPPED_VA;
}

static void test_upcall_fault(void)
{
	struct exo_exit_info info;
	exo_envid_t id;

	step("env_set_upcall: INVALID alignment or address, NOT_FOUND");
	CHECK_EQ(exo_env_set_upcall(EXO_ENV_SELF, (uint64_t)exo_upcall_entry, 0,
				    T_XSTACK_TOP - 8, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(EXO_ENV_SELF, KERNEL_VA, 0, T_XSTACK_TOP, 0,
				    0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(EXO_ENV_SELF, (uint64_t)exo_upcall_entry, 0,
				    KERNEL_VA, 0, 0),
		 EXO_ERR_INVALID);
	CHECK_EQ(exo_env_set_upcall(NO_SUCH_ENV, (uint64_t)exo_upcall_entry, 0,
				    T_XSTACK_TOP, 0, 0),
		 EXO_ERR_NOT_FOUND);
	/* A failed call changed nothing: our handler still works. */
	h.count = 0;
	CHECK_EQ(probe_ud2(), 1);
	CHECK_EQ(h.count, 1);

	step("a handler that always faults ends its env: UPCALL_FAULT");
	id = child_spawn(child_recursive, 0);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_UPCALL_FAULT);
	CHECK_EQ(info.vector, VEC_PF);
	CHECK(info.addr == UNMAPPED_VA ||
	      (info.addr < XSTACK_BASE && info.addr >= XSTACK_BASE - PAGE));

	step("a fault entry without a mapped exception stack: UPCALL_FAULT");
	id = child_spawn(child_no_xstack, 0);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_UPCALL_FAULT);
	CHECK_EQ(info.vector, VEC_PF);
	CHECK_EQ(info.addr, UNMAPPED_VA);
	id = child_spawn(child_no_xstack, 5);
	info = child_wait(id);
	CHECK_EQ(info.reason, EXO_EXIT_UPCALL_FAULT);
	CHECK_EQ(info.vector, VEC_DE);
	CHECK_EQ(info.rip, (uint64_t)probe_divide_insn);
}

static volatile uint64_t *preempt_shared;

static int count_preempt(struct exo_upcall_frame *f)
{
	volatile uint64_t *s = preempt_shared;

	s[S_KIND] = f->kind;
	s[S_VECTOR] = f->vector;
	/* The context handed back was running on the normal stack. */
	if (f->regs.rsp > T_XSTACK_TOP || f->regs.rsp <= XSTACK_BASE) {
		s[S_ON_STACK]++;
	}
	s[S_PREEMPTS]++;
	return 0;
}

static int child_spinner(uint64_t arg)
{
	volatile uint64_t *s = shared_wait(0);

	preempt_shared = s;
	handler_install(probe_handler, count_preempt);
	while (s[S_PREEMPTS] < 3) {
		s[S_SPINS]++;
	}
	s[S_INFO_PREEMPTS] = exo_env_info()->preemptions;
	return 0;
}

static void test_preempt(void)
{
	volatile uint64_t *s = shared_new(0);
	exo_envid_t id;

	step("a spinning child gets preemption upcalls while we yield");
	id = child_spawn(child_spinner, 0);
	shared_give(id, 0);
	wait_for(&s[S_PREEMPTS], 3);
	child_expect_exit(id, 0);
	CHECK(s[S_PREEMPTS] >= 3);
	CHECK_EQ(s[S_KIND], EXO_UPCALL_PREEMPT);
	CHECK_EQ(s[S_VECTOR], 0);
	CHECK_EQ(s[S_ON_STACK], s[S_PREEMPTS]);
	CHECK(s[S_INFO_PREEMPTS] >= 3);
	CHECK(s[S_SPINS] > 0);
	shared_free(0);
}

int main(void)
{
	check_begin("upcall");
	handler_install(handler, NULL);
	test_demand();
	test_skip_and_repair();
	test_nested();
	test_registers();
	test_upcall_fault();
	test_preempt();
	return check_end();
}
