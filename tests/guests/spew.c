/*
 * Prints without end (every vCPU, when given several), so that a test can
 * fill a pipe nobody reads and check that a signal still stops cvmm.
 * Command line "virtio": through virtio-console (64 KiB per request) instead
 * of COM1.
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

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	if (cpu == 0 && guest_cmdline(bp)[0] == 'v')
		spew_virtio(bp);
	for (;;)
		guest_puts("spew spew spew spew spew spew spew spew spew spew spew\n");
}
