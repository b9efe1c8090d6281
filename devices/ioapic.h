/*
 * cvmm's I/O APIC (82093AA, version 0x11): 24 pins at 0xfec00000, for
 * guests that run with KVM's split irqchip (local APICs in KVM, the I/O
 * APIC here, as QEMU's TDX support and cloud-hypervisor do; TDX allows no
 * other). The guest programs the redirection table; each unmasked entry
 * becomes a GSI route (so KVM knows which vectors are level-triggered and
 * exits with KVM_EXIT_IOAPIC_EOI for them) and an interrupt leaves as
 * KVM_SIGNAL_MSI. Level pins keep Remote IRR until the guest's EOI, and an
 * EOI of a line still asserted delivers it again.
 */
#ifndef CVMM_IOAPIC_H
#define CVMM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct ioapic;
struct vm;

/* Does this VM run with the split irqchip and an I/O APIC? (vm->ioapic) */
bool ioapic_wanted(const struct vm *vm);
/* Sets the input level of pin (asserted: true). Edge pins fire on a rising level. Any thread. */
void ioapic_set_level(struct ioapic *io, unsigned pin, bool asserted);
/* The guest's EOI of vector (KVM_EXIT_IOAPIC_EOI): ends Remote IRR, redelivers held lines. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
