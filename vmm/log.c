#include <stdarg.h>
#include <stdio.h>

#include "vmm/log.h"

int cvmm_verbosity = LOG_NORMAL;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* One fprintf per line so lines from vCPU threads do not interleave. */
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "cvmm: %s%s\n", prefix, buf);
}

void cvmm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
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
