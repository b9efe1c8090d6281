#include <string.h>

#include "loader/boot/boot_params.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

static void put_u16(uint8_t *b, size_t off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put_u32(uint8_t *b, size_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put_u64(uint8_t *b, size_t off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint64_t get_u64(const uint8_t *b, size_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }

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

/*
 * The header comes from the image, but some of its fields are the boot
 * loader's to write (boot.rst marks them "write" / "modify"); an image must
 * not be able to hand the kernel a setup_data chain or heap of its choosing.
 */
static void copy_setup_header(uint8_t *bp, const struct boot_params_in *in)
{
	size_t n = in->setup_header_len;

	if (n > BP_HDR_END - BP_HDR)
		n = BP_HDR_END - BP_HDR;
	memcpy(bp + BP_HDR, in->setup_header, n);
	bp[BP_LOADFLAGS] &= (uint8_t)~(LF_KEEP_SEGMENTS | LF_CAN_USE_HEAP);
	put_u16(bp, BP_HEAP_END_PTR, 0);
	put_u32(bp, BP_CODE32_START, (uint32_t)in->kernel_load);
	put_u32(bp, BP_HARDWARE_SUBARCH, 0);		/* a normal PC */
	put_u64(bp, BP_SETUP_DATA, 0);
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
	uint64_t low = layout_low_ram(p->mem_size);
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
	cl = plan_add_buffer(p, LAYOUT_CMDLINE, PAGE_UP(cmd_len),
			     PIECE_NORMAL, true, "cmdline");
	if (!cl)
		return NULL;
	memcpy(cl, cmdline, cmd_len);

	if (in->setup_header && in->setup_header_len)
		copy_setup_header(bp, in);
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

/* The plan piece that holds the setup_data entry at gpa, if cvmm made one. */
static uint8_t *setup_data_at(struct launch_plan *p, uint64_t gpa)
{
	for (size_t i = 0; i < p->n_pieces; i++) {
		struct plan_piece *q = &p->pieces[i];

		/*
		 * Entries are plan-owned buffers from plan_add_buffer(), so
		 * writing through the piece's pointer is writing our own
		 * allocation; the const there is for the plan's consumers.
		 */
		if (q->gpa == gpa && q->data && q->data_len >= SETUP_DATA_HDR_LEN &&
		    gpa >= LAYOUT_SETUP_DATA && gpa < LAYOUT_SETUP_DATA_END)
			return (uint8_t *)q->data;
	}
	return NULL;
}

uint64_t boot_params_add_setup_data(struct launch_plan *p, uint8_t *bp, uint32_t type,
				    const void *data, uint32_t len)
{
	uint64_t gpa = LAYOUT_SETUP_DATA, size, next;
	uint8_t *tail = NULL, *e;
	size_t hops = 0;

	/* The first free page of the window is past every piece already in it. */
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		if (q->gpa >= LAYOUT_SETUP_DATA && q->gpa < LAYOUT_SETUP_DATA_END &&
		    q->gpa + q->len > gpa)
			gpa = PAGE_UP(q->gpa + q->len);
	}
	size = PAGE_UP((uint64_t)len + SETUP_DATA_HDR_LEN);
	if (gpa > LAYOUT_SETUP_DATA_END || size > LAYOUT_SETUP_DATA_END - gpa) {
		cvmm_err("setup_data: no room for %u bytes of type %u (window 0x%llx-0x%llx)",
			 len, type, (unsigned long long)LAYOUT_SETUP_DATA,
			 (unsigned long long)LAYOUT_SETUP_DATA_END);
		return 0;
	}

	/* Find the tail before adding, so a broken chain leaves the plan alone. */
	next = get_u64(bp, BP_SETUP_DATA);
	while (next) {
		tail = setup_data_at(p, next);
		if (!tail || ++hops > p->n_pieces) {
			cvmm_err("setup_data: chain points to 0x%llx, not an entry cvmm placed",
				 (unsigned long long)next);
			return 0;
		}
		next = get_u64(tail, 0);
	}

	e = plan_add_buffer(p, gpa, size, PIECE_NORMAL, true, "setup_data");
	if (!e)
		return 0;
	put_u64(e, 0, 0);
	put_u32(e, 8, type);
	put_u32(e, 12, len);
	if (len)
		memcpy(e + SETUP_DATA_HDR_LEN, data, len);
	if (tail)
		put_u64(tail, 0, gpa);
	else
		put_u64(bp, BP_SETUP_DATA, gpa);
	return gpa;
}
