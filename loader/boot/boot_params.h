/*
 * The Linux x86 zero page (boot_params) as the 64-bit boot protocol wants
 * it, for every direct boot (bzImage, ELF guests, the demo), and the
 * setup_data chain hanging off it. Offsets are from
 * Documentation/arch/x86/zero-page.rst and boot.rst; the setup header
 * (BP_HDR..BP_HDR_END) sits at the same offsets in a bzImage file, so the
 * BP_ names below serve the bzImage parser too.
 */
#ifndef CVMM_BOOT_PARAMS_H
#define CVMM_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

struct launch_plan;

#define BP_ACPI_RSDP_ADDR	0x070	/* u64: where the kernel finds the RSDP */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1	/* struct setup_header, copied from a bzImage */
#define BP_SETUP_SECTS		0x1f1
#define BP_SYSSIZE		0x1f4
#define BP_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define BP_JUMP			0x200	/* 0xeb, header end - 0x202 */
#define BP_HEADER		0x202	/* "HdrS" */
#define BP_VERSION		0x206
#define BP_KERNEL_VERSION	0x20e	/* string at 0x200 + this, in the setup */
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_RELOCATABLE		0x234
#define BP_MIN_ALIGNMENT	0x235
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_HARDWARE_SUBARCH	0x23c
#define BP_PAYLOAD_OFFSET	0x248
#define BP_PAYLOAD_LENGTH	0x24c
#define BP_SETUP_DATA		0x250
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_HANDOVER_OFFSET	0x264
#define BP_HDR_END		0x290	/* room boot_params keeps for the header */
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128

#define BP_HDR_MAGIC		0x53726448	/* "HdrS" little-endian */
#define BP_BOOT_FLAG_MAGIC	0xaa55

/* loadflags */
#define LF_LOADED_HIGH		0x01
#define LF_KEEP_SEGMENTS	0x40
#define LF_CAN_USE_HEAP		0x80
/* xloadflags */
#define XLF_KERNEL_64			0x01
#define XLF_CAN_BE_LOADED_ABOVE_4G	0x02

#define E820_RAM		1
#define E820_RESERVED		2

/* setup_data types (arch/x86/include/uapi/asm/bootparam.h) */
#define SETUP_DTB		2
#define SETUP_CC_BLOB		7
#define SETUP_DATA_HDR_LEN	16	/* u64 next, u32 type, u32 len */

struct boot_params_in {
	const uint8_t *setup_header;	/* bzImage bytes from 0x1f1, or NULL */
	size_t setup_header_len;
	uint64_t kernel_load;		/* with a setup header: where the kernel went */
	const char *cmdline;		/* NULL: empty */
	uint64_t initrd_gpa, initrd_size;
	/* RAM described as E820_RESERVED (the shared window); len 0: none */
	uint64_t reserved_gpa, reserved_len;
};

/*
 * Adds the zero page (LAYOUT_BOOT_PARAMS) and the command line
 * (LAYOUT_CMDLINE) to the plan, with an e820 map of the plan's RAM. A
 * bzImage's setup header is copied and its loader-owned fields set (type of
 * loader, code32_start, no heap, no setup_data of the image's own).
 * Returns the zero page (owned by the plan, still writable until the plan
 * is executed), or NULL after one line on stderr.
 */
uint8_t *boot_params_build(struct launch_plan *p, const struct boot_params_in *in);

/*
 * Appends a setup_data entry {type, data[len]} to the chain of the zero page
 * bp (from boot_params_build on the same plan): the entry gets its own pages
 * in [LAYOUT_SETUP_DATA, LAYOUT_SETUP_DATA_END) and the previous tail (or
 * bp's setup_data field) points to it. data is copied. Returns the entry's
 * guest-physical address, or 0 after one line on stderr.
 */
uint64_t boot_params_add_setup_data(struct launch_plan *p, uint8_t *bp, uint32_t type,
				    const void *data, uint32_t len);

#endif
