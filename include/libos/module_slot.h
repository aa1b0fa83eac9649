/* SPDX-License-Identifier: MIT */
/*
 * Gated slots: an interface served by a module that can be swapped while
 * the program runs, with its state, and that heals itself when the module
 * fails (DESIGN.md §5, docs/modules.md).
 *
 * Callers reach a gated slot through the family's inline wrappers:
 *
 *	struct module_call c;
 *	int err = module_gate_enter(&kv_slot, &c);
 *	if (err)
 *		return err;         (the slot is refused, or healing failed)
 *	err = KV_OPS->put(kv_slot.self, key, value);
 *	module_gate_leave(&kv_slot, &c);
 *
 * module_gate_enter counts the caller in and records where to resume: if
 * the module faults, or overruns its time budget (the watchdog), the
 * libOS exception handler unwinds the call to that point and
 * module_gate_enter returns a second time, with EXO_ERR_FAULT (a fault)
 * or EXO_ERR_BUSY (an overrun). The next caller then heals the slot:
 * restore (a fresh instance with the last exported state), roll back to
 * the previous module, fall back to the built-in one, refuse the module -
 * escalating when failures follow each other closely.
 *
 * One thread of control per environment today: the chain of active calls
 * (module_call_top) is global. A thread library switches it per thread.
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
#define MODULE_GATE_WATCH 2 /* health window: calls are counted aside */
#define MODULE_GATE_HEAL 3 /* a call failed: the next caller heals */
#define MODULE_GATE_REFUSED 4 /* nothing left to serve: calls fail */

struct module_gate {
	volatile uint32_t state; /* MODULE_GATE_* */
	volatile uint32_t inflight; /* callers inside the module */
	uint64_t calls; /* calls let in */
};
_Static_assert(sizeof(struct module_gate) == 16, "gate layout (gate.S)");

/* A resume point on the caller's stack (laid out for gate.S). */
struct module_call {
	uint64_t rip, rsp, rbp, rbx, r12, r13, r14, r15;
	struct module_call *prev;
	struct module_slot *slot;
	uint64_t counted; /* 1: a gate call (counted in inflight) */
};
_Static_assert(offsetof(struct module_call, prev) == 64, "call (gate.S)");
_Static_assert(offsetof(struct module_call, slot) == 72, "call (gate.S)");
_Static_assert(offsetof(struct module_call, counted) == 80, "call (gate.S)");

/* The innermost active module call, or NULL. */
extern struct module_call *module_call_top;

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
	struct module_gate gate; /* first: the hot path reads it */
	const void *ops; /* the serving ops table */
	void *self; /* its instance */
	struct module_want want; /* what callers need */
	struct module_inst cur; /* serving */
	struct module_inst prev; /* the last good one, for rollback */
	const struct module_desc *builtin; /* the fallback, or NULL */
	void *ckpt; /* last exported state blob (malloc), or NULL */
	uint64_t ckpt_size;
	uint64_t window_calls; /* health window after a swap, in calls */
	uint64_t window_end; /* gate.calls when the window closes */
	uint64_t budget_ticks; /* watchdog: longest call (0: no watchdog) */
	uint64_t drain_cycles; /* swap: how long to wait for callers */
	uint32_t failures; /* consecutive failures (escalation level) */
	uint64_t last_failure; /* gate.calls at the last failure */
	int heal_reason; /* EXO_ERR_FAULT or EXO_ERR_BUSY */
	uint64_t fault_vector, fault_pc; /* the last fault caught */
	int quiet; /* 1: healing is counted in stats, not logged */
	struct module_slot_stats stats;
	struct module_slot *next; /* the list of all gated slots */
};

/* Defaults: a window of 16 calls, failures 64 calls apart do not
 * escalate, callers drained within 10^7 cycles. */
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
 * module_gate_enter - count a caller into @s and record @c as where to
 * resume. Returns 0 to go on (the caller must module_gate_leave), or
 * EXO_ERR_STATE (the slot is refused), EXO_ERR_BUSY (healing could not
 * drain), an error of healing; and, a second time, EXO_ERR_FAULT or
 * EXO_ERR_BUSY when the call was unwound.
 */
int module_gate_enter(struct module_slot *s, struct module_call *c)
	__attribute__((returns_twice));

static inline void module_gate_leave(struct module_slot *s,
				     struct module_call *c)
{
	__asm__ volatile("" ::: "memory");
	module_call_top = c->prev;
	s->gate.inflight--;
}

/*
 * module_guard - like module_gate_enter, for the framework's own calls of
 * entry points: records a resume point, counts no caller. Leave with
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
 * format both can use), EXO_ERR_BUSY (drain deadline passed), the errors
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
