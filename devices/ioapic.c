#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "devices/ioapic.h"
#include "loader/acpi/acpi.h"
#include "loader/plan.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/trace.h"
#include "loader/launch_opts.h"
#include "vmm/core/vm.h"

#define PINS		ACPI_IOAPIC_PINS
#define IOAPIC_SIZE	0x1000
#define IOREGSEL	0x00
#define IOWIN		0x10
#define REG_ID		0x00
#define REG_VERSION	0x01
#define REG_ARB		0x02
#define REG_TABLE	0x10
#define VERSION		0x11	/* no EOI register: Linux ends Remote IRR through EOI exits */

/* redirection table entry bits */
#define RTE_VECTOR	0xffULL
#define RTE_DELIVERY	(7ULL << 8)
#define RTE_DEST_LOG	(1ULL << 11)
#define RTE_PENDING	(1ULL << 12)	/* delivery status, read-only */
#define RTE_POLARITY	(1ULL << 13)
#define RTE_REMOTE_IRR	(1ULL << 14)	/* read-only */
#define RTE_LEVEL	(1ULL << 15)
#define RTE_MASKED	(1ULL << 16)
#define RTE_RO_BITS	(RTE_PENDING | RTE_REMOTE_IRR)
#define RTE_DEST_SHIFT	56

#define MSI_ADDR_BASE	0xfee00000u

struct ioapic {
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t regsel;
	uint32_t id;
	uint64_t rte[PINS];
	bool level[PINS];	/* input lines, as the devices drive them */
	int route_err;		/* first KVM_SET_GSI_ROUTING errno, reported once */
	bool traced;		/* --boot-trace has "I/O APIC: first line unmasked" */
};

bool ioapic_wanted(const struct vm *vm)
{
	return vm->plan->wants_irqchip && vm->host->split_irqchip && !vm->opts->virtio_irq;
}

static struct kvm_msi msi_of(uint64_t rte)
{
	uint32_t dest = (uint32_t)(rte >> RTE_DEST_SHIFT) & 0xff;

	/* MSI format of the SDM's "Message Address/Data Register Format" */
	return (struct kvm_msi){
		.address_lo = MSI_ADDR_BASE | dest << 12 | (rte & RTE_DEST_LOG ? 1u << 2 : 0),
		.data = (uint32_t)(rte & (RTE_VECTOR | RTE_DELIVERY)) |
			(rte & RTE_LEVEL ? 1u << 15 | 1u << 14 : 0),
	};
}

/*
 * KVM needs the unmasked entries as MSI routes: with a split irqchip it
 * learns from them which vectors are level-triggered and must exit on EOI.
 */
static void update_routes(struct ioapic *io)
{
	/* The header and its PINS entries in one buffer (entries[] is a flexible array). */
	union {
		struct kvm_irq_routing r;
		uint8_t bytes[sizeof(struct kvm_irq_routing) + PINS * sizeof(struct kvm_irq_routing_entry)];
	} t;
	uint32_t n = 0;

	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < PINS; i++) {
		struct kvm_msi m;

		if (io->rte[i] & RTE_MASKED)
			continue;
		m = msi_of(io->rte[i]);
		t.r.entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = i, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = m.address_lo, .data = m.data },
		};
	}
	t.r.nr = n;
	if (n && !io->traced) {	/* a Linux boot phase: its interrupt set-up */
		io->traced = true;
		trace_point("I/O APIC: first line unmasked");
	}
	if (io->vm->kb->ioctl(io->vm->kb, io->vm->vm_fd, KVM_SET_GSI_ROUTING, &t) < 0 && !io->route_err) {
		io->route_err = errno;
		cvmm_warn("I/O APIC: KVM_SET_GSI_ROUTING: %s (level interrupts may stall)",
			  strerror(errno));
	}
}

/* Delivers pin's interrupt if its entry lets it through; lock held. */
static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t *e = &io->rte[pin];
	struct kvm_msi m;

	if (*e & RTE_MASKED)
		return;
	if (*e & RTE_LEVEL) {
		if (*e & RTE_REMOTE_IRR)
			return;		/* the previous one is not EOI'd yet */
		*e |= RTE_REMOTE_IRR;
	}
	m = msi_of(*e);
	/* 0: the guest's LAPIC blocked it (it asked for that); < 0: nothing we can do but say so. */
	if (io->vm->kb->ioctl(io->vm->kb, io->vm->vm_fd, KVM_SIGNAL_MSI, &m) < 0)
		cvmm_warn("I/O APIC: KVM_SIGNAL_MSI (pin %u): %s", pin, strerror(errno));
}

