/*
 * A freestanding virtio driver: through virtio-console it prints, on
 * virtio-blk it reads sector 0, writes sectors 2-3 and reads them back,
 * asks for the disk's ID, flushes and reads beyond the end; from virtio-rng
 * it reads 32 bytes. Every buffer lives in the shared window (or 4 MiB on a
 * plain VM). Exit status: 0 when everything checked out, else the number of
 * the first failed check. Devices that are absent are skipped and said so.
 */
#include "virtio_guest.h"

#define BLK_F_RO	(1u << 5)

static uint8_t fail;

static void check(int ok, uint8_t n, const char *what)
{
	if (ok)
		return;
	guest_puts("FAILED: ");
	guest_puts(what);
	guest_puts("\n");
	if (!fail)
		fail = n;
}

static void put_str_n(const volatile char *s, unsigned n)
{
	for (unsigned i = 0; i < n && s[i]; i++)
		guest_putc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
}

static void console(uint64_t area)
{
	static const char msg[] = "virtio-console: hello from the guest\n";
	volatile char *buf = (volatile char *)(area + 0xb000);
	struct vg_dev d;

	if (vg_find(&d, 3)) {
		guest_puts("no virtio-console\n");
		return;
	}
	check(vg_negotiate(&d, 0) == 0, 10, "console features");
	vg_queue(&d, 0, area);
	vg_queue(&d, 1, area + 0x2000);
	vg_driver_ok(&d);
	for (unsigned i = 0; i < sizeof(msg) - 1; i++)
		buf[i] = msg[i];
	vg_set_desc(&d, 1, 0, (uint64_t)buf, sizeof(msg) - 1, 0, 0);
	vg_kick(&d, 1, 0);
	check(vg_used(&d, 1) >= 0, 11, "console transmit completed");
}

/* One block request: header, optional data, status. Returns the status byte. */
static int blk_req(struct vg_dev *d, uint64_t area, uint32_t type, uint64_t sector,
		   uint64_t data, uint32_t len, int64_t *used)
{
	volatile uint32_t *hdr = (volatile uint32_t *)(area + 0x8000);
	volatile uint8_t *status = (volatile uint8_t *)(area + 0x8010);
	uint16_t dflags = type == 1 ? 0 : VG_F_WRITE;
	unsigned n = 0;

	hdr[0] = type;
	hdr[1] = 0;
	*(volatile uint64_t *)(hdr + 2) = sector;
	*status = 0xee;
	vg_set_desc(d, 0, n, (uint64_t)hdr, 16, VG_F_NEXT, (uint16_t)(n + 1)); n++;
	if (len) {
		vg_set_desc(d, 0, n, data, len, dflags | VG_F_NEXT, (uint16_t)(n + 1)); n++;
	}
	vg_set_desc(d, 0, n, (uint64_t)status, 1, VG_F_WRITE, 0);
	vg_kick(d, 0, 0);
	*used = vg_used(d, 0);
	return *status;
}

