/* SPDX-License-Identifier: MIT */
/*
 * Gated slots: swapping (DESIGN.md §5 steps 2-6), health windows,
 * rollback, healing and the watchdog. Pure logic over struct module_sys,
 * so the host tests run it with a fake clock and real module images.
 *
 * Invariants: s->self belongs to s->cur, and s->ops is its ops table
 * exactly when the gate is open (set_state); s->prev.live only during a
 * health window, when the old instance waits, quiesced, in case of rollback; a module's entry points
 * run only with the gate not OPEN and under a resume point (module_guard),
 * so a fault in one is an error here, never a crash.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/module_slot.h>
#include <libos/slot.h>

struct module_call *module_call_top;

static struct module_slot *slots_head, **slots_tail = &slots_head;

int (*module_slot_busy_hook)(const struct module_slot *s);

/* Watchdog: since when it has timed the call it marked MODULE_CALL_SEEN. */
static uint64_t wd_since;

/* The gates' resume addresses and op offsets, gathered by the linker. */
struct gate_site {
	uint64_t resume, off;
};
extern const struct gate_site __start_module_gate_sites[] __attribute__((weak));
extern const struct gate_site __stop_module_gate_sites[] __attribute__((weak));

int module_gate_slow(struct module_slot *s, struct module_call *rec,
		     uint64_t resume, uint64_t *fn);
void module_gate_closed_op(void);

/* Every entry the closed op: MODULE_DESC ops are at most 4096 bytes. */
static const void *const module_closed_ops[512] = {
	[0 ... 511] = (const void *)module_gate_closed_op,
};
static int rollback(struct module_slot *s, struct module_swap_report *r,
		    int trust_cur);

static void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void mlog(const char *fmt, ...)
{
	char line[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	module_sys->log(line);
}

/* Healing's lines, unless the slot is quiet. */
#define hlog(s, ...)                                                           \
	do {                                                                   \
		if (!(s)->quiet) {                                             \
			mlog(__VA_ARGS__);                                     \
		}                                                              \
	} while (0)

static const char *inst_name(const struct module_inst *i, char *buf, size_t len)
{
	if (!i->desc) {
		snprintf(buf, len, "(none)");
	} else {
		snprintf(buf, len, "%s %u.%u.%u%s", i->desc->name,
			 i->desc->impl_major, i->desc->impl_minor,
			 i->desc->impl_patch, i->image ? "" : " (built in)");
	}
	return buf;
}

/* Entry points, each under a resume point: a fault becomes an error. */

/* Descriptors standing for LIBOS_IMPL records, by the record's index. */
static struct module_desc impl_descs[MODULE_IMPL_MAX];

static const struct libos_impl *impl_of(const struct module_desc *d)
{
	if (!(d->flags & MODULE_DESC_IMPL) || d < impl_descs ||
	    d >= impl_descs + MODULE_IMPL_MAX) {
		return NULL;
	}
	return libos_impl_at((size_t)(d - impl_descs));
}

static int copy_name(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= MODULE_NAME_MAX) {
		return 0;
	}
	memcpy(dst, src, n + 1);
	return 1;
}

const struct module_desc *module_desc_of_impl(const struct libos_impl *impl)
{
	struct module_desc *d;
	size_t i;

	for (i = 0; i < libos_impl_count() && libos_impl_at(i) != impl; i++) {
	}
	if (i == libos_impl_count() || i >= MODULE_IMPL_MAX) {
		return NULL;
	}
	d = &impl_descs[i];
	if (d->magic == MODULE_DESC_MAGIC) {
		return d;
	}
	if (!copy_name(d->iface, impl->iface) ||
	    !copy_name(d->name, impl->name) || impl->ops_size > 4096) {
		return NULL;
	}
	d->abi_major = MODULE_ABI_MAJOR;
	d->abi_minor = MODULE_ABI_MINOR;
	d->exports_major = MODULE_EXPORTS_MAJOR;
	d->exports_minor = MODULE_EXPORTS_MINOR;
	d->iface_major = impl->major;
	d->iface_minor = impl->minor;
	d->impl_major = impl->impl_major;
	d->impl_minor = impl->impl_minor;
	d->impl_patch = impl->impl_patch;
	d->state_version = impl->state_version;
	d->state_min = impl->state_min;
	d->flags = MODULE_DESC_IMPL;
	d->ops_size = (uint32_t)impl->ops_size;
	d->ops = impl->ops;
	d->quiesce = impl->quiesce;
	d->export_state = impl->export_state;
	d->import_state = impl->import_state;
	d->health = impl->health;
	d->fini = impl->fini;
	d->magic = MODULE_DESC_MAGIC;
	return d;
}

