/* SPDX-License-Identifier: MIT */
/*
 * Gated slots: an interface served by a module that can be swapped while
 * the program runs, with its state, and that heals itself when the module
 * fails (DESIGN.md §5, docs/modules.md).
 *
 * Callers reach a gated slot through the family's inline wrappers, each
 * one MODULE_GATE_CALL:
 *
 *	static inline int kv_put(uint64_t key, uint64_t value)
 *	{
 *		return (int)MODULE_GATE_CALL(&kv_slot,
 *					     offsetof(struct kv_ops, put),
 *					     key, value, 0);
 *	}
 *
 * The gate pushes a resume record (struct module_call) on the caller's
 * stack and links it into the chain of active calls, checks that
 * the gate is open, and calls the op with the slot's instance. If the
 * module faults, or overruns its time budget (the watchdog), the libOS
 * exception handler resumes the caller right after the call with
 * EXO_ERR_FAULT (a fault) or EXO_ERR_BUSY (an overrun) as the op's result.
 * The next caller then heals the slot: restore (a fresh instance with the
 * last exported state), roll back to the previous module, fall back to the
 * built-in one, refuse the module - escalating when failures follow each
 * other within a probation period.
 *
 * So that resuming needs nothing but the record, the gate tells the
 * compiler that a call clobbers every register but rbp and rsp: values
 * live across it are kept in the caller's frame. Ops therefore return
 * their result in rax as a status or count (negative EXO_ERR_* on
 * failure), and take at most three arguments after the instance. Callers
 * must be built without a red zone (the libOS flags are). The gate pushes
 * four words, so the op starts with the stack aligned as the ABI wants
 * whenever the caller's was; it does not realign a misaligned one.
 *
 * A swap drains a slot by waiting until no record in any thread's chain
 * names it. One thread of control per environment today: the chain
 * (module_call_top) is global; a thread library keeps one per thread and
 * answers module_slot_busy_hook for the others.
 */
#ifndef LIBOS_MODULE_SLOT_H
#define LIBOS_MODULE_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include <exo/abi.h>
#include <libos/module.h>
#include <libos/module_loader.h>

/* Gate states (struct module_gate.state); anything but OPEN is slow. */
#define MODULE_GATE_OPEN 0
#define MODULE_GATE_CLOSED 1 /* a swap or healing holds callers back */
#define MODULE_GATE_WATCH 2 /* a health window or probation: calls counted */
#define MODULE_GATE_HEAL 3 /* a call failed: the next caller heals */
#define MODULE_GATE_REFUSED 4 /* nothing left to serve: calls fail */

struct module_gate {
	volatile uint32_t state; /* MODULE_GATE_* */
	uint32_t watched; /* calls let in while WATCH */
};

/*
 * A resume record. The gate pushes the first three words (prev on top),
 * above them a padding word that keeps the stack's alignment; the resume
 * address is the return address of its call of the op, just
 * below the record, and must be one of the gate sites the build recorded
 * (section module_gate_sites). module_guard fills a whole record.
 */
struct module_call {
	struct module_call *prev;
	uintptr_t slot; /* struct module_slot *, | MODULE_CALL_* */
	uint64_t rbp;
	uint64_t rip, rsp, rbx, r12, r13, r14, r15; /* module_guard only */
};
#define MODULE_CALL_SEEN 0x1ul /* the watchdog is timing it */
#define MODULE_CALL_GUARD 0x2ul /* a module_guard record */
#define MODULE_CALL_FLAGS 0x7ul
_Static_assert(offsetof(struct module_call, slot) == 8, "call (gate.S)");
_Static_assert(offsetof(struct module_call, rbp) == 16, "call (gate.S)");
_Static_assert(offsetof(struct module_call, rip) == 24, "call (gate.S)");
_Static_assert(offsetof(struct module_call, r15) == 72, "call (gate.S)");

struct module_slot;

/* The innermost active module call, or NULL. */
extern struct module_call *module_call_top;

/*
 * A thread library's answer to "is a thread other than the caller inside
 * a call to @s?" (NULL: there are no other threads).
 */
