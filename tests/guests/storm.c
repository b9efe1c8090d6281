/*
 * A hostile guest's storm (issue 14): every vCPU hammers the devices with
 * random register accesses, without end: the virtio-mmio slots (queues
 * programmed at random, devices reset and DRIVER_OK'd mid-request, notifies),
 * COM1, the conversion port (on --sw: area pages flipping between private
 * and shared under the devices' feet) and unclaimed MMIO. Rings and buffers land in a
 * sacrificial area at 32 MiB, filled with random words whose addresses point
 * back into it (256 KiB), so that the devices' writes stay away from the guest's code.
 * The I/O APIC and the power ports are left alone (an interrupt with no IDT,
 * or a reset, would end the VM): the test stops it with a signal and checks
 * cvmm's memory stayed flat meanwhile (tests/kvm/test_storm.sh).
 */
#include "virtio_guest.h"

#define AREA		0x2000000ULL
#define AREA_SIZE	0x40000ULL	/* 256 KiB: filling it takes ~1 s at guest speed */

static volatile int area_ready;

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t area_addr(uint64_t r)
{
	return AREA + (r % AREA_SIZE & ~0xfULL);
}

/* One random virtio-mmio register access, biased to the ones that matter. */
static void virtio_poke(uint64_t *s)
{
	uint64_t r = xs(s);
	uint64_t base = VG_MMIO_BASE + (r % VG_SLOTS) * VG_SLOT;
	static const uint16_t regs[] = { 0x030, 0x038, 0x044, 0x050, 0x070, 0x080, 0x084, 0x090,
					 0x094, 0x0a0, 0x0a4, 0x064, 0x014, 0x020, 0x024 };
	uint32_t off = regs[(r >> 8) % (sizeof(regs) / sizeof(regs[0]))];
	uint32_t v = (uint32_t)xs(s);

	switch (off) {
	case 0x080: case 0x090: case 0x0a0: v = (uint32_t)area_addr(v); break;	/* ring addresses */
	case 0x084: case 0x094: case 0x0a4: v = 0; break;
	case 0x038: v %= 300; break;						/* queue size */
	case 0x030: v %= 3; break;						/* queue select */
	case 0x050: v %= 3; break;						/* notify */
	case 0x044: v &= 1; break;						/* queue ready */
	case 0x070: {								/* status: reset, or on */
		static const uint32_t st[] = { 0, 1, 3, 11, 15, 0x4f };
		v = st[v % 6];
		break;
	}
	}
	if ((r >> 40) & 1)
		*(volatile uint32_t *)(base + off) = v;
	else
		(void)*(volatile uint32_t *)(base + (r >> 20) % VG_SLOT / 4 * 4);
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (cpu + 1), n = 0;

	if (cpu == 0) {
		volatile uint64_t *w = (volatile uint64_t *)AREA;

		for (uint64_t i = 0; i < AREA_SIZE / 8; i++)
			w[i] = i % 2 ? xs(&s) : area_addr(xs(&s));
		area_ready = 1;
		guest_puts("storm: running\n");
	}
	while (!area_ready)
		__asm__ volatile("pause");
	for (;;) {
		uint64_t r = xs(&s);

		switch (r % 8) {
		case 0: case 1: case 2: case 3: case 4:
			virtio_poke(&s);
			break;
		case 5:		/* COM1: any register, any value */
			outb((uint16_t)(GUEST_COM1 + (r >> 8) % 8), (uint8_t)(r >> 16));
			break;
		case 6:		/* conversions and probes of a few area pages (refused on plain) */
			outl(GUEST_CONV_PORT, (uint32_t)area_addr(r >> 16) & ~0xfffU);
			outl(GUEST_CONV_PORT + 4, 0);
			outl(GUEST_CONV_PORT + 8, 1 + (uint32_t)(r >> 8) % 16);
			outl(GUEST_CONV_PORT + 12, 1 + (uint32_t)(r >> 40) % 4);
			break;
		case 7:		/* nobody's MMIO */
			*(volatile uint32_t *)(0xe0000000ULL + ((r >> 8) & 0xffffc)) = (uint32_t)r;
			break;
		}
		if (cpu == 0 && ++n % 100000 == 0)
			guest_puts("storm: 100000 more\n");
	}
}
