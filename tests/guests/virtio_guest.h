/*
 * A tiny polling virtio-mmio driver for the test guests: finds devices in
 * cvmm's fixed slots (LAYOUT_MMIO_BASE, 0x200 apart), negotiates, lays out
 * split queues of 8 in a buffer area, and waits for used entries by polling
 * (no interrupts). The buffer area is the shared window when boot_params'
 * e820 has one (a reserved range at or above 1 MiB), else plain RAM at
 * 4 MiB. Identity-mapped, so pointers are guest-physical addresses.
 */
#ifndef CVMM_VIRTIO_GUEST_H
#define CVMM_VIRTIO_GUEST_H

#include "guest_io.h"

#define VG_MMIO_BASE	0xd0000000ULL
#define VG_SLOT		0x200
#define VG_SLOTS	4
#define VG_QSIZE	8

/* register offsets and bits (virtio 1.x 4.2.2) */
#define VG_MAGIC	0x000
#define VG_VERSION	0x004
#define VG_DEVICE_ID	0x008
#define VG_DEV_FEAT	0x010
#define VG_DEV_FEAT_SEL	0x014
#define VG_DRV_FEAT	0x020
#define VG_DRV_FEAT_SEL	0x024
#define VG_QUEUE_SEL	0x030
#define VG_QUEUE_MAX	0x034
#define VG_QUEUE_NUM	0x038
#define VG_QUEUE_READY	0x044
#define VG_NOTIFY	0x050
#define VG_STATUS	0x070
#define VG_DESC_LO	0x080
#define VG_DESC_HI	0x084
#define VG_AVAIL_LO	0x090
#define VG_AVAIL_HI	0x094
#define VG_USED_LO	0x0a0
#define VG_USED_HI	0x0a4
#define VG_CONFIG	0x100

#define VG_S_ACK	1
#define VG_S_DRIVER	2
#define VG_S_DRIVER_OK	4
#define VG_S_FEATURES_OK 8
#define VG_S_NEEDS_RESET 0x40

#define VG_F_NEXT	1
#define VG_F_WRITE	2
#define VG_F_INDIRECT	4

struct vg_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vg_queue {
	volatile struct vg_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[] */
	volatile uint16_t *used;	/* flags, idx, then {u32 id, u32 len}[] */
	uint16_t avail_idx, used_seen;
};

struct vg_dev {
	uint64_t base;
	struct vg_queue q[2];
};

static inline uint32_t vg_r(struct vg_dev *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->base + off);
}

static inline void vg_w(struct vg_dev *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->base + off) = v;
}

/* The shared window from the e820 map in boot_params, or 4 MiB. */
static inline uint64_t vg_buffer_area(const uint8_t *bp)
{
	uint8_t n = bp[0x1e8];

	for (unsigned i = 0; i < n && i < 128; i++) {
		const volatile uint8_t *e = bp + 0x2d0 + 20 * i;
		uint64_t addr = *(const volatile uint64_t *)e;
		uint32_t type = *(const volatile uint32_t *)(e + 16);

		if (type == 2 && addr >= 0x100000)
			return addr;
	}
	return 0x400000;
}

static inline int vg_find(struct vg_dev *d, uint32_t device_id)
{
	for (unsigned i = 0; i < VG_SLOTS; i++) {
		d->base = VG_MMIO_BASE + (uint64_t)i * VG_SLOT;
		if (vg_r(d, VG_MAGIC) == 0x74726976 && vg_r(d, VG_VERSION) == 2 &&
		    vg_r(d, VG_DEVICE_ID) == device_id)
			return 0;
	}
	return -1;
}

