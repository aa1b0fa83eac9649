/* SPDX-License-Identifier: MIT */
/*
 * For implementations of the scheduler interface ("sched"): the thread
 * descriptor a policy works on, the versioned state format every policy
 * exports and imports, how to register a policy, and helpers they share.
 *
 * A policy embeds struct sched first in its own state, keeps its ops
 * static, and announces itself:
 *
 *	static struct my_sched me = { .base.ops = &my_ops };
 *	SCHED_IMPL(my_impl, "sched.mine", &my_ops, &me.base,
 *		   LIBOS_PRIO_MODULE);
 *
 * Policies are pure logic: no system calls, no clock of their own (@now
 * is passed in), memory only through realloc/free (sched.stride and
 * sched.edf grow their heap in attach). The host tests link them as they
 * are and drive them with a fake clock.
 */
#ifndef LIBOS_SCHED_IMPL_H
#define LIBOS_SCHED_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exo/abi.h>
#include <libos/module.h>
#include <libos/sched.h>
#include <libos/slot.h>

/* Thread states (thread.state, and sched_thread_rec.state). */
#define SCHED_T_NEW 0 /* created, not yet queued */
#define SCHED_T_RUNNABLE 1 /* queued */
#define SCHED_T_RUNNING 2 /* the one on the CPU (never queued) */
#define SCHED_T_BLOCKED 3 /* on blocked_on (mutex, cond, sem, join) */
#define SCHED_T_SLEEPING 4 /* until wake_at */
#define SCHED_T_EXITED 5 /* ended, not yet joined */

/*
 * The thread descriptor. The first group is what the state format
 * carries; the second is scratch of the policy serving now (links and
 * keys, rebuilt by import); the third is the machinery's. Every field is
 * guarded by the preemption-off section.
 */
struct thread {
	/* Carried by the state format. */
	uint32_t id; /* 1 = main; never reused while alive */
	uint32_t state; /* SCHED_T_* */
	struct sched_param param; /* as set; policies never change it */
	int32_t eff_prio; /* prio with inheritance (sched.prio) */
	uint32_t flags; /* THREAD_F_* */
	uint64_t pass; /* sched.stride: virtual time of the next quantum */
	uint64_t abs_deadline; /* sched.edf: of the current job */
	uint64_t next_release; /* sched.edf: of the next job */
	uint64_t budget_left; /* sched.edf: of the current job */
	uint64_t wake_at; /* SLEEPING: tick to wake at */
	uint64_t runtime; /* ticks charged by tick() */
	struct sched_obj *blocked_on; /* BLOCKED, SLEEPING: on what */

	/* The serving policy's scratch. */
	struct thread *q_next, *q_prev; /* run-queue links */
	uint64_t q_seq; /* enqueue order (FIFO among equals) */
	uint64_t q_key; /* a heap policy's key, set before the push */
	uint32_t heap_idx; /* position in a heap policy's array, +1 */
	uint32_t q_rank; /* export: position in run order */
	uint32_t all_idx; /* position in the policy's thread array, +1 */

	/* The machinery's. */
	struct thread *wait_next; /* in blocked_on's waiter list */
	struct thread *sleep_next; /* in the sleep list */
	struct sched_obj *held; /* mutexes held (linked by held_next) */
	struct thread *all_next, *all_prev; /* every thread */
	struct sched_obj join_obj; /* what a joiner blocks on */
	struct exo_regs regs; /* saved context while not running */
	uint32_t saved_preempt_off; /* sched_preempt_off when switched out */
	uint32_t regs_full; /* all of regs valid (preempted, new thread) */
	uint32_t joined; /* a joiner is waiting (or has taken it) */
	int32_t saved_errno; /* errno while not running (each has its own) */
	struct module_call *mcall_top; /* module_call_top while not running */
	uint64_t stack_base, stack_size; /* a pager stack; its guard below */
	void *(*fn)(void *);
	void *arg;
	void *retval;
	void *tls[TLS_KEYS];
};

/* thread.flags */
#define THREAD_F_JOB_DONE 0x1u /* sched.edf: waiting for its next release */
#define THREAD_F_MISSED 0x2u /* sched.edf: this job missed its deadline */

