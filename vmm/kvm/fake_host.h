/*
 * The recorder's fake host (vmm/kvm/fake_host.c): what it answers and the
 * rules of upstream KVM it enforces, with the recorder's bookkeeping it
 * shares (vmm/kvm/kvm_backend.c). Internal to those two files.
 */
#ifndef CVMM_FAKE_HOST_H
#define CVMM_FAKE_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/kvm/kvm_backend.h"

/* The fake host's answer to one call on the recorder's fd #idx (lock held). */
int kb_fake_ioctl(struct kb_recorder *r, int idx, unsigned long req, void *arg);
int kb_rec_new_fd(struct kb_recorder *r, const char *name, int vm_type, size_t size);
int kb_rec_close_locked(struct kb_recorder *r, int fd);
/* Refuses the call with errno e, naming the rule in r->refused: -1. */
int kb_fake_refuse(struct kb_recorder *r, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* vmm/kvm/fake_host_irq.c: interrupts, the TSC and KVM_RUN; *handled false: not one of those. */
int kb_fake_irq_ioctl(struct kb_recorder *r, int idx, unsigned long req, void *arg, bool *handled);
int kb_fake_split_irqchip(struct kb_recorder *r, const struct kvm_enable_cap *c);
/* The VM's TSC kHz (KVM_SET_TSC_KHZ before vCPUs, else the host's). */
uint32_t kb_fake_tsc_khz(const struct kb_recorder *r);
/* INIT_VM fixes the TD's TSC: -1 (refused) when the module would not take it. */
int kb_fake_td_tsc(struct kb_recorder *r);
/* The TD's CPUID 0x15 (the module's, from the TSC INIT_VM fixed); false before INIT_VM. */
bool kb_fake_td_leaf_15(const struct kb_recorder *r, struct kvm_cpuid_entry2 *e);

/* The VMSA KVM makes of a vCPU's registers at LAUNCH_FINISH. */
void kb_fake_vmsa(const struct kb_fake_vcpu *v, uint64_t vmsa_features, uint8_t b[4096]);

#endif
