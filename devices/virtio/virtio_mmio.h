/*
 * The virtio-mmio transport, modern interface only (virtio 1.x section 4.2,
 * Version register 2). One instance per device; it owns the registers, the
 * feature negotiation and the queues, and calls the device when the driver
 * kicks a queue. Interrupts leave through a callback (vmm/irq.c wires it to
 * an irqfd); guests may also just poll the used ring.
 */
#ifndef CVMM_VIRTIO_MMIO_H
#define CVMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "devices/virtio/virtqueue.h"
#include "loader/virtio_slots.h"	/* VIRTIO_MMIO_SIZE */
#include "vmm/mem/mem.h"

#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_MAX_QUEUES	2
#define VIRTIO_MMIO_CONFIG_MAX	64

/* register offsets */
enum {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000, VIRTIO_MMIO_VERSION = 0x004,
	VIRTIO_MMIO_DEVICE_ID = 0x008, VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010, VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020, VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL = 0x030, VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038, VIRTIO_MMIO_QUEUE_READY = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050, VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064, VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080, VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090, VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0, VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_SHM_SEL = 0x0ac, VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
	VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4, VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
	VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc, VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
	VIRTIO_MMIO_CONFIG = 0x100,
};

#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

#define VIRTIO_INT_USED		0x1
#define VIRTIO_INT_CONFIG	0x2

#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4

#define VIRTIO_VENDOR_CVMM	0x4d4d5643	/* "CVMM" */

struct virtio_mmio;

struct virtio_dev_ops {
	const char *name;		/* "virtio-blk", for messages */
	uint32_t device_id;
	unsigned n_queues;
	/* The driver kicked queue q (DRIVER_OK, not broken). Transport lock held. */
	void (*notify)(struct virtio_mmio *t, unsigned q);
	/* The driver reset the device. Transport lock held. May be NULL. */
	void (*reset)(struct virtio_mmio *t);
	/* Stops the device's threads and frees it (the transport is inside it). */
	void (*release)(struct virtio_mmio *t);
};

/* Raises interrupt line `line` (edge: the guest acknowledges through InterruptACK). */
typedef void (*virtio_irq_fn)(void *opaque, unsigned line);
/* Drives line `line` level (asserted while InterruptStatus is non-zero), for an I/O APIC. */
typedef void (*virtio_level_fn)(void *opaque, unsigned line, bool asserted);

struct virtio_mmio {
	const struct virtio_dev_ops *ops;
	void *dev;
	struct guest_mem *gm;
	uint64_t base;
	unsigned irq;
	virtio_irq_fn irq_fn;		/* NULL: no interrupts, the guest polls */
	void *irq_opaque;
	virtio_level_fn irq_level_fn;	/* instead of irq_fn: a level line (devices/ioapic.h) */

	uint64_t dev_features;		/* device-specific bits, set by the device */
	bool require_access_platform;	/* confidential guests must accept ACCESS_PLATFORM */
	uint8_t config[VIRTIO_MMIO_CONFIG_MAX];	/* device config space, read-only to the guest */
	uint32_t config_len;

	pthread_mutex_t lock;		/* vCPU threads and device threads */
	uint64_t drv_features;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint32_t status, isr, config_gen;
	unsigned complaints;		/* guest errors logged so far (capped) */
	bool traced_ready;		/* --boot-trace has its first DRIVER_OK */
	struct virtqueue vqs[VIRTIO_MMIO_MAX_QUEUES];
	struct vq_chain chain;		/* scratch for the device, under lock */
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      struct guest_mem *gm);
void virtio_mmio_destroy(struct virtio_mmio *t);
/* ops->release: the whole device, transport included. NULL is fine. */
void virtio_device_free(struct virtio_mmio *t);
/* Claims [base, base+VIRTIO_MMIO_SIZE) on the bus; interrupts on line irq. */
int virtio_mmio_register(struct virtio_mmio *t, struct bus *mmio, uint64_t base, unsigned irq);
/* The bus handler (exported for tests and fuzzing). */
void virtio_mmio_access(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);

/* All features offered: the device's plus the transport's. */
uint64_t virtio_mmio_offered(const struct virtio_mmio *t);
/* For devices, transport lock held: */
bool virtio_mmio_live(const struct virtio_mmio *t);
/* vq_pop that marks the device broken (one log line) on VQ_BROKEN. */
enum vq_result virtio_mmio_pop(struct virtio_mmio *t, unsigned q);
/* vq_push, then an interrupt when the driver wants one. */
void virtio_mmio_complete(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t len);
/* DEVICE_NEEDS_RESET, a config interrupt, one log line (until the cap). */
void virtio_mmio_broken(struct virtio_mmio *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs one guest-caused request failure (until the cap); the device keeps going. */
void virtio_mmio_complain(struct virtio_mmio *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