static int guarded_init(struct module_slot *s, const struct module_desc *d,
			void **self)
{
	const struct libos_impl *impl = impl_of(d);
	struct module_call c;
	int err = module_guard(s, &c);

	if (err) {
		return err;
	}
	if (impl) {
		/* One instance, the record's own. */
		*self = impl->self;
		err = impl->init ? impl->init(impl->self) : 0;
	} else {
		err = d->init(self);
	}
	module_unguard(&c);
	return err;
}

static int guarded_health(struct module_slot *s, const struct module_inst *i)
{
	struct module_call c;
	int err;

	if (!i->desc->health) {
		return 0;
	}
	err = module_guard(s, &c);
	if (err) {
		return err;
	}
	err = i->desc->health(i->self);
	module_unguard(&c);
	return err;
}

static void guarded_fini(struct module_slot *s, struct module_inst *i)
{
	struct module_call c;

	if (!i->live) {
		return;
	}
	i->live = 0;
	if (i->desc->fini && module_guard(s, &c) == 0) {
		i->desc->fini(i->self);
		module_unguard(&c);
	}
}

static void guarded_quiesce(struct module_slot *s, struct module_inst *i)
{
	struct module_call c;

	if (i->desc->quiesce && module_guard(s, &c) == 0) {
		i->desc->quiesce(i->self);
		module_unguard(&c);
	}
}

int module_state_export_blob(const struct module_desc *d, void *self,
			     uint16_t version, void **blob, uint64_t *size)
{
	struct module_state_hdr *h;
	int64_t need = d->export_state(self, version, NULL, 0);
	int64_t got;

	if (need < 0 && need != EXO_ERR_TOO_BIG) {
		return (int)need;
	}
	if (need < 0) {
		need = 0;
	}
	h = malloc(sizeof(*h) + (uint64_t)need + 1);
	if (!h) {
		return EXO_ERR_NO_MEMORY;
	}
	got = d->export_state(self, version, h + 1, (uint64_t)need);
	if (got < 0 || got > need) {
		free(h);
		return got < 0 ? (int)got : EXO_ERR_INVALID;
	}
	h->magic = MODULE_STATE_MAGIC;
	h->version = version;
	h->reserved = 0;
	h->length = (uint64_t)got;
	h->checksum = module_state_checksum(h + 1, (uint64_t)got);
	*blob = h;
	*size = sizeof(*h) + (uint64_t)got;
	return 0;
}

int module_state_import_blob(const struct module_desc *d, void *self,
			     const void *blob, uint64_t size)
{
	const struct module_state_hdr *h = blob;
	int err = module_state_check(blob, size);

	if (err) {
		return err;
	}
	if (h->version < d->state_min || h->version > d->state_version) {
		return EXO_ERR_NOSYS;
	}
	return d->import_state(self, h->version, h + 1, h->length);
}

static int guarded_export(struct module_slot *s, const struct module_inst *i,
			  uint16_t version, void **blob, uint64_t *size)
{
	struct module_call c;
	int err = module_guard(s, &c);

	if (err) {
		return err;
	}
	err = module_state_export_blob(i->desc, i->self, version, blob, size);
	module_unguard(&c);
	return err;
}

static int guarded_import(struct module_slot *s, const struct module_desc *d,
			  void *self, const void *blob, uint64_t size)
{
	struct module_call c;
	int err = module_guard(s, &c);

	if (err) {
		return err;
	}
	err = module_state_import_blob(d, self, blob, size);
	module_unguard(&c);
	return err;
}

/* The format two modules can pass state in: the newest both know. */
static int common_format(const struct module_desc *from,
			 const struct module_desc *to, uint16_t *v)
{
	uint16_t hi = from->state_version < to->state_version
			      ? from->state_version
			      : to->state_version;
	uint16_t lo = from->state_min > to->state_min ? from->state_min
						      : to->state_min;

	if (!from->state_version || !to->state_version) {
		*v = 0; /* one side keeps no state: nothing to move */
		return 0;
	}
	if (hi < lo) {
		return EXO_ERR_NOSYS;
	}
	*v = hi;
	return 0;
}

/* Drop the read-only copy of the checkpoint. */
static void unseal(struct module_slot *s)
{
	if (s->ckpt_ro) {
		module_sys->mops->unmap(module_sys->mctx,
					(uint64_t)(uintptr_t)s->ckpt_ro,
					s->ckpt_ro_span);
	}
	s->ckpt_ro = NULL;
	s->ckpt_ro_span = 0;
	s->ckpt_ro_of = NULL;
}

/*
 * Keep a read-only copy of the checkpoint, in pages of its own: a module
 * whose call went wild may have written anywhere in the heap, the
 * checkpoint included, and healing needs it then. Without pages (no
 * memory) there is simply no copy.
 */
