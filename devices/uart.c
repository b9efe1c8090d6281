/*
 * 8250/16550 UART on COM1 (0x3f8): enough of the register model for a
 * polling guest (Linux's early console and our tiny guests). Output goes to
 * stdout; input comes from the terminal device (devices/term.h) unless
 * --console virtio takes it.
 *
 * No interrupts: cvmm creates no in-kernel irqchip for this guest class
 * (design.md's start-up costs), so THR is always empty and the guest polls
 * LSR for received bytes.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/term.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/trace.h"
#include "vmm/core/vm.h"

#define COM1		0x3f8
#define RX_SIZE		256

#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define LCR_DLAB	0x80

struct uart {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t rx[RX_SIZE];
	unsigned rx_head, rx_tail;		/* ring: head == tail is empty */
	char out[512];
	size_t out_len;
	bool first_byte_seen;
	bool interactive;			/* stdout is a person: no buffering */
	bool input;				/* attached to the terminal */
};

/*
 * Writes what the guest printed. From a vCPU thread it blocks while stdout
 * is full, but EINTR there is the stop kick (the only signal a vCPU thread
 * takes): the rest is dropped so that the VM can end. At teardown
 * (wait_ms >= 0) it waits at most wait_ms for a full stdout.
 */
static void out_flush(struct uart *u, int wait_ms)
{
	size_t done = 0;

	while (done < u->out_len) {
		struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
		ssize_t r;

		if (wait_ms >= 0 && poll(&p, 1, wait_ms) != 1)
			break;
		r = write(STDOUT_FILENO, u->out + done, u->out_len - done);
		if (r <= 0)
			break;	/* stdout gone or VM stopping: the output is dropped, not fatal */
		done += (size_t)r;
	}
	u->out_len = 0;
}

static void out_byte(struct uart *u, uint8_t c)
{
	if (!u->first_byte_seen) {
		u->first_byte_seen = true;
		trace_point("first console byte");
	}
	u->out[u->out_len++] = (char)c;
	/* Line-buffered, but every byte at once for a human at a terminal. */
	if (c == '\n' || u->interactive || u->out_len == sizeof(u->out))
		out_flush(u, -1);
}

static void uart_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct uart *u = opaque;
	uint8_t v = is_write ? data[0] : 0;

	pthread_mutex_lock(&u->lock);
	bool dlab = u->lcr & LCR_DLAB;

	if (is_write) {
		switch (off) {
		case 0: if (dlab) u->dll = v; else out_byte(u, v); break;
		case 1: if (dlab) u->dlm = v; else u->ier = v & 0x0f; break;
		case 3: u->lcr = v; break;
		case 4: u->mcr = v & 0x1f; break;
		case 7: u->scr = v; break;
		default: break;	/* FCR, LSR, MSR writes: ignored */
		}
	} else {
		switch (off) {
		case 0:
			if (dlab) {
				v = u->dll;
			} else if (u->rx_head != u->rx_tail) {
				v = u->rx[u->rx_tail];
				u->rx_tail = (u->rx_tail + 1) % RX_SIZE;
			}
			break;
		case 1: v = dlab ? u->dlm : u->ier; break;
		case 2: v = 0xc1; break;	/* FIFOs enabled, no interrupt pending */
		case 3: v = u->lcr; break;
		case 4: v = u->mcr; break;
		case 5: v = LSR_THRE | LSR_TEMT | (u->rx_head != u->rx_tail ? LSR_DR : 0); break;
		case 6: v = (u->mcr & 0x10) ? 0xf0 : 0xb0; break;	/* loopback: CTS/DSR/RI/DCD */
		case 7: v = u->scr; break;
		}
		for (uint32_t i = 0; i < len; i++)
			data[i] = i ? 0xff : v;
	}
	pthread_mutex_unlock(&u->lock);
}

static void rx_push(struct uart *u, uint8_t c)
{
	unsigned next = (u->rx_head + 1) % RX_SIZE;

	if (next != u->rx_tail) {	/* full: drop, as a real FIFO overruns */
		u->rx[u->rx_head] = c;
		u->rx_head = next;
	}
}

/* The terminal's sink: a human's bytes, or a pipe's, all the same to a FIFO. */
static void uart_feed(void *opaque, const uint8_t *buf, size_t n, bool at_tty)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < n; i++)
		rx_push(u, buf[i]);
	pthread_mutex_unlock(&u->lock);
}

static void uart_destroy(void *state)
{
	struct uart *u = state;

	if (u->input)
		term_detach();
	out_flush(u, 1000);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static void *uart_create(struct vm *vm)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u) {
		cvmm_err("out of memory for the UART");
		return NULL;
	}
	u->vm = vm;
	u->interactive = term_interactive();
	pthread_mutex_init(&u->lock, NULL);
	/* With --console virtio, standard input belongs to virtio-console. */
	if (!vm->opts->console_virtio) {
		u->input = true;
		if (term_attach(uart_feed, u))
			goto fail;
	}
	/* Last: a failure must leave the bus no pointer to a freed UART. */
	if (bus_register(&vm->pio, COM1, 8, uart_io, u, "COM1"))
		goto fail;
	return u;
fail:
	if (u->input)
		term_detach();
	pthread_mutex_destroy(&u->lock);
	free(u);
	return NULL;
}

const struct device_ops dev_uart = {
	.name = "uart",
	.create = uart_create,
	.destroy = uart_destroy,
};
