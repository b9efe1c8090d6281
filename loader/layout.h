/*
 * Guest-physical layout for direct boot (plain and sw platforms, and the
 * direct-boot shim of the confidential ones). Everything the loaders place
 * lives here so that two loaders never disagree about an address.
 */
#ifndef CVMM_LAYOUT_H
#define CVMM_LAYOUT_H

#include <stdint.h>

#define PAGE_SIZE		0x1000ULL
#define PAGE_ALIGNED(x)		(((x) & (PAGE_SIZE - 1)) == 0)
#define PAGE_UP(x)		(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))	/* x rounded up to a page */
#define PAGES(x)		(((x) + PAGE_SIZE - 1) / PAGE_SIZE)	/* pages that x bytes take */

#define LAYOUT_GDT		0x0500ULL	/* boot GDT: __BOOT_CS 0x10, __BOOT_DS 0x18 */
#define LAYOUT_PML4		0x1000ULL	/* identity map of the low 4 GiB, 2 MiB pages */
#define LAYOUT_PDPT		0x2000ULL
#define LAYOUT_PD		0x3000ULL	/* four page directories: 0x3000-0x6fff */
#define LAYOUT_BOOT_PARAMS	0x7000ULL	/* the Linux zero page */
#define LAYOUT_SETUP_DATA	0x8000ULL	/* boot_params setup_data chain (DTB, CC blob) */
#define LAYOUT_SETUP_DATA_END	0x20000ULL
#define LAYOUT_CMDLINE		0x20000ULL
#define LAYOUT_CMDLINE_MAX	0x10000ULL
#define LAYOUT_STACK_TOP	0x8f000ULL	/* initial rsp; below the EBDA */
#define LAYOUT_EBDA		0x9fc00ULL	/* [EBDA, 1 MiB) reserved in e820 */
#define LAYOUT_KERNEL		0x100000ULL	/* bzImage protected-mode code, ELF guests */

/* RAM sits below the 32-bit MMIO hole and continues above 4 GiB. */
#define LAYOUT_LOW_RAM_MAX	0xc0000000ULL
#define LAYOUT_MMIO_BASE	0xd0000000ULL	/* virtio-mmio devices */
#define LAYOUT_HIGH_RAM		0x100000000ULL

/* RAM below the hole for a guest of mem bytes; the rest starts at 4 GiB. */
static inline uint64_t layout_low_ram(uint64_t mem)
{
	return mem < LAYOUT_LOW_RAM_MAX ? mem : LAYOUT_LOW_RAM_MAX;
}

#define LAYOUT_MIN_MEM		(2ULL << 20)
#define LAYOUT_MAX_MEM		(1ULL << 40)	/* 1 TiB: far above what we test (64 GiB) */

#endif