static void seal(struct module_slot *s)
{
	const struct module_map_ops *mops = module_sys->mops;
	uint64_t span = (s->ckpt_size + 4095) & ~4095ul, va;

	unseal(s);
	if (!s->ckpt || !mops) {
		return;
	}
	va = mops->map(module_sys->mctx, span);
	if (!va) {
		return;
	}
	memcpy((void *)(uintptr_t)va, s->ckpt, s->ckpt_size);
	if (mops->protect(module_sys->mctx, va, span, MODULE_PROT_R)) {
		mops->unmap(module_sys->mctx, va, span);
		return;
	}
	s->ckpt_ro = (const void *)(uintptr_t)va;
	s->ckpt_ro_span = span;
	s->ckpt_ro_of = s->ckpt;
}

static void set_ckpt(struct module_slot *s, void *blob, uint64_t size)
{
	free(s->ckpt);
	s->ckpt = blob;
	s->ckpt_size = size;
	seal(s);
}

/*
 * Is the checkpoint sound? A damaged one is taken back from its
 * read-only copy. Return: 0 (also when there is none), or
 * EXO_ERR_CORRUPT / EXO_ERR_INVALID (damaged, and no sound copy).
 */
static int ckpt_sound(struct module_slot *s)
{
	int err;

	if (!s->ckpt) {
		return 0;
	}
	err = module_state_check(s->ckpt, s->ckpt_size);
	if (!err) {
		return 0;
	}
	if (s->ckpt_ro && s->ckpt_ro_of == s->ckpt &&
	    s->ckpt_ro_span >= s->ckpt_size &&
	    module_state_check(s->ckpt_ro, s->ckpt_size) == 0) {
		memcpy(s->ckpt, s->ckpt_ro, s->ckpt_size);
		hlog(s,
		     "module: %s: the checkpoint was damaged: taken back "
		     "from its read-only copy",
		     s->want.iface);
		return 0;
	}
	return err;
}

static struct module_slot *call_slot(const struct module_call *c)
{
	return (struct module_slot *)(c->slot & ~MODULE_CALL_FLAGS);
}

/* Is a caller inside @s: a gate record naming it in a chain? */
static int busy(const struct module_slot *s)
{
	for (const struct module_call *c = module_call_top; c; c = c->prev) {
		if (call_slot(c) == s && !(c->slot & MODULE_CALL_GUARD)) {
			return 1;
		}
	}
	return module_slot_busy_hook && module_slot_busy_hook(s);
}

/* Wait until no caller is inside, with the gate already closed. */
static int drain(struct module_slot *s, uint64_t t0)
{
	while (busy(s)) {
		if (module_sys->cycles() - t0 > s->drain_cycles) {
			return EXO_ERR_BUSY;
		}
		module_sys->relax();
	}
	return 0;
}

/*
 * The gate calls through s->ops: the serving module's table while the gate
 * is open, else a table whose every entry is module_gate_closed_op, which
 * waits, heals or refuses before going on to the real op. Every change of
 * state goes through here.
 */
static void set_state(struct module_slot *s, uint32_t st)
{
	s->gate.state = st;
	s->ops = st == MODULE_GATE_OPEN && s->cur.desc ? s->cur.desc->ops
						       : module_closed_ops;
}

static void point_at(struct module_slot *s, const struct module_inst *i)
{
	s->cur = *i;
	s->self = i->self;
	set_state(s, s->gate.state);
}

int module_slot_init(struct module_slot *s, const struct module_desc *builtin)
{
	char why[MODULE_ERROR_MAX];
	struct module_inst i = { 0 };
	int err;

	set_state(s, MODULE_GATE_REFUSED);
	s->builtin = builtin;
	if (!s->window_calls) {
		s->window_calls = MODULE_WINDOW_CALLS;
	}
	if (!s->drain_cycles) {
		s->drain_cycles = MODULE_DRAIN_CYCLES;
	}
	if (!s->next && slots_tail != &s->next) {
		*slots_tail = s;
		slots_tail = &s->next;
	}
	if (!builtin) {
		return 0;
	}
	err = module_desc_check(builtin, module_sys->exports, &s->want, why,
				sizeof(why));
	if (err) {
		mlog("module: %s: built-in %s refused: %s", s->want.iface,
		     builtin->name, why);
		return err;
	}
	i.desc = builtin;
	err = guarded_init(s, builtin, &i.self);
	if (err) {
		return err;
	}
	i.live = 1;
	point_at(s, &i);
	set_state(s, MODULE_GATE_OPEN);
	return 0;
}

static int fail(struct module_swap_report *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct module_swap_report *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	r->result = err;
	return err;
}

/*
 * Switch @s from its current module to @to (a fresh, live instance not yet
 * holding state), moving the state across. The gate must be closed and
 * drained. On failure nothing about @s has changed and @to is finished.
 */