static void blk(uint64_t area)
{
	volatile uint8_t *wr = (volatile uint8_t *)(area + 0x9000);
	volatile uint8_t *rd = (volatile uint8_t *)(area + 0xa000);
	struct vg_dev d;
	uint64_t cap;
	uint32_t feat;
	int64_t used;
	int st, same = 1;

	if (vg_find(&d, 2)) {
		guest_puts("no virtio-blk\n");
		return;
	}
	check(vg_negotiate(&d, 1u << 9 /* FLUSH */) == 0, 20, "blk features");
	vg_queue(&d, 0, area + 0x4000);
	vg_driver_ok(&d);
	vg_w(&d, VG_DEV_FEAT_SEL, 0);
	feat = vg_r(&d, VG_DEV_FEAT);
	cap = vg_r(&d, VG_CONFIG) | (uint64_t)vg_r(&d, VG_CONFIG + 4) << 32;
	guest_puts("virtio-blk: ");
	guest_put_dec(cap);
	guest_puts(" sectors\n");

	st = blk_req(&d, area, 0, 0, (uint64_t)rd, 512, &used);
	check(st == 0 && used == 513, 21, "read sector 0");
	guest_puts("sector 0: ");
	put_str_n((volatile char *)rd, 64);
	guest_puts("\n");

	for (unsigned i = 0; i < 1024; i++)
		wr[i] = (uint8_t)(i * 7 + 3);
	{
		static const char tag[] = "written by the virtio guest";
		for (unsigned i = 0; i < sizeof(tag); i++)
			wr[i] = (uint8_t)tag[i];
	}
	st = blk_req(&d, area, 1, 2, (uint64_t)wr, 1024, &used);
	if (feat & BLK_F_RO) {
		check(st == 1, 22, "write to a read-only disk refused");
		guest_puts("virtio-blk: write refused (read-only)\n");
	} else {
		check(st == 0 && used == 1, 22, "write sectors 2-3");
		vg_memset(rd, 0, 1024);
		st = blk_req(&d, area, 0, 2, (uint64_t)rd, 1024, &used);
		check(st == 0 && used == 1025, 23, "read back sectors 2-3");
		for (unsigned i = 0; i < 1024; i++)
			same &= rd[i] == wr[i];
		check(same, 24, "read-back matches");
		guest_puts(same ? "virtio-blk: write and read-back match\n" : "");
		st = blk_req(&d, area, 4, 0, 0, 0, &used);
		check(st == 0, 25, "flush");
	}
	vg_memset(rd, 0, 32);
	st = blk_req(&d, area, 8, 0, (uint64_t)rd, 20, &used);
	check(st == 0 && used == 21, 26, "get id");
	guest_puts("virtio-blk id: ");
	put_str_n((volatile char *)rd, 20);
	guest_puts("\n");
	st = blk_req(&d, area, 0, cap, (uint64_t)rd, 512, &used);
	check(st == 1, 27, "read beyond the end fails");
	guest_puts(st == 1 ? "virtio-blk: read beyond the end refused\n" : "");
	check(!(vg_r(&d, VG_STATUS) & VG_S_NEEDS_RESET), 28, "device still healthy");
}

static void rng(uint64_t area)
{
	volatile uint8_t *buf = (volatile uint8_t *)(area + 0xc000);
	struct vg_dev d;
	uint8_t any = 0;

	if (vg_find(&d, 4)) {
		guest_puts("no virtio-rng\n");
		return;
	}
	check(vg_negotiate(&d, 0) == 0, 30, "rng features");
	vg_queue(&d, 0, area + 0x6000);
	vg_driver_ok(&d);
	vg_memset(buf, 0, 32);
	vg_set_desc(&d, 0, 0, (uint64_t)buf, 32, VG_F_WRITE, 0);
	vg_kick(&d, 0, 0);
	check(vg_used(&d, 0) == 32, 31, "rng filled 32 bytes");
	for (unsigned i = 0; i < 32; i++)
		any |= buf[i];
	check(any != 0, 32, "rng bytes not all zero");
	guest_puts("virtio-rng: ");
	guest_put_hex(*(volatile uint64_t *)buf);
	guest_puts("\n");
}

/* Occurrences of the NUL-terminated s in p[0, n) */
static unsigned count(const volatile uint8_t *p, uint32_t n, const char *s)
{
	unsigned c = 0, k;

	for (uint32_t i = 0; i < n; i++) {
		for (k = 0; s[k] && i + k < n && p[i + k] == (uint8_t)s[k]; k++)
			;
		c += !s[k];
	}
	return c;
}

/* The device tree cvmm hands over as setup_data (type 2, SETUP_DTB), if any. */
static void device_tree(const uint8_t *bp)
{
	uint64_t sd = *(const volatile uint64_t *)(bp + 0x250);

	for (int i = 0; sd && i < 16; i++) {
		const volatile uint8_t *h = (const volatile uint8_t *)sd;
		uint32_t type = *(const volatile uint32_t *)(h + 8);
		uint32_t len = *(const volatile uint32_t *)(h + 12);
		const volatile uint8_t *d = h + 16;

		if (type == 2) {
			int magic = d[0] == 0xd0 && d[1] == 0x0d && d[2] == 0xfe && d[3] == 0xed;

			check(magic, 40, "device tree magic");
			guest_puts("device tree: ");
			guest_put_dec(len);
			guest_puts(" bytes, ");
			guest_put_dec(count(d, len, "virtio,mmio"));
			guest_puts(" virtio,mmio nodes, restricted-dma-pool: ");
			guest_puts(count(d, len, "restricted-dma-pool") ? "yes\n" : "no\n");
			return;
		}
		sd = *(const volatile uint64_t *)h;
	}
	guest_puts("no device tree\n");
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);

	guest_puts("virtio guest: buffers at 0x");
	guest_put_hex(area);
	guest_puts("\n");
	device_tree(bp);
	console(area);
	blk(area);
	rng(area);
	guest_puts(fail ? "virtio guest: FAILED\n" : "virtio guest: all checks passed\n");
	guest_exit(fail);
}
