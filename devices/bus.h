/*
 * The port-I/O and MMIO buses: one trap table each, looked up by binary
 * search on every exit. Devices register ranges at start-up; the table is
 * immutable once vCPUs run, so lookups take no lock.
 */
#ifndef CVMM_BUS_H
#define CVMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* offset: from the start of the registered range; data: len bytes, LE. */
typedef void (*io_handler)(void *opaque, uint64_t offset, uint8_t *data,
			   uint32_t len, bool is_write);

struct bus_range {
	uint64_t base, len;
	io_handler fn;
	void *opaque;
	const char *name;
};

#define BUS_MAX_RANGES 32

struct bus {
	const char *name;		/* "pio" or "mmio" */
	struct bus_range ranges[BUS_MAX_RANGES];
	int n;
	uint64_t misses;		/* accesses nobody claimed */
};

/* -1 with a message when the range overlaps another or the table is full. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, io_handler fn,
		 void *opaque, const char *name);
/*
 * Dispatches one access; false when no device claims it, in which case
 * reads return all ones (what an empty ISA/PCI bus returns) and the miss is
 * counted.
 */
bool bus_dispatch(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);

#endif