static int transfer(struct module_slot *s, struct module_inst *to,
		    struct module_swap_report *r, void **blob_out,
		    uint64_t *size_out)
{
	struct module_inst *from = &s->cur;
	void *blob = NULL;
	uint64_t size = 0;
	uint16_t v = 0;
	int err = 0;

	if (from->desc && from->live) {
		err = common_format(from->desc, to->desc, &v);
		if (err) {
			return fail(r, err,
				    "no common state format (%u..%u, %u..%u)",
				    from->desc->state_min,
				    from->desc->state_version,
				    to->desc->state_min,
				    to->desc->state_version);
		}
		guarded_quiesce(s, from);
		if (v) {
			err = guarded_export(s, from, v, &blob, &size);
			if (err) {
				return fail(r, err, "export_state failed");
			}
		}
	} else if (s->ckpt && to->desc->state_version) {
		/* Nothing live to ask: start from the last checkpoint. */
		blob = malloc(s->ckpt_size);
		if (!blob) {
			return fail(r, EXO_ERR_NO_MEMORY,
				    "no memory for state");
		}
		memcpy(blob, s->ckpt, s->ckpt_size);
		size = s->ckpt_size;
		v = ((const struct module_state_hdr *)blob)->version;
	}
	if (blob) {
		err = guarded_import(s, to->desc, to->self, blob, size);
		if (err) {
			free(blob);
			return fail(r, err, "import_state refused format %u",
				    v);
		}
		r->state_bytes = size - sizeof(struct module_state_hdr);
		r->state_version = v;
	}
	*blob_out = blob;
	*size_out = size;
	return 0;
}

static int new_instance(struct module_slot *s, struct module_inst *i,
			struct module_swap_report *r)
{
	int err = guarded_init(s, i->desc, &i->self);

	if (err) {
		return fail(r, err, "init of %s failed", i->desc->name);
	}
	i->live = 1;
	return 0;
}

int module_slot_swap(struct module_slot *s, const struct module_desc *d,
		     struct module_image *image, struct module_swap_report *r)
{
	struct module_inst to = { .desc = d, .image = image };
	struct module_image *gone = NULL;
	char a[64], b[64];
	void *blob = NULL, *old_ckpt;
	uint64_t size = 0, t0 = module_sys->cycles(), t1;
	uint32_t old_state = s->gate.state;
	int err;

	memset(r, 0, sizeof(*r));
	snprintf(b, sizeof(b), "%s %u.%u.%u", d->name, d->impl_major,
		 d->impl_minor, d->impl_patch);
	err = module_desc_check(d, module_sys->exports, &s->want, r->why,
				sizeof(r->why));
	if (err) {
		r->result = err;
		goto out_log;
	}
	if (d == s->cur.desc) {
		err = fail(r, EXO_ERR_EXISTS, "it is already serving");
		goto out_log;
	}
	if (old_state == MODULE_GATE_CLOSED || s->prev.live) {
		err = fail(r, EXO_ERR_BUSY,
			   "a swap or health window is "
			   "in progress");
		goto out_log;
	}
	err = new_instance(s, &to, r);
	if (err) {
		goto out_log;
	}
	/* Step 2: close and drain; the deadline leaves the old one serving. */
	t1 = module_sys->cycles();
	set_state(s, MODULE_GATE_CLOSED);
	err = drain(s, t1);
	if (err) {
		fail(r, err, "callers did not drain before the deadline");
		goto err_reopen;
	}
	/* Step 3: state across. */
	err = transfer(s, &to, r, &blob, &size);
	if (err) {
		goto err_reopen;
	}
	/* Step 4: re-point and reopen, watching; tidying up comes after. */
	if (s->prev.image && s->prev.image != s->cur.image &&
	    s->prev.image != image) {
		gone = s->prev.image; /* the last good before: replaced */
	}
	old_ckpt = s->ckpt;
	s->prev = s->cur;
	point_at(s, &to);
	s->ckpt = blob;
	s->ckpt_size = size;
	s->failures = 0;
	s->gate.watched = 0;
	s->window_end = s->window_calls;
	set_state(s, s->prev.desc ? MODULE_GATE_WATCH : MODULE_GATE_OPEN);
	r->downtime = module_sys->cycles() - t1;
	free(old_ckpt);
	if (gone) {
		module_image_unload(gone);
		free(gone);
	}
	if (!s->prev.desc) {
		s->prev.live = 0;
	}
	s->stats.swaps++;
	s->stats.last_downtime = r->downtime;
	s->stats.last_state_bytes = r->state_bytes;
	/* Step 5 begins: the new one must be healthy at once. */
	err = guarded_health(s, &s->cur);
	r->total = module_sys->cycles() - t0;
	s->stats.last_total = r->total;
	mlog("module: %s: swap %s -> %s: downtime %lu cycles, total %lu "
	     "cycles, state %lu bytes (format %u)",
	     s->want.iface, inst_name(&s->prev, a, sizeof(a)),
	     inst_name(&s->cur, b, sizeof(b)), (unsigned long)r->downtime,
	     (unsigned long)r->total, (unsigned long)r->state_bytes,
	     r->state_version);
	if (err) {
		struct module_swap_report rb;

		rollback(s, &rb, 0);
		return fail(r, err, "health check failed: rolled back");
	}
	return 0;

err_reopen:
	set_state(s, old_state);
	r->downtime = module_sys->cycles() - t1;
	guarded_fini(s, &to);
	s->stats.aborts++;
out_log:
	if (image) {
		module_image_unload(image);
		free(image);
	}
	r->total = module_sys->cycles() - t0;
	mlog("module: %s: swap to %s refused: %s (%s)", s->want.iface, b,
	     r->why, exo_status_name(r->result));
	return r->result;
}

