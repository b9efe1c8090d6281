#include <string.h>

#include "loader/boot_params.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

static void put_u32(uint8_t *b, size_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put_u64(uint8_t *b, size_t off, uint64_t v) { memcpy(b + off, &v, 8); }

static int e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	uint8_t n = bp[BP_E820_ENTRIES];
	uint8_t *e = bp + BP_E820_TABLE + 20 * n;

	if (n >= BP_E820_MAX || size == 0)
		return size == 0 ? 0 : -1;
	put_u64(e, 0, addr);
	put_u64(e, 8, size);
	put_u32(e, 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
	return 0;
}

/* RAM [addr, addr+size), with the part inside [rgpa, rgpa+rlen) reserved. */
static int e820_add_ram(uint8_t *bp, uint64_t addr, uint64_t size, uint64_t rgpa, uint64_t rlen)
{
	uint64_t end = addr + size;

	if (rlen == 0 || rgpa >= end || rgpa + rlen <= addr)
		return e820_add(bp, addr, size, E820_RAM);
	if (rgpa < addr || rgpa + rlen > end)
		return -1;	/* callers place the window inside one RAM range */
	return e820_add(bp, addr, rgpa - addr, E820_RAM) ||
	       e820_add(bp, rgpa, rlen, E820_RESERVED) ||
	       e820_add(bp, rgpa + rlen, end - rgpa - rlen, E820_RAM);
}

uint8_t *boot_params_build(struct launch_plan *p, const struct boot_params_in *in)
{
	const char *cmdline = in->cmdline ? in->cmdline : "";
	size_t cmd_len = strlen(cmdline) + 1;
	uint64_t low = p->mem_size < LAYOUT_LOW_RAM_MAX ? p->mem_size : LAYOUT_LOW_RAM_MAX;
	uint8_t *bp, *cl;

	if (cmd_len > LAYOUT_CMDLINE_MAX) {
		cvmm_err("--cmdline: %zu bytes, cvmm places at most %llu", cmd_len - 1,
			 (unsigned long long)LAYOUT_CMDLINE_MAX - 1);
		return NULL;
	}
	if (low < LAYOUT_KERNEL) {
		cvmm_err("--mem: guest RAM must be at least 1 MiB for a direct boot");
		return NULL;
	}
	bp = plan_add_buffer(p, LAYOUT_BOOT_PARAMS, PAGE_SIZE, PIECE_NORMAL, true, "boot_params");
	if (!bp)
		return NULL;
	cl = plan_add_buffer(p, LAYOUT_CMDLINE, (cmd_len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1),
			     PIECE_NORMAL, true, "cmdline");
	if (!cl)
		return NULL;
	memcpy(cl, cmdline, cmd_len);

	if (in->setup_header && in->setup_header_len) {
		size_t n = in->setup_header_len;

		if (n > PAGE_SIZE - BP_HDR)
			n = PAGE_SIZE - BP_HDR;
		memcpy(bp + BP_HDR, in->setup_header, n);
	}
	bp[BP_TYPE_OF_LOADER] = 0xff;	/* undefined loader id, as the protocol allows */
	put_u32(bp, BP_CMD_LINE_PTR, (uint32_t)LAYOUT_CMDLINE);
	put_u32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(LAYOUT_CMDLINE >> 32));
	put_u32(bp, BP_RAMDISK_IMAGE, (uint32_t)in->initrd_gpa);
	put_u32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(in->initrd_gpa >> 32));
	put_u32(bp, BP_RAMDISK_SIZE, (uint32_t)in->initrd_size);
	put_u32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(in->initrd_size >> 32));

	/* [0, EBDA) RAM, [EBDA, 1 MiB) reserved (BIOS area), 1 MiB.. RAM. */
	if (e820_add(bp, 0, LAYOUT_EBDA, E820_RAM) ||
	    e820_add(bp, LAYOUT_EBDA, LAYOUT_KERNEL - LAYOUT_EBDA, E820_RESERVED) ||
	    e820_add_ram(bp, LAYOUT_KERNEL, low - LAYOUT_KERNEL, in->reserved_gpa, in->reserved_len) ||
	    e820_add_ram(bp, LAYOUT_HIGH_RAM, p->mem_size - low, in->reserved_gpa, in->reserved_len)) {
		cvmm_err("boot_params: e820 table full, or the reserved window straddles RAM ranges");
		return NULL;
	}
	return bp;
}
