/* SPDX-License-Identifier: MIT */
/* A FIFO of threads through q_next/q_prev, shared by the policies. */
#ifndef LIBOS_SCHED_FIFO_H
#define LIBOS_SCHED_FIFO_H

#include <stdint.h>

#include <libos/sched_impl.h>

struct sched_fifo {
	struct thread *head, *tail;
	uint32_t n;
	uint64_t seq; /* enqueue counter, copied into q_seq */
};

/* Append @t, marking it RUNNABLE. */
static inline void sched_fifo_push(struct sched_fifo *q, struct thread *t)
{
	t->q_next = NULL;
	t->q_prev = q->tail;
	if (q->tail) {
		q->tail->q_next = t;
	} else {
		q->head = t;
	}
	q->tail = t;
	q->n++;
	t->q_seq = q->seq++;
	t->state = SCHED_T_RUNNABLE;
}

static inline void sched_fifo_remove(struct sched_fifo *q, struct thread *t)
{
	if (t->q_prev) {
		t->q_prev->q_next = t->q_next;
	} else {
		q->head = t->q_next;
	}
	if (t->q_next) {
		t->q_next->q_prev = t->q_prev;
	} else {
		q->tail = t->q_prev;
	}
	t->q_next = t->q_prev = NULL;
	q->n--;
}

static inline struct thread *sched_fifo_pop(struct sched_fifo *q)
{
	struct thread *t = q->head;

	if (t) {
		sched_fifo_remove(q, t);
	}
	return t;
}

/* Number the queue's threads in order from @first; return the next. */
static inline uint32_t sched_fifo_rank(struct sched_fifo *q, uint32_t first)
{
	for (struct thread *t = q->head; t; t = t->q_next) {
		t->q_rank = first++;
	}
	return first;
}

#endif
