#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/virtio_mmio.h"
#include "vmm/log.h"
#include "vmm/trace.h"

/* A guest can break its devices as often as it likes; the log says so a few times. */
#define COMPLAINTS_MAX	8

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      struct guest_mem *gm)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->gm = gm;
	pthread_mutex_init(&t->lock, NULL);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		t->vqs[i].gm = gm;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

void virtio_device_free(struct virtio_mmio *t)
{
	if (t)
		t->ops->release(t);
}

int virtio_mmio_register(struct virtio_mmio *t, struct bus *mmio, uint64_t base, unsigned irq)
{
	t->base = base;
	t->irq = irq;
	return bus_register(mmio, base, VIRTIO_MMIO_SIZE, virtio_mmio_access, t, t->ops->name);
}

uint64_t virtio_mmio_offered(const struct virtio_mmio *t)
{
	return t->dev_features | 1ULL << VIRTIO_F_VERSION_1 |
	       1ULL << VIRTIO_F_ACCESS_PLATFORM | 1ULL << VIRTIO_F_INDIRECT_DESC;
}

bool virtio_mmio_live(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(t->status & (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

static void raise_irq(struct virtio_mmio *t, uint32_t why)
{
	t->isr |= why;
	if (t->irq_level_fn)
		t->irq_level_fn(t->irq_opaque, t->irq, true);
	else if (t->irq_fn)
		t->irq_fn(t->irq_opaque, t->irq);
}

/* A level line follows InterruptStatus: the ACK (or a reset) that clears it lowers the line. */
static void update_level(struct virtio_mmio *t)
{
	if (t->irq_level_fn)
		t->irq_level_fn(t->irq_opaque, t->irq, t->isr != 0);
}

static void vcomplain(struct virtio_mmio *t, const char *fmt, va_list ap)
{
	char buf[256];

	if (t->complaints >= COMPLAINTS_MAX)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	cvmm_warn("%s@0x%llx: %s%s", t->ops->name, (unsigned long long)t->base, buf,
		  ++t->complaints == COMPLAINTS_MAX ? " (further reports suppressed)" : "");
}

void virtio_mmio_complain(struct virtio_mmio *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcomplain(t, fmt, ap);
	va_end(ap);
}

void virtio_mmio_broken(struct virtio_mmio *t, const char *fmt, ...)
{
	va_list ap;

	if (t->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	va_start(ap, fmt);
	vcomplain(t, fmt, ap);
	va_end(ap);
	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* With DRIVER_OK set the driver learns of it through a config interrupt. */
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(t, VIRTIO_INT_CONFIG);
}

enum vq_result virtio_mmio_pop(struct virtio_mmio *t, unsigned q)
{
	char why[160];
	enum vq_result r = vq_pop(&t->vqs[q], &t->chain, why, sizeof(why));

	if (r == VQ_BROKEN)
		virtio_mmio_broken(t, "queue %u: %s: device needs reset", q, why);
	return r;
}

void virtio_mmio_complete(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t len)
{
	struct virtqueue *vq = &t->vqs[q];

	if (vq_push(vq, head, len)) {
		virtio_mmio_broken(t, "queue %u: used ring is no longer shared RAM: device needs reset", q);
		return;
	}
	if (vq_want_interrupt(vq))
		raise_irq(t, VIRTIO_INT_USED);
}

static void device_reset(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		vq_reset(&t->vqs[i]);
	t->drv_features = 0;
	t->dev_feat_sel = t->drv_feat_sel = t->queue_sel = 0;
	t->status = 0;
	t->isr = 0;
	update_level(t);
	if (t->ops->reset)
		t->ops->reset(t);
}

/* FEATURES_OK is granted only for a set the device can honour. */
static bool features_acceptable(struct virtio_mmio *t)
{
	uint64_t f = t->drv_features;

	if (f & ~virtio_mmio_offered(t)) {
		virtio_mmio_complain(t, "driver accepted features 0x%llx that were not offered",
				     (unsigned long long)(f & ~virtio_mmio_offered(t)));
		return false;
	}
	if (!(f & (1ULL << VIRTIO_F_VERSION_1))) {
		virtio_mmio_complain(t, "driver did not accept VIRTIO_F_VERSION_1 (legacy is not offered)");
		return false;
	}
	if (t->require_access_platform && !(f & (1ULL << VIRTIO_F_ACCESS_PLATFORM))) {
		virtio_mmio_complain(t, "driver did not accept VIRTIO_F_ACCESS_PLATFORM, "
				     "which a confidential guest needs to bounce through shared memory");
		return false;
	}
	return true;
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status;

	if (v == 0) {
		device_reset(t);
		return;
	}
	v &= 0xff;
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    !features_acceptable(t))
		v &= ~VIRTIO_STATUS_FEATURES_OK;	/* the driver reads it back and gives up */
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK))
		v &= ~VIRTIO_STATUS_DRIVER_OK;
	/* NEEDS_RESET is the device's to set and only a reset clears it. */
	t->status = v | (old & VIRTIO_STATUS_NEEDS_RESET);
	/* A boot phase (--boot-trace): the guest's driver took the device; once, whatever it resets. */
	if ((t->status & VIRTIO_STATUS_DRIVER_OK) && !t->traced_ready) {
		t->traced_ready = true;
		trace_point_detail("virtio driver ready", "%s", t->ops->name);
	}
	if (!(old & VIRTIO_STATUS_FEATURES_OK) && (t->status & VIRTIO_STATUS_FEATURES_OK)) {
		for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
			t->vqs[i].indirect = t->drv_features & (1ULL << VIRTIO_F_INDIRECT_DESC);
	}
}

static struct virtqueue *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->n_queues ? &t->vqs[t->queue_sel] : NULL;
}