int module_slot_swap_image(struct module_slot *s, const void *file,
			   uint64_t size, struct module_swap_report *r)
{
	struct module_image *m = malloc(sizeof(*m));
	int err;

	memset(r, 0, sizeof(*r));
	if (!m) {
		return fail(r, EXO_ERR_NO_MEMORY, "no memory");
	}
	err = module_image_load(m, file, size, module_sys->exports, &s->want,
				module_sys->mops, module_sys->mctx);
	if (err) {
		fail(r, err, "%s", m->error);
		mlog("module: %s: image refused: %s (%s)", s->want.iface,
		     m->error, exo_status_name(err));
		free(m);
		return err;
	}
	return module_slot_swap(s, m->desc, m, r);
}

/*
 * Make @i serve again from the best state there is: the serving module's
 * own (when @from_cur and it still exports), else the checkpoint. @i gets a
 * fresh instance (and, for an image, fresh data).
 */
static int revive(struct module_slot *s, struct module_inst *i,
		  struct module_swap_report *r)
{
	int err;

	/* A damaged checkpoint: leave the instance as it is. */
	if (i->desc->state_version) {
		err = ckpt_sound(s);
		if (err) {
			return fail(r, err, "the checkpoint is damaged");
		}
	}
	if (i->image) {
		err = module_image_reset(i->image);
		if (err) {
			return fail(r, err, "image reset failed");
		}
	}
	i->live = 0;
	err = new_instance(s, i, r);
	if (err) {
		return err;
	}
	if (s->ckpt && i->desc->state_version) {
		err = guarded_import(s, i->desc, i->self, s->ckpt,
				     s->ckpt_size);
		if (err) {
			guarded_fini(s, i);
			return fail(r, err, "checkpoint not importable");
		}
	}
	return 0;
}

/* Step 6: the old instance goes; its image stays for a later rollback. */
static void retire(struct module_slot *s, struct module_inst *i)
{
	guarded_fini(s, i);
}

/*
 * Replace the serving module by @to (revived from state); the gate has been
 * closed since @closed_at (cycles), which makes the downtime reported.
 */
static int replace_by(struct module_slot *s, struct module_inst *to,
		      const char *what, struct module_swap_report *r,
		      uint64_t closed_at)
{
	struct module_inst old = s->cur;
	char a[64], b[64];
	int err;

	if (!to->live) {
		err = revive(s, to, r);
		if (err) {
			return err;
		}
	}
	inst_name(&old, a, sizeof(a)); /* before its image may go */
	point_at(s, to);
	/*
	 * The one replaced is not called again, not even its fini: its data
	 * may be damaged. Its image goes unless it is also the previous.
	 */
	if (old.image && old.image != to->image && old.image != s->prev.image) {
		module_image_unload(old.image);
		free(old.image);
	}
	r->downtime = module_sys->cycles() - closed_at;
	r->total = r->downtime;
	hlog(s, "module: %s: %s %s -> %s: downtime %lu cycles", s->want.iface,
	     what, a, inst_name(&s->cur, b, sizeof(b)),
	     (unsigned long)r->downtime);
	return 0;
}

/*
 * Back to s->prev, with the serving module's state (the updates since the
 * swap) when it is trusted (@trust_cur) or passes its health check;
 * otherwise the previous one keeps or restores what it had.
 */
