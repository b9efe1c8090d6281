#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/core/irq.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"

/* MSI address: the local APIC window, physical destination mode, APIC ID 0. */
#define MSI_ADDR_BASE	0xfee00000u

int irq_lines_create(struct irq_lines *l, struct kvm_backend *kb, int vm_fd, unsigned first, unsigned n,
		     uint32_t (*vector_of)(unsigned line))
{
	struct kvm_irq_routing *rt;
	int r;

	*l = (struct irq_lines){ .kb = kb, .vm_fd = vm_fd, .first = first };
	for (unsigned i = 0; i < IRQ_MAX_LINES; i++)
		l->efd[i] = -1;
	if (n > IRQ_MAX_LINES) {
		cvmm_err("interrupts: %u lines asked, at most %d", n, IRQ_MAX_LINES);
		return -1;
	}
	rt = calloc(1, sizeof(*rt) + n * sizeof(rt->entries[0]));
	if (!rt) {
		cvmm_err("interrupts: out of memory");
		return -1;
	}
	rt->nr = n;
	for (unsigned i = 0; i < n; i++) {
		rt->entries[i] = (struct kvm_irq_routing_entry){
			.gsi = first + i,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = MSI_ADDR_BASE, .address_hi = 0,
				   .data = vector_of(first + i) },
		};
	}
	r = kb->ioctl(kb, vm_fd, KVM_SET_GSI_ROUTING, rt);
	free(rt);
	if (r < 0) {
		cvmm_err("interrupts: KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct kvm_irqfd fd = { .gsi = first + i };

		l->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (l->efd[i] < 0) {
			cvmm_err("interrupts: eventfd: %s", strerror(errno));
			irq_lines_destroy(l);
			return -1;
		}
		l->n = i + 1;
		fd.fd = (uint32_t)l->efd[i];
		if (kb->ioctl(kb, vm_fd, KVM_IRQFD, &fd) < 0) {
			cvmm_err("interrupts: KVM_IRQFD (line %u): %s", first + i, strerror(errno));
			irq_lines_destroy(l);
			return -1;
		}
	}
	return 0;
}

void irq_lines_raise(void *opaque, unsigned line)
{
	struct irq_lines *l = opaque;
	uint64_t one = 1;

	if (line < l->first || line - l->first >= l->n)
		return;
	/* EAGAIN: the counter is saturated, i.e. an interrupt is pending anyway. */
	if (write(l->efd[line - l->first], &one, sizeof(one)) < 0 && errno != EAGAIN)
		cvmm_warn("interrupts: line %u: %s", line, strerror(errno));
}

void irq_lines_destroy(struct irq_lines *l)
{
	for (unsigned i = 0; i < IRQ_MAX_LINES; i++) {
		if (l->efd[i] < 0)
			continue;
		if (i < l->n) {
			struct kvm_irqfd fd = { .fd = (uint32_t)l->efd[i], .gsi = l->first + i,
						.flags = KVM_IRQFD_FLAG_DEASSIGN };

			l->kb->ioctl(l->kb, l->vm_fd, KVM_IRQFD, &fd);
		}
		close(l->efd[i]);
		l->efd[i] = -1;
	}
	l->n = 0;
}
