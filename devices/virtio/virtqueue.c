#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void why_set(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!why || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* Is [gpa, gpa+len) shared RAM right now? */
static int range_usable(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	struct gm_view v;
	int r = gm_view_begin(gm, gpa, len, &v);

	if (r == GM_OK)
		gm_view_end(&v);
	return r;
}

int vq_check(const struct virtqueue *vq, uint16_t max, char *why, size_t why_len)
{
	uint64_t n = vq->num;
	const struct { const char *name; uint64_t gpa, len, align; } ring[] = {
		{ "descriptor table", vq->desc, 16 * n, 16 },
		{ "available ring", vq->avail, 6 + 2 * n, 2 },
		{ "used ring", vq->used, 6 + 8 * n, 4 },
	};

	if (n == 0 || n > max || (n & (n - 1))) {
		why_set(why, why_len, "queue size %llu is not a power of two in [1, %u]",
			(unsigned long long)n, max);
		return -1;
	}
	for (size_t i = 0; i < sizeof(ring) / sizeof(ring[0]); i++) {
		int r;

		if (ring[i].gpa & (ring[i].align - 1)) {
			why_set(why, why_len, "%s at 0x%llx is not %llu-byte aligned", ring[i].name,
				(unsigned long long)ring[i].gpa, (unsigned long long)ring[i].align);
			return -1;
		}
		r = range_usable(vq->gm, ring[i].gpa, ring[i].len);
		if (r) {
			why_set(why, why_len, "%s [0x%llx, +0x%llx) is %s", ring[i].name,
				(unsigned long long)ring[i].gpa, (unsigned long long)ring[i].len,
				gm_strerror(r));
			return -1;
		}
	}
	return 0;
}

void vq_reset(struct virtqueue *vq)
{
	struct guest_mem *gm = vq->gm;

	*vq = (struct virtqueue){ .gm = gm };
}

static int add_buf(struct vq_chain *c, const struct vring_desc *d, uint16_t num,
		   char *why, size_t why_len)
{
	uint64_t end;
	bool w = d->flags & VIRTQ_DESC_F_WRITE;

	if (__builtin_add_overflow(d->addr, (uint64_t)d->len, &end)) {
		why_set(why, why_len, "descriptor buffer 0x%llx+0x%x wraps",
			(unsigned long long)d->addr, d->len);
		return -1;
	}
	if (d->len == 0)
		return 0;	/* legal and carries nothing */
	if (!w && c->n_in) {
		why_set(why, why_len, "device-readable descriptor after a writable one");
		return -1;
	}
	if (c->n_out + c->n_in >= num) {
		why_set(why, why_len, "descriptor chain longer than the queue (%u)", num);
		return -1;
	}
	c->bufs[c->n_out + c->n_in] = (struct vq_buf){ .gpa = d->addr, .len = d->len };
	if (w) {
		c->n_in++;
		c->in_len += d->len;	/* at most 256 * 4 GiB: no overflow */
	} else {
		c->n_out++;
		c->out_len += d->len;
	}
	return 0;
}

/*
 * Walks the chain from head. Each table (the ring's, then at most one
 * indirect table) is walked at most its own size steps, which rules out
 * loops; the buffers collected are bounded by the queue size.
 */
static int walk_chain(struct virtqueue *vq, uint16_t head, struct vq_chain *c,
		      char *why, size_t why_len)
{
	uint64_t table = vq->desc;
	uint32_t table_n = vq->num, steps = 0;
	bool in_indirect = false;
	uint32_t i = head;

	*c = (struct vq_chain){ .head = head };
	for (;;) {
		struct vring_desc d;
		int r;

		if (++steps > table_n) {
			why_set(why, why_len, "descriptor chain from %u loops or exceeds its table (%u)",
				head, table_n);
			return -1;
		}
		r = gm_read(vq->gm, table + 16ULL * i, &d, sizeof(d));
		if (r) {
			why_set(why, why_len, "descriptor %u at 0x%llx is %s", i,
				(unsigned long long)(table + 16ULL * i), gm_strerror(r));
			return -1;
		}
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!vq->indirect || in_indirect || (d.flags & VIRTQ_DESC_F_NEXT)) {
				why_set(why, why_len, "indirect descriptor %u: %s", i,
					!vq->indirect ? "feature not negotiated" :
					in_indirect ? "nested" : "has NEXT set");
				return -1;
			}
			if (d.len == 0 || d.len % 16 || d.len / 16 > vq->num) {
				why_set(why, why_len, "indirect table length %u is not 16 * [1, %u]",
					d.len, vq->num);
				return -1;
			}
			r = range_usable(vq->gm, d.addr, d.len);
			if (r) {
				why_set(why, why_len, "indirect table [0x%llx, +0x%x) is %s",
					(unsigned long long)d.addr, d.len, gm_strerror(r));
				return -1;
			}
			table = d.addr;
			table_n = d.len / 16;
			in_indirect = true;
			steps = 0;
			i = 0;
			continue;
		}
		if (add_buf(c, &d, vq->num, why, why_len))
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= table_n) {
			why_set(why, why_len, "descriptor %u: next %u beyond the table (%u)",
				i, d.next, table_n);
			return -1;
		}
		i = d.next;
	}
}