extern int (*module_slot_busy_hook)(const struct module_slot *s);

/* One implementation that serves or served a slot. */
struct module_inst {
	const struct module_desc *desc; /* NULL: none */
	struct module_image *image; /* NULL: built in (linked statically) */
	void *self; /* its instance, when live */
	int live; /* init ran and fini did not */
};

struct module_slot_stats {
	uint64_t swaps, aborts, rollbacks, restores, fallbacks, refusals;
	uint64_t faults, overruns;
	uint64_t last_downtime; /* cycles callers were held, last swap */
	uint64_t last_total; /* cycles of the whole last swap */
	uint64_t last_state_bytes;
};

struct module_slot {
	struct module_gate gate; /* first: the gate reads it */
	const void *ops; /* the serving ops table (the gate reads it) */
	void *self; /* its instance (the gate reads it) */
	struct module_want want; /* what callers need */
	struct module_inst cur; /* serving */
	struct module_inst prev; /* the last good one, for rollback */
	const struct module_desc *builtin; /* the fallback, or NULL */
	void *ckpt; /* last exported state blob (malloc), or NULL */
	uint64_t ckpt_size;
	uint32_t window_calls; /* health window after a swap, in calls */
	uint32_t window_end; /* gate.watched when the window closes */
	uint64_t budget_ticks; /* watchdog: longest call (0: no watchdog) */
	uint64_t drain_cycles; /* swap: how long to wait for callers */
	uint32_t failures; /* failures in a row (escalation level); a
			      * probation of MODULE_QUIET_CALLS calls
			      * without one resets it */
	int heal_reason; /* EXO_ERR_FAULT or EXO_ERR_BUSY */
	uint64_t fault_vector, fault_pc; /* the last fault caught */
	int quiet; /* 1: healing is counted in stats, not logged */
	struct module_slot_stats stats;
	struct module_slot *next; /* the list of all gated slots */
	/*
	 * A read-only copy of the checkpoint in pages of its own, out of
	 * reach of a module's stray writes: healing takes a damaged ckpt
	 * back from it (when it copies that very ckpt).
	 */
	const void *ckpt_ro; /* the copy (module_sys->mops), or NULL */
	uint64_t ckpt_ro_span; /* bytes mapped */
	const void *ckpt_ro_of; /* the ckpt it copies */
};
_Static_assert(offsetof(struct module_slot, ops) == 8, "slot (gate)");
_Static_assert(offsetof(struct module_slot, self) == 16, "slot (gate)");

/* Defaults: a window of 16 calls, a probation of 64 calls after healing,
 * callers drained within 10^7 cycles. */
#define MODULE_WINDOW_CALLS 16
#define MODULE_QUIET_CALLS 64
#define MODULE_DRAIN_CYCLES 10000000ull

/* What the module framework needs from its surroundings. */
struct module_sys {
	uint64_t (*cycles)(void); /* a cycle counter */
	uint64_t (*ticks)(void); /* timer ticks, for the watchdog */
	void (*relax)(void); /* let others run while waiting */
	void (*log)(const char *line); /* one line, no newline */
	const struct module_exports *exports;
	const struct module_map_ops *mops;
	void *mctx;
};

/* The libOS's (libos/module/exo.c); host tests set their own. */
extern const struct module_sys *module_sys;

/* The libOS export table offered to module images. */
extern const struct module_exports module_exports_libos;

/*
 * MODULE_GATE_CALL - call the op at byte offset @off (a constant) of
 * @slot's ops table as op(self, @a1, @a2, @a3) through the gate (and
 * MODULE_GATE_CALL0..2 with fewer arguments). Evaluates to the op's result
 * (int64_t), or EXO_ERR_FAULT / EXO_ERR_BUSY when the call was unwound,
 * EXO_ERR_STATE when the slot is refused, EXO_ERR_NOSYS when the serving
 * module lacks the op, or an error of healing.
 *
 * Through an open gate: push the record (padding, rbp, slot, the chain's
 * head), link it, call the op from s->ops with s->self, unlink, drop the
 * record: nine instructions over a direct call.
 * A gate that is not open has s->ops pointing at a table whose every entry
 * is module_gate_closed_op (gate.S), which waits, heals or refuses, then
 * goes on to the real op or returns the error; so the open path has no
 * test of its own.
 */
