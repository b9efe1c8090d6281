/*
 * virtio-blk on a raw file (or block device). A request is a 16-byte header
 * the device reads, data, and a status byte the device writes last. Data
 * moves straight between the file and a view of the guest's shared buffer,
 * one buffer at a time; with O_DIRECT it goes through an aligned bounce
 * buffer, because the guest's buffers need not be aligned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/virtio/virtio_devices.h"
#include "vmm/log.h"

#define SECTOR		512ULL
#define BOUNCE_SIZE	(64u << 10)

struct virtio_blk {
	struct virtio_mmio t;		/* first: the device is found from its transport */
	int fd;
	bool ro, direct;
	uint64_t capacity;		/* bytes */
	uint8_t *bounce;		/* BOUNCE_SIZE, aligned, with O_DIRECT */
	char id[VIRTIO_BLK_ID_BYTES];
};

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static int full_io(int fd, void *buf, uint64_t len, uint64_t off, bool write)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;	/* the file shrank under us */
		if (n <= 0)
			return -1;
		p += n;
		len -= (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

#define BLK_E_IO	1	/* the file said no (errno set) */

/*
 * Moves len bytes between the file at file_off and the chain's data stream
 * at stream_off (in-stream for reads, out-stream for writes). 0, BLK_E_IO,
 * or the GM_E_* error of a buffer that is not shared RAM.
 */
static int blk_data(struct virtio_blk *b, struct virtqueue *vq, const struct vq_chain *c,
		    bool to_guest, uint64_t stream_off, uint64_t file_off, uint64_t len)
{
	const struct vq_buf *bufs = to_guest ? c->bufs + c->n_out : c->bufs;
	unsigned n = to_guest ? c->n_in : c->n_out;
	int r;

	if (b->direct) {
		for (uint64_t done = 0; done < len;) {
			uint64_t take = len - done < BOUNCE_SIZE ? len - done : BOUNCE_SIZE;

			if (!to_guest) {
				r = vq_read_out(vq, c, stream_off + done, b->bounce, take);
				if (r != (int64_t)take)
					return r < 0 ? (int)r : GM_E_RANGE;
			}
			if (full_io(b->fd, b->bounce, take, file_off + done, !to_guest))
				return BLK_E_IO;
			if (to_guest) {
				r = vq_write_in(vq, c, stream_off + done, b->bounce, take);
				if (r != (int64_t)take)
					return r < 0 ? (int)r : GM_E_RANGE;
			}
			done += take;
		}
		return 0;
	}
	for (unsigned i = 0; i < n && len; i++) {
		struct gm_view v;
		uint64_t take;

		if (stream_off >= bufs[i].len) {
			stream_off -= bufs[i].len;
			continue;
		}
		take = bufs[i].len - stream_off;
		if (take > len)
			take = len;
		r = gm_view_begin(vq->gm, bufs[i].gpa + stream_off, take, &v);
		if (r)
			return r;
		/* The view lives exactly as long as this one system call. */
		if (full_io(b->fd, v.hva, take, file_off, !to_guest)) {
			gm_view_end(&v);
			return BLK_E_IO;
		}
		gm_view_end(&v);
		file_off += take;
		len -= take;
		stream_off = 0;
	}
	return len ? GM_E_RANGE : 0;	/* the chain is shorter than the request */
}

/* Serves one request; returns its status and adds the data bytes written to *written. */
static uint8_t blk_request(struct virtio_blk *b, struct virtqueue *vq, const struct vq_chain *c,
			   uint32_t *written)
{
	struct virtio_mmio *t = &b->t;
	struct blk_req_hdr h;
	uint64_t len, off, end;
	int64_t r;

	if (vq_read_out(vq, c, 0, &h, sizeof(h)) != (int64_t)sizeof(h)) {
		virtio_mmio_complain(t, "request header missing or not in shared memory");
		return VIRTIO_BLK_S_IOERR;
	}
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		/* in: data then the status byte; out: header then data */
		len = h.type == VIRTIO_BLK_T_IN ? c->in_len - 1 : c->out_len - sizeof(h);
		if (len % SECTOR || __builtin_mul_overflow(h.sector, SECTOR, &off) ||
		    __builtin_add_overflow(off, len, &end) || end > b->capacity) {
			virtio_mmio_complain(t, "request for sector %llu, %llu bytes: beyond the "
					     "disk (%llu sectors) or not whole sectors",
					     (unsigned long long)h.sector, (unsigned long long)len,
					     (unsigned long long)(b->capacity / SECTOR));
			return VIRTIO_BLK_S_IOERR;
		}
		if (h.type == VIRTIO_BLK_T_OUT && b->ro)
			return VIRTIO_BLK_S_IOERR;
		r = blk_data(b, vq, c, h.type == VIRTIO_BLK_T_IN,
			     h.type == VIRTIO_BLK_T_IN ? 0 : sizeof(h), off, len);
		if (r) {
			virtio_mmio_complain(t, "%s at sector %llu failed: %s",
					     h.type == VIRTIO_BLK_T_IN ? "read" : "write",
					     (unsigned long long)h.sector,
					     r == BLK_E_IO ? strerror(errno) : r == GM_E_PRIVATE ?
					     "a buffer is in private memory" : "a buffer is not guest RAM");
			return VIRTIO_BLK_S_IOERR;
		}
		if (h.type == VIRTIO_BLK_T_IN)
			*written += (uint32_t)len;	/* in_len <= UINT32_MAX: blk_notify checked */
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return b->ro || fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID:
		len = c->in_len - 1 < VIRTIO_BLK_ID_BYTES ? c->in_len - 1 : VIRTIO_BLK_ID_BYTES;
		r = vq_write_in(vq, c, 0, b->id, len);
		if (r != (int64_t)len)
			return VIRTIO_BLK_S_IOERR;
		*written += (uint32_t)len;
		return VIRTIO_BLK_S_OK;
	}
	return VIRTIO_BLK_S_UNSUPP;
}

