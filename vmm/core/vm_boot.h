#ifndef CVMM_VM_BOOT_H
#define CVMM_VM_BOOT_H

#include <signal.h>

struct launch_opts;
struct platform_ops;
struct kvm_host;
struct launch_plan;

/*
 * Builds the VM from the plan, runs it to the end and tears it down.
 * waitset: the signals the main thread waits for (already blocked).
 * Returns the process exit status.
 */
int vm_boot(const struct launch_opts *o, const struct platform_ops *plat,
	    struct kvm_host *host, const struct launch_plan *plan, const sigset_t *waitset);

#endif