static int rollback(struct module_slot *s, struct module_swap_report *r,
		    int trust_cur)
{
	struct module_inst to = s->prev;
	uint32_t st = s->gate.state;
	void *blob = NULL;
	uint64_t size, t0;
	uint16_t v;
	int err;

	memset(r, 0, sizeof(*r));
	if (!to.desc) {
		return fail(r, EXO_ERR_NOT_FOUND, "no previous module");
	}
	t0 = module_sys->cycles();
	set_state(s, MODULE_GATE_CLOSED);
	err = drain(s, t0);
	if (err) {
		set_state(s, st);
		return fail(r, err, "callers did not drain");
	}
	if ((trust_cur || guarded_health(s, &s->cur) == 0) && s->cur.live &&
	    s->cur.desc->state_version && to.desc->state_version &&
	    common_format(s->cur.desc, to.desc, &v) == 0 &&
	    guarded_export(s, &s->cur, v, &blob, &size) == 0) {
		if (!to.live) {
			set_ckpt(s, blob, size); /* revive imports it */
		} else if (guarded_import(s, to.desc, to.self, blob, size) ==
			   0) {
			set_ckpt(s, blob, size);
		} else {
			free(blob);
		}
	}
	s->prev = (struct module_inst){ 0 };
	err = replace_by(s, &to, "rollback", r, t0);
	if (err) {
		s->prev = to;
		set_state(s, MODULE_GATE_HEAL);
		return err;
	}
	s->stats.rollbacks++;
	s->failures = 0;
	set_state(s, MODULE_GATE_OPEN);
	return 0;
}

int module_slot_rollback(struct module_slot *s, struct module_swap_report *r)
{
	return rollback(s, r, 1);
}

static int heal(struct module_slot *s);

/*
 * The format of a checkpoint: the newest the serving module writes that
 * the modules healing may go back to (the previous one, the built-in)
 * read as well, so that a rollback or fallback can start from it when the
 * serving module can no longer be asked; its own newest if none shares
 * one.
 */
static uint16_t ckpt_format(const struct module_slot *s)
{
	const struct module_desc *back[2] = { s->prev.desc, s->builtin };
	uint16_t v = s->cur.desc->state_version, w;

	for (int k = 0; k < 2; k++) {
		if (back[k] && back[k] != s->cur.desc &&
		    back[k]->state_version &&
		    common_format(s->cur.desc, back[k], &w) == 0 && w < v) {
			v = w;
		}
	}
	return v;
}

static int checkpoint(struct module_slot *s)
{
	void *blob;
	uint64_t size;
	int err;

	if (!s->cur.desc || !s->cur.desc->state_version) {
		return 0;
	}
	err = guarded_export(s, &s->cur, ckpt_format(s), &blob, &size);
	if (!err) {
		set_ckpt(s, blob, size);
	}
	return err;
}

int module_slot_checkpoint(struct module_slot *s)
{
	int err = checkpoint(s);

	if ((err == EXO_ERR_FAULT || err == EXO_ERR_BUSY) &&
	    s->gate.state == MODULE_GATE_OPEN) {
		s->heal_reason = err;
		heal(s);
	}
	return err;
}

/* The health window is over: keep the new one if healthy. */
static int end_window(struct module_slot *s)
{
	struct module_swap_report r;
	int err = guarded_health(s, &s->cur);

	if (err) {
		mlog("module: %s: %s unhealthy at the end of its window (%s)",
		     s->want.iface, s->cur.desc->name, exo_status_name(err));
		return module_slot_rollback(s, &r);
	}
	retire(s, &s->prev);
	checkpoint(s);
	s->failures = 0;
	set_state(s, MODULE_GATE_OPEN);
	return 0;
}

