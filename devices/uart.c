/*
 * 8250/16550 UART on COM1 (0x3f8): enough of the register model for a
 * polling guest (Linux's early console and our tiny guests). Output goes to
 * stdout; input comes from the terminal device (devices/term.h) unless
 * --console virtio takes it.
 *
 * Interrupts on IRQ 4 (edge, as ISA) when the VM has an I/O APIC (a Linux
 * guest, devices/ioapic.h): "received data" while the FIFO holds bytes and
 * "THR empty" after each transmitted byte or when enabled, both gated by
 * MCR OUT2 as on a PC. Tiny guests have none and poll LSR; THR is always
 * empty because output is written at once.
 */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/ioapic.h"
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
#define IER_RDI		0x01	/* received data available */
#define IER_THRI	0x02	/* transmitter holding register empty */
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define MCR_OUT2	0x08	/* on a PC, the UART's interrupt line enable */
#define COM1_IRQ	4

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
	bool thre_pending;			/* the THR-empty interrupt, until IIR shows it */
	bool writing;				/* a vCPU writes out (lock dropped) */
	bool dropping;				/* a write failed: output dropped from now on */
	uint64_t dropped;			/* bytes of guest output dropped */
	pthread_cond_t room;			/* out was written (or output died) */
};

/* The interrupt identification the guest would read now. */
static uint8_t iir(const struct uart *u)
{
	if ((u->ier & IER_RDI) && u->rx_head != u->rx_tail)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	return IIR_NONE;
}

/* Drives IRQ 4 from the interrupt state; lock held. */
static void update_irq(struct uart *u)
{
	if (u->vm->ioapic)
		ioapic_set_level(u->vm->ioapic, COM1_IRQ, (u->mcr & MCR_OUT2) && iir(u) != IIR_NONE);
}

/*
 * At teardown (no vCPU left): writes what the guest printed last, waiting
 * at most wait_ms for a full stdout. Lock held or not needed.
 */
static void out_flush_at_exit(struct uart *u, int wait_ms)
{
	size_t done = 0;

	while (done < u->out_len && !u->dropping) {
		struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
		ssize_t r;

		if (poll(&p, 1, wait_ms) != 1)
			break;
		r = write(STDOUT_FILENO, u->out + done, u->out_len - done);
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	u->out_len = 0;
}

/*
 * From a vCPU, lock held: writes the buffer with the lock dropped, so that
 * a stdout nobody reads blocks this vCPU only, never another vCPU's port
 * access nor the terminal's input (Ctrl-A x must still get through). One
 * vCPU writes at a time (writing); what others print meanwhile is written
 * by it too, in order. A failed write (output closed, or EINTR: the stop
 * kick, the only signal a vCPU thread takes) drops output from then on,
 * counted, so that the VM can end.
 */
static void out_flush(struct uart *u)
{
	char buf[sizeof(u->out)];

	if (u->writing)
		return;
	u->writing = true;
	while (u->out_len && !u->dropping) {
		size_t n = u->out_len, done = 0;

		memcpy(buf, u->out, n);
		u->out_len = 0;
		pthread_mutex_unlock(&u->lock);
		while (done < n) {
			ssize_t r = write(STDOUT_FILENO, buf + done, n - done);

			if (r <= 0)
				break;
			done += (size_t)r;
		}
		pthread_mutex_lock(&u->lock);
		if (done < n) {
			u->dropping = true;
			u->dropped += n - done;
		}
		pthread_cond_broadcast(&u->room);
	}
	u->writing = false;
}

static void out_byte(struct uart *u, uint8_t c)
{
	if (!u->first_byte_seen) {
		u->first_byte_seen = true;
		trace_point("first console byte");
	}
	/* Full while another vCPU writes: wait for room (nothing is lost), unless output is dead. */
	while (u->out_len == sizeof(u->out) && u->writing && !u->dropping)
		pthread_cond_wait(&u->room, &u->lock);
	if (u->dropping) {
		u->dropped++;
		return;
	}
	if (u->out_len == sizeof(u->out))
		out_flush(u);
	u->out[u->out_len++] = (char)c;
	/* Line-buffered, but every byte at once for a human at a terminal. */
	if (c == '\n' || u->interactive || u->out_len == sizeof(u->out))
		out_flush(u);
}

static void uart_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct uart *u = opaque;
	uint8_t v = is_write ? data[0] : 0;

	pthread_mutex_lock(&u->lock);
	bool dlab = u->lcr & LCR_DLAB;

	if (is_write) {
		switch (off) {
		case 0:
			if (dlab) {
				u->dll = v;
			} else {
				out_byte(u, v);
				u->thre_pending = true;	/* sent at once: empty again */
			}
			break;
		case 1:
			if (dlab)
				u->dlm = v;
			else {
				/* enabling THRI with THR empty raises it, as an 8250 does */
				if ((v & IER_THRI) && !(u->ier & IER_THRI))
					u->thre_pending = true;
				u->ier = v & 0x0f;
			}
			break;
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
		case 2:		/* FIFOs enabled; reading a THR-empty identification clears it */
			v = IIR_FIFO | iir(u);
			if ((v & 0x0f) == IIR_THRI)
				u->thre_pending = false;
			break;
		case 3: v = u->lcr; break;
		case 4: v = u->mcr; break;
		case 5: v = LSR_THRE | LSR_TEMT | (u->rx_head != u->rx_tail ? LSR_DR : 0); break;
		case 6: v = (u->mcr & 0x10) ? 0xf0 : 0xb0; break;	/* loopback: CTS/DSR/RI/DCD */
		case 7: v = u->scr; break;
		}
		for (uint32_t i = 0; i < len; i++)
			data[i] = i ? 0xff : v;
	}
	update_irq(u);
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
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_destroy(void *state)
{
	struct uart *u = state;

	if (u->input)
		term_detach();
	out_flush_at_exit(u, 1000);
	if (u->dropped)
		cvmm_verbose("COM1: %llu bytes of guest output dropped (output blocked at the stop, "
			     "or closed)", (unsigned long long)u->dropped);
	pthread_cond_destroy(&u->room);
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
	pthread_cond_init(&u->room, NULL);
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
	pthread_cond_destroy(&u->room);
	pthread_mutex_destroy(&u->lock);
	free(u);
	return NULL;
}

const struct device_ops dev_uart = {
	.name = "uart",
	.create = uart_create,
	.destroy = uart_destroy,
};
