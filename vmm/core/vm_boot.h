#ifndef CVMM_VM_BOOT_H
#define CVMM_VM_BOOT_H

#include <signal.h>

struct launch_opts;
struct platform_ops;
struct kvm_host;
struct launch_plan;

struct kvm_backend;

/*
 * The one launch: builds the VM from the plan (VM, memory, devices, pieces,
 * vCPUs, finalize), runs it to the end and tears it down. Every KVM ioctl
 * goes through kb (kb_real for `cvmm run`; the recorder for --dry-run and
 * the tests; a failing wrapper for the unwinding tests); host->fd is the
 * /dev/kvm that kb opened.
 * waitset: the signals the main thread waits for (already blocked); NULL
 * for --dry-run: stop once the launch is sealed, run nothing.
 * Returns the process exit status (CVMM_EXIT_OK for a sealed dry run).
 */
int vm_boot(const struct launch_opts *o, const struct platform_ops *plat,
	    struct kvm_host *host, const struct launch_plan *plan, struct kvm_backend *kb,
	    const sigset_t *waitset);

#endif
