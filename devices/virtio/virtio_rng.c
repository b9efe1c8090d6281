/* virtio-rng: every writable byte the guest offers filled from getrandom(2). */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "devices/virtio/virtio_devices.h"
#include "vmm/log.h"

struct virtio_rng {
	struct virtio_mmio t;
	uint8_t buf[4096];
};

static void rng_notify(struct virtio_mmio *t, unsigned q)
{
	struct virtio_rng *r = (struct virtio_rng *)t;

	while (virtio_mmio_pop(t, q) == VQ_GOT) {
		const struct vq_chain *c = &t->chain;
		/* Bounded per request so that one kick cannot keep a vCPU here for long. */
		uint64_t want = c->in_len < VIRTIO_RNG_MAX_REQ ? c->in_len : VIRTIO_RNG_MAX_REQ;
		uint64_t done = 0;

		while (done < want) {
			size_t take = want - done < sizeof(r->buf) ? want - done : sizeof(r->buf);
			ssize_t n = getrandom(r->buf, take, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (vq_write_in(&t->vqs[q], c, done, r->buf, (uint64_t)n) != n) {
				virtio_mmio_complain(t, "buffer not in shared memory");
				break;
			}
			done += (uint64_t)n;
		}
		virtio_mmio_complete(t, q, c->head, (uint32_t)done);
	}
}

static void rng_release(struct virtio_mmio *t)
{
	virtio_mmio_destroy(t);
	free(t);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.n_queues = 1,
	.notify = rng_notify,
	.release = rng_release,
};

struct virtio_mmio *virtio_rng_new(struct guest_mem *gm)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r) {
		cvmm_err("virtio-rng: out of memory");
		return NULL;
	}
	virtio_mmio_init(&r->t, &rng_ops, r, gm);
	return &r->t;
}