/* The gate's instructions; its resume address and op offset are recorded
 * in section module_gate_sites. */
#define MODULE_GATE_ASM_                                                       \
	"sub $8, %%rsp\n\t"                                                    \
	"push %%rbp\n\t"                                                       \
	"push %%r10\n\t"                                                       \
	"pushq module_call_top(%%rip)\n\t"                                     \
	"mov %%rsp, module_call_top(%%rip)\n\t"                                \
	"mov 16(%%r10), %%rdi\n\t"                                             \
	"mov 8(%%r10), %%r11\n\t"                                              \
	"call *%c[op](%%r11)\n"                                                \
	"1:\tpopq module_call_top(%%rip)\n\t"                                  \
	"add $24, %%rsp\n\t"                                                   \
	".pushsection module_gate_sites, \"aw\"\n\t"                           \
	".balign 8\n\t"                                                        \
	".quad 1b, %c[op]\n\t"                                                 \
	".popsection"

/* Everything but rbp and rsp: see above. */
#define MODULE_GATE_CLOBBERS_                                                  \
	"rdi", "r8", "r9", "r11", "rbx", "r12", "r13", "r14", "r15", "memory", \
		"cc"

/*
 * The arguments are evaluated into plain variables first: a function call
 * between setting a register variable and the asm would clobber it.
 */
#define MODULE_GATE_CALL(slot, off, a1, a2, a3)                                \
	({                                                                     \
		struct module_slot *gate_s_ = (slot);                          \
		uint64_t gate_a1_ = (uint64_t)(a1), gate_a2_ = (uint64_t)(a2), \
			 gate_a3_ = (uint64_t)(a3);                            \
		register struct module_slot *gate_r10_ __asm__("r10") =        \
			gate_s_;                                               \
		register uint64_t gate_rsi_ __asm__("rsi") = gate_a1_;         \
		register uint64_t gate_rdx_ __asm__("rdx") = gate_a2_;         \
		register uint64_t gate_rcx_ __asm__("rcx") = gate_a3_;         \
		int64_t gate_ret_;                                             \
		__asm__ volatile(MODULE_GATE_ASM_                              \
				 : "=a"(gate_ret_), "+r"(gate_r10_),           \
				   "+r"(gate_rsi_), "+r"(gate_rdx_),           \
				   "+r"(gate_rcx_)                             \
				 : [op] "i"(off)                               \
				 : MODULE_GATE_CLOBBERS_);                     \
		gate_ret_;                                                     \
	})

/* The same with fewer arguments: unused registers are left alone. */
#define MODULE_GATE_CALL0(slot, off)                                           \
	({                                                                     \
		struct module_slot *gate_s_ = (slot);                          \
		register struct module_slot *gate_r10_ __asm__("r10") =        \
			gate_s_;                                               \
		int64_t gate_ret_;                                             \
		__asm__ volatile(MODULE_GATE_ASM_                              \
				 : "=a"(gate_ret_), "+r"(gate_r10_)            \
				 : [op] "i"(off)                               \
				 : MODULE_GATE_CLOBBERS_, "rsi", "rdx",        \
				   "rcx");                                     \
		gate_ret_;                                                     \
	})

#define MODULE_GATE_CALL1(slot, off, a1)                                       \
	({                                                                     \
		struct module_slot *gate_s_ = (slot);                          \
		uint64_t gate_a1_ = (uint64_t)(a1);                            \
		register struct module_slot *gate_r10_ __asm__("r10") =        \
			gate_s_;                                               \
		register uint64_t gate_rsi_ __asm__("rsi") = gate_a1_;         \
		int64_t gate_ret_;                                             \
		__asm__ volatile(MODULE_GATE_ASM_                              \
				 : "=a"(gate_ret_), "+r"(gate_r10_),           \
				   "+r"(gate_rsi_)                             \
				 : [op] "i"(off)                               \
				 : MODULE_GATE_CLOBBERS_, "rdx", "rcx");       \
		gate_ret_;                                                     \
	})

