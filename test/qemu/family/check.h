/* SPDX-License-Identifier: MIT */
/*
 * What the family tests share: checks that end the program on the first
 * failure (destroying the children it started), pages shared with
 * children, a fault handler on an exception stack that children inherit,
 * and probes (probe.S) that turn a fault into a return value.
 *
 * The constants are also read by probe.S.
 */
#ifndef FAMILY_CHECK_H
#define FAMILY_CHECK_H

/* Pages shared with children: the parent's view and the children's. */
#define SHARED_PARENT_VA 0x0000600000000000
#define SHARED_CHILD_VA 0x0000610000000000
#define SHARED_PAGES 4

/* Where probe_regs_store stores rax: a page nobody maps in advance. */
#define PROBE_STORE_VA 0x0000620000000000

/*
 * The exception stack handler_install() maps. Unlike the runtime's own,
 * spawn_fn copies it into children, so a child can install a handler too.
 */
#define T_XSTACK_TOP 0x00007a0000000000
#define T_XSTACK_PAGES 8

/* The stack pointer a hand-made child is started with (raw_child_code). */
#define RAW_CHILD_RSP 0x500000

/* The value probe_regs_* load into general register @n (0 = rax). */
#define REG_PATTERN(n) (0x5a00000000000000 + (n)*0x0001000100010001)

#ifndef __ASSEMBLER__

#include <stdint.h>

#include <libos/runtime.h>

/* Checks passed so far. */
extern uint64_t checks_passed;

/*
 * CHECK - go on if @expr holds; else print "FAIL: file:line: expr", destroy
 * the children this environment started and exit with 1.
 */
#define CHECK(expr)                                                            \
	do {                                                                   \
		if (!(expr)) {                                                 \
			check_failed(__FILE_NAME__, __LINE__, #expr);          \
		}                                                              \
		checks_passed++;                                               \
	} while (0)

/* CHECK_EQ - CHECK(@got == @want), printing both (and status names). */
#define CHECK_EQ(got, want)                                                    \
	do {                                                                   \
		int64_t got_ = (int64_t)(got);                                 \
		int64_t want_ = (int64_t)(want);                               \
		if (got_ != want_) {                                           \
			check_failed_eq(__FILE_NAME__, __LINE__, #got, #want,  \
					got_, want_);                          \
		}                                                              \
		checks_passed++;                                               \
	} while (0)

_Noreturn void check_failed(const char *file, int line, const char *expr);
_Noreturn void check_failed_eq(const char *file, int line, const char *got,
			       const char *want, int64_t got_v, int64_t want_v);

/* Name the family ("env") that prefixes every line this program prints. */
void check_begin(const char *family);

/* Print "family: what" before a group of checks. */
void step(const char *what);

/* Print the summary line "family: all N checks passed"; return 0. */
int check_end(void);

/* Children. */

/* spawn_fn that must succeed; the child is destroyed if a check fails. */
exo_envid_t child_spawn(int (*fn)(uint64_t), uint64_t arg);

/* Note that @id was started by us (or that it ended: child_forget). */
void child_track(exo_envid_t id);
void child_forget(exo_envid_t id);

/* Wait for child @id to end (wait_child) and return its exit record. */
struct exo_exit_info child_wait(exo_envid_t id);

/* child_wait, then CHECK it exited normally with @code. */
void child_expect_exit(exo_envid_t id, int64_t code);

/* Pages shared with children (indices 0 .. SHARED_PAGES - 1). */

/* Allocate shared page @idx (zeroed) and map it at its parent address. */
volatile uint64_t *shared_new(int idx);

/* Map shared page @idx into @child at SHARED_CHILD_VA + @idx pages. */
void shared_give(exo_envid_t child, int idx);

/* Unmap shared page @idx from us and free it. */
void shared_free(int idx);

/* In a child: wait (yielding) until page @idx is mapped; return it. */
volatile uint64_t *shared_wait(int idx);

/* Time and waiting. */

/* Timer ticks since boot, from the system info page. */
uint64_t ticks(void);

/* Yield until *@p >= @v; CHECK that this happens within 5 s of ticks. */
void wait_for(const volatile uint64_t *p, uint64_t v);

/* Yield until @id is not runnable (yield to it returns STATE). */
void wait_blocked(exo_envid_t id);

/* Consume every pending notification; return their bits. */
uint64_t drain_notifications(void);

/* Faults. */

/*
 * handler_install - run @fault for faults (and @preempt for lost slices,
 * or NULL) on the exception stack below T_XSTACK_TOP, mapping it if this
 * environment does not have it yet.
 */
void handler_install(fault_handler_fn fault, fault_handler_fn preempt);

/*
 * The compiler cannot see a fault handler run in the middle of a plain
 * load or store: put this around one so memory is written before it and
 * read again after it.
 */
#define fault_barrier() __asm__ volatile("" ::: "memory")

/* What the last fault caught by a probe was. */
struct probe_fault {
	uint64_t count;
	uint64_t vector;
	uint64_t error;
	uint64_t addr;
};
extern struct probe_fault probe_last;

/* Probes (probe.S): 0 if the access worked, 1 if it faulted. */
int probe_read(uint64_t va);
int probe_write(uint64_t va, uint64_t value);

/*
 * probe_fixup - if @f is a fault inside a probe, record it in probe_last
 * and make the probe return 1. Return: 1 if it was, else 0.
 */
int probe_fixup(struct exo_upcall_frame *f);

/* A fault handler for probes only; any other fault fails the test. */
int probe_handler(struct exo_upcall_frame *f);

/* probe.S: faults at known instructions, for upcall handlers. */
uint64_t probe_ud2(void); /* ud2, then returns 1 if the handler skipped it */
uint64_t probe_divide(uint64_t n); /* n / rcx with rcx = 0 */
void probe_regs_ud2(void); /* REG_PATTERN in every register, ud2 */
void probe_regs_store(void); /* the same, storing rax at PROBE_STORE_VA */
extern char probe_ud2_insn[], probe_divide_insn[];
extern char probe_regs_ud2_insn[], probe_regs_store_insn[];

/* Position-independent code for a child populated by hand (probe.S). */
extern char raw_child_code[], raw_child_code_end[];

/* The registers probe_regs_* saw after the fault (rsp: after, too). */
extern struct exo_regs probe_regs_after;
extern uint64_t probe_regs_rsp_before;

#endif /* __ASSEMBLER__ */

#endif