/* Reset, accept VERSION_1 and ACCESS_PLATFORM (plus extra), FEATURES_OK. 0 on success. */
static inline int vg_negotiate(struct vg_dev *d, uint32_t extra_lo)
{
	uint32_t hi;

	vg_w(d, VG_STATUS, 0);
	vg_w(d, VG_STATUS, VG_S_ACK);
	vg_w(d, VG_STATUS, VG_S_ACK | VG_S_DRIVER);
	vg_w(d, VG_DEV_FEAT_SEL, 1);
	hi = vg_r(d, VG_DEV_FEAT) & 3;		/* VERSION_1 (32), ACCESS_PLATFORM (33) */
	vg_w(d, VG_DEV_FEAT_SEL, 0);
	vg_w(d, VG_DRV_FEAT_SEL, 0);
	vg_w(d, VG_DRV_FEAT, vg_r(d, VG_DEV_FEAT) & extra_lo);
	vg_w(d, VG_DRV_FEAT_SEL, 1);
	vg_w(d, VG_DRV_FEAT, hi);
	vg_w(d, VG_STATUS, VG_S_ACK | VG_S_DRIVER | VG_S_FEATURES_OK);
	return (vg_r(d, VG_STATUS) & VG_S_FEATURES_OK) ? 0 : -1;
}

/* Programs queue q's registers only: the rings may be anywhere, even outside RAM. */
static inline void vg_queue_regs(struct vg_dev *d, unsigned q, uint64_t desc, uint64_t avail,
				 uint64_t used)
{
	vg_w(d, VG_QUEUE_SEL, q);
	vg_w(d, VG_QUEUE_NUM, VG_QSIZE);
	vg_w(d, VG_DESC_LO, (uint32_t)desc);
	vg_w(d, VG_DESC_HI, (uint32_t)(desc >> 32));
	vg_w(d, VG_AVAIL_LO, (uint32_t)avail);
	vg_w(d, VG_AVAIL_HI, (uint32_t)(avail >> 32));
	vg_w(d, VG_USED_LO, (uint32_t)used);
	vg_w(d, VG_USED_HI, (uint32_t)(used >> 32));
	vg_w(d, VG_QUEUE_READY, 1);
}

/* Queue q at area: descriptors, avail at +0x80, used at +0x1000 (8 KiB a queue). */
static inline void vg_queue(struct vg_dev *d, unsigned q, uint64_t area)
{
	struct vg_queue *vq = &d->q[q];

	vq->desc = (volatile struct vg_desc *)area;
	vq->avail = (volatile uint16_t *)(area + 0x80);
	vq->used = (volatile uint16_t *)(area + 0x1000);
	vq->avail_idx = vq->used_seen = 0;
	vq->avail[0] = vq->avail[1] = 0;
	vg_queue_regs(d, q, area, area + 0x80, area + 0x1000);
}

static inline void vg_driver_ok(struct vg_dev *d)
{
	vg_w(d, VG_STATUS, vg_r(d, VG_STATUS) | VG_S_DRIVER_OK);
}

static inline void vg_set_desc(struct vg_dev *d, unsigned q, unsigned i, uint64_t addr,
			       uint32_t len, uint16_t flags, uint16_t next)
{
	volatile struct vg_desc *e = &d->q[q].desc[i];

	e->addr = addr;
	e->len = len;
	e->flags = flags;
	e->next = next;
}

/* Publishes head and kicks. */
static inline void vg_kick(struct vg_dev *d, unsigned q, uint16_t head)
{
	struct vg_queue *vq = &d->q[q];

	vq->avail[2 + vq->avail_idx % VG_QSIZE] = head;
	__asm__ volatile("" ::: "memory");	/* x86: stores stay in order */
	vq->avail[1] = ++vq->avail_idx;
	vg_w(d, VG_NOTIFY, q);
}

/* The used length of the next completion; -1 when none arrived (cvmm serves kicks synchronously). */
static inline int64_t vg_used(struct vg_dev *d, unsigned q)
{
	struct vg_queue *vq = &d->q[q];
	volatile uint32_t *elem;

	if (vq->used[1] == vq->used_seen)
		return -1;
	elem = (volatile uint32_t *)(vq->used + 2) + 2 * (vq->used_seen % VG_QSIZE);
	vq->used_seen++;
	return elem[1];
}

static inline void vg_memset(volatile uint8_t *p, uint8_t v, uint64_t n)
{
	while (n--)
		*p++ = v;
}

#endif