static void set_half(uint64_t *v, bool high, uint32_t x)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)x << 32 : (*v & ~0xffffffffULL) | x;
}

static void queue_ready(struct virtio_mmio *t, struct virtqueue *vq, uint32_t v)
{
	char why[160];

	if (!v) {
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (vq_check(vq, VQ_MAX_SIZE, why, sizeof(why))) {
		virtio_mmio_broken(t, "queue %u: %s: device needs reset", t->queue_sel, why);
		return;
	}
	vq->last_avail = vq->used_idx = 0;
	vq->ready = true;
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct virtqueue *vq = selected(t);
	uint64_t f = virtio_mmio_offered(t);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:	return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:	return 2;
	case VIRTIO_MMIO_DEVICE_ID:	return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:	return VIRTIO_VENDOR_CVMM;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_feat_sel < 2 ? (uint32_t)(f >> (32 * t->dev_feat_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:	return vq ? VQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_NUM:	return vq ? vq->num : 0;
	case VIRTIO_MMIO_QUEUE_READY:	return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return t->isr;
	case VIRTIO_MMIO_STATUS:	return t->status;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:   return vq ? (uint32_t)vq->desc : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:  return vq ? (uint32_t)(vq->desc >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW: return vq ? (uint32_t)vq->avail : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: return vq ? (uint32_t)(vq->avail >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW: return vq ? (uint32_t)vq->used : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: return vq ? (uint32_t)(vq->used >> 32) : 0;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:	return 0xffffffff;	/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION: return t->config_gen;
	}
	return 0;
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtqueue *vq = selected(t);
	/* Queue layout registers are frozen while the queue is enabled (4.2.2.2). */
	bool q_writable = vq && !vq->ready;
	bool feat_writable = !(t->status & VIRTIO_STATUS_FEATURES_OK);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:	t->dev_feat_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:	t->drv_feat_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (feat_writable && t->drv_feat_sel < 2)
			set_half(&t->drv_features, t->drv_feat_sel == 1, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:		t->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q_writable)
			vq->num = v > 0xffff ? 0 : (uint16_t)v;	/* checked at QueueReady */
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (vq)
			queue_ready(t, vq, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < t->ops->n_queues && t->vqs[v].ready && virtio_mmio_live(t))
			t->ops->notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:		t->isr &= ~v; update_level(t); break;
	case VIRTIO_MMIO_STATUS:		write_status(t, v); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_writable)
			set_half(&vq->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (q_writable)
			set_half(&vq->avail, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (q_writable)
			set_half(&vq->used, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break;
	}
}

void virtio_mmio_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct virtio_mmio *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		/* Config space: any width; read-only here; beyond its end reads as zero. */
		if (!is_write) {
			for (uint32_t i = 0; i < len; i++)
				data[i] = c + i < t->config_len ? t->config[c + i] : 0;
		}
	} else if (len == 4 && !(off & 3)) {
		uint32_t v;

		if (is_write) {
			memcpy(&v, data, 4);
			reg_write(t, off, v);
		} else {
			v = reg_read(t, off);
			memcpy(data, &v, 4);
		}
	} else if (!is_write) {
		memset(data, 0, len);	/* registers are 32-bit only (4.2.2.2) */
	}
	pthread_mutex_unlock(&t->lock);
}
