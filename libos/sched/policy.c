/* SPDX-License-Identifier: MIT */
/*
 * What the policies share: default ops, parameter checks, the set of
 * attached threads, a heap of threads, and the state format (export,
 * checks, import). Pure logic: it runs on the host unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/sched_impl.h>

void sched_default_block(struct sched *s, struct thread *t,
			 struct sched_obj *obj)
{
}

void sched_default_release(struct sched *s, struct thread *owner,
			   struct sched_obj *obj)
{
}

bool sched_default_before(struct sched *s, const struct thread *a,
			  const struct thread *b)
{
	return false;
}

void sched_thread_fresh(struct thread *t)
{
	t->state = SCHED_T_NEW;
	t->blocked_on = NULL;
	t->q_next = t->q_prev = NULL;
	t->heap_idx = t->all_idx = 0;
	t->eff_prio = t->param.prio;
	t->pass = 0;
}

void sched_param_defaults(struct sched_param *p)
{
	if (p->prio == 0) {
		p->prio = SCHED_PRIO_DEFAULT;
	}
	if (p->tickets == 0) {
		p->tickets = SCHED_TICKETS_DEFAULT;
	}
}

int sched_param_check(const struct sched_param *p)
{
	if (p->prio < 0 || p->prio > SCHED_PRIO_MAX) {
		return EXO_ERR_INVALID;
	}
	if (p->tickets == 0 || p->tickets > SCHED_TICKETS_MAX) {
		return EXO_ERR_INVALID;
	}
	if (p->period == 0) {
		return p->deadline || p->budget ? EXO_ERR_INVALID : 0;
	}
	if (p->budget == 0 || p->budget > p->deadline ||
	    p->deadline > p->period) {
		return EXO_ERR_INVALID;
	}
	return 0;
}

int sched_set_param_stored(struct sched *s, struct thread *t,
			   const struct sched_param *p, uint64_t now)
{
	int err = sched_param_check(p);

	if (err) {
		return err;
	}
	t->param = *p;
	return 0;
}

bool sched_preempts_never(struct sched *s, const struct thread *cur,
			  const struct thread *woken)
{
	return false;
}

/* Set of attached threads. */

int sched_set_grow(struct sched_set *set, uint32_t want)
{
	struct thread **v;

	if (want <= set->cap) {
		return 0;
	}
	v = realloc(set->v, want * sizeof(*v));
	if (!v) {
		return EXO_ERR_NO_MEMORY;
	}
	set->v = v;
	set->cap = want;
	return 0;
}

int sched_set_reserve(struct sched_set *set)
{
	if (set->n < set->cap) {
		return 0;
	}
	return sched_set_grow(set, set->cap ? set->cap * 2 : 16);
}

uint32_t sched_state_room(const struct sched_state *st)
{
	return st->magic == SCHED_STATE_MAGIC && st->count <= THREAD_MAX
		       ? st->count
		       : 0;
}

void sched_set_add(struct sched_set *set, struct thread *t)
{
	set->v[set->n] = t;
	t->all_idx = ++set->n;
}

void sched_set_remove(struct sched_set *set, struct thread *t)
{
	uint32_t i = t->all_idx - 1;

	set->v[i] = set->v[--set->n];
	set->v[i]->all_idx = i + 1;
	t->all_idx = 0;
}

void sched_set_free(struct sched_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}

/* The heap. */

static bool less(const struct sched_heap *h, const struct thread *a,
		 const struct thread *b)
{
	return a->q_key < b->q_key ||
	       (a->q_key == b->q_key && a->q_seq < b->q_seq);
}

static void place(struct sched_heap *h, uint32_t i, struct thread *t)
{
	h->v[i] = t;
	t->heap_idx = i + 1;
}

static void sift_up(struct sched_heap *h, uint32_t i)
{
	struct thread *t = h->v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!less(h, t, h->v[p])) {
			break;
		}
		place(h, i, h->v[p]);
		i = p;
	}
	place(h, i, t);
}

static void sift_down(struct sched_heap *h, uint32_t i)
{
	struct thread *t = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n) {
			break;
		}
		if (c + 1 < h->n && less(h, h->v[c + 1], h->v[c])) {
			c++;
		}
		if (!less(h, h->v[c], t)) {
			break;
		}
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

