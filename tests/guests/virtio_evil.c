/*
 * Malicious virtio driver: rings outside RAM, descriptor loops, huge and
 * wrapping lengths, buffers in the MMIO hole, a runaway available index,
 * bad heads, bad indirect tables and, where a shared window exists,
 * buffers in private memory. After each, cvmm must still be running, the
 * device must say DEVICE_NEEDS_RESET or fail the request with an error,
 * and after a reset a clean request must work. Exit 0 when all held.
 */
#include "virtio_guest.h"

#define F_INDIRECT	(1u << 28)
#define OUTSIDE_RAM	0x10000000000ULL	/* 1 TiB: beyond any test guest's RAM */
#define MMIO_HOLE	0xe0000000ULL

static uint8_t fail;
static unsigned n_case;

static void result(const char *name, int ok)
{
	n_case++;
	guest_puts(ok ? "ok   " : "FAIL ");
	guest_puts(name);
	guest_puts("\n");
	if (!ok && !fail)
		fail = (uint8_t)n_case;
}

static int needs_reset(struct vg_dev *d)
{
	return (vg_r(d, VG_STATUS) & VG_S_NEEDS_RESET) != 0;
}

static void fresh(struct vg_dev *d, uint64_t area, uint32_t feat)
{
	vg_negotiate(d, feat);
	vg_queue(d, 0, area);
	vg_driver_ok(d);
}

/* A clean 16-byte rng request after a reset: the device recovered. */
static int rng_works(struct vg_dev *d, uint64_t area)
{
	fresh(d, area, 0);
	vg_set_desc(d, 0, 0, area + 0x3000, 16, VG_F_WRITE, 0);
	vg_kick(d, 0, 0);
	return vg_used(d, 0) == 16 && !needs_reset(d);
}

static int blk_read(struct vg_dev *d, uint64_t area, uint64_t sector, uint64_t data, uint32_t len)
{
	volatile uint32_t *hdr = (volatile uint32_t *)(area + 0x2000);
	volatile uint8_t *status = (volatile uint8_t *)(area + 0x2010);

	hdr[0] = 0;
	hdr[1] = 0;
	*(volatile uint64_t *)(hdr + 2) = sector;
	*status = 0xee;
	vg_set_desc(d, 0, 0, (uint64_t)hdr, 16, VG_F_NEXT, 1);
	vg_set_desc(d, 0, 1, data, len, VG_F_WRITE | VG_F_NEXT, 2);
	vg_set_desc(d, 0, 2, (uint64_t)status, 1, VG_F_WRITE, 0);
	vg_kick(d, 0, 0);
	return vg_used(d, 0) >= 0 ? *status : -1;
}

