#include <string.h>

#include "devices/bus.h"
#include "vmm/log.h"

int bus_register(struct bus *b, uint64_t base, uint64_t len, io_handler fn,
		 void *opaque, const char *name)
{
	uint64_t end;
	int i;

	if (len == 0 || __builtin_add_overflow(base, len, &end) || b->n == BUS_MAX_RANGES) {
		cvmm_err("%s bus: cannot register %s at 0x%llx", b->name, name,
			 (unsigned long long)base);
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		const struct bus_range *r = &b->ranges[i];

		if (base < r->base + r->len && r->base < end) {
			cvmm_err("%s bus: %s at 0x%llx overlaps %s", b->name, name,
				 (unsigned long long)base, r->name);
			return -1;
		}
	}
	/* keep sorted by base */
	for (i = b->n; i > 0 && b->ranges[i - 1].base > base; i--)
		b->ranges[i] = b->ranges[i - 1];
	b->ranges[i] = (struct bus_range){ base, len, fn, opaque, name };
	b->n++;
	return 0;
}

bool bus_dispatch(struct bus *b, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	int lo = 0, hi = b->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct bus_range *r = &b->ranges[mid];

		if (addr < r->base) {
			hi = mid - 1;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			/* An access straddling the end is the device's to clip. */
			r->fn(r->opaque, addr - r->base, data, len, is_write);
			return true;
		}
	}
	__atomic_add_fetch(&b->misses, 1, __ATOMIC_RELAXED);
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}
