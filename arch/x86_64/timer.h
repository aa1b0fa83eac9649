/* SPDX-License-Identifier: MIT */
#ifndef X86_TIMER_H
#define X86_TIMER_H

/* Account one timer interrupt and acknowledge it. */
void timer_tick(void);

/* Acknowledge legacy PIC interrupt @irq. */
void pic_eoi(unsigned irq);

/* True when @irq (7 or 15) was spurious; nothing to acknowledge then. */
int pic_spurious(unsigned irq);

#endif