/*
 * The state format, version 2.1: a header, then one record per thread,
 * all little-endian, fixed width. Clocks are absolute ticks of the
 * exporting program (the importer runs in the same program, so they stay
 * valid).
 *
 *	magic	SCHED_STATE_MAGIC
 *	version	SCHED_STATE_VERSION; an importer refuses a major it does not
 *		know (the high 16 bits) and ignores fields beyond what it
 *		knows of a newer minor (record_size says how far to skip)
 *	count	records that follow
 *	record_size  sizeof(struct sched_thread_rec) of the exporter
 *	flags	SCHED_STATE_F_* (2.1; 0 in 2.0)
 *	policy	name of the exporting policy (NUL-padded)
 *	now	the exporter's clock at export
 *	checksum  FNV-1a (64-bit) over the records, count * record_size bytes,
 *		taken as little-endian 64-bit words (the last one padded
 *		with zeros); version 1 took them byte by byte. 0 in a
 *		framed state.
 *
 * A framed state (SCHED_STATE_F_FRAMED) is one that travels only inside
 * a module state frame (struct module_state_hdr, module state format 2 of
 * the policies: SCHED_MODULE_STATE), whose checksum covers every byte of
 * it, header and records: the format's own checksum would sum the records
 * a second time, so it is left out. Only sched_module_import, for a
 * frame the module framework has checked, takes a framed state; anywhere
 * else it is refused as corrupt.
 *
 * Record: id, state (SCHED_T_*; RUNNING is the thread that was on the
 * CPU), blocked_on (object kind and id, 0 if none), queue_pos (0 is the
 * next to run among RUNNABLE threads; ~0 for threads not queued),
 * param, eff_prio, flags, pass, abs_deadline, next_release, budget_left,
 * wake_at, runtime.
 */
#define SCHED_STATE_MAGIC 0x54534843534f5841ull /* "AXOSCHST" */
#define SCHED_STATE_VERSION 0x00020001u /* 2.1 */
#define SCHED_STATE_MAJOR(v) ((v) >> 16)
#define SCHED_QPOS_NONE 0xffffffffu
#define SCHED_STATE_F_FRAMED 0x1u /* guarded by its module frame, no sum */

struct sched_thread_rec {
	uint32_t id;
	uint32_t state;
	uint32_t blocked_kind; /* SCHED_OBJ_* */
	uint32_t blocked_id;
	uint32_t queue_pos;
	int32_t eff_prio;
	int32_t prio;
	uint32_t tickets;
	uint64_t period, deadline, budget;
	uint64_t pass;
	uint64_t abs_deadline;
	uint64_t next_release;
	uint64_t budget_left;
	uint64_t wake_at;
	uint64_t runtime;
	uint32_t flags;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sched_thread_rec) == 112, "record layout");
_Static_assert(offsetof(struct sched_thread_rec, period) == 32,
	       "record layout");
_Static_assert(offsetof(struct sched_thread_rec, runtime) == 96,
	       "record layout");

#define SCHED_POLICY_NAME 16

struct sched_state {
	uint64_t magic;
	uint32_t version;
	uint32_t count;
	uint32_t record_size;
	uint32_t flags; /* SCHED_STATE_F_* */
	char policy[SCHED_POLICY_NAME];
	uint64_t now;
	uint64_t checksum;
	struct sched_thread_rec rec[];
};
_Static_assert(sizeof(struct sched_state) == 56, "state header layout");
_Static_assert(offsetof(struct sched_state, checksum) == 48,
	       "state header layout");

/* Bytes of a state with @threads records. */
static inline size_t sched_state_size(size_t threads)
{
	return sizeof(struct sched_state) +
	       threads * sizeof(struct sched_thread_rec);
}

/*
 * SCHED_IMPL - announce @self (a struct sched * whose ops are @ops) as
 * implementation @name of "sched", with priority @prio (LIBOS_PRIO_*).
 *
 * Built as a module image (axo_add_module defines AXO_MODULE_IMAGE) it is
 * the image's descriptor instead (SCHED_IMAGE below), so the same policy
 * source gives both a built-in implementation and an image.
 */
#if defined(AXO_MODULE_IMAGE)
#define SCHED_IMPL(var, name_, ops_, self_, prio_)                             \
	extern const struct module_desc axo_module __attribute__((weak));      \
	SCHED_IMAGE(var, name_, ops_, self_)
#else
#define SCHED_IMPL(var, name_, ops_, self_, prio_)                             \
	LIBOS_IMPL(var) = {                                                    \
		.iface = "sched",                                              \
		.major = SCHED_IFACE_MAJOR,                                    \
		.minor = SCHED_IFACE_MINOR,                                    \
		.name = (name_),                                               \
		.ops_size = sizeof(struct sched_ops),                          \
		.ops = (ops_),                                                 \
		.self = (self_),                                               \
		.priority = (prio_),                                           \
		.impl_major = 1,                                               \
		.state_version = SCHED_MODULE_STATE,                           \
		.state_min = SCHED_MODULE_STATE_MIN,                           \
		.export_state = sched_module_export,                           \
		.import_state = sched_module_import,                           \
		.fini = sched_module_fini,                                     \
	}
#endif

/*
 * SCHED_IMAGE - in a module image, its descriptor for the policy whose ops
 * are @ops and whose one instance is @self (in the image's data segment):
 * init makes it fresh (ops->forget), the state entry points are the
 * shared ones below, compiled into the image with policy.c. SCHED_IMPL
 * makes it weak, so that an image wrapping a policy (a test's faulty
 * policy around sched.rr) can define its own descriptor.
 */
#define SCHED_IMAGE(var, name_, ops_, self_)                                   \
	static int var##_init(void **self)                                     \
	{                                                                      \
		struct sched *s = (self_);                                     \
		s->ops = (ops_);                                               \
		s->ops->forget(s);                                             \
		*self = s;                                                     \
		return 0;                                                      \
	}                                                                      \
	MODULE_DESCRIPTOR(var) = {                                             \
		MODULE_DESC_HEADER,                                            \
		.iface = "sched",                                              \
		.iface_major = SCHED_IFACE_MAJOR,                              \
		.iface_minor = SCHED_IFACE_MINOR,                              \
		.name = name_,                                                 \
		.impl_major = 1,                                               \
		.state_version = SCHED_MODULE_STATE,                           \
		.state_min = SCHED_MODULE_STATE_MIN,                           \
		.ops_size = sizeof(struct sched_ops),                          \
		.ops = (ops_),                                                 \
		.init = var##_init,                                            \
		.export_state = sched_module_export,                           \
		.import_state = sched_module_import,                           \
		.fini = sched_module_fini,                                     \
	}

/*
 * The module entry points every policy shares (SCHED_IMPL sets them), so
 * that a gated slot can swap, roll back and restore it (struct
 * module_desc in <libos/module.h>). Module state formats: 1 is a
 * struct sched_state 2.x with its own checksum; 2 (SCHED_MODULE_STATE,
 * the newest) is a framed struct sched_state 2.1 (SCHED_STATE_F_FRAMED,
 * no checksum of its own: the frame's covers it). They work through the
 * policy's own ops:
 * - sched_module_export: export_state into @buf (with @buf NULL and @cap
 *   0, the length needed). Return: bytes, EXO_ERR_TOO_BIG, EXO_ERR_NOSYS
 *   (a format other than 1 and 2).
 * - sched_module_import: forget whatever the instance held (an instance
 *   that served before and was rolled back to), then import_state with
 *   the machinery's resolver and clock (sched_module_host). Format 2
 *   must be framed and 1 must not (else EXO_ERR_INVALID, nothing
 *   forgotten); a framed state is taken without a sum of its own, as the
 *   module framework checked its frame before the call. Return: as
 *   import_state; EXO_ERR_NOSYS (another format), EXO_ERR_STATE when no
 *   machinery is set.
 * - sched_module_fini: forget.
 */
#define SCHED_MODULE_STATE 2
#define SCHED_MODULE_STATE_MIN 1
int64_t sched_module_export(void *self, uint16_t version, void *buf,
			    uint64_t cap);
int sched_module_import(void *self, uint16_t version, const void *buf,
			uint64_t len);
void sched_module_fini(void *self);

/* What the entry points above need from the thread machinery. */
struct sched_module_host {
	sched_resolve_fn resolve;
	void *ctx;
	uint64_t (*now)(void);
};

/*
 * sched_module_host_get - the machinery the thread library set (NULL
 * before threads start). Exported to module images (export table 1.1),
 * whose copy of the entry points above reads it through this.
 */
const struct sched_module_host *sched_module_host_get(void);

#if defined(AXO_MODULE_IMAGE)
/* In an image: the libOS's, through the export table (after every use of
 * the struct's tag in this header). */
#define sched_module_host (sched_module_host_get())
#else
extern const struct sched_module_host *sched_module_host;
#endif

/*
 * Defaults for policies without inheritance or their own waiter order:
 * block and release do nothing; before is FIFO (false: keep order).
 */
void sched_default_block(struct sched *s, struct thread *t,
			 struct sched_obj *obj);
void sched_default_release(struct sched *s, struct thread *owner,
			   struct sched_obj *obj);
bool sched_default_before(struct sched *s, const struct thread *a,
			  const struct thread *b);

/*
 * Checks shared by every policy's attach and set_param: prio in range,
 * tickets in range, and period/deadline/budget either all zero or
 * 0 < budget <= deadline <= period. Return: 0 or EXO_ERR_INVALID.
 */
int sched_param_check(const struct sched_param *p);

/*
 * Ready-made ops for policies that derive nothing from a thread's
 * parameters: set_param that checks @p and stores it in t->param, and
 * preempts that never asks for a switch on a wake-up.
 */
