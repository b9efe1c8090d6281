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
#include "vmm/kvm/kvm_backend.h"
#include "vmm/mem/mem.h"

struct platform_ops;
struct launch_plan;
struct launch_opts;
struct vcpu;
struct device_ops;
struct kvm_cpuid2;
struct ioapic;

/* Who decided that the VM ends, and so what its exit status means. */
enum vm_stop_kind {
	VM_STOP_VMM,	/* cvmm's verdict: a non-zero status is a failure, said on stderr */
	VM_STOP_GUEST,	/* the guest's own exit code (exit port): not a cvmm error */
	VM_STOP_SIGNAL,	/* SIGINT/SIGTERM/SIGHUP: 128 + signal, as a shell reports it */
};

/* devices/devices.c's table (8 entries today) fits; a static assert there says when not. */
#define VM_MAX_DEVICES	16

struct vm {
	struct kvm_host *host;
	/* every KVM ioctl of the VM goes here: the kernel, or the recorder of
	 * --dry-run and the tests, or a failing wrapper (vmm/kvm/kvm_backend.h) */
	struct kvm_backend *kb;
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
	enum vm_stop_kind exit_kind;	/* who chose exit_code */
	char exit_reason[160];
	int running_vcpus;

	struct kvm_cpuid2 *cpuid;		/* KVM_GET_SUPPORTED_CPUID (vmm/cpuid.c) */
	pthread_t cpuid_thread;
	bool cpuid_prefetching;
	int cpuid_err;
	bool dry_run;			/* --dry-run: built and sealed, never run */
	const struct launch_opts *opts;
	const struct launch_plan *plan;	/* what the launch puts in (until teardown) */
	const struct device_ops *device_ops[VM_MAX_DEVICES];
	void *devices[VM_MAX_DEVICES];	/* device state, freed at teardown */
	int n_devices;
	struct ioapic *ioapic;		/* devices/ioapic.h; NULL: none */
	/*
	 * KVM_CAP_SPLIT_IRQCHIP is on (the TDX launch's or the I/O APIC's):
	 * the LAPICs are KVM's, which keeps a halted vCPU to itself until an
	 * interrupt; else HLT exits and ends the vCPU.
	 */
	bool split_irqchip;
};

/*
 * Ends the VM (first caller wins): records the exit status and the reason,
 * then kicks every vCPU out of KVM_RUN and wakes the main thread. Safe from
 * any vCPU or I/O thread.
 */
void vm_request_stop(struct vm *vm, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for a stop that cvmm did not decide (enum vm_stop_kind). */
void vm_request_stop_by(struct vm *vm, enum vm_stop_kind kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * KVM_CAP_SPLIT_IRQCHIP (routes for the I/O APIC's pins), once per VM and
 * before its vCPUs: KVM refuses it later, and a second time with -EEXIST
 * (a TD's launch makes it). 0, or -1 after one line.
 */
int vm_split_irqchip(struct vm *vm);

/* Does the platform keep guest memory private (the platform table says)? */
bool vm_private_memory(const struct vm *vm);

#endif