enum vq_result vq_pop(struct virtqueue *vq, struct vq_chain *c, char *why, size_t why_len)
{
	uint16_t avail_idx, head, pending;
	int r;

	if (!vq->ready)
		return VQ_EMPTY;
	r = gm_read(vq->gm, vq->avail + 2, &avail_idx, sizeof(avail_idx));
	if (r) {
		why_set(why, why_len, "available ring is %s", gm_strerror(r));
		return VQ_BROKEN;
	}
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return VQ_EMPTY;
	if (pending > vq->num) {
		why_set(why, why_len, "available index %u is %u entries ahead (queue size %u)",
			avail_idx, pending, vq->num);
		return VQ_BROKEN;
	}
	/* The ring entry is read after the index (virtio 2.7.13: the driver's barrier pairs with this). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	r = gm_read(vq->gm, vq->avail + 4 + 2ULL * (vq->last_avail % vq->num), &head, sizeof(head));
	if (r) {
		why_set(why, why_len, "available ring is %s", gm_strerror(r));
		return VQ_BROKEN;
	}
	if (head >= vq->num) {
		why_set(why, why_len, "available head %u beyond the queue (%u)", head, vq->num);
		return VQ_BROKEN;
	}
	if (walk_chain(vq, head, c, why, why_len))
		return VQ_BROKEN;
	vq->last_avail++;
	return VQ_GOT;
}

int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint32_t elem[2] = { head, len };
	uint16_t idx = (uint16_t)(vq->used_idx + 1);

	if (gm_write(vq->gm, vq->used + 4 + 8ULL * (vq->used_idx % vq->num), elem, sizeof(elem)))
		return -1;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (gm_write(vq->gm, vq->used + 2, &idx, sizeof(idx)))
		return -1;
	vq->used_idx = idx;
	return 0;
}

bool vq_want_interrupt(struct virtqueue *vq)
{
	uint16_t flags;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (gm_read(vq->gm, vq->avail, &flags, sizeof(flags)))
		return true;
	return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copies len bytes at stream offset off of bufs[first, first+n). */
static int64_t chain_copy(struct guest_mem *gm, const struct vq_buf *bufs, unsigned n,
			  uint64_t off, void *host, uint64_t len, bool to_guest)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		uint64_t take;
		int r;

		if (off >= bufs[i].len) {
			off -= bufs[i].len;
			continue;
		}
		take = bufs[i].len - off;
		if (take > len - done)
			take = len - done;
		if (to_guest)
			r = gm_write(gm, bufs[i].gpa + off, (const uint8_t *)host + done, take);
		else
			r = gm_read(gm, bufs[i].gpa + off, (uint8_t *)host + done, take);
		if (r)
			return r;
		done += take;
		off = 0;
	}
	return (int64_t)done;
}

int64_t vq_read_out(struct virtqueue *vq, const struct vq_chain *c, uint64_t off, void *dst, uint64_t len)
{
	return chain_copy(vq->gm, c->bufs, c->n_out, off, dst, len, false);
}

int64_t vq_write_in(struct virtqueue *vq, const struct vq_chain *c, uint64_t off, const void *src, uint64_t len)
{
	return chain_copy(vq->gm, c->bufs + c->n_out, c->n_in, off, (void *)src, len, true);
}
