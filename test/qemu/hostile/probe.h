/* SPDX-License-Identifier: MIT */
/*
 * Fault probes: probe_run() calls a function that may fault, and the fault
 * handler probe_install() registers turns a fault into a return value
 * (PROBE_FAULTED) with the fault recorded in probe_last. The probes in
 * probe.S each do one forbidden or faulting thing from user mode.
 */
#ifndef HOSTILE_PROBE_H
#define HOSTILE_PROBE_H

/* What probe_run returns when the function faulted. */
#define PROBE_FAULTED (-1000)

/* Selectors of the kernel's GDT that user code can name. */
#define PROBE_SEL_KCODE 0x08
#define PROBE_SEL_KDATA 0x10
#define PROBE_SEL_UCODE32 0x1b
#define PROBE_SEL_UCODE 0x2b
#define PROBE_SEL_TSS 0x30

#ifndef __ASSEMBLER__

#include <stdint.h>

#include <libos/runtime.h>

/* Exception vectors. */
#define VEC_DE 0
#define VEC_DB 1
#define VEC_BP 3
#define VEC_UD 6
#define VEC_NM 7
#define VEC_SS 12
#define VEC_GP 13
#define VEC_PF 14

/* Page-fault error code bits. */
#define PF_P 0x1u
#define PF_W 0x2u
#define PF_U 0x4u
#define PF_I 0x10u

/* The last fault the handler saw. */
struct probe_fault {
	uint64_t vector, error, addr, rip;
};
extern volatile struct probe_fault probe_last;

/* Faults the handler saw, and how many of them were #DB traps resumed. */
extern volatile uint64_t probe_faults, probe_steps;

typedef int64_t (*probe_fn)(uint64_t arg);

/*
 * When set, the handler's next fault (other than #DB) first runs
 * probe_run(probe_nested, probe_nested_arg) from inside the handler, puts
 * the result in probe_nested_result and clears probe_nested.
 */
extern volatile probe_fn probe_nested;
extern volatile uint64_t probe_nested_arg;
extern volatile int64_t probe_nested_result;

/* Install the probe fault handler (set_fault_handler). Return: 0 or error. */
int probe_install(void);

/*
 * probe_run - call @fn(@arg); if it faults, come back with PROBE_FAULTED
 * (and probe_last filled in) instead. Nests: a probe may run inside the
 * fault handler. #DB traps (single steps, int1) are counted and resumed.
 */
int64_t probe_run(probe_fn fn, uint64_t arg);

/* Memory: read, write (a pattern, or what is there), execute at @addr. */
int64_t probe_load(uint64_t addr);
int64_t probe_store(uint64_t addr);
int64_t probe_store_same(uint64_t addr);
int64_t probe_exec(uint64_t addr);

/* Exceptions and software interrupts. */
int64_t probe_div0(uint64_t arg);
int64_t probe_ud2(uint64_t arg);
int64_t probe_int3(uint64_t arg);
int64_t probe_int1(uint64_t arg);
int64_t probe_int_0x80(uint64_t arg);
int64_t probe_int_timer(uint64_t arg);
int64_t probe_int_nmi(uint64_t arg);
int64_t probe_int_df(uint64_t arg);
int64_t probe_int_pf(uint64_t arg);

/* Privileged instructions. */
int64_t probe_hlt(uint64_t arg);
int64_t probe_cli(uint64_t arg);
int64_t probe_sti(uint64_t arg);
int64_t probe_read_cr3(uint64_t arg);
int64_t probe_write_cr3(uint64_t arg);
int64_t probe_write_cr0(uint64_t arg);
int64_t probe_lgdt(uint64_t arg);
int64_t probe_lidt(uint64_t arg);
int64_t probe_ltr(uint64_t arg);
int64_t probe_iretq_ring0(uint64_t arg);
int64_t probe_lret_ring0(uint64_t arg);
int64_t probe_ljmp_tss(uint64_t arg);
int64_t probe_sysret(uint64_t arg);
int64_t probe_swapgs(uint64_t arg);
int64_t probe_sysenter(uint64_t arg);
int64_t probe_rdmsr(uint64_t arg);
int64_t probe_wrmsr(uint64_t arg);
int64_t probe_out_exit(uint64_t arg);
int64_t probe_in(uint64_t arg);
int64_t probe_invlpg(uint64_t arg);
int64_t probe_wbinvd(uint64_t arg);
int64_t probe_clts(uint64_t arg);
int64_t probe_rdpmc(uint64_t arg);
int64_t probe_load_ds_kernel(uint64_t arg);
int64_t probe_load_ss_null(uint64_t arg);
int64_t probe_write_dr7(uint64_t arg);

/* Addresses and stacks. */
int64_t probe_noncanon_load(uint64_t arg);
int64_t probe_noncanon_jump(uint64_t arg);
int64_t probe_bad_stack_push(uint64_t arg);
int64_t probe_stack_overflow(uint64_t arg);
/* ud2 with rsp set to @rsp (the handler must not need it). */
int64_t probe_ud2_with_rsp(uint64_t rsp);
/* A system call (null) with rsp set to @rsp; returns its result. */
int64_t probe_syscall_with_rsp(uint64_t rsp);

/* Flags and modes. */
/* null with the trap flag set: returns its result; #DB traps counted. */
int64_t probe_syscall_single_step(uint64_t arg);
/* null from 32-bit compatibility mode; returns its (sign-extended) eax. */
int64_t probe_syscall_compat(uint64_t arg);
/* ud2 with the direction flag set; with the nested-task flag set. */
int64_t probe_df_fault(uint64_t arg);
int64_t probe_nt_fault(uint64_t arg);
/* null with the nested-task flag set; returns its result. */
int64_t probe_nt_syscall(uint64_t arg);

/* Any system call by number, with six arguments from @args. */
int64_t raw_syscall(uint64_t nr, const uint64_t args[6]);
/* The same with the direction flag set, as user code may leave it. */
int64_t raw_syscall_df(uint64_t nr, const uint64_t args[6]);

/* x87: load @v into st(0) after fninit; read st(0) back (popping it). */
int64_t x87_load(uint64_t v);
int64_t x87_peek(uint64_t arg);

#endif
#endif