#define MODULE_GATE_CALL2(slot, off, a1, a2)                                   \
	({                                                                     \
		struct module_slot *gate_s_ = (slot);                          \
		uint64_t gate_a1_ = (uint64_t)(a1), gate_a2_ = (uint64_t)(a2); \
		register struct module_slot *gate_r10_ __asm__("r10") =        \
			gate_s_;                                               \
		register uint64_t gate_rsi_ __asm__("rsi") = gate_a1_;         \
		register uint64_t gate_rdx_ __asm__("rdx") = gate_a2_;         \
		int64_t gate_ret_;                                             \
		__asm__ volatile(MODULE_GATE_ASM_                              \
				 : "=a"(gate_ret_), "+r"(gate_r10_),           \
				   "+r"(gate_rsi_), "+r"(gate_rdx_)            \
				 : [op] "i"(off)                               \
				 : MODULE_GATE_CLOBBERS_, "rcx");              \
		gate_ret_;                                                     \
	})

/*
 * module_guard - record a resume point in @c, like setjmp, for the
 * framework's own calls of a module's entry points: returns 0, and again
 * EXO_ERR_FAULT / EXO_ERR_BUSY if the module faults or overruns before
 * module_unguard.
 */
int module_guard(struct module_slot *s, struct module_call *c)
	__attribute__((returns_twice));

static inline void module_unguard(struct module_call *c)
{
	__asm__ volatile("" ::: "memory");
	module_call_top = c->prev;
}

/*
 * module_slot_init - set up slot @s (want filled in) served by the built-in
 * module @builtin (or nothing, NULL, until a swap), and list it.
 * Return: 0, EXO_ERR_NOSYS (@builtin does not fit; the why is logged) or
 * its init's error.
 */
int module_slot_init(struct module_slot *s, const struct module_desc *builtin);

/*
 * module_slot_fini - stop serving @s: finish its instances, unload its
 * images, drop its checkpoint; calls then fail with EXO_ERR_STATE until
 * module_slot_init. No caller may be inside.
 */
void module_slot_fini(struct module_slot *s);

/* What a swap or rollback did. */
struct module_swap_report {
	int result; /* 0 or the error */
	char why[MODULE_ERROR_MAX]; /* on failure, the rule or step */
	uint64_t downtime; /* cycles callers were held at the gate */
	uint64_t total; /* cycles of the whole operation */
	uint64_t state_bytes; /* state payload moved */
	uint16_t state_version; /* its format */
};

/*
 * module_slot_swap - DESIGN.md §5 steps 2-4 (and the start of 5): make a
 * fresh instance of @d (from @image, or built in when NULL), close the gate
 * and drain callers within s->drain_cycles, export the old state, import
 * it, re-point, reopen, and open a health window of s->window_calls calls
 * during which a failure rolls back. On any failure the old module goes on
 * serving unchanged and the new instance is discarded. @image (from
 * malloc) belongs to the slot from this call on: on failure it is unloaded
 * and freed.
 * Return (also in @r): 0, EXO_ERR_NOSYS (@d does not fit, or no state
 * format both can use), EXO_ERR_EXISTS (@d is serving already), EXO_ERR_BUSY (drain deadline passed), the errors
 * of init, export_state or import_state, EXO_ERR_CORRUPT (the blob failed
 * its checksum), EXO_ERR_FAULT (an entry point faulted), EXO_ERR_NO_MEMORY.
 */
int module_slot_swap(struct module_slot *s, const struct module_desc *d,
		     struct module_image *image, struct module_swap_report *r);

/*
 * module_slot_swap_image - load module image @file (@size bytes, kept
 * readable while loaded) with module_sys's export table and pages, then
 * module_slot_swap to it. The load's refusal lands in @r->why.
 */
