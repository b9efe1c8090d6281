/*
 * Reads virtio-console input (one 64-byte receive buffer at a time, polling
 * the used ring) and echoes each batch on COM1 as "echo: ...", other bytes
 * than printable ASCII as <hh>, until a batch holds 'q'; then exits 0.
 */
#include "virtio_guest.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	volatile char *buf = (volatile char *)(area + 0x10000);
	struct vg_dev d;
	int64_t n;

	if (vg_find(&d, 3) || vg_negotiate(&d, 0)) {
		guest_puts("console_echo: no virtio-console\n");
		guest_exit(3);
	}
	vg_queue(&d, 0, area);
	vg_queue(&d, 1, area + 0x2000);
	vg_driver_ok(&d);
	guest_puts("console_echo: ready\n");
	for (;;) {
		vg_set_desc(&d, 0, 0, (uint64_t)buf, 64, VG_F_WRITE, 0);
		vg_kick(&d, 0, 0);
		while ((n = vg_used(&d, 0)) < 0)
			__asm__ volatile("pause");
		guest_puts("echo: ");
		for (int64_t i = 0; i < n; i++) {
			char c = buf[i];

			if (c >= 0x20 && c < 0x7f) {
				guest_putc(c);
			} else {
				guest_putc('<');
				guest_putc("0123456789abcdef"[(uint8_t)c >> 4]);
				guest_putc("0123456789abcdef"[c & 15]);
				guest_putc('>');
			}
		}
		guest_puts("\n");
		for (int64_t i = 0; i < n; i++)
			if (buf[i] == 'q')
				guest_exit(0);
	}
}
