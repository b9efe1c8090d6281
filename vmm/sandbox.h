/*
 * Process hardening (issue 14; README "Security"): what cvmm does to itself
 * so that a compromised device model, a same-uid process or a core dump gets
 * as little as possible.
 *
 *   sandbox_early()      first thing in main: not dumpable, inherited file
 *                        descriptors closed, no_new_privs
 *   sandbox_drop_caps()  once /dev/kvm and the files are open (root: all
 *                        capabilities gone before any thread exists)
 *   sandbox_enter(kind)  each thread, once its set-up is done: the
 *                        system-call allow-list of its kind (seccomp)
 */
#ifndef CVMM_SANDBOX_H
#define CVMM_SANDBOX_H

#include <stdbool.h>

enum sandbox_kind {
	SANDBOX_MAIN,		/* the main thread once the vCPUs run: signals, teardown */
	SANDBOX_VCPU,		/* KVM_RUN and every device model the exits reach */
	SANDBOX_IO,		/* device input threads (the terminal's) */
};

/* Extra rights a kind may need on some platforms. */
#define SANDBOX_F_SOCKETS	(1u << 0)	/* TDX: GetQuote threads talk to the QGS */

/* 0, or -1 with a message. */
int sandbox_early(void);
int sandbox_drop_caps(void);
/* Off until `cvmm run` turns it on; --no-seccomp: sandbox_enter() does nothing. */
void sandbox_set_seccomp(bool on);
bool sandbox_seccomp_on(void);
/*
 * Installs the calling thread's filter (threads it creates inherit it). A
 * forbidden system call ends cvmm with one line naming it and status 1.
 * 0, or -1 with a message.
 */
int sandbox_enter(enum sandbox_kind kind, unsigned flags);

/*
 * What the SIGSYS handler calls before the process ends (one hook; it must
 * be async-signal-safe): the terminal's restore, so a filter stop does not
 * leave it raw.
 */
void sandbox_on_fatal(void (*fn)(void));

/*
 * For tests (the sanitizer builds only; see CVMM_TEST_HOOKS in the
 * Makefile): makes a system call no filter allows.
 */
void sandbox_test_forbidden(void);
/*
 * For tests (the same builds): each kind of thread calls it once its filter
 * is on, naming itself ("main", "vcpu", "input"); where the environment has
 * CVMM_TEST_SECCOMP_CALL=ROLE:NR for that role, the thread makes system
 * call NR, every argument -1, as a compromised thread of that role would.
 * It shows which thread got which filter, which sandbox_enter() cannot.
 */
void sandbox_test_call(const char *role);

#endif
