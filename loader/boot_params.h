/*
 * The Linux x86 zero page (boot_params) as the 64-bit boot protocol wants
 * it, for every direct boot (bzImage, ELF guests, the demo). Offsets are
 * from Documentation/arch/x86/zero-page.rst and boot.rst.
 */
#ifndef CVMM_BOOT_PARAMS_H
#define CVMM_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

struct launch_plan;

#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1	/* setup_header, copied from a bzImage */
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_SETUP_DATA		0x250
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define E820_RAM		1
#define E820_RESERVED		2

struct boot_params_in {
	const uint8_t *setup_header;	/* bzImage bytes from 0x1f1, or NULL */
	size_t setup_header_len;
	const char *cmdline;		/* NULL: empty */
	uint64_t initrd_gpa, initrd_size;
	/* RAM described as E820_RESERVED (the shared window); len 0: none */
	uint64_t reserved_gpa, reserved_len;
};

/*
 * Adds the zero page (LAYOUT_BOOT_PARAMS) and the command line
 * (LAYOUT_CMDLINE) to the plan, with an e820 map of the plan's RAM.
 * Returns the zero page (owned by the plan, still writable until the plan
 * is executed), or NULL after one line on stderr.
 */
uint8_t *boot_params_build(struct launch_plan *p, const struct boot_params_in *in);

#endif