void ioapic_set_level(struct ioapic *io, unsigned pin, bool asserted)
{
	if (!io || pin >= PINS)
		return;
	pthread_mutex_lock(&io->lock);
	bool rising = asserted && !io->level[pin];

	io->level[pin] = asserted;
	if (asserted && (rising || (io->rte[pin] & RTE_LEVEL)))
		deliver(io, pin);
	pthread_mutex_unlock(&io->lock);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	for (unsigned i = 0; i < PINS; i++) {
		uint64_t *e = &io->rte[i];

		if ((*e & RTE_VECTOR) != vector || !(*e & RTE_LEVEL) || !(*e & RTE_REMOTE_IRR))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		if (io->level[i])
			deliver(io, i);
	}
	pthread_mutex_unlock(&io->lock);
}

static uint32_t reg_read(struct ioapic *io)
{
	uint32_t r = io->regsel;

	switch (r) {
	case REG_ID:
	case REG_ARB:
		return io->id << 24;
	case REG_VERSION:
		return (PINS - 1) << 16 | VERSION;
	}
	if (r >= REG_TABLE && r < REG_TABLE + 2 * PINS) {
		uint64_t e = io->rte[(r - REG_TABLE) / 2];

		return (uint32_t)(r & 1 ? e >> 32 : e);
	}
	return 0xffffffff;
}

static void reg_write(struct ioapic *io, uint32_t v)
{
	uint32_t r = io->regsel;
	unsigned pin;
	uint64_t *e, old;

	if (r == REG_ID) {
		io->id = v >> 24 & 0xf;
		return;
	}
	if (r < REG_TABLE || r >= REG_TABLE + 2 * PINS)
		return;		/* version, arbitration: read-only */
	pin = (r - REG_TABLE) / 2;
	e = &io->rte[pin];
	old = *e;
	if (r & 1)
		*e = (*e & 0xffffffffULL) | (uint64_t)v << 32;
	else
		*e = (*e & ~0xffffffffULL) | (v & ~RTE_RO_BITS) | (old & RTE_RO_BITS);
	/* Switching a pin to edge ends Remote IRR: Linux's EOI for version 0x11. */
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;
	if ((old ^ *e) & ~RTE_RO_BITS)
		update_routes(io);
	/* An entry unmasked (or re-armed) while its level line is held delivers now. */
	if (io->level[pin] && (*e & RTE_LEVEL) && !(*e & RTE_MASKED))
		deliver(io, pin);
}

static void ioapic_mmio(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&io->lock);
	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		if (off == IOREGSEL)
			io->regsel = v & 0xff;
		else if (off == IOWIN && len == 4)
			reg_write(io, v);
	} else {
		if (off == IOREGSEL)
			v = io->regsel;
		else if (off == IOWIN)
			v = reg_read(io);
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	pthread_mutex_unlock(&io->lock);
}

static void ioapic_destroy(void *state)
{
	struct ioapic *io = state;

	if (io->vm->ioapic == io)
		io->vm->ioapic = NULL;
	pthread_mutex_destroy(&io->lock);
	free(io);
}

static void *ioapic_create(struct vm *vm)
{
	struct ioapic *io = calloc(1, sizeof(*io));

	if (!io) {
		cvmm_err("I/O APIC: out of memory");
		return NULL;
	}
	io->vm = vm;
	pthread_mutex_init(&io->lock, NULL);
	for (unsigned i = 0; i < PINS; i++)
		io->rte[i] = RTE_MASKED;	/* the reset state */
	if (vm_split_irqchip(vm))	/* devices are made before the vCPUs */
		goto fail;
	if (bus_register(&vm->mmio, ACPI_IOAPIC_GPA, IOAPIC_SIZE, ioapic_mmio, io, "I/O APIC"))
		goto fail;
	vm->ioapic = io;
	return io;
fail:
	pthread_mutex_destroy(&io->lock);
	free(io);
	return NULL;
}

const struct device_ops dev_ioapic = {
	.name = "ioapic",
	.wanted = ioapic_wanted,
	.create = ioapic_create,
	.destroy = ioapic_destroy,
};