static void blk_notify(struct virtio_mmio *t, unsigned q)
{
	struct virtio_blk *b = (struct virtio_blk *)t;
	struct virtqueue *vq = &t->vqs[q];

	while (virtio_mmio_pop(t, q) == VQ_GOT) {
		const struct vq_chain *c = &t->chain;
		uint32_t written = 0;
		uint8_t status;

		/*
		 * The status byte is the last writable byte; a chain without one
		 * (or one whose total is beyond what used.len can say) cannot be
		 * answered properly, so it goes back unanswered.
		 */
		if (c->in_len == 0 || c->in_len > UINT32_MAX) {
			virtio_mmio_complain(t, "request without a (reasonable) writable status byte");
			virtio_mmio_complete(t, q, c->head, 0);
			continue;
		}
		status = blk_request(b, vq, c, &written);
		if (vq_write_in(vq, c, c->in_len - 1, &status, 1) == 1)
			written++;
		else
			virtio_mmio_complain(t, "status byte not in shared memory");
		virtio_mmio_complete(t, q, c->head, written);
	}
}

static void blk_release(struct virtio_mmio *t)
{
	struct virtio_blk *b = (struct virtio_blk *)t;

	virtio_mmio_destroy(t);
	close(b->fd);
	free(b->bounce);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.n_queues = 1,
	.notify = blk_notify,
	.release = blk_release,
};

static void put_le32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put_le64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* The checks on the fd in use (never on the path: it may have changed). */
static int disk_check(int fd, uint64_t *size, char *why, size_t why_len)
{
	struct stat st;
	off_t end;

	if (fstat(fd, &st)) {
		snprintf(why, why_len, "fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(why, why_len, "not a regular file or block device%s",
			 S_ISFIFO(st.st_mode) ? " (a FIFO)" : S_ISCHR(st.st_mode) ? " (a character device)" :
			 S_ISSOCK(st.st_mode) ? " (a socket)" : S_ISDIR(st.st_mode) ? " (a directory)" : "");
		return -1;
	}
	end = lseek(fd, 0, SEEK_END);	/* a block device's size is not in st_size */
	if (end < 0) {
		snprintf(why, why_len, "cannot find its size: %s", strerror(errno));
		return -1;
	}
	if ((uint64_t)end < SECTOR) {
		snprintf(why, why_len, "smaller than one 512-byte sector");
		return -1;
	}
	*size = (uint64_t)end;
	return 0;
}

