/*
 * The virtio devices cvmm offers, each a virtio-mmio transport with a
 * backend: virtio-blk on a raw file, virtio-console on stdio, virtio-rng
 * on getrandom(2). Constructors print one line and return NULL on failure;
 * virtio_device_free() (devices/virtio_mmio.h) undoes them.
 */
#ifndef CVMM_VIRTIO_DEVICES_H
#define CVMM_VIRTIO_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/virtio_mmio.h"

/* virtio-blk request types and statuses (virtio 1.x section 5.2.6) */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
#define VIRTIO_BLK_ID_BYTES	20

#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

#define VIRTIO_RNG_MAX_REQ	(64u << 10)	/* bytes filled per request */

struct virtio_blk_opts {
	const char *path;
	bool read_only;
	bool direct;		/* O_DIRECT, through an aligned bounce buffer */
	bool have_fd;		/* fd: what virtio_blk_open() returned (the disk is */
	int fd;			/* opened once); the device uses a duplicate of it */
};

struct virtio_mmio *virtio_blk_new(struct guest_mem *gm, const struct virtio_blk_opts *o);
/*
 * Opens the disk and checks the fd it got (a regular file or block device of
 * at least one sector; opened O_NONBLOCK so a FIFO cannot block, then
 * cleared), and takes an OFD lock on it (shared for read-only, exclusive
 * otherwise: two VMs never write one image): the fd, its size in *size, or
 * -1 with the reason in why. The options open it before any VM exists.
 */
int virtio_blk_open(const struct virtio_blk_opts *o, uint64_t *size, char *why, size_t why_len);
/* Bytes of the disk the guest sees (a multiple of 512). */
uint64_t virtio_blk_capacity(const struct virtio_mmio *t);

/* Guest output to out_fd; input: take the terminal's input (devices/term.h)
 * from virtio_console_start on. */
struct virtio_mmio *virtio_console_new(struct guest_mem *gm, int out_fd, bool input);
int virtio_console_start(struct virtio_mmio *t);

struct virtio_mmio *virtio_rng_new(struct guest_mem *gm);

#endif