int sched_heap_reserve(struct sched_heap *h, uint32_t want)
{
	uint32_t cap = h->cap ? h->cap : 16;
	struct thread **v;

	if (want <= h->cap) {
		return 0;
	}
	while (cap < want) {
		cap *= 2;
	}
	v = realloc(h->v, cap * sizeof(*v));
	if (!v) {
		return EXO_ERR_NO_MEMORY;
	}
	h->v = v;
	h->cap = cap;
	return 0;
}

void sched_heap_push(struct sched_heap *h, struct thread *t)
{
	place(h, h->n++, t);
	sift_up(h, h->n - 1);
}

void sched_heap_remove(struct sched_heap *h, struct thread *t)
{
	uint32_t i = t->heap_idx - 1;
	struct thread *last = h->v[--h->n];

	t->heap_idx = 0;
	if (i == h->n) {
		return;
	}
	place(h, i, last);
	if (i > 0 && less(h, last, h->v[(i - 1) / 2])) {
		sift_up(h, i);
	} else {
		sift_down(h, i);
	}
}

struct thread *sched_heap_pop(struct sched_heap *h)
{
	struct thread *t = sched_heap_min(h);

	if (t) {
		sched_heap_remove(h, t);
	}
	return t;
}

void sched_heap_free(struct sched_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

/* Insertion sort: export is rare, and this needs no memory. */
void sched_rank_by(struct thread **v, uint32_t n,
		   uint64_t (*key)(const struct thread *t), uint32_t first)
{
	for (uint32_t i = 1; i < n; i++) {
		struct thread *t = v[i];
		uint64_t k = key(t);
		uint32_t j = i;

		while (j > 0 &&
		       (key(v[j - 1]) > k ||
			(key(v[j - 1]) == k && v[j - 1]->q_seq > t->q_seq))) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
	for (uint32_t i = 0; i < n; i++) {
		v[i]->q_rank = first + i;
	}
}

/* The state format. */

uint64_t sched_state_sum(const void *p, size_t n)
{
	return module_words_sum(p, n);
}

/*
 * The state the module entry points are moving in module state format 2
 * (framed): sched_module_export sets framed_out to the buffer it hands
 * to the policy's export op, sched_module_import sets framed_in to the
 * state whose frame the module framework has checked. Each is taken (and
 * cleared) by the one sched_state_write or sched_state_check of that
 * buffer, and cleared again by the entry point when the op returns. Any
 * other buffer is a state on its own: summed when written, and its sum
 * checked (a framed one refused) when read.
 */
static const void *framed_out, *framed_in;

/* Every field of the record written (no padding): no memset first. */
static void rec_fill(struct sched_thread_rec *r, const struct thread *t,
		     uint32_t qpos)
{
	const struct sched_obj *on = t->blocked_on;

	r->id = t->id;
	r->state = t->state;
	r->blocked_kind = on ? on->kind : 0;
	r->blocked_id = on ? on->id : 0;
	r->queue_pos = qpos;
	r->eff_prio = t->eff_prio;
	r->prio = t->param.prio;
	r->tickets = t->param.tickets;
	r->period = t->param.period;
	r->deadline = t->param.deadline;
	r->budget = t->param.budget;
	r->pass = t->pass;
	r->abs_deadline = t->abs_deadline;
	r->next_release = t->next_release;
	r->budget_left = t->budget_left;
	r->wake_at = t->wake_at;
	r->runtime = t->runtime;
	r->flags = t->flags;
	r->reserved = 0;
}

int64_t sched_state_write(const struct sched_set *set, const char *name,
			  struct sched_state *buf, size_t cap, uint64_t now)
{
	size_t size = sched_state_size(set->n);
	bool framed = buf == framed_out;

	if (cap < size) {
		return EXO_ERR_TOO_BIG;
	}
	framed_out = NULL;
	memset(buf, 0, sizeof(*buf));
	buf->magic = SCHED_STATE_MAGIC;
	buf->version = SCHED_STATE_VERSION;
	buf->count = set->n;
	buf->record_size = sizeof(struct sched_thread_rec);
	buf->flags = framed ? SCHED_STATE_F_FRAMED : 0;
	strncpy(buf->policy, name, SCHED_POLICY_NAME - 1);
	buf->now = now;
	for (uint32_t i = 0; i < set->n; i++) {
		const struct thread *t = set->v[i];

		rec_fill(&buf->rec[i], t,
			 t->state == SCHED_T_RUNNABLE ? t->q_rank
						      : SCHED_QPOS_NONE);
	}
	/* A framed state is summed once, by its frame. */
	buf->checksum = framed ? 0
			       : sched_state_sum(buf->rec,
						 set->n * sizeof(buf->rec[0]));
	return (int64_t)size;
}

int sched_state_check(const struct sched_state *st)
{
	if (st->magic != SCHED_STATE_MAGIC) {
		return EXO_ERR_CORRUPT;
	}
	if (SCHED_STATE_MAJOR(st->version) !=
	    SCHED_STATE_MAJOR(SCHED_STATE_VERSION)) {
		return EXO_ERR_NOSYS;
	}
	if (st->record_size < sizeof(struct sched_thread_rec) ||
	    st->count > THREAD_MAX) {
		return EXO_ERR_CORRUPT;
	}
	if (st->flags & SCHED_STATE_F_FRAMED) {
		/* Only inside the frame just checked, and without a sum. */
		bool inside = st == framed_in && st->checksum == 0;

		framed_in = NULL;
		return inside ? 0 : EXO_ERR_CORRUPT;
	}
	if (sched_state_sum(st->rec, (size_t)st->count * st->record_size) !=
	    st->checksum) {
		return EXO_ERR_CORRUPT;
	}
	return 0;
}

static const struct sched_thread_rec *rec_at(const struct sched_state *st,
					     uint32_t i)
{
	return (const struct sched_thread_rec *)((const char *)st->rec +
						 (size_t)i * st->record_size);
}

void sched_state_apply(struct thread *t, const struct sched_thread_rec *r)
{
	t->state = r->state;
	t->eff_prio = r->eff_prio;
	t->param.prio = r->prio;
	t->param.tickets = r->tickets;
	t->param.period = r->period;
	t->param.deadline = r->deadline;
	t->param.budget = r->budget;
	t->pass = r->pass;
	t->abs_deadline = r->abs_deadline;
	t->next_release = r->next_release;
	t->budget_left = r->budget_left;
	t->wake_at = r->wake_at;
	t->runtime = r->runtime;
	t->flags = r->flags;
}

/*
 * The order to queue the @queued RUNNABLE records of @st in: by
 * queue_pos, equal positions in record order (a stable sort). Exports
 * number them 0 .. queued-1, each once: then each goes straight to its
 * place, O(n); anything else takes an insertion sort.
 */
static void queue_order(const struct sched_state *st, uint32_t *order,
			uint32_t queued)
{
	uint32_t i, n = 0;

	for (i = 0; i < queued; i++) {
		order[i] = SCHED_QPOS_NONE;
	}
	for (i = 0; i < st->count; i++) {
		const struct sched_thread_rec *r = rec_at(st, i);

		if (r->state != SCHED_T_RUNNABLE) {
			continue;
		}
		if (r->queue_pos >= queued ||
		    order[r->queue_pos] != SCHED_QPOS_NONE) {
			break;
		}
		order[r->queue_pos] = i;
	}
	if (i == st->count) {
		return;
	}
	for (i = 0; i < st->count; i++) {
		uint32_t j, pos = rec_at(st, i)->queue_pos;

		if (rec_at(st, i)->state != SCHED_T_RUNNABLE) {
			continue;
		}
		for (j = n; j > 0 && rec_at(st, order[j - 1])->queue_pos > pos;
		     j--) {
			order[j] = order[j - 1];
		}
		order[j] = i;
		n++;
	}
}

/* Enqueue the @queued RUNNABLE threads of @st (attached) in their order. */
static int queue_in_order(struct sched *s, const struct sched_state *st,
			  sched_resolve_fn resolve, void *ctx, uint64_t now,
			  uint32_t queued)
{
	uint32_t *order = malloc(queued * sizeof(*order));

	if (!order) {
		return EXO_ERR_NO_MEMORY;
	}
	queue_order(st, order, queued);
	for (uint32_t i = 0; i < queued; i++) {
		struct thread *t = resolve(ctx, rec_at(st, order[i])->id);

		t->state = SCHED_T_NEW;
		sched_enqueue(s, t, now);
	}
	free(order);
	return 0;
}

int sched_state_import(struct sched *s, const struct sched_state *st,
		       sched_resolve_fn resolve, void *ctx, uint64_t now)
{
	uint32_t i, done = 0, queued = 0;
	int err = sched_state_check(st);

	if (err) {
		return err;
	}
	for (i = 0; i < st->count; i++) {
		if (!resolve(ctx, rec_at(st, i)->id)) {
			return EXO_ERR_NOT_FOUND;
		}
	}
	for (done = 0; done < st->count; done++) {
		const struct sched_thread_rec *r = rec_at(st, done);
		struct thread *t = resolve(ctx, r->id);
		uint32_t state = r->state;

		sched_state_apply(t, r);
		/* attach wants a thread that is not queued. */
		t->state = SCHED_T_NEW;
		err = sched_attach(s, t, now);
		if (err) {
			goto err_detach;
		}
		t->state = state == SCHED_T_RUNNABLE ? SCHED_T_NEW : state;
		if (state == SCHED_T_RUNNABLE) {
			queued++;
		}
	}
	/*
	 * Queue in the exported order, position 0 first (a stable sort, so
	 * duplicate or missing positions only change the order: every
	 * RUNNABLE record is queued exactly once).
	 */
	if (queued) {
		err = queue_in_order(s, st, resolve, ctx, now, queued);
		if (err) {
			goto err_detach;
		}
	}
	return 0;

err_detach:
	/* Detach what was attached; every descriptor gets its record back. */
	for (i = 0; i <= done && i < st->count; i++) {
		struct thread *t = resolve(ctx, rec_at(st, i)->id);

		if (i < done) {
			t->state = SCHED_T_NEW;
			sched_detach(s, t);
		}
		sched_state_apply(t, rec_at(st, i));
	}
	return err;
}

/* The module entry points (SCHED_IMPL). */

#if !defined(AXO_MODULE_IMAGE)
const struct sched_module_host *sched_module_host;

const struct sched_module_host *sched_module_host_get(void)
{
	return sched_module_host;
}
#endif

int64_t sched_module_export(void *self, uint16_t version, void *buf,
			    uint64_t cap)
{
	struct sched *s = self;
	struct sched_stats st;
	size_t need;
	int64_t n;

	if (version < SCHED_MODULE_STATE_MIN || version > SCHED_MODULE_STATE) {
		return EXO_ERR_NOSYS;
	}
	if (!sched_module_host) {
		return EXO_ERR_STATE;
	}
	sched_stats(s, &st);
	need = sched_state_size(st.threads);
	if (!buf && cap == 0) {
		return (int64_t)need;
	}
	if (cap < need) {
		return EXO_ERR_TOO_BIG;
	}
	framed_out = version >= 2 ? buf : NULL;
	n = sched_export_state(s, buf, cap, sched_module_host->now());
	framed_out = NULL;
	return n;
}

int sched_module_import(void *self, uint16_t version, const void *buf,
			uint64_t len)
{
	struct sched *s = self;
	const struct sched_state *st = buf;
	int err;

	if (version < SCHED_MODULE_STATE_MIN || version > SCHED_MODULE_STATE) {
		return EXO_ERR_NOSYS;
	}
	if (!sched_module_host) {
		return EXO_ERR_STATE;
	}
	if (len < sizeof(*st) ||
	    (st->record_size &&
	     (len - sizeof(*st)) / st->record_size < st->count)) {
		return EXO_ERR_INVALID;
	}
	/* Format 2 is framed, format 1 a state on its own. */
	if (!(st->flags & SCHED_STATE_F_FRAMED) != (version < 2)) {
		return EXO_ERR_INVALID;
	}
	s->ops->forget(s);
	framed_in = version >= 2 ? buf : NULL;
	err = sched_import_state(s, st, sched_module_host->resolve,
				 sched_module_host->ctx,
				 sched_module_host->now());
	framed_in = NULL;
	return err;
}

void sched_module_fini(void *self)
{
	struct sched *s = self;

	s->ops->forget(s);
}
