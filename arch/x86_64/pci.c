/* SPDX-License-Identifier: MIT */
/* PCI configuration mechanism #1 and port I/O for device drivers. */
#include <stdint.h>

#include <arch/pci.h>
#include <arch/x86.h>

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static uint32_t cfg_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xfc);
}

uint32_t arch_pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
	return inl(PCI_DATA);
}

void arch_pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		      uint32_t v)
{
	outl(PCI_ADDR, cfg_addr(bus, dev, fn, off));
	outl(PCI_DATA, v);
}

uint8_t arch_io_read8(uint16_t port)
{
	return inb(port);
}

uint16_t arch_io_read16(uint16_t port)
{
	return inw(port);
}

uint32_t arch_io_read32(uint16_t port)
{
	return inl(port);
}

void arch_io_write8(uint16_t port, uint8_t v)
{
	outb(port, v);
}

void arch_io_write16(uint16_t port, uint16_t v)
{
	outw(port, v);
}

void arch_io_write32(uint16_t port, uint32_t v)
{
	outl(port, v);
}

void arch_dma_barrier(void)
{
	mfence();
}
