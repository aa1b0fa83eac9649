/* SPDX-License-Identifier: MIT */
/*
 * What device drivers ask of the architecture: PCI configuration space
 * (configuration mechanism #1, ports 0xCF8/0xCFC), port I/O to a device's
 * I/O BAR, ordering between memory shared with a device and the port
 * writes that tell it to look, and device interrupt lines of the legacy
 * 8259 PIC.
 */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include <stdint.h>

/*
 * arch_pci_read32 / arch_pci_write32 - the aligned 32-bit word at @off
 * (0..252, multiple of 4) of the configuration space of @bus/@dev/@fn.
 * A function that does not exist reads as all ones.
 */
uint32_t arch_pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void arch_pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		      uint32_t v);

/* Port I/O of 8, 16 and 32 bits, for devices with an I/O BAR. */
uint8_t arch_io_read8(uint16_t port);
uint16_t arch_io_read16(uint16_t port);
uint32_t arch_io_read32(uint16_t port);
void arch_io_write8(uint16_t port, uint8_t v);
void arch_io_write16(uint16_t port, uint16_t v);
void arch_io_write32(uint16_t port, uint32_t v);

/*
 * arch_dma_barrier - every store to memory before it is visible to a
 * device before any later port write or load from shared memory.
 */
void arch_dma_barrier(void);

/*
 * arch_irq_unmask - let legacy interrupt line @irq (1..15) through the PIC.
 * Its interrupts reach kernel_irq(@irq), which must quiet the device
 * before returning (the line may be level triggered); the PIC is then
 * acknowledged.
 */
void arch_irq_unmask(unsigned irq);

/* Provided by the exokernel: a device interrupt on line @irq. */
void kernel_irq(unsigned irq);

#endif