int sched_set_param_stored(struct sched *s, struct thread *t,
			   const struct sched_param *p, uint64_t now);
bool sched_preempts_never(struct sched *s, const struct thread *cur,
			  const struct thread *woken);

/* Fill zero prio/tickets with the defaults (before sched_param_check). */
void sched_param_defaults(struct sched_param *p);

/*
 * sched_thread_fresh - make @t, a record a policy instance no longer holds
 * (after its forget op), fit to attach to a fresh one: new, on no queue,
 * no inherited priority, a stride pass of 0 (a fresh instance's virtual
 * time starts there). What a fork child does to the thread that forked.
 */
void sched_thread_fresh(struct thread *t);

/*
 * Every thread a policy has attached, in an array it grows with realloc
 * (thread.all_idx is each one's place, +1), so export can visit them all.
 */
struct sched_set {
	struct thread **v;
	uint32_t n, cap;
};

/* Make room for one more. Return: 0 or EXO_ERR_NO_MEMORY. */
int sched_set_reserve(struct sched_set *set);
/* Make room for @want in all. Return: 0 or EXO_ERR_NO_MEMORY. */
int sched_set_grow(struct sched_set *set, uint32_t want);
/* Add @t (room reserved), and remove it. */
void sched_set_add(struct sched_set *set, struct thread *t);
void sched_set_remove(struct sched_set *set, struct thread *t);
void sched_set_free(struct sched_set *set);

/*
 * A binary min-heap of threads keyed by thread.q_key, which the policy
 * sets before the push and leaves alone while the thread is queued (ties:
 * lower q_seq first); thread.heap_idx is each one's place, +1. Room is
 * reserved in attach (sched_heap_reserve) so push never fails.
 */
struct sched_heap {
	struct thread **v;
	uint32_t n, cap;
};

int sched_heap_reserve(struct sched_heap *h, uint32_t want);
void sched_heap_push(struct sched_heap *h, struct thread *t);
struct thread *sched_heap_pop(struct sched_heap *h);
void sched_heap_remove(struct sched_heap *h, struct thread *t);
static inline struct thread *sched_heap_min(const struct sched_heap *h)
{
	return h->n ? h->v[0] : NULL;
}
void sched_heap_free(struct sched_heap *h);

/*
 * sched_state_write - export helper: write the header (policy @name, @now)
 * and one record per thread of @set into @buf (@cap bytes). A queued
 * thread's position is its q_rank, which the policy sets first (it knows
 * its own order). The state is framed, without a checksum, when @buf is
 * the one sched_module_export is filling in module state format 2; else
 * summed. Return: bytes written, or EXO_ERR_TOO_BIG.
 */
int64_t sched_state_write(const struct sched_set *set, const char *name,
			  struct sched_state *buf, size_t cap, uint64_t now);

/*
 * sched_rank_by - sort the @n threads of @v by @key (ties by q_seq) and
 * set their q_rank to @first + their place. For heap policies' export:
 * the heap array is sorted in place (a sorted array is a valid heap),
 * so heap_idx must be refreshed afterwards.
 */
void sched_rank_by(struct thread **v, uint32_t n,
		   uint64_t (*key)(const struct thread *t), uint32_t first);

/*
 * sched_state_check - is @st a state this code can read? Return: 0, or
 * EXO_ERR_CORRUPT (magic, size or checksum wrong, or a framed state
 * outside the frame sched_module_import is taking), EXO_ERR_NOSYS
 * (another major version).
 */
int sched_state_check(const struct sched_state *st);

/*
 * sched_state_apply - copy record @r into descriptor @t (every field of
 * the format; blocked_on is the machinery's and is not touched).
 */
void sched_state_apply(struct thread *t, const struct sched_thread_rec *r);

/*
 * sched_state_import - the import every policy shares: check @st, then
 * for each record resolve the thread, apply the record, attach it
 * (through @s's ops), and finally enqueue the RUNNABLE ones in queue_pos
 * order. On error every thread attached so far is detached again.
 * Return: as struct sched_ops.import_state.
 */
int sched_state_import(struct sched *s, const struct sched_state *st,
		       sched_resolve_fn resolve, void *ctx, uint64_t now);

/*
 * sched_state_room - how many threads an import of @st will attach, for
 * an import op to make room in its arrays once (sched_set_grow,
 * sched_heap_reserve) before sched_state_import attaches them one by
 * one: st->count, or 0 when @st is not a state it could take (it is then
 * refused anyway). Reads only the header; checks nothing else.
 */
uint32_t sched_state_room(const struct sched_state *st);

/* sched_state_sum - the checksum of @n bytes at @p (FNV-1a 64 by words). */
uint64_t sched_state_sum(const void *p, size_t n);

#endif