/* Escalate: restore, roll back, fall back, refuse. */
static int heal(struct module_slot *s)
{
	struct module_swap_report r;
	uint64_t t0 = module_sys->cycles();
	char a[64];
	int level, err = EXO_ERR_STATE;

	set_state(s, MODULE_GATE_CLOSED);
	if (drain(s, t0)) {
		set_state(s, MODULE_GATE_HEAL);
		return EXO_ERR_BUSY;
	}
	if (s->heal_reason == EXO_ERR_BUSY) {
		hlog(s, "module: %s: %s overran its budget (at 0x%lx)",
		     s->want.iface, inst_name(&s->cur, a, sizeof(a)),
		     (unsigned long)s->fault_pc);
	} else if (s->heal_reason != EXO_ERR_FAULT) {
		hlog(s, "module: %s: %s failed its health check (%s)",
		     s->want.iface, inst_name(&s->cur, a, sizeof(a)),
		     exo_status_name(s->heal_reason));
	} else {
		hlog(s, "module: %s: %s faulted (vector %lu at 0x%lx)",
		     s->want.iface, inst_name(&s->cur, a, sizeof(a)),
		     (unsigned long)s->fault_vector,
		     (unsigned long)s->fault_pc);
	}
	if (s->prev.live) {
		/* Inside the health window: straight back. */
		err = rollback(s, &r, 0);
		if (!err) {
			return 0;
		}
	}
	/* The failed call may have left the state sound: keep it if so. */
	if (s->cur.live && s->cur.desc->state_version &&
	    guarded_health(s, &s->cur) == 0) {
		checkpoint(s);
	}
	/* A failure during probation goes one step further. */
	for (level = (int)s->failures + 1; level <= 4; level++) {
		struct module_inst i = { 0 };

		s->failures = (uint32_t)level;
		if (level == 1) {
			i = s->cur;
			err = revive(s, &i, &r);
			if (err && !i.live) {
				/*
				 * The failed instance was made fresh (init
				 * again, or its image's data reset): what it
				 * holds is no longer the state, so what
				 * follows starts from the checkpoint.
				 */
				s->cur.live = 0;
			} else if (!err) {
				point_at(s, &i);
				s->stats.restores++;
				hlog(s,
				     "module: %s: restored %s from its last "
				     "state: downtime %lu cycles",
				     s->want.iface, inst_name(&i, a, sizeof(a)),
				     (unsigned long)(module_sys->cycles() -
						     t0));
				break;
			}
		} else if (level == 2 && s->prev.desc) {
			err = rollback(s, &r, 0);
			if (!err) {
				break;
			}
		} else if (level == 3 && s->builtin &&
			   s->cur.desc != s->builtin) {
			i.desc = s->builtin;
			err = replace_by(s, &i, "fallback to built-in", &r, t0);
			if (!err) {
				s->stats.fallbacks++;
				break;
			}
		} else if (level == 4) {
			mlog("module: %s: refusing %s: no implementation left",
			     s->want.iface, inst_name(&s->cur, a, sizeof(a)));
			s->stats.refusals++;
			s->cur.live = 0;
			s->self = NULL;
			set_state(s, MODULE_GATE_REFUSED);
			return EXO_ERR_STATE;
		} else {
			continue; /* a step that cannot be taken */
		}
		hlog(s, "module: %s: %s failed: %s (%s)", s->want.iface,
		     level == 1	  ? "restore"
		     : level == 2 ? "rollback"
				  : "fallback",
		     r.why, exo_status_name(err));
	}
	/* Probation: the next MODULE_QUIET_CALLS calls are counted. */
	s->failures = (uint32_t)level;
	s->gate.watched = 0;
	s->window_end = MODULE_QUIET_CALLS;
	set_state(s, MODULE_GATE_WATCH);
	return 0;
}

void module_slot_report(struct module_slot *s, int err)
{
	if (s->gate.state == MODULE_GATE_REFUSED) {
		return;
	}
	s->heal_reason = err;
	s->fault_vector = 0;
	s->fault_pc = 0;
	set_state(s, MODULE_GATE_HEAL);
}

int module_slot_check(struct module_slot *s)
{
	int err;

	if (s->gate.state != MODULE_GATE_OPEN || !s->cur.live) {
		return 0;
	}
	err = guarded_health(s, &s->cur);
	if (err) {
		s->heal_reason = err;
		s->fault_vector = 0;
		s->fault_pc = 0;
		heal(s);
	}
	return err;
}

/* The gate site resuming at @pc, or NULL. */
static const struct gate_site *gate_site(uint64_t pc)
{
	for (const struct gate_site *p = __start_module_gate_sites;
	     p < __stop_module_gate_sites; p++) {
		if (p->resume == pc) {
			return p;
		}
	}
	return NULL;
}

/*
 * Called by module_gate_closed_op (gate.S): a gate call found the gate
 * not open. @rec is the caller's record, @resume its gate site. The record
 * is unlinked while waiting or healing, so a swap or healing does not wait
 * for it, and linked again before returning. Return 0 with *@fn the op
 * to go on to, or the error the call returns.
 */
int module_gate_slow(struct module_slot *s, struct module_call *rec,
		     uint64_t resume, uint64_t *fn)
{
	const struct gate_site *site = gate_site(resume);
	int r = 0;

	if (!site || call_slot(rec) != s) {
		return EXO_ERR_STATE; /* a direct call of a closed table */
	}
	module_call_top = rec->prev;
	for (;;) {
		uint32_t st = s->gate.state;

		if (st == MODULE_GATE_OPEN) {
			break;
		} else if (st == MODULE_GATE_CLOSED) {
			module_sys->relax();
		} else if (st == MODULE_GATE_WATCH) {
			if (++s->gate.watched <= s->window_end) {
				break;
			}
			end_window(s);
		} else if (st == MODULE_GATE_HEAL) {
			r = heal(s);
			if (r) {
				break;
			}
		} else {
			r = EXO_ERR_STATE;
			break;
		}
	}
	module_call_top = rec;
	if (r) {
		return r;
	}
	if (site->off + 8 > s->cur.desc->ops_size) {
		return EXO_ERR_NOSYS;
	}
	memcpy(fn, (const char *)s->cur.desc->ops + site->off, 8);
	return *fn ? 0 : EXO_ERR_NOSYS;
}

/*
 * Resume @f at @c's resume point with @err. Return 0 (and change nothing)
 * if the record cannot be trusted: a gate record whose resume address is
 * not a gate site means the stack was smashed.
 */
