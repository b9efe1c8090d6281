/*
 * Interrupt delivery for device models, created only when a VM has devices
 * that interrupt (the virtio devices): a split irqchip (local APICs in KVM,
 * no in-kernel IOAPIC or PIT), one MSI route per line, and an irqfd per
 * line, so that raising a line is one eventfd write from any thread. On
 * this host an in-kernel irqchip costs 5-14 ms of KVM stalls, this under 1
 * ms (design.md). Line n arrives as vector VIRTIO_IRQ_VECTOR(n), fixed
 * delivery, to APIC ID 0; a guest that polls its used rings may ignore it.
 *
 * The split irqchip exists already (vm_split_irqchip(), before the vCPUs).
 */
#ifndef CVMM_IRQ_H
#define CVMM_IRQ_H

#include <stdint.h>

#define IRQ_MAX_LINES	16

struct kvm_backend;

/* Its ioctls go through the VM's kvm_backend, as everything under vm_boot(). */
struct irq_lines {
	struct kvm_backend *kb;
	int vm_fd;
	unsigned first, n;		/* lines [first, first+n) */
	int efd[IRQ_MAX_LINES];		/* irqfd of line first+i */
};

/* -1 after one line when KVM refuses; *out is then unusable. */
int irq_lines_create(struct irq_lines *out, struct kvm_backend *kb, int vm_fd, unsigned first, unsigned n,
		     uint32_t (*vector_of)(unsigned line));
/* virtio_irq_fn-compatible: raises `line` (outside the range: ignored). */
void irq_lines_raise(void *irq_lines, unsigned line);
void irq_lines_destroy(struct irq_lines *l);

#endif
