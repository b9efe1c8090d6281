/*
 * The virtio devices as one entry of the device table: creates what the
 * options ask for in the slots devices/virtio_slots.c assigns (the same
 * ones the device tree and command line describe), registers them on the
 * MMIO bus and wires their interrupts (vmm/core/irq.c).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/devices.h"
#include "devices/virtio/virtio_devices.h"
#include "loader/virtio_slots.h"
#include "vmm/core/irq.h"
#include "devices/ioapic.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/core/vm.h"

struct virtio_set {
	struct virtio_mmio *dev[VIRTIO_MAX_SLOTS];
	int n;
	struct irq_lines irq;
	bool irq_on;
};

static bool virtio_wanted(const struct vm *vm)
{
	struct virtio_slot s[VIRTIO_MAX_SLOTS];

	return virtio_slots(vm->opts, s) > 0;
}

static uint32_t vector_of(unsigned line)
{
	return VIRTIO_IRQ_VECTOR(line);
}

static void virtio_destroy(void *state)
{
	struct virtio_set *set = state;

	for (int i = set->n - 1; i >= 0; i--)
		virtio_device_free(set->dev[i]);
	if (set->irq_on)
		irq_lines_destroy(&set->irq);
	free(set);
}

static struct virtio_mmio *make(struct vm *vm, const struct virtio_slot *s)
{
	const struct launch_opts *o = vm->opts;

	switch (s->kind) {
	case VIRTIO_KIND_CONSOLE:
		return virtio_console_new(&vm->mem, STDOUT_FILENO, true);
	case VIRTIO_KIND_BLK: {
		struct virtio_blk_opts b = { .path = o->disk, .read_only = o->disk_ro,
					     .direct = o->disk_direct,
					     .have_fd = o->disk_fd >= 0, .fd = o->disk_fd };

		return virtio_blk_new(&vm->mem, &b);
	}
	case VIRTIO_KIND_RNG:
		return virtio_rng_new(&vm->mem);
	}
	return NULL;
}

static void ioapic_level(void *io, unsigned line, bool asserted)
{
	ioapic_set_level(io, line, asserted);
}

static void *virtio_create(struct vm *vm)
{
	struct virtio_slot s[VIRTIO_MAX_SLOTS];
	int n = virtio_slots(vm->opts, s);
	struct virtio_set *set = calloc(1, sizeof(*set));
	/* Guest memory is private: the guest must bounce its DMA. */
	bool confidential = vm_private_memory(vm);

	if (!set) {
		cvmm_err("virtio: out of memory");
		return NULL;
	}
	if (vm->opts->virtio_irq) {
		/*
		 * With local APICs in KVM, HLT no longer exits and APs wait for
		 * INIT/SIPI, which a direct boot never sends: opts_devices.c
		 * allows one vCPU only.
		 */
		if (!vm->host->split_irqchip) {
			cvmm_err("--virtio-irq: this KVM has no split irqchip (KVM_CAP_SPLIT_IRQCHIP)");
			goto fail;
		}
		if (vm_split_irqchip(vm) ||
		    irq_lines_create(&set->irq, vm->kb, vm->vm_fd, s[0].irq, (unsigned)n, vector_of))
			goto fail;
		set->irq_on = true;
	}
	for (int i = 0; i < n; i++) {
		struct virtio_mmio *t = make(vm, &s[i]);

		if (!t)
			goto fail;
		set->dev[set->n++] = t;
		t->require_access_platform = confidential;
		if (set->irq_on) {
			t->irq_fn = irq_lines_raise;
			t->irq_opaque = &set->irq;
		} else if (vm->ioapic) {	/* a Linux guest: the DSDT says level, active-high */
			t->irq_level_fn = ioapic_level;
			t->irq_opaque = vm->ioapic;
		}
		if (virtio_mmio_register(t, &vm->mmio, s[i].base, s[i].irq))
			goto fail;
	}
	for (int i = 0; i < n; i++)
		if (s[i].kind == VIRTIO_KIND_CONSOLE && virtio_console_start(set->dev[i]))
			goto fail;
	return set;
fail:
	virtio_destroy(set);
	return NULL;
}

const struct device_ops dev_virtio = {
	.name = "virtio",
	.wanted = virtio_wanted,
	.create = virtio_create,
	.destroy = virtio_destroy,
};