static int unwind(struct exo_upcall_frame *f, struct module_call *c, int err)
{
	struct module_slot *s = call_slot(c);

	if (c->slot & MODULE_CALL_GUARD) {
		f->regs.rip = c->rip;
		f->regs.rsp = c->rsp;
		f->regs.rbx = c->rbx;
		f->regs.r12 = c->r12;
		f->regs.r13 = c->r13;
		f->regs.r14 = c->r14;
		f->regs.r15 = c->r15;
		module_call_top = c->prev;
	} else {
		/* The gate's own epilogue unlinks the record. */
		uint64_t ret = ((const uint64_t *)c)[-1];

		if (!gate_site(ret)) {
			return 0;
		}
		f->regs.rip = ret;
		f->regs.rsp = (uint64_t)(uintptr_t)c;
		s->heal_reason = err;
		if (s->gate.state != MODULE_GATE_REFUSED) {
			set_state(s, MODULE_GATE_HEAL);
		}
	}
	f->regs.rbp = c->rbp;
	f->regs.rax = (uint64_t)(int64_t)err;
	f->regs.rflags &= ~0x400ul; /* DF clear, as the ABI expects */
	return 1;
}

/* @pc as an offset into the serving image, when it lies there. */
static uint64_t module_pc(const struct module_slot *s, uint64_t pc)
{
	if (s->cur.image && module_image_has_pc(s->cur.image, pc)) {
		return pc - s->cur.image->base;
	}
	return pc;
}

int module_upcall(struct exo_upcall_frame *f)
{
	struct module_call *c = module_call_top;
	struct module_slot *s;
	uint64_t now;

	if (!c) {
		return 0;
	}
	s = call_slot(c);
	if (f->kind == EXO_UPCALL_FAULT) {
		s->stats.faults++;
		s->fault_vector = f->vector;
		s->fault_pc = module_pc(s, f->regs.rip);
		return unwind(f, c, EXO_ERR_FAULT);
	}
	if (!s->budget_ticks) {
		return 0;
	}
	now = module_sys->ticks();
	if (!(c->slot & MODULE_CALL_SEEN)) {
		/* A call it has not seen yet: start timing it. */
		c->slot |= MODULE_CALL_SEEN;
		wd_since = now;
		return 0;
	}
	if (now - wd_since < s->budget_ticks) {
		return 0;
	}
	s->stats.overruns++;
	s->fault_vector = 0;
	s->fault_pc = module_pc(s, f->regs.rip);
	return unwind(f, c, EXO_ERR_BUSY);
}

struct module_slot *module_slot_first(void)
{
	return slots_head;
}

static void drop(struct module_slot *s, struct module_inst *i)
{
	guarded_fini(s, i);
	if (i->image && i->image != s->cur.image) {
		module_image_unload(i->image);
		free(i->image);
	}
	*i = (struct module_inst){ 0 };
}

void module_slot_fini(struct module_slot *s)
{
	set_state(s, MODULE_GATE_REFUSED);
	drop(s, &s->prev);
	s->self = NULL;
	guarded_fini(s, &s->cur);
	if (s->cur.image) {
		module_image_unload(s->cur.image);
		free(s->cur.image);
	}
	s->cur = (struct module_inst){ 0 };
	set_ckpt(s, NULL, 0);
}

/* Weak: a program with no built-in module has no section. */
extern const struct module_desc __start_libos_modules[] __attribute__((weak));
extern const struct module_desc __stop_libos_modules[] __attribute__((weak));

const struct module_desc *module_builtin_find(const char *name)
{
	for (const struct module_desc *d = __start_libos_modules;
	     d < __stop_libos_modules; d++) {
		if (strcmp(d->name, name) == 0) {
			return d;
		}
	}
	return NULL;
}

size_t module_builtin_count(void)
{
	return (size_t)(__stop_libos_modules - __start_libos_modules);
}

const struct module_desc *module_builtin_at(size_t i)
{
	return i < module_builtin_count() ? &__start_libos_modules[i] : NULL;
}

void module_slot_describe(const struct module_slot *s, char *buf, size_t len)
{
	static const char *const states[] = { "open", "closed", "watch", "heal",
					      "refused" };
	char a[64], b[64];

	snprintf(buf, len,
		 "%s %u.%u: %s, previous %s, gate %s, %lu swaps, "
		 "%lu rollbacks, %lu restores, %lu fallbacks, %lu faults, "
		 "%lu overruns",
		 s->want.iface, s->want.major, s->want.minor,
		 inst_name(&s->cur, a, sizeof(a)),
		 inst_name(&s->prev, b, sizeof(b)),
		 s->gate.state < 5 ? states[s->gate.state] : "?",
		 (unsigned long)s->stats.swaps,
		 (unsigned long)s->stats.rollbacks,
		 (unsigned long)s->stats.restores,
		 (unsigned long)s->stats.fallbacks,
		 (unsigned long)s->stats.faults,
		 (unsigned long)s->stats.overruns);
}
