/* SPDX-License-Identifier: MIT */
/*
 * IPC: synchronous call/reply between environments with a payload of four
 * registers and an optional capability, and asynchronous notifications
 * (a bitmask per environment). A call to an environment that is waiting
 * in ipc_recv switches straight to it; its reply switches straight back.
 */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <stdint.h>

#include "env/env.h"

/* Take @e (in ENV_SEND) off the queue of the environment it calls. */
void ipc_unqueue(struct env *e);

/* OR @bits into @target's notifications, waking it if it is receiving. */
void ipc_notify(struct env *target, uint64_t bits);

#endif
