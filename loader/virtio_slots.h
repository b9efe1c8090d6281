/*
 * Where the virtio-mmio devices sit, decided from the options alone: the
 * launch plan (device tree, command line) and the running devices must
 * agree, and a measurement is predicted without creating anything. Slot i
 * is at LAYOUT_MMIO_BASE + i * VIRTIO_MMIO_SIZE with interrupt line
 * VIRTIO_FIRST_IRQ + i, in the order console, disk, rng.
 */
#ifndef CVMM_VIRTIO_SLOTS_H
#define CVMM_VIRTIO_SLOTS_H

#include <stddef.h>
#include <stdint.h>

struct launch_opts;

enum virtio_kind { VIRTIO_KIND_CONSOLE, VIRTIO_KIND_BLK, VIRTIO_KIND_RNG };

struct virtio_slot {
	enum virtio_kind kind;
	uint64_t base, size;
	unsigned irq;
};

#define VIRTIO_MAX_SLOTS	4
#define VIRTIO_MMIO_SIZE	0x200	/* the register window of one slot */
#define VIRTIO_FIRST_IRQ	5	/* 5, 6, ...: free ISA lines on a PC */
/* MSI vector of line n when interrupts are on (vmm/core/irq.c) */
#define VIRTIO_IRQ_VECTOR(n)	(0x20 + (n))

/* Fills s[VIRTIO_MAX_SLOTS]; returns how many devices the options ask for. */
int virtio_slots(const struct launch_opts *o, struct virtio_slot *s);

/*
 * The guest command line: the user's, then for each device
 * " virtio_mmio.device=SIZE@ADDR:IRQ" (for kernels without device-tree
 * support), then " console=hvc0" with --console virtio. Returns a malloc'd
 * string (the user's own when there are no devices), or NULL after one line.
 */
char *virtio_cmdline(const struct launch_opts *o);

#endif