int virtio_blk_open(const struct virtio_blk_opts *o, uint64_t *size, char *why, size_t why_len)
{
	/* O_NONBLOCK: a FIFO or a tty must not block here; cleared once it is known to be a disk */
	int flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		    (o->direct ? O_DIRECT : 0);
	int fd = open(o->path, flags);
	struct flock lk = { .l_type = o->read_only ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };

	if (fd < 0) {
		snprintf(why, why_len, "%s%s", strerror(errno),
			 o->direct && errno == EINVAL ? " (this file system has no O_DIRECT)" : "");
		return -1;
	}
	if (disk_check(fd, size, why, why_len))
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		snprintf(why, why_len, "fcntl(F_SETFL): %s", strerror(errno));
		goto fail;
	}
	/* An OFD lock (not a POSIX one): it belongs to this open, not to the process. */
	if (fcntl(fd, F_OFD_SETLK, &lk)) {
		if (errno == EAGAIN || errno == EACCES)
			snprintf(why, why_len, "in use: another process holds a%s lock on it",
				 o->read_only ? "n exclusive (read-write)" : "");
		else
			snprintf(why, why_len, "cannot lock it (F_OFD_SETLK): %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct virtio_mmio *virtio_blk_new(struct guest_mem *gm, const struct virtio_blk_opts *o)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	const char *base = strrchr(o->path, '/');
	char why[128];
	uint64_t size;

	if (!b) {
		cvmm_err("--disk %s: out of memory", o->path);
		return NULL;
	}
	if (o->have_fd) {
		/* a duplicate shares the open (and its lock); checked again as it is now */
		b->fd = fcntl(o->fd, F_DUPFD_CLOEXEC, 3);
		if (b->fd < 0)
			snprintf(why, sizeof(why), "%s", strerror(errno));
		else if (disk_check(b->fd, &size, why, sizeof(why))) {
			close(b->fd);
			b->fd = -1;
		}
	} else {
		b->fd = virtio_blk_open(o, &size, why, sizeof(why));
	}
	if (b->fd < 0) {
		cvmm_err("--disk %s: %s", o->path, why);
		free(b);
		return NULL;
	}
	if (o->direct && posix_memalign((void **)&b->bounce, 4096, BOUNCE_SIZE)) {
		cvmm_err("--disk %s: out of memory", o->path);
		close(b->fd);
		free(b);
		return NULL;
	}
	b->ro = o->read_only;
	b->direct = o->direct;
	b->capacity = size & ~(SECTOR - 1);
	/* The serial the guest reads through GET_ID: the file's name, NUL-padded. */
	base = base ? base + 1 : o->path;
	memcpy(b->id, base, strnlen(base, sizeof(b->id)));

	virtio_mmio_init(&b->t, &blk_ops, b, gm);
	b->t.dev_features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
			    1ULL << VIRTIO_BLK_F_FLUSH | (b->ro ? 1ULL << VIRTIO_BLK_F_RO : 0);
	put_le64(b->t.config + 0, b->capacity / SECTOR);	/* capacity, sectors */
	put_le32(b->t.config + 12, VQ_MAX_SIZE - 2);		/* seg_max: header and status */
	put_le32(b->t.config + 20, SECTOR);			/* blk_size */
	b->t.config_len = 24;
	return &b->t;
}

uint64_t virtio_blk_capacity(const struct virtio_mmio *t)
{
	return ((const struct virtio_blk *)t)->capacity;
}
