/*
 * Platforms behind one table of operations (design.md). The boot recipe
 * (vmm/core/vm.c) calls these in a fixed order; the run loop calls convert() and
 * handle_exit(); nothing else knows which platform runs.
 */
#ifndef CVMM_PLATFORM_H
#define CVMM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loader/launch_opts.h"
#include "vmm/mem/mem.h"

struct vm;
struct vcpu;
struct kvm_host;
struct kvm_run;
struct launch_plan;
struct plan_piece;
struct launch_opts;

enum exit_action {
	EXIT_HANDLED,		/* re-enter the guest */
	EXIT_UNHANDLED,		/* not a platform exit: the run loop decides */
	EXIT_STOP,		/* the VM ends; vm->exit_code/reason are set */
};

struct platform_ops {
	const char *name;		/* "plain", "sw", "tdx", "snp" */
	enum platform_id id;		/* what the launch inputs call it */
	/*
	 * Guest memory is private (guest_memfd, conversions): devices must
	 * share what they touch and the guest must bounce its DMA.
	 */
	bool has_private_memory;
	/*
	 * After init_vm: may RAM the launch plan does not touch be given to
	 * KVM on first touch (vmm/mem/mem.h)? Not where KVM keeps private memory:
	 * a private fault must find its slot. NULL: no.
	 */
	bool (*lazy_memslots)(const struct vm *vm);
	/*
	 * Check the host before reading any input (a launch that cannot
	 * happen here should not cost the user a firmware parse first).
	 */
	bool host_first;
	/*
	 * Its vCPUs take KVM's supported CPUID as is (vcpu_setup_long64), so
	 * vm_boot() fetches it on a helper thread while the VM is built.
	 */
	bool uses_supported_cpuid;
	/*
	 * Its vCPUs start threads that talk to a host service over a socket
	 * (TDX GetQuote and the QGS): their seccomp filter allows sockets.
	 */
	bool vcpu_sockets;
	/*
	 * Inputs -> launch plan: the builder `cvmm measure` uses too.
	 * With o->dry_run only the plan's own consistency is checked.
	 */
	int (*build_plan)(struct launch_plan *p, const struct launch_opts *o);
	/* --dry-run: print the plan (and what a launch would issue). */
	int (*dry_run)(const struct launch_opts *o, const struct launch_plan *p, FILE *out);
	/*
	 * Before anything is created: can this host run it? On no, write
	 * what exactly is missing into why and return false.
	 */
	bool (*host_ok)(const struct kvm_host *h, char *why, size_t n);
	unsigned long (*vm_type)(const struct kvm_host *h);
	/* After KVM_CREATE_VM, before memory: enable caps, init the TEE. */
	int (*init_vm)(struct vm *vm);
	/* What backs guest RAM (vmm/mem/mem.h), decided after init_vm. */
	enum gm_backing (*backing)(const struct vm *vm);
	/* Copy one plan piece into guest memory (measured copy on CoCo). */
	int (*add_piece)(struct vm *vm, const struct plan_piece *piece);
	/* Initial register state of one vCPU, from the plan. */
	int (*init_vcpu)(struct vm *vm, struct vcpu *vcpu, const struct launch_plan *plan);
	/* After every piece and vCPU: seal the launch. */
	int (*finalize)(struct vm *vm);
	/* Platform-specific exits (hypercalls, TDX exits, memory faults). */
	enum exit_action (*handle_exit)(struct vcpu *vcpu, struct kvm_run *run);
	/* Frees plat_data; called at teardown after the vCPUs are gone. */
	void (*destroy)(struct vm *vm);
};

extern const struct platform_ops platform_plain, platform_sw, platform_snp, platform_tdx;

/*
 * Shared by the platforms whose guest memory cvmm may write (plain, sw):
 * copies a piece's data to its place in RAM; and sets up a vCPU for the
 * direct 64-bit entry, refusing a firmware plan. -1 with a message.
 */
int platform_copy_piece(struct vm *vm, const struct plan_piece *piece);
int platform_direct_plan(struct launch_plan *p, const struct launch_opts *o);
int platform_print_plan(const struct launch_opts *o, const struct launch_plan *p, FILE *out);
int platform_direct_vcpu(struct vm *vm, struct vcpu *v, const struct launch_plan *plan);

/* The table entry of a platform id; NULL for none. */
const struct platform_ops *platform_by_id(enum platform_id id);

#endif
