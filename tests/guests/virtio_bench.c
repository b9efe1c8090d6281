/*
 * virtio-blk requests timed by the host (bench/parts/virtio.sh): command
 * line "N KIB"; N reads of KIB KiB each into the shared window, one request
 * in flight, between the milestones "entered" and "ready". Exit 0 when all
 * completed with status OK.
 */
#include "virtio_guest.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *cmd = guest_cmdline(bp);
	uint64_t n = guest_atou(cmd), kib, area = vg_buffer_area(bp), cap, sector = 0;
	volatile uint32_t *hdr = (volatile uint32_t *)(area + 0x2000);
	volatile uint8_t *status = (volatile uint8_t *)(area + 0x2010);
	struct vg_dev d;
	uint8_t bad = 0;

	while (*cmd && *cmd != ' ')
		cmd++;
	while (*cmd == ' ')
		cmd++;
	kib = guest_atou(cmd);
	if (!n || !kib || kib > 1024 || vg_find(&d, 2) || vg_negotiate(&d, 0))
		guest_exit(2);
	vg_queue(&d, 0, area);
	vg_driver_ok(&d);
	cap = vg_r(&d, VG_CONFIG) | (uint64_t)vg_r(&d, VG_CONFIG + 4) << 32;
	hdr[0] = 0;
	hdr[1] = 0;
	vg_set_desc(&d, 0, 0, (uint64_t)hdr, 16, VG_F_NEXT, 1);
	vg_set_desc(&d, 0, 1, area + 0x10000, (uint32_t)(kib << 10), VG_F_WRITE | VG_F_NEXT, 2);
	vg_set_desc(&d, 0, 2, (uint64_t)status, 1, VG_F_WRITE, 0);
	guest_milestone(GUEST_MILESTONE_ENTERED);
	for (uint64_t i = 0; i < n; i++) {
		*(volatile uint64_t *)(hdr + 2) = sector;
		*status = 0xff;
		vg_kick(&d, 0, 0);
		bad |= vg_used(&d, 0) < 0 || *status != 0;
		sector += kib * 2;
		if (sector + kib * 2 > cap)
			sector = 0;
	}
	guest_milestone(GUEST_MILESTONE_READY);
	guest_exit(bad);
}
