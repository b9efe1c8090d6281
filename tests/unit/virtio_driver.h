/*
 * A minimal virtio-mmio driver for host-side tests, the fuzz harness and the
 * benchmark: it plays the guest, writing rings into a guest_mem and poking
 * the transport's registers the way a guest's MMIO accesses would.
 * Header-only: each user is one program.
 */
#ifndef CVMM_TEST_VIRTIO_DRIVER_H
#define CVMM_TEST_VIRTIO_DRIVER_H

#include <string.h>

#include "devices/virtio/virtio_mmio.h"
#include "vmm/mem/mem.h"

struct tdrv {
	struct virtio_mmio *t;
	struct guest_mem *gm;
	unsigned q;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen;
};

static inline void tdrv_w(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_access(t, off, (uint8_t *)&v, 4, true);
}

static inline uint32_t tdrv_r(struct virtio_mmio *t, uint64_t off)
{
	uint32_t v;

	virtio_mmio_access(t, off, (uint8_t *)&v, 4, false);
	return v;
}

/* Negotiates features (what the device offers, masked) and returns the status read back. */
static inline uint32_t tdrv_negotiate(struct virtio_mmio *t, uint64_t mask)
{
	uint64_t f;

	tdrv_w(t, VIRTIO_MMIO_STATUS, 0);
	tdrv_w(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	tdrv_w(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	tdrv_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = tdrv_r(t, VIRTIO_MMIO_DEVICE_FEATURES);
	tdrv_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)tdrv_r(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	f &= mask;
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	tdrv_w(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	       VIRTIO_STATUS_FEATURES_OK);
	return tdrv_r(t, VIRTIO_MMIO_STATUS);
}

/* Lays queue q out at ring_gpa (desc, then avail, then used at +page) and enables it. */
static inline void tdrv_queue(struct tdrv *d, struct virtio_mmio *t, struct guest_mem *gm,
			      unsigned q, uint16_t num, uint64_t ring_gpa)
{
	*d = (struct tdrv){ .t = t, .gm = gm, .q = q, .num = num, .desc = ring_gpa,
			    .avail = ring_gpa + 16ULL * num,
			    .used = (ring_gpa + 16ULL * num + 6 + 2ULL * num + 4095) & ~4095ULL };
	tdrv_w(t, VIRTIO_MMIO_QUEUE_SEL, q);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_NUM, num);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d->desc);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d->desc >> 32));
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)d->avail);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(d->avail >> 32));
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)d->used);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(d->used >> 32));
	tdrv_w(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

static inline void tdrv_driver_ok(struct virtio_mmio *t)
{
	tdrv_w(t, VIRTIO_MMIO_STATUS, tdrv_r(t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

static inline void tdrv_desc(struct tdrv *d, uint16_t i, uint64_t addr, uint32_t len,
			     uint16_t flags, uint16_t next)
{
	uint8_t b[16];

	memcpy(b, &addr, 8);
	memcpy(b + 8, &len, 4);
	memcpy(b + 12, &flags, 2);
	memcpy(b + 14, &next, 2);
	gm_write(d->gm, d->desc + 16ULL * i, b, 16);
}

/* Publishes head in the available ring and kicks the queue. */
static inline void tdrv_kick(struct tdrv *d, uint16_t head)
{
	uint16_t idx = (uint16_t)(d->avail_idx + 1);

	gm_write(d->gm, d->avail + 4 + 2ULL * (d->avail_idx % d->num), &head, 2);
	gm_write(d->gm, d->avail + 2, &idx, 2);
	d->avail_idx = idx;
	tdrv_w(d->t, VIRTIO_MMIO_QUEUE_NOTIFY, d->q);
}

/* Takes the next used element: 1 with id/len, 0 when none. */
static inline int tdrv_used(struct tdrv *d, uint32_t *id, uint32_t *len)
{
	uint16_t idx;
	uint32_t e[2];

	gm_read(d->gm, d->used + 2, &idx, 2);
	if (idx == d->used_seen)
		return 0;
	gm_read(d->gm, d->used + 4 + 8ULL * (d->used_seen % d->num), e, 8);
	d->used_seen++;
	*id = e[0];
	*len = e[1];
	return 1;
}

#endif
