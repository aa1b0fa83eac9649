/* SPDX-License-Identifier: MIT */
/*
 * The raw system calls, one exo_<name> per line of <exo/syscalls.def>,
 * each taking up to six 64-bit arguments and returning the kernel's status
 * (negative EXO_ERR_*) or result. docs/syscalls.md describes them.
 */
#ifndef LIBOS_EXO_H
#define LIBOS_EXO_H

#include <stdint.h>

#include <exo/abi.h>
#include <exo/errors.h>

#define EXO_SYSCALL(num, name, nargs)                                   \
	int64_t exo_##name(uint64_t a0, uint64_t a1, uint64_t a2,       \
			   uint64_t a3, uint64_t a4, uint64_t a5);
#include <exo/syscalls.def>
#undef EXO_SYSCALL

/* An IPC message: the peer, four words and a capability slot. */
struct exo_msg {
	uint64_t peer; /* out: who sent or replied */
	uint64_t w[4];
	int64_t cap; /* in: slot to pass or EXO_CAP_NONE; out: slot got */
};
_Static_assert(sizeof(struct exo_msg) == 48, "ipc.S offsets");

/*
 * Calls that carry a message both ways. On success @m holds what arrived;
 * on failure (negative result) it is unchanged.
 */
int64_t exo_ipc_call_msg(uint64_t dest, struct exo_msg *m);
int64_t exo_ipc_recv_msg(uint64_t flags, struct exo_msg *m);
int64_t exo_ipc_reply_recv_msg(uint64_t to, struct exo_msg *m);

/* The upcall entry point (arch/x86_64/user/upcall.S) to register. */
void exo_upcall_entry(void);
/* The same, for an exception stack not yet wholly mapped (the runtime's). */
void exo_upcall_entry_partial(void);

/* This environment's info page and the system's. */
static inline const volatile struct exo_env_info *exo_env_info(void)
{
	return (const volatile struct exo_env_info *)EXO_INFO_VA;
}

static inline const volatile struct exo_sys_info *exo_sys_info(void)
{
	return (const volatile struct exo_sys_info *)EXO_SYSINFO_VA;
}

#endif
