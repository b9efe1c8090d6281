#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "vmm/trace.h"

#define TRACE_MAX 64
/* The guest may write milestones forever: it gets a few slots, cvmm keeps the rest. */
#define TRACE_GUEST_MAX 16

struct trace_ev {
	const char *phase;
	uint64_t ns;
	char detail[64];
};

static struct trace_ev events[TRACE_MAX];
static unsigned n_events, n_guest, guest_dropped;
static uint64_t t0_ns;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void trace_start(void)
{
	t0_ns = mono_ns();
	n_events = n_guest = guest_dropped = 0;
	trace_point("main() entered");
}

uint64_t trace_now_ns(void)
{
	return mono_ns() - t0_ns;
}

static struct trace_ev *trace_slot(const char *phase)
{
	unsigned i = __atomic_fetch_add(&n_events, 1, __ATOMIC_RELAXED);

	if (i >= TRACE_MAX)
		return NULL;
	events[i].phase = phase;
	events[i].ns = trace_now_ns();
	events[i].detail[0] = '\0';
	return &events[i];
}

void trace_point(const char *phase)
{
	trace_slot(phase);
}

void trace_guest_milestone(unsigned value)
{
	if (__atomic_fetch_add(&n_guest, 1, __ATOMIC_RELAXED) >= TRACE_GUEST_MAX) {
		__atomic_store_n(&n_guest, TRACE_GUEST_MAX, __ATOMIC_RELAXED);
		__atomic_fetch_add(&guest_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	switch (value) {
	case 1: trace_point("guest milestone: entered"); break;
	case 2: trace_point("guest milestone: ready"); break;
	/* loader/shim/shim_abi.h SHIM_MILESTONE_RAM_READ (plain --boot-shim) */
	case 0x53: trace_point("guest milestone: boot shim read the end of every RAM range through its map"); break;
	default: trace_point_detail("guest milestone", "%u", value); break;
	}
}

void trace_point_detail(const char *phase, const char *fmt, ...)
{
	struct trace_ev *e = trace_slot(phase);
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

void trace_print(FILE *f, int json)
{
	unsigned n = n_events < TRACE_MAX ? n_events : TRACE_MAX;
	uint64_t prev = 0;

	if (json) {
		fprintf(f, "{\"unit\":\"us\",\"events\":[");
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s{\"phase\":\"%s\",\"t\":%.1f,\"delta\":%.1f%s%s%s}",
				i ? "," : "", events[i].phase, events[i].ns / 1e3,
				(events[i].ns - (i ? events[i - 1].ns : 0)) / 1e3,
				events[i].detail[0] ? ",\"detail\":\"" : "", events[i].detail,
				events[i].detail[0] ? "\"" : "");
		fprintf(f, "],\"guest_milestones_dropped\":%u}\n", guest_dropped);
		return;
	}
	fprintf(f, "cvmm boot trace (microseconds since main(); exec+ld.so before it are not counted)\n");
	fprintf(f, "  %10s %10s  %s\n", "t", "delta", "phase");
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "  %10.1f %10.1f  %s%s%s%s\n", events[i].ns / 1e3,
			(events[i].ns - prev) / 1e3, events[i].phase,
			events[i].detail[0] ? " (" : "", events[i].detail,
			events[i].detail[0] ? ")" : "");
		prev = events[i].ns;
	}
	if (guest_dropped)
		fprintf(f, "  (%u more guest milestones not recorded)\n", guest_dropped);
}