int module_slot_swap_image(struct module_slot *s, const void *file,
			   uint64_t size, struct module_swap_report *r);

/*
 * module_slot_rollback - go back to the previous module now (an
 * application's request). Return: 0, EXO_ERR_NOT_FOUND (no previous), or
 * the swap's errors.
 */
int module_slot_rollback(struct module_slot *s, struct module_swap_report *r);

/*
 * module_slot_checkpoint - export the serving module's state as the one a
 * restore starts from. A fault or overrun while exporting heals the slot
 * (the checkpoint before stays). Return: 0 or the errors of export_state
 * (EXO_ERR_FAULT, EXO_ERR_BUSY after healing).
 */
int module_slot_checkpoint(struct module_slot *s);

/*
 * module_slot_check - run the serving module's health check now; if it
 * fails, heal the slot at once (as after a fault). Return: 0 (healthy),
 * or the health check's error after healing (the slot may be refused).
 */
int module_slot_check(struct module_slot *s);

/*
 * module_slot_report - the caller saw the serving module fail in a way the
 * gate cannot (a wrong answer, say; @err says how, an EXO_ERR_*): heal
 * the slot on its next call, as after a fault.
 */
void module_slot_report(struct module_slot *s, int err);

/*
 * module_state_import_blob - check blob @blob (@size bytes) and import it
 * into instance @self of @d. Return: 0, EXO_ERR_INVALID / EXO_ERR_CORRUPT
 * (module_state_check), EXO_ERR_NOSYS (a format @d does not read), or
 * import_state's error.
 */
int module_state_import_blob(const struct module_desc *d, void *self,
			     const void *blob, uint64_t size);

/*
 * module_state_export_blob - export @self of @d in format @version as a
 * sealed blob from malloc (*@blob, *@size). Return: 0, EXO_ERR_NOSYS,
 * EXO_ERR_NO_MEMORY or export_state's error.
 */
int module_state_export_blob(const struct module_desc *d, void *self,
			     uint16_t version, void **blob, uint64_t *size);

/*
 * module_upcall - the libOS exception handler's hook: a fault during a
 * module call, or a preemption that finds a call over its budget, is
 * unwound to the call's resume point. Return: 1 if @f was rewritten to
 * resume there, 0 if it is not the modules' business.
 */
int module_upcall(struct exo_upcall_frame *f);

/*
 * module_healing_enable - install module_upcall in the libOS's upcall
 * dispatch (faults and preemptions). Return: 0 or EXO_ERR_*.
 */
int module_healing_enable(void);

/* The gated slots, in the order they were set up. */
struct module_slot *module_slot_first(void);

/* The built-in (statically linked) module named @name, or NULL. */
const struct module_desc *module_builtin_find(const char *name);

/*
 * module_desc_of_impl - a descriptor standing for @impl, an implementation
 * announced with LIBOS_IMPL (<libos/slot.h>) and linked in, so a gated slot
 * can serve it, swap to it and from it like a module: its ops, self and
 * init, its version and its state entry points (the optional fields of
 * struct libos_impl). It has one instance, @impl->self. Return: the
 * descriptor (filled on first use, kept for the program's life), or NULL
 * when @impl is not a linked-in record, its names do not fit
 * MODULE_NAME_MAX, or more than MODULE_IMPL_MAX records are in use.
 */
#define MODULE_IMPL_MAX 32
struct libos_impl;
const struct module_desc *module_desc_of_impl(const struct libos_impl *impl);

/* How many built-in modules the program has, and the @i-th (or NULL). */
size_t module_builtin_count(void);
const struct module_desc *module_builtin_at(size_t i);

/*
 * module_slot_describe - one line about @s into @buf: interface, serving
 * and previous module with versions, gate state, calls, counters.
 */
void module_slot_describe(const struct module_slot *s, char *buf, size_t len);

/* The module serving @s, or NULL. */
static inline const struct module_desc *
module_slot_current(const struct module_slot *s)
{
	return s->cur.desc;
}

#endif