static void rng_cases(uint64_t area)
{
	struct vg_dev d;
	struct vg_queue *q = &d.q[0];

	if (vg_find(&d, 4)) {
		result("virtio-rng present", 0);
		return;
	}
	/* rings outside RAM and in the MMIO hole: the queue never becomes ready */
	vg_negotiate(&d, 0);
	vg_queue_regs(&d, 0, OUTSIDE_RAM, area + 0x80, area + 0x1000);
	result("descriptor table outside RAM refused", vg_r(&d, VG_QUEUE_READY) == 0 && needs_reset(&d));
	vg_negotiate(&d, 0);
	vg_queue_regs(&d, 0, area, area + 0x80, MMIO_HOLE);
	result("used ring in the MMIO hole refused", vg_r(&d, VG_QUEUE_READY) == 0 && needs_reset(&d));
	vg_negotiate(&d, 0);
	vg_queue_regs(&d, 0, area, 0xfffffffffffffff0ULL, area + 0x1000);
	result("available ring wrapping the address space refused", needs_reset(&d));

	fresh(&d, area, 0);
	vg_set_desc(&d, 0, 0, area + 0x3000, 16, VG_F_WRITE | VG_F_NEXT, 1);
	vg_set_desc(&d, 0, 1, area + 0x3000, 16, VG_F_WRITE | VG_F_NEXT, 0);
	vg_kick(&d, 0, 0);
	result("descriptor loop: needs reset, nothing used", needs_reset(&d) && vg_used(&d, 0) < 0);

	fresh(&d, area, 0);
	vg_set_desc(&d, 0, 0, ~0ULL - 0xff, 0x200, VG_F_WRITE, 0);
	vg_kick(&d, 0, 0);
	result("buffer wrapping the address space: needs reset", needs_reset(&d));

	fresh(&d, area, 0);
	vg_set_desc(&d, 0, 0, area + 0x3000, 0xffffffff, VG_F_WRITE, 0);
	vg_kick(&d, 0, 0);
	result("4 GiB buffer: at most 64 KiB filled", vg_used(&d, 0) == 65536 && !needs_reset(&d));

	fresh(&d, area, 0);
	vg_set_desc(&d, 0, 0, OUTSIDE_RAM, 64, VG_F_WRITE, 0);
	vg_kick(&d, 0, 0);
	result("buffer outside RAM: nothing written", vg_used(&d, 0) == 0);

	fresh(&d, area, 0);
	vg_set_desc(&d, 0, 0, area + 0x3000, 16, VG_F_WRITE, 0);
	q->avail[2] = 0;
	q->avail[1] = 100;		/* 100 "new" entries in a queue of 8 */
	vg_w(&d, VG_NOTIFY, 0);
	result("available index far ahead: needs reset", needs_reset(&d));

	fresh(&d, area, 0);
	vg_kick(&d, 0, 200);		/* head beyond the queue */
	result("head beyond the queue: needs reset", needs_reset(&d));

	fresh(&d, area, F_INDIRECT);
	vg_set_desc(&d, 0, 0, OUTSIDE_RAM, 32, VG_F_INDIRECT, 0);
	vg_kick(&d, 0, 0);
	result("indirect table outside RAM: needs reset", needs_reset(&d));

	fresh(&d, area, F_INDIRECT);
	{
		volatile struct vg_desc *it = (volatile struct vg_desc *)(area + 0x3800);

		it[0].addr = area + 0x3800;
		it[0].len = 32;
		it[0].flags = VG_F_INDIRECT;
		it[0].next = 0;
	}
	vg_set_desc(&d, 0, 0, area + 0x3800, 32, VG_F_INDIRECT, 0);
	vg_kick(&d, 0, 0);
	result("nested indirect table: needs reset", needs_reset(&d));

	fresh(&d, area, 0);		/* INDIRECT not negotiated */
	vg_set_desc(&d, 0, 0, area + 0x3800, 32, VG_F_INDIRECT, 0);
	vg_kick(&d, 0, 0);
	result("indirect without the feature: needs reset", needs_reset(&d));

	result("rng works again after a reset", rng_works(&d, area));
}

static void blk_cases(uint64_t area, int windowed)
{
	struct vg_dev d;

	if (vg_find(&d, 2)) {
		result("virtio-blk present", 0);
		return;
	}
	fresh(&d, area + 0x4000, 0);
	result("blk: data buffer in the MMIO hole: IOERR", blk_read(&d, area, 0, MMIO_HOLE, 512) == 1);
	result("blk: data buffer outside RAM: IOERR", blk_read(&d, area, 0, OUTSIDE_RAM, 512) == 1);
	result("blk: 4 GiB read: IOERR", blk_read(&d, area, 0, area + 0x3000, 0xfffffe00) == 1);
	result("blk: sector overflowing: IOERR", blk_read(&d, area, ~0ULL >> 1, area + 0x3000, 512) == 1);
	if (windowed) {
		/* RAM at 2 MiB is private on a platform with a shared window */
		result("blk: data buffer in private memory: IOERR",
		       blk_read(&d, area, 0, 0x200000, 512) == 1);
		vg_negotiate(&d, 0);
		vg_queue_regs(&d, 0, 0x200000, area + 0x80, area + 0x1000);
		result("blk: descriptor table in private memory refused", vg_r(&d, VG_QUEUE_READY) == 0);
		fresh(&d, area + 0x4000, 0);
	}
	result("blk: a good read still works",
	       blk_read(&d, area, 0, area + 0x3000, 512) == 0 && !needs_reset(&d));
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	int windowed = area != 0x400000;

	guest_puts(windowed ? "evil guest: shared window found\n" : "evil guest: no shared window\n");
	rng_cases(area);
	blk_cases(area + 0x10000, windowed);
	guest_puts(fail ? "evil guest: FAILED\n" : "evil guest: cvmm survived every case\n");
	guest_exit(fail);
}
