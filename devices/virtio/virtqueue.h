/*
 * Split virtqueues (virtio 1.x, section 2.7), device side.
 *
 * Everything here is guest-controlled: the ring addresses, the indices, every
 * descriptor. Rings and buffers are reached only through the guest-memory
 * door (gm_read/gm_write/gm_view_*), which refuses anything that is not
 * shared RAM, and nothing is cached across calls except the queue's own
 * registers. A descriptor chain is bounded by the queue size (indirect
 * tables included), may not loop, and must list its device-readable buffers
 * before its device-writable ones.
 */
#ifndef CVMM_VIRTQUEUE_H
#define CVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/mem/mem.h"

#define VQ_MAX_SIZE		256	/* the largest queue cvmm offers */

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct vq_buf {
	uint64_t gpa;
	uint32_t len;
};

/* One request: the readable buffers first (out), then the writable (in). */
struct vq_chain {
	uint16_t head;
	uint16_t n_out, n_in;
	uint64_t out_len, in_len;	/* byte totals */
	struct vq_buf bufs[VQ_MAX_SIZE];
};

struct virtqueue {
	/* set by the driver through the transport */
	uint16_t num;			/* queue size */
	uint64_t desc, avail, used;	/* guest-physical */
	bool ready;
	/* device state */
	uint16_t last_avail;		/* next avail entry to consume */
	uint16_t used_idx;		/* our copy of used->idx */
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC negotiated */
	struct guest_mem *gm;
};

enum vq_result {
	VQ_EMPTY = 0,
	VQ_GOT = 1,
	VQ_BROKEN = -1,		/* the queue is unusable: the device needs a reset */
};

/*
 * Checks a queue the driver is about to enable: size a power of two no
 * larger than max, rings aligned and entirely in guest RAM. On failure
 * writes one line into why (for the transport to log) and returns -1.
 */
int vq_check(const struct virtqueue *vq, uint16_t max, char *why, size_t why_len);
void vq_reset(struct virtqueue *vq);

/*
 * Takes the next available chain. VQ_BROKEN (why filled) when the ring or
 * the chain breaks a rule: the caller marks the device DEVICE_NEEDS_RESET.
 */
enum vq_result vq_pop(struct virtqueue *vq, struct vq_chain *c, char *why, size_t why_len);

/* Returns a chain to the driver with len bytes written. -1 when the used ring is not shared RAM. */
int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* Whether the driver asked not to be interrupted (VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool vq_want_interrupt(struct virtqueue *vq);

/*
 * Copies between a chain's buffers, seen as one byte stream per direction,
 * and host memory. Out: the readable part; in: the writable part. Returns
 * the bytes copied (short when the chain is shorter), or a GM_E_* error when
 * a buffer is not shared RAM.
 */
int64_t vq_read_out(struct virtqueue *vq, const struct vq_chain *c, uint64_t off, void *dst, uint64_t len);
int64_t vq_write_in(struct virtqueue *vq, const struct vq_chain *c, uint64_t off, const void *src, uint64_t len);

#endif
