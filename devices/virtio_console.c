/*
 * virtio-console, one port (hvc0 in Linux): queue 1 carries guest output to
 * cvmm's standard output, queue 0 carries cvmm's standard input to the
 * guest. Input is read by one thread; bytes wait in `pending` until the
 * guest posts receive buffers.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio_devices.h"
#include "vmm/log.h"

#define RXQ 0
#define TXQ 1
#define TX_MAX	(1u << 20)	/* bytes written per transmit chain; the rest is dropped */

struct virtio_console {
	struct virtio_mmio t;
	int in_fd, out_fd;
	bool in_tty;			/* in_fd is a terminal: a 0-byte read is not the end */
	int stop_fd;			/* eventfd: tells the input thread to leave */
	pthread_t rx_thread;
	bool rx_running;
	pthread_cond_t drained;		/* pending became empty (or the device reset) */
	uint8_t pending[4096];
	size_t pending_len, pending_off;
	uint8_t out[4096];
};

static void write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		/*
		 * Output closed: the guest's bytes go nowhere. EINTR: the stop
		 * kick (the only signal a vCPU thread takes) ended a write
		 * blocked on a full stdout; the VM is ending.
		 */
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void console_tx(struct virtio_console *con)
{
	struct virtio_mmio *t = &con->t;

	while (virtio_mmio_pop(t, TXQ) == VQ_GOT) {
		const struct vq_chain *c = &t->chain;
		/* A chain may name up to 256 x 4 GiB; a console line is never that long. */
		uint64_t total = c->out_len < TX_MAX ? c->out_len : TX_MAX;

		for (uint64_t off = 0; off < total;) {
			uint64_t take = total - off < sizeof(con->out) ? total - off : sizeof(con->out);

			if (vq_read_out(&t->vqs[TXQ], c, off, con->out, take) != (int64_t)take) {
				virtio_mmio_complain(t, "transmit buffer not in shared memory");
				break;
			}
			write_all(con->out_fd, con->out, take);
			off += take;
		}
		virtio_mmio_complete(t, TXQ, c->head, 0);
	}
}

/* Moves pending input into the guest's receive buffers. Lock held. */
static void console_rx(struct virtio_console *con)
{
	struct virtio_mmio *t = &con->t;

	while (con->pending_off < con->pending_len && virtio_mmio_live(t) && t->vqs[RXQ].ready &&
	       virtio_mmio_pop(t, RXQ) == VQ_GOT) {
		const struct vq_chain *c = &t->chain;
		uint64_t take = con->pending_len - con->pending_off;
		int64_t n;

		if (take > c->in_len)
			take = c->in_len;
		n = vq_write_in(&t->vqs[RXQ], c, 0, con->pending + con->pending_off, take);
		if (n < 0) {
			virtio_mmio_complain(t, "receive buffer not in shared memory");
			n = 0;
		}
		con->pending_off += (uint64_t)n;
		virtio_mmio_complete(t, RXQ, c->head, (uint32_t)n);
	}
	if (con->pending_off >= con->pending_len) {
		con->pending_len = con->pending_off = 0;
		pthread_cond_signal(&con->drained);
	}
}

static void console_notify(struct virtio_mmio *t, unsigned q)
{
	struct virtio_console *con = (struct virtio_console *)t;

	if (q == TXQ)
		console_tx(con);
	else
		console_rx(con);
}

static void console_reset(struct virtio_mmio *t)
{
	struct virtio_console *con = (struct virtio_console *)t;

	con->pending_len = con->pending_off = 0;
	pthread_cond_signal(&con->drained);
}

static void *console_input(void *arg)
{
	struct virtio_console *con = arg;
	struct virtio_mmio *t = &con->t;

	for (;;) {
		struct pollfd p[2] = { { .fd = con->in_fd, .events = POLLIN },
				       { .fd = con->stop_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		pthread_mutex_lock(&t->lock);
		/* Wait for the guest to take the last batch, or for the device to go away. */
		while (con->pending_len && con->rx_running)
			pthread_cond_wait(&con->drained, &t->lock);
		if (!con->rx_running) {
			pthread_mutex_unlock(&t->lock);
			break;
		}
		pthread_mutex_unlock(&t->lock);
		n = read(con->in_fd, con->pending, sizeof(con->pending));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* Ctrl-D at a terminal reads as 0 once; only a hangup ends its input. */
		if (n == 0 && con->in_tty && !(p[0].revents & POLLHUP))
			continue;
		if (n <= 0)
			break;		/* end of input: the guest just sees no more */
		pthread_mutex_lock(&t->lock);
		con->pending_len = (size_t)n;
		con->pending_off = 0;
		console_rx(con);
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

int virtio_console_start(struct virtio_mmio *t)
{
	struct virtio_console *con = (struct virtio_console *)t;
	int err;

	if (con->in_fd < 0)
		return 0;
	con->rx_running = true;
	err = pthread_create(&con->rx_thread, NULL, console_input, con);
	if (err) {
		con->rx_running = false;
		cvmm_err("virtio-console: cannot start the input thread: %s", strerror(err));
		return -1;
	}
	return 0;
}

static void console_release(struct virtio_mmio *t)
{
	struct virtio_console *con = (struct virtio_console *)t;
	uint64_t one = 1;

	if (con->rx_running) {
		pthread_mutex_lock(&t->lock);
		con->rx_running = false;
		pthread_cond_signal(&con->drained);
		pthread_mutex_unlock(&t->lock);
		if (write(con->stop_fd, &one, sizeof(one)) != sizeof(one))
			cvmm_warn("virtio-console: cannot stop the input thread");
		pthread_join(con->rx_thread, NULL);
	}
	close(con->stop_fd);
	pthread_cond_destroy(&con->drained);
	virtio_mmio_destroy(t);
	free(con);
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.n_queues = 2,
	.notify = console_notify,
	.reset = console_reset,
	.release = console_release,
};

struct virtio_mmio *virtio_console_new(struct guest_mem *gm, int in_fd, int out_fd)
{
	struct virtio_console *con = calloc(1, sizeof(*con));

	if (!con) {
		cvmm_err("virtio-console: out of memory");
		return NULL;
	}
	con->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (con->stop_fd < 0) {
		cvmm_err("virtio-console: eventfd: %s", strerror(errno));
		free(con);
		return NULL;
	}
	con->in_fd = in_fd;
	con->in_tty = in_fd >= 0 && isatty(in_fd);
	con->out_fd = out_fd;
	pthread_cond_init(&con->drained, NULL);
	virtio_mmio_init(&con->t, &console_ops, con, gm);
	/* config: cols, rows, max_nr_ports (unused without the multiport feature) */
	con->t.config_len = 8;
	return &con->t;
}
