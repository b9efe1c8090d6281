/*
 * Boot trace: monotonic timestamps of the phases of a launch, from process
 * start, for --boot-trace and `make bench`. Recording is a clock read and an
 * array store, so it stays on even when nobody prints it.
 */
#ifndef CVMM_TRACE_H
#define CVMM_TRACE_H

#include <stdint.h>
#include <stdio.h>

void trace_start(void);			/* first thing in main() */
void trace_point(const char *phase);	/* thread-safe; name must be static */
/* Like trace_point, with a detail (e.g. "12 pages, 48 KiB"). */
void trace_point_detail(const char *phase, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A milestone the guest wrote to port 0x610 (only the first few are kept). */
void trace_guest_milestone(unsigned value);
uint64_t trace_now_ns(void);		/* since process start */
void trace_print(FILE *f, int json);

#endif
