/* SPDX-License-Identifier: MIT */
/*
 * Constructors of the four policies, for code that runs several
 * instances side by side (the host tests; later, a policy swap). A
 * program normally just links one and uses it through the "sched" slot.
 */
#ifndef LIBOS_SCHED_POLICIES_H
#define LIBOS_SCHED_POLICIES_H

#include <libos/sched.h>

/* A fresh, empty instance, or NULL without memory. */
struct sched *sched_rr_new(void);
struct sched *sched_prio_new(void);
struct sched *sched_stride_new(void);
struct sched *sched_edf_new(void);

/* Free an instance with no threads attached. */
void sched_rr_delete(struct sched *s);
void sched_prio_delete(struct sched *s);
void sched_stride_delete(struct sched *s);
void sched_edf_delete(struct sched *s);

#endif
