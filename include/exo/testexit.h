/* SPDX-License-Identifier: MIT */
/*
 * Verdicts a guest reports through QEMU's isa-debug-exit device (I/O port
 * 0xf4, four bytes wide). QEMU exits with status (value << 1) | 1, so the
 * host sees EXO_TEST_EXIT_* below; 0 and 1 stay QEMU's own statuses.
 */
#ifndef EXO_TESTEXIT_H
#define EXO_TESTEXIT_H

#define EXO_TEST_PORT 0xf4

#define EXO_TEST_PASS 0x10 /* host sees 33 */
#define EXO_TEST_FAIL 0x11 /* host sees 35 */
#define EXO_TEST_PANIC 0x12 /* host sees 37 */

#endif
