/*
 * One VM: its KVM objects, memory, buses, vCPUs and how it ended.
 */
#ifndef CVMM_VM_H
#define CVMM_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "vmm/kvm/kvm.h"
#include "vmm/mem/mem.h"

struct platform_ops;
struct launch_plan;
struct launch_opts;
struct vcpu;
struct device_ops;
struct kvm_cpuid2;

struct vm {
	struct kvm_host *host;
	const struct platform_ops *plat;
	void *plat_data;
	int vm_fd;
	struct guest_mem mem;
	struct bus pio, mmio;

	struct vcpu *vcpus;
	int n_vcpus;
	int vcpu_mmap_size;

	pthread_t main_thread;
	volatile sig_atomic_t stopping;	/* set once: every vCPU leaves KVM_RUN */
	pthread_mutex_t exit_lock;
	int exit_code;			/* process exit status when the VM ended */
	char exit_reason[160];
	int running_vcpus;

	struct kvm_cpuid2 *cpuid;		/* KVM_GET_SUPPORTED_CPUID (vmm/cpuid.c) */
	pthread_t cpuid_thread;
	bool cpuid_prefetching;
	int cpuid_err;
	const struct launch_opts *opts;
	const struct launch_plan *plan;	/* what the launch puts in (until teardown) */
	const struct device_ops *device_ops[8];
	void *devices[8];		/* device state, freed at teardown */
	int n_devices;
};

/*
 * Ends the VM (first caller wins): records the exit status and the reason,
 * then kicks every vCPU out of KVM_RUN and wakes the main thread. Safe from
 * any vCPU or I/O thread.
 */
void vm_request_stop(struct vm *vm, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Does the platform keep guest memory private (the platform table says)? */
bool vm_private_memory(const struct vm *vm);

#endif
