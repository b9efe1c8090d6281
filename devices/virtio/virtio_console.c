/*
 * virtio-console, one port (hvc0 in Linux): queue 1 carries guest output to
 * cvmm's standard output, queue 0 carries cvmm's standard input to the
 * guest. The terminal device's thread (devices/term.h) hands input over;
 * bytes wait in `pending` until the guest posts receive buffers.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/term.h"
#include "devices/virtio/virtio_devices.h"
#include "vmm/log.h"

#define RXQ 0
#define TXQ 1
#define TX_MAX	(1u << 20)	/* bytes written per transmit chain; the rest is dropped */

struct virtio_console {
	struct virtio_mmio t;
	int out_fd;
	bool wants_input;		/* takes the terminal's input once started */
	bool rx_running;		/* attached: the terminal may feed it */
	pthread_cond_t drained;		/* pending became empty (or the device reset) */
	uint8_t pending[4096];
	size_t pending_len, pending_off;
	uint8_t out[4096];		/* transmit bounce; only the tx_busy vCPU uses it */
	struct vq_chain tx_chain;	/* the chain being transmitted */
	bool tx_busy;			/* a vCPU is in console_tx (maybe unlocked, writing) */
	bool tx_dropping;		/* a write failed: output is dropped from now on */
	uint64_t tx_dropped;		/* bytes of guest output dropped */
	unsigned gen;			/* bumped by each device reset */
};

/*
 * Writes guest output; false when it cannot (output closed, or EINTR: the
 * stop kick, the only signal a vCPU thread takes, ended a write blocked on
 * a full stdout; the VM is ending).
 */
static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Transmit. Called with the device lock held (every register access takes
 * it); the host write is made with the lock dropped, so that a stdout
 * nobody reads blocks this vCPU only, never another one that touches the
 * device (it finds tx_busy and leaves: this loop pops its chains too).
 * Once a write fails, output is dropped and counted: the VM is stopping or
 * nobody can read it, and the remaining chains must not hold the stop up.
 */
static void console_tx(struct virtio_console *con)
{
	struct virtio_mmio *t = &con->t;
	struct vq_chain *c = &con->tx_chain;

	if (con->tx_busy)
		return;
	con->tx_busy = true;
	while (virtio_mmio_pop(t, TXQ) == VQ_GOT) {
		/* A chain may name up to 256 x 4 GiB; a console line is never that long. */
		uint64_t total = t->chain.out_len < TX_MAX ? t->chain.out_len : TX_MAX;
		unsigned gen = con->gen;

		*c = t->chain;		/* t->chain is the receive side's while unlocked */
		for (uint64_t off = 0; off < total;) {
			uint64_t take = total - off < sizeof(con->out) ? total - off : sizeof(con->out);
			bool ok;

			if (con->tx_dropping) {
				con->tx_dropped += total - off;
				break;
			}
			if (vq_read_out(&t->vqs[TXQ], c, off, con->out, take) != (int64_t)take) {
				virtio_mmio_complain(t, "transmit buffer not in shared memory");
				break;
			}
			pthread_mutex_unlock(&t->lock);
			ok = write_all(con->out_fd, con->out, take);
			pthread_mutex_lock(&t->lock);
			if (gen != con->gen)
				goto out;	/* reset meanwhile: the chain is no longer the driver's */
			if (!ok) {
				con->tx_dropping = true;
				con->tx_dropped += take;
			}
			off += take;
		}
		virtio_mmio_complete(t, TXQ, c->head, 0);
	}
out:
	con->tx_busy = false;
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
	con->gen++;
	pthread_cond_signal(&con->drained);
}

/*
 * The terminal's sink. From a pipe, waits for the guest to take earlier
 * bytes (nothing is lost); from a person, keeps what fits and drops the
 * rest, so that the terminal thread is never stuck behind a guest that does
 * not read and Ctrl-A x still works.
 */
static void console_feed(void *opaque, const uint8_t *buf, size_t n, bool at_tty)
{
	struct virtio_console *con = opaque;
	struct virtio_mmio *t = &con->t;

	pthread_mutex_lock(&t->lock);
	while (n && con->rx_running) {
		size_t room, take;

		if (con->pending_off) {
			memmove(con->pending, con->pending + con->pending_off,
				con->pending_len - con->pending_off);
			con->pending_len -= con->pending_off;
			con->pending_off = 0;
		}
		room = sizeof(con->pending) - con->pending_len;
		if (!room) {
			if (at_tty)
				break;
			pthread_cond_wait(&con->drained, &t->lock);
			continue;
		}
		take = n < room ? n : room;
		memcpy(con->pending + con->pending_len, buf, take);
		con->pending_len += take;
		buf += take;
		n -= take;
		console_rx(con);
	}
	pthread_mutex_unlock(&t->lock);
}

int virtio_console_start(struct virtio_mmio *t)
{
	struct virtio_console *con = (struct virtio_console *)t;

	if (!con->wants_input)
		return 0;
	con->rx_running = true;
	if (term_attach(console_feed, con)) {
		con->rx_running = false;
		return -1;
	}
	return 0;
}

static void console_release(struct virtio_mmio *t)
{
	struct virtio_console *con = (struct virtio_console *)t;

	if (con->wants_input) {
		/* Wake a feed waiting for room, then wait for it to leave. */
		pthread_mutex_lock(&t->lock);
		con->rx_running = false;
		pthread_cond_signal(&con->drained);
		pthread_mutex_unlock(&t->lock);
		term_detach();
	}
	if (con->tx_dropped)
		cvmm_verbose("virtio-console: %llu bytes of guest output dropped (output blocked "
			     "at the stop, or closed)", (unsigned long long)con->tx_dropped);
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

struct virtio_mmio *virtio_console_new(struct guest_mem *gm, int out_fd, bool input)
{
	struct virtio_console *con = calloc(1, sizeof(*con));

	if (!con) {
		cvmm_err("virtio-console: out of memory");
		return NULL;
	}
	con->wants_input = input;
	con->out_fd = out_fd;
	pthread_cond_init(&con->drained, NULL);
	virtio_mmio_init(&con->t, &console_ops, con, gm);
	/* config: cols, rows, max_nr_ports (unused without the multiport feature) */
	con->t.config_len = 8;
	return &con->t;
}
