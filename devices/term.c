/*
 * The terminal device (devices/term.h). First in the device table, so that
 * it is created before the consoles attach and destroyed after they have
 * detached: the terminal is raw for exactly the VM's lifetime.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/term.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/core/vm.h"

#define CTRL_A	0x01

static struct term {
	struct vm *vm;
	int in_fd;			/* STDIN_FILENO but in unit tests */
	bool open;
	bool tty;			/* stdin is a terminal */
	bool reads;			/* stdin is ours to read */
	bool raw;			/* we changed its mode: saved is what to restore */
	struct termios saved;
	bool ctrl_a;			/* the last byte was an unpaired Ctrl-A */
	pthread_mutex_t sink_lock;	/* held while the sink runs */
	term_sink_fn sink;
	void *opaque;
	bool thread_on;
	pthread_t thread;
	int wake[2];			/* tells the input thread to leave */
} term = { .in_fd = -1, .sink_lock = PTHREAD_MUTEX_INITIALIZER, .wake = { -1, -1 } };

static void term_restore(void)
{
	if (term.raw && tcsetattr(term.in_fd, TCSAFLUSH, &term.saved) == 0)
		term.raw = false;
}

/* exit() from anywhere while the terminal is raw must not leave it so. */
static void term_restore_at_exit(void)
{
	term_restore();
}

bool term_interactive(void)
{
	return term.raw;
}

/*
 * Handles Ctrl-A escapes in place; returns how many bytes are left for the
 * guest, or -1 on Ctrl-A x.
 */
static ssize_t escapes(uint8_t *buf, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (term.ctrl_a) {
			term.ctrl_a = false;
			if (c == 'x')
				return -1;
			if (c != CTRL_A)	/* anything else: both bytes go through */
				buf[out++] = CTRL_A;
		} else if (c == CTRL_A) {
			term.ctrl_a = true;
			continue;
		}
		buf[out++] = c;
	}
	return (ssize_t)out;
}

static void *input_thread(void *arg)
{
	uint8_t buf[4096];

	if (sandbox_enter(SANDBOX_IO, 0)) {
		if (term.vm)
			vm_request_stop(term.vm, CVMM_EXIT_FAIL, "terminal: no system-call filter");
		return NULL;
	}
	sandbox_test_call("input");

	for (;;) {
		struct pollfd p[2] = { { .fd = term.in_fd, .events = POLLIN },
				       { .fd = term.wake[0], .events = POLLIN } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		n = read(term.in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* Ctrl-D at a cooked terminal reads as 0 once; only a hangup ends it. */
		if (n == 0 && term.tty && !(p[0].revents & POLLHUP))
			continue;
		/* End of input, a hangup, or EIO: we were moved to the background. */
		if (n <= 0)
			break;
		if (term.raw) {
			n = escapes(buf, (size_t)n);
			if (n < 0) {
				if (term.vm)
					vm_request_stop(term.vm, CVMM_EXIT_OK, "Ctrl-A x pressed");
				break;
			}
		}
		pthread_mutex_lock(&term.sink_lock);
		if (term.sink && n)
			term.sink(term.opaque, buf, (size_t)n, term.tty);
		pthread_mutex_unlock(&term.sink_lock);
	}
	return NULL;
}

int term_attach(term_sink_fn sink, void *opaque)
{
	int err;

	pthread_mutex_lock(&term.sink_lock);
	term.sink = sink;
	term.opaque = opaque;
	pthread_mutex_unlock(&term.sink_lock);
	if (!term.open || !term.reads || term.thread_on)
		return 0;
	if (pipe2(term.wake, O_CLOEXEC)) {
		cvmm_err("terminal: pipe: %s", strerror(errno));
		return -1;
	}
	err = pthread_create(&term.thread, NULL, input_thread, NULL);
	if (err) {
		cvmm_err("terminal: cannot start the input thread: %s", strerror(err));
		return -1;
	}
	term.thread_on = true;
	return 0;
}

void term_detach(void)
{
	pthread_mutex_lock(&term.sink_lock);
	term.sink = NULL;
	term.opaque = NULL;
	pthread_mutex_unlock(&term.sink_lock);
}

/* </dev/null (what benchmarks and services give us): no input thread to start. */
static bool is_dev_null(int fd)
{
	struct stat st, null;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && stat("/dev/null", &null) == 0 &&
	       st.st_rdev == null.st_rdev;
}

/* Is stdin a terminal whose foreground process group is ours? */
static bool tty_in_foreground(void)
{
	pid_t fg = tcgetpgrp(term.in_fd);

	return fg >= 0 && fg == getpgrp();
}

void term_open(struct vm *vm, int in_fd)
{
	static bool at_exit_set;

	/*
	 * In the background of a terminal, a write (with TOSTOP) or a mode
	 * change would stop the whole VM and a read would too: take EIO
	 * instead. The checks below keep us off a terminal that is not ours.
	 */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	term.vm = vm;
	term.in_fd = in_fd;
	term.ctrl_a = false;
	term.tty = isatty(term.in_fd);
	term.reads = term.tty ? tty_in_foreground() : !is_dev_null(term.in_fd);
	if (term.tty && term.reads && tcgetattr(term.in_fd, &term.saved) == 0) {
		struct termios raw = term.saved;

		cfmakeraw(&raw);
		raw.c_oflag |= OPOST;	/* keep \n -> \r\n on the way out */
		if (!at_exit_set && atexit(term_restore_at_exit) == 0)
			at_exit_set = true;
		sandbox_on_fatal(term_restore);	/* tcsetattr is async-signal-safe */
		if (tcsetattr(term.in_fd, TCSAFLUSH, &raw) == 0)
			term.raw = true;
		else
			cvmm_warn("terminal: cannot switch to raw mode: %s", strerror(errno));
	}
	term.open = true;
}

void term_close(void)
{
	if (term.thread_on) {
		if (write(term.wake[1], "", 1) == 1)
			pthread_join(term.thread, NULL);
		/* else it stays in poll and dies with the process */
		term.thread_on = false;
	}
	if (term.wake[0] >= 0) {
		close(term.wake[0]);
		close(term.wake[1]);
		term.wake[0] = term.wake[1] = -1;
	}
	term_detach();
	term_restore();
	term.open = false;
	term.vm = NULL;
}

static void *term_create(struct vm *vm)
{
	term_open(vm, STDIN_FILENO);
	return &term;
}

static void term_destroy(void *state)
{
	term_close();
}

/* A dry run builds the VM but never runs it: the terminal stays as it is. */
static bool term_wanted(const struct vm *vm)
{
	return !vm->dry_run;
}

const struct device_ops dev_term = {
	.name = "terminal",
	.wanted = term_wanted,
	.create = term_create,
	.destroy = term_destroy,
};
