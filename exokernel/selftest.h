/* SPDX-License-Identifier: MIT */
/*
 * In-kernel self tests for the QEMU test suite, chosen by "test=NAME" on the
 * kernel command line. Each either ends the run through arch_exit with a
 * verdict, or (the fault tests) produces a panic report on purpose.
 */
#ifndef EXO_SELFTEST_H
#define EXO_SELFTEST_H

#include "boot/bootinfo.h"

/*
 * Run the test named by "test=" in @bi's command line. Returns without doing
 * anything when there is none; an unknown name fails the run.
 */
void selftest_run(const struct boot_info *bi);

#endif
