/*
 * Prints without end (every vCPU, when given several), so that a test can
 * fill a pipe nobody reads and check that a signal still stops cvmm.
 * Command line "virtio": through virtio-console (64 KiB per request) instead
 * of COM1. "flood": vCPU 0 posts every descriptor of the transmit queue as a
 * 1 MiB chain and notifies once; the other vCPUs notify the queue without
 * end, so that they need the device while vCPU 0 writes (issue 14: a stop
 * must not wait for 8 MiB to drain into a pipe nobody reads).
 */
#include "virtio_guest.h"

static void spew_virtio(const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	volatile char *buf = (volatile char *)(area + 0x10000);
	struct vg_dev d;

	if (vg_find(&d, 3) || vg_negotiate(&d, 0)) {
		guest_puts("spew: no virtio-console\n");
		guest_exit(3);
	}
	vg_queue(&d, 0, area);
	vg_queue(&d, 1, area + 0x2000);
	vg_driver_ok(&d);
	for (unsigned i = 0; i < 0x10000; i++)
		buf[i] = (i & 63) == 63 ? '\n' : 's';
	for (;;) {
		vg_set_desc(&d, 1, 0, (uint64_t)buf, 0x10000, 0, 0);
		vg_kick(&d, 1, 0);
		vg_used(&d, 1);
	}
}

#define FLOOD_BUF	0x1000000ULL	/* 16 MiB: 1 MiB of output (NULs) */
#define FLOOD_LEN	0x100000U

static struct vg_dev flood_dev;
static volatile int flood_ready;

static void flood(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	struct vg_dev *d = &flood_dev;

	if (cpu) {
		while (!flood_ready)
			__asm__ volatile("pause");
		for (;;)
			vg_w(d, VG_NOTIFY, 1);
	}
	if (vg_find(d, 3) || vg_negotiate(d, 0)) {
		guest_puts("spew: no virtio-console\n");
		guest_exit(3);
	}
	vg_queue(d, 0, area);
	vg_queue(d, 1, area + 0x2000);
	vg_driver_ok(d);
	/* the buffer stays as it is (zeros): filling 1 MiB takes seconds at guest speed */
	flood_ready = 1;
	for (;;) {
		struct vg_queue *vq = &d->q[1];

		for (unsigned i = 0; i < VG_QSIZE; i++) {
			vg_set_desc(d, 1, i, FLOOD_BUF, FLOOD_LEN, 0, 0);
			vq->avail[2 + vq->avail_idx % VG_QSIZE] = (uint16_t)i;
			vq->avail[1] = ++vq->avail_idx;
		}
		vg_w(d, VG_NOTIFY, 1);
		for (unsigned i = 0; i < VG_QSIZE; i++)
			while (vg_used(d, 1) < 0)
				;
	}
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	if (guest_cmdline(bp)[0] == 'f')
		flood(cpu, bp);
	if (cpu == 0 && guest_cmdline(bp)[0] == 'v')
		spew_virtio(bp);
	for (;;)
		guest_puts("spew spew spew spew spew spew spew spew spew spew spew\n");
}
