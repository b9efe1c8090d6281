/*
 * /dev/kvm: opening it and asking what it offers. The answers drive `cvmm
 * info`, each platform's host check and the memory backing choice, so every
 * decision about the host is made from one probe.
 */
#ifndef CVMM_KVM_H
#define CVMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_host {
	int fd;				/* /dev/kvm, or -1 */
	int api_version;
	uint32_t vm_types;		/* bit n: KVM_CREATE_VM accepts type n */
	bool vm_types_cap;		/* KVM_CAP_VM_TYPES exists (else: only type 0) */
	bool guest_memfd;
	uint64_t gmem_flags;		/* KVM_CAP_GUEST_MEMFD_FLAGS, system-wide */
	bool gmem_flags_cap;		/* ...is reported; else flags are probed */
	bool user_memory2;
	uint64_t mem_attrs;		/* KVM_CAP_MEMORY_ATTRIBUTES (system fd) */
	bool memory_fault_info;
	uint64_t exit_hypercall;	/* KVM_CAP_EXIT_HYPERCALL mask */
	int max_vcpus, nr_vcpus;	/* hard limit, recommended */
	bool immediate_exit;
	bool split_irqchip;
};

/* Opens /dev/kvm and probes it. -1 with one line on failure. */
int kvm_host_open(struct kvm_host *h);
void kvm_host_close(struct kvm_host *h);

/*
 * Whether guest_memfd can back a default VM's RAM with MMAP|INIT_SHARED. On
 * kernels that predate KVM_CAP_GUEST_MEMFD_FLAGS this is probed by creating a
 * small throw-away VM, which is why it is not part of kvm_host_open().
 */
bool kvm_host_gmem_shared_ok(struct kvm_host *h);

/* Checked ioctl helpers: -1 and a line naming the ioctl on failure. */
int kvm_check_ext(int fd, long cap);
#define vm_ioctl(fd, req, arg) cvmm_ioctl(fd, req, (void *)(arg), #req)
int cvmm_ioctl(int fd, unsigned long req, void *arg, const char *name);

#endif
