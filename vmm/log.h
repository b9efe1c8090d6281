/*
 * Diagnostics. Rule: the function that detects a failure a user or a file can
 * cause prints exactly one line (cvmm_err) and returns -1; its callers unwind
 * and propagate without printing again.
 */
#ifndef CVMM_LOG_H
#define CVMM_LOG_H

#include <stddef.h>
#include <stdio.h>

enum { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2, LOG_DEBUG = 3 };
extern int cvmm_verbosity;

void cvmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cvmm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cvmm_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cvmm_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Until called again with n = 0, this thread's cvmm_err lines go to buf
 * (the last one wins) instead of stderr: for a caller that tries something
 * optional and reports its failure in its own one line.
 */
void cvmm_err_capture(char *buf, size_t n);

/* A 64-bit value as printf's %llx/%llu take it (uint64_t is unsigned long here). */
#define U(x) ((unsigned long long)(x))

/* Exit statuses of the cvmm process (README documents them). */
enum {
	CVMM_EXIT_OK = 0,
	CVMM_EXIT_FAIL = 1,	/* runtime failure: KVM, guest crash, check failed */
	CVMM_EXIT_USAGE = 2,	/* bad option, bad input file, unsupported host */
	CVMM_EXIT_RESET = 3,	/* the guest reset itself (reboot, or panic then reboot) */
	CVMM_EXIT_PANIC = 4,	/* the guest said it panicked (pvpanic), whatever it did next */
};

#endif
