/* SPDX-License-Identifier: MIT */
/*
 * Segments, the task-state segment and the interrupt table. Long mode
 * ignores segment bases and limits, but syscall/sysret need the selectors
 * in a fixed order and the TSS supplies the stacks for ring changes and for
 * faults that must never run on a possibly broken stack (IST).
 */
#include <stddef.h>
#include <stdint.h>

#include <arch/cpu.h>
#include <arch/x86.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");
_Static_assert(offsetof(struct tss, ist) == 36, "TSS IST at 36");

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

#define IST_STACK_SIZE 8192

static uint64_t gdt[8];
static struct tss tss;
static struct idt_gate idt[256];
static uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

extern const uint64_t trap_vector_table[256];
extern char kernel_stack_bottom[], kernel_stack_top[];

/* A code or data segment descriptor; long mode reads only the flags. */
static uint64_t seg(uint8_t access, uint8_t flags)
{
	return ((uint64_t)access << 40) | ((uint64_t)flags << 52) |
	       0x000f00000000fffful;
}

static void set_gate(int vec, uint64_t handler, uint8_t ist, uint8_t dpl)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = handler & 0xffff;
	g->selector = SEL_KCODE;
	g->ist = ist;
	g->type_attr = 0x80 | (dpl << 5) | 0xe; /* present, interrupt gate */
	g->offset_mid = (handler >> 16) & 0xffff;
	g->offset_hi = handler >> 32;
	g->reserved = 0;
}

void arch_cpu_init(void)
{
	uint64_t base = (uint64_t)&tss;
	struct desc_ptr gp, ip;
	int i;

	gdt[0] = 0;
	gdt[SEL_KCODE / 8] = seg(0x9a, 0xa); /* ring 0 code, long mode */
	gdt[SEL_KDATA / 8] = seg(0x92, 0xc);
	gdt[SEL_UCODE32 / 8] = seg(0xfa, 0xc); /* unused; sysret needs it */
	gdt[SEL_UDATA / 8] = seg(0xf2, 0xc);
	gdt[SEL_UCODE / 8] = seg(0xfa, 0xa);
	/* The TSS descriptor takes two slots. */
	gdt[SEL_TSS / 8] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) |
			   (0x89ul << 40) | (((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;

	tss.rsp[0] = (uint64_t)kernel_stack_top;
	tss.ist[IST_DOUBLE_FAULT - 1] =
		(uint64_t)&ist_stacks[0][IST_STACK_SIZE];
	tss.ist[IST_NMI - 1] = (uint64_t)&ist_stacks[1][IST_STACK_SIZE];
	tss.ist[IST_MACHINE_CHECK - 1] =
		(uint64_t)&ist_stacks[2][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

	gp.limit = sizeof(gdt) - 1;
	gp.base = (uint64_t)gdt;
	lgdt(&gp);
	load_segments(SEL_KCODE, SEL_KDATA);
	ltr(SEL_TSS);

	for (i = 0; i < 256; i++) {
		set_gate(i, trap_vector_table[i], 0, 0);
	}
	set_gate(8, trap_vector_table[8], IST_DOUBLE_FAULT, 0);
	set_gate(2, trap_vector_table[2], IST_NMI, 0);
	set_gate(18, trap_vector_table[18], IST_MACHINE_CHECK, 0);
	ip.limit = sizeof(idt) - 1;
	ip.base = (uint64_t)idt;
	lidt(&ip);
}

int arch_stack_bounds(uint64_t addr, uint64_t *lo, uint64_t *hi)
{
	int i;

	if (addr >= (uint64_t)kernel_stack_bottom &&
	    addr < (uint64_t)kernel_stack_top) {
		*lo = (uint64_t)kernel_stack_bottom;
		*hi = (uint64_t)kernel_stack_top;
		return 0;
	}
	for (i = 0; i < 3; i++) {
		uint64_t b = (uint64_t)&ist_stacks[i][0];

		if (addr >= b && addr < b + IST_STACK_SIZE) {
			*lo = b;
			*hi = b + IST_STACK_SIZE;
			return 0;
		}
	}
	return -1;
}
