/*
 * KVM's supported CPUID table, fetched once per VM. On this host the ioctl
 * costs ~0.3 ms (every CPUID it executes traps), a sixth of a whole boot, so
 * vm_boot() starts it on a helper thread while the VM and its memory are set
 * up, and the first vCPU collects it.
 */
#ifndef CVMM_CPUID_H
#define CVMM_CPUID_H

struct vm;
struct kvm_cpuid2;

/* Starts fetching; falls back to fetching in cpuid_supported() on failure. */
void cpuid_prefetch_start(struct vm *vm);
/* The table (owned by the VM), or NULL after one line on failure. */
struct kvm_cpuid2 *cpuid_supported(struct vm *vm);
/* Joins a prefetch still running (teardown) and frees the table. */
void cpuid_release(struct vm *vm);

#endif
