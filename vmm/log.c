#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/log.h"

int cvmm_verbosity = LOG_NORMAL;

/* cvmm_err_capture(): this thread's errors go here instead of stderr. */
static _Thread_local char *capture_buf;
static _Thread_local size_t capture_len;

void cvmm_err_capture(char *buf, size_t n)
{
	capture_buf = n ? buf : NULL;
	capture_len = n;
	if (capture_buf)
		capture_buf[0] = '\0';
}

/*
 * A line longer than LOG_LINE_MAX keeps its head and its tail: the reason
 * is usually at the end, after a long path or name.
 */
#define LOG_LINE_MAX	4096
#define LOG_TAIL	1024

static void emit(const char *prefix, const char *msg, size_t len)
{
	if (len > LOG_LINE_MAX)
		/* One fprintf per line so lines from vCPU threads do not interleave. */
		fprintf(stderr, "cvmm: %s%.*s [...] %s\n", prefix, LOG_LINE_MAX - LOG_TAIL, msg,
			msg + len - LOG_TAIL);
	else
		fprintf(stderr, "cvmm: %s%s\n", prefix, msg);
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024], *big;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0) {
		emit(prefix, fmt, strlen(fmt));
	} else if ((size_t)n < sizeof(buf)) {
		emit(prefix, buf, (size_t)n);
	} else if ((big = malloc((size_t)n + 1))) {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		emit(prefix, big, (size_t)n);
		free(big);
	} else {
		/* No memory for the whole line: say that its end is missing. */
		memcpy(buf + sizeof(buf) - 16, " [cut: no mem]", 15);
		emit(prefix, buf, strlen(buf));
	}
	va_end(again);
}

void cvmm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (capture_buf)
		vsnprintf(capture_buf, capture_len, fmt, ap);
	else
		vlog("", fmt, ap);
	va_end(ap);
}

void cvmm_warn(const char *fmt, ...)
{
	va_list ap;

	if (cvmm_verbosity < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void cvmm_info(const char *fmt, ...)
{
	va_list ap;

	if (cvmm_verbosity < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void cvmm_verbose(const char *fmt, ...)
{
	va_list ap;

	if (cvmm_verbosity < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}
