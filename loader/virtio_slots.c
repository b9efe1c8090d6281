#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/virtio_slots.h"
#include "loader/layout.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

int virtio_slots(const struct launch_opts *o, struct virtio_slot *s)
{
	int n = 0;
	enum virtio_kind kinds[VIRTIO_MAX_SLOTS];

	if (o->console_virtio)
		kinds[n++] = VIRTIO_KIND_CONSOLE;
	if (o->disk)
		kinds[n++] = VIRTIO_KIND_BLK;
	if (o->rng)
		kinds[n++] = VIRTIO_KIND_RNG;
	for (int i = 0; i < n; i++)
		s[i] = (struct virtio_slot){
			.kind = kinds[i],
			.base = LAYOUT_MMIO_BASE + (uint64_t)i * VIRTIO_MMIO_SIZE,
			.size = VIRTIO_MMIO_SIZE,
			.irq = VIRTIO_FIRST_IRQ + (unsigned)i,
		};
	return n;
}

char *virtio_cmdline(const struct launch_opts *o)
{
	struct virtio_slot s[VIRTIO_MAX_SLOTS];
	int n = virtio_slots(o, s);
	const char *user = o->cmdline ? o->cmdline : "";
	size_t cap = strlen(user) + 1 + (size_t)n * 64 + 16;
	char *buf = malloc(cap);
	size_t len;

	if (!buf) {
		cvmm_err("--cmdline: out of memory");
		return NULL;
	}
	len = (size_t)snprintf(buf, cap, "%s", user);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%svirtio_mmio.device=%llu@0x%llx:%u",
					len ? " " : "", (unsigned long long)s[i].size,
					(unsigned long long)s[i].base, s[i].irq);
	if (o->console_virtio)
		snprintf(buf + len, cap - len, "%sconsole=hvc0", len ? " " : "");
	return buf;
}
