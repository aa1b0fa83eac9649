/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and the 32-bit entry. GRUB enters _start in 32-bit
 * protected mode, paging off, with the boot magic in eax and the physical
 * address of the Multiboot2 information in ebx. We build boot page tables
 * (identity and direct map of the first 4 GiB, and the kernel image at
 * -2 GiB), switch to long mode, move onto the kernel stack in the higher
 * half and call kmain(magic, info, tsc_at_entry).
 *
 * Everything here runs at its physical address, so it lives in the .boot
 * sections that the linker script places low.
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_ARCH_I386 0
#define COM1 0x3f8
#define KERNEL_VBASE 0xffffffff80000000

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* End tag. */
	.balign 8
	.short 0
	.short 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	/* Time-stamp counter first, so the kernel can say how long boot took. */
	mov %eax, %edi
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4
	mov %edi, boot_magic
	mov %ebx, boot_info
	mov $boot_stack_top, %esp

	cmp $MB2_BOOTLOADER_MAGIC, %edi
	jne .Lno_multiboot

	/* Long mode must exist: CPUID 0x80000001, EDX bit 29. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb .Lno_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz .Lno_long_mode

	/* Zero the boot page tables (7 pages). */
	mov $boot_pml4, %edi
	xor %eax, %eax
	mov $(7 * 4096 / 4), %ecx
	rep stosl

	/*
	 * PML4[0] and PML4[256] share one PDPT covering 4 GiB with 2 MiB
	 * pages: identity map for this code, direct map for the C kernel.
	 * PML4[511] -> PDPT whose last two entries map -2 GiB onto the first
	 * 2 GiB, where the kernel is linked.
	 */
	mov $boot_pdpt_low, %eax
	or $0x3, %eax
	mov %eax, boot_pml4 + 0 * 8
	mov %eax, boot_pml4 + 256 * 8
	mov $boot_pdpt_high, %eax
	or $0x3, %eax
	mov %eax, boot_pml4 + 511 * 8

	mov $boot_pd, %eax
	or $0x3, %eax
	mov %eax, boot_pdpt_low + 0 * 8
	mov %eax, boot_pdpt_high + 510 * 8
	add $4096, %eax
	mov %eax, boot_pdpt_low + 1 * 8
	mov %eax, boot_pdpt_high + 511 * 8
	add $4096, %eax
	mov %eax, boot_pdpt_low + 2 * 8
	add $4096, %eax
	mov %eax, boot_pdpt_low + 3 * 8

	/* 2048 large-page entries: physical 0 .. 4 GiB. */
	mov $boot_pd, %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax			/* present, writable, large */
	mov %ecx, %edx
	shr $11, %edx			/* bits 32+ of the address */
	mov %eax, (%edi, %ecx, 8)
	mov %edx, 4(%edi, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jb 1b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $(1 << 5), %eax		/* PAE */
	mov %eax, %cr4
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $(1 << 8), %eax		/* long mode enable */
	wrmsr
	mov %cr0, %eax
	or $((1 << 31) | (1 << 16) | 1), %eax	/* paging, write protect */
	/*
	 * Emulate x87 (CR0.EM): x87 and MMX instructions trap instead of
	 * running. Their registers are never switched between environments,
	 * so one environment would read what another left in them.
	 */
	or $(1 << 2), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64

.Lno_multiboot:
	mov $msg_no_multiboot, %esi
	jmp .Lfail
.Lno_long_mode:
	mov $msg_no_long_mode, %esi
.Lfail:
	/* Say why on COM1, then stop. */
	mov $COM1, %dx
2:	lodsb
	test %al, %al
	jz 3f
	out %al, %dx
	jmp 2b
3:	cli
	hlt
	jmp 3b

	.code64
start64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $kernel_stack_top, %rsp
	xor %ebp, %ebp			/* ends the backtrace */
	mov boot_magic, %edi
	mov boot_info, %esi
	mov boot_tsc, %rdx
	movabs $kmain, %rax
	call *%rax
4:	cli
	hlt
	jmp 4b

	.section .boot.data, "aw"
	.balign 8
boot_tsc:	.quad 0
boot_magic:	.long 0
boot_info:	.long 0
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000	/* 64-bit code */
	.quad 0x0000920000000000	/* data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt
msg_no_multiboot:
	.asciz "axolotl: not started by a Multiboot2 boot loader\r\n"
msg_no_long_mode:
	.asciz "axolotl: this CPU has no 64-bit long mode\r\n"

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	.skip 4096
boot_stack_top:

	/*
	 * The kernel stack, in the higher half. The page below it is left
	 * unmapped by arch_mmu_init, so an overflow faults (and lands on the
	 * double-fault stack) instead of corrupting memory.
	 */
	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl kernel_stack_guard, kernel_stack_bottom, kernel_stack_top
kernel_stack_guard:
	.skip 4096
kernel_stack_bottom:
	.skip 16384
kernel_stack_top:
