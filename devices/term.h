/*
 * The terminal: cvmm's standard input and output, owned by one device for
 * the whole VM. When stdin is a terminal in the foreground it is put in raw
 * mode (restored at teardown, and at exit() should that come first) and
 * Ctrl-A x ends the VM, Ctrl-A Ctrl-A sends a literal Ctrl-A. One input
 * thread reads stdin and feeds the console the guest reads (the UART, or
 * virtio-console with --console virtio). Started in the background of a
 * terminal, cvmm neither stops on SIGTTOU/SIGTTIN nor touches or reads it.
 */
#ifndef CVMM_TERM_H
#define CVMM_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Takes input bytes (escapes already handled). at_tty: they come from a
 * person at a terminal, so the sink must not block (Ctrl-A x comes through
 * this thread too): drop what does not fit, as a full FIFO does. From a
 * pipe or file it may wait for the guest.
 */
struct vm;

/*
 * The terminal device (dev_term) does these for stdin; unit tests give a
 * pipe. vm: whom Ctrl-A x stops. term_close() stops the input thread and
 * restores the terminal mode.
 */
void term_open(struct vm *vm, int in_fd);
void term_close(void);

typedef void (*term_sink_fn)(void *opaque, const uint8_t *buf, size_t n, bool at_tty);

/*
 * Makes sink the guest's input and starts the input thread (once). Not
 * reading stdin (a terminal not in our foreground) is no error. -1 after a
 * message when the thread cannot start.
 */
int term_attach(term_sink_fn sink, void *opaque);
/* After it returns the sink is not running and is not called again. */
void term_detach(void);
/* stdout goes to a person: console output is written byte by byte. */
bool term_interactive(void);

#endif
