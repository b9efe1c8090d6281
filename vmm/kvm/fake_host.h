/*
 * The recorder's fake host (vmm/kvm/fake_host.c): what it answers and the
 * rules of upstream KVM it enforces, with the recorder's bookkeeping it
 * shares (vmm/kvm/kvm_backend.c). Internal to those two files.
 */
#ifndef CVMM_FAKE_HOST_H
#define CVMM_FAKE_HOST_H

#include <stddef.h>

#include "vmm/kvm/kvm_backend.h"

/* The fake host's answer to one call on the recorder's fd #idx (lock held). */
int kb_fake_ioctl(struct kb_recorder *r, int idx, unsigned long req, void *arg);
int kb_rec_new_fd(struct kb_recorder *r, const char *name, int vm_type, size_t size);
int kb_rec_close_locked(struct kb_recorder *r, int fd);
/* The VMSA KVM makes of a vCPU's registers at LAUNCH_FINISH. */
void kb_fake_vmsa(const struct kb_fake_vcpu *v, uint64_t vmsa_features, uint8_t b[4096]);

#endif
