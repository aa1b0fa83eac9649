/* SPDX-License-Identifier: MIT */
/*
 * sched.crash: a deliberately broken policy for the live-swap test, built
 * only as a module image (with sched.rr and policy.c compiled in). It is
 * round-robin (it forwards every op to a sched.rr instance of its own),
 * except that its CRASH_AFTER-th pick_next faults (a store through a null
 * pointer) before touching anything. Loaded from a boot module and
 * swapped in at run time, the fault is caught by the gate, and the slot
 * rolls back to the policy before it.
 */
#include <stdint.h>
#include <stdlib.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

#include <sched/policies.h>

#define CRASH_AFTER 3

struct crash {
	struct sched base;
	struct sched *rr;
	uint64_t picks;
};

static struct sched *in(struct sched *s)
{
	return ((struct crash *)s)->rr;
}

static int c_attach(struct sched *s, struct thread *t, uint64_t now)
{
	return sched_attach(in(s), t, now);
}

static void c_detach(struct sched *s, struct thread *t)
{
	sched_detach(in(s), t);
}

static void c_enqueue(struct sched *s, struct thread *t, uint64_t now)
{
	sched_enqueue(in(s), t, now);
}

static void c_dequeue(struct sched *s, struct thread *t)
{
	sched_dequeue(in(s), t);
}

static struct thread *c_pick_next(struct sched *s, uint64_t now)
{
	struct crash *c = (struct crash *)s;

	if (++c->picks == CRASH_AFTER) {
		*(volatile uint64_t *)(uintptr_t)(c->picks / 1000) = now;
	}
	return sched_pick_next(c->rr, now);
}

static bool c_tick(struct sched *s, struct thread *cur, uint64_t ran_flags,
		   uint64_t now)
{
	return in(s)->ops->tick(in(s), cur, ran_flags, now);
}

static bool c_preempts(struct sched *s, const struct thread *cur,
		       const struct thread *woken)
{
	return sched_preempts(in(s), cur, woken);
}

static int c_set_param(struct sched *s, struct thread *t,
		       const struct sched_param *p, uint64_t now)
{
	return sched_set_param(in(s), t, p, now);
}

static void c_stats(struct sched *s, struct sched_stats *out)
{
	sched_stats(in(s), out);
}

static int64_t c_export(struct sched *s, struct sched_state *buf, size_t cap,
			uint64_t now)
{
	return sched_export_state(in(s), buf, cap, now);
}

static int c_import(struct sched *s, const struct sched_state *st,
		    sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	return sched_import_state(in(s), st, resolve, ctx, now);
}

static void c_forget(struct sched *s)
{
	in(s)->ops->forget(in(s));
	((struct crash *)s)->picks = 0;
}

static const struct sched_ops crash_ops = {
	.attach = c_attach,
	.detach = c_detach,
	.enqueue = c_enqueue,
	.dequeue = c_dequeue,
	.pick_next = c_pick_next,
	.tick = c_tick,
	.preempts = c_preempts,
	.block = sched_default_block,
	.release = sched_default_release,
	.before = sched_default_before,
	.set_param = c_set_param,
	.stats = c_stats,
	.export_state = c_export,
	.import_state = c_import,
	.forget = c_forget,
};

static struct crash crash_one = { .base.ops = &crash_ops };

/*
 * A fresh instance: the image's data segment holds it (a restore gives
 * the image a fresh data segment, so the round-robin inside is made
 * again; the one of a faulted instance is not freed, its data may be
 * damaged).
 */
static int crash_init(void **self)
{
	struct crash *c = &crash_one;

	c->picks = 0;
	if (!c->rr) {
		c->rr = sched_rr_new();
	}
	if (!c->rr) {
		return EXO_ERR_NO_MEMORY;
	}
	*self = &c->base;
	return 0;
}

/* Its own descriptor; sched.rr's, compiled into the image too, is weak. */
MODULE_DESCRIPTOR(crash_module) = {
	MODULE_DESC_HEADER,
	.iface = "sched",
	.iface_major = SCHED_IFACE_MAJOR,
	.iface_minor = SCHED_IFACE_MINOR,
	.name = "sched.crash",
	.impl_major = 1,
	.state_version = SCHED_MODULE_STATE,
	.state_min = SCHED_MODULE_STATE_MIN,
	.ops_size = sizeof(struct sched_ops),
	.ops = &crash_ops,
	.init = crash_init,
	.export_state = sched_module_export,
	.import_state = sched_module_import,
	.fini = sched_module_fini,
};
