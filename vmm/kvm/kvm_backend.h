/*
 * Where a VM's ioctls go. vm_boot() and everything under it (memory,
 * vCPUs, conversions, the TDX and SNP launch, the I/O APIC) never call ioctl() on KVM
 * objects themselves: they go through the VM's table, so the very same
 * code can
 *   - talk to the kernel (kb_real: `cvmm run`),
 *   - issue nothing and write down what it would have issued, in order, with
 *     its arguments and sizes (the recorder: --dry-run and the tests),
 *     answered by a fake host that refuses what upstream KVM refuses
 *     (vmm/kvm/fake_host.c), or
 *   - fail the Nth call with a chosen errno (error-path tests).
 * The recorder hands out real descriptors for every fd-creating call (an
 * eventfd; a memfd where cvmm maps or punches the fd) so that fd leaks on
 * error paths are visible in /proc/self/fd.
 */
#ifndef CVMM_KVM_BACKEND_H
#define CVMM_KVM_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/kvm/kvm_abi.h"

struct kvm_backend {
	const char *name;
	/* open(path, O_RDWR|O_CLOEXEC): fd, or -1 with errno */
	int (*open_dev)(struct kvm_backend *b, const char *path);
	/* ioctl(fd, req, arg): its result, or -1 with errno */
	int (*ioctl)(struct kvm_backend *b, int fd, unsigned long req, void *arg);
	int (*close)(struct kvm_backend *b, int fd);
};

extern struct kvm_backend kb_real;

/*
 * An ioctl whose argument ends in a list the kernel fills and refuses with
 * E2BIG while it is too short (KVM_GET_SUPPORTED_CPUID, KVM_TDX_CAPABILITIES,
 * KVM_TDX_GET_CPUID): one loop for all of them. The buffer holds head bytes
 * then n + spare entries of entry bytes, with n written as a u32 at nent_off;
 * n starts at first and doubles up to KB_LIST_MAX (or jumps to the larger
 * count KVM wrote back). The argument is the buffer, or cmd when set, with
 * the buffer's address in *data (a struct kvm_tdx_cmd).
 */
#define KB_LIST_MAX	4096
struct kb_list_call {
	unsigned long req;
	size_t head, entry, nent_off;
	uint32_t first, spare;
	void *cmd;
	__u64 *data;
};
/*
 * The calloc'd buffer, or NULL with errno set (E2BIG: more than KB_LIST_MAX;
 * nothing printed: it may run off the main thread). On an ioctl failure the
 * last buffer is left in *failed when failed is not NULL (for the caller's
 * error line, which may describe it; the caller frees it), else freed.
 */
void *kb_ioctl_list(struct kvm_backend *kb, int fd, const struct kb_list_call *lc, void **failed);

/* ---- the recorder ---------------------------------------------------------- */

/* What a recorded host answers. kb_fake_host_default(): everything present. */
struct kb_fake_host {
	uint32_t vm_types;		/* KVM_CAP_VM_TYPES */
	bool guest_memfd, user_memory2, memory_fault_info;
	uint64_t mem_attrs;		/* KVM_CAP_MEMORY_ATTRIBUTES on the VM */
	uint64_t exit_hypercall;	/* KVM_CAP_EXIT_HYPERCALL */
	bool has_sev_attrs;		/* KVM_X86_GRP_SEV answers (else -ENXIO) */
	uint64_t vmsa_features, snp_policy_bits;
	/* TDX_CAPABILITIES */
	uint64_t tdx_attrs, tdx_xfam, tdx_user_r11, tdx_kernel_r11, tdx_kernel_r12;
	uint32_t tdx_cpuid_nent;	/* entries in the capability CPUID list */
	/* partial progress: at most this many pages per LAUNCH_UPDATE /
	 * INIT_MEM_REGION call (0: all), the short calls answering -EINTR
	 * for TDX and 0 for SNP, as the kernel does */
	uint64_t max_pages_per_call;
	/* SNP: the firmware changes the leaf at this index of the CPUID page
	 * (-1: none) the first cpuid_reject_times (0: 1) times it sees it */
	int cpuid_reject_leaf, cpuid_reject_times;
	/* KVM_GET_SUPPORTED_CPUID reports this many leaves more (0x80000100...) */
	int extra_leaves;
	/* what KVM_RUN answers: 0 the guest powers off, else this exit reason */
	uint32_t run_exit;
};
void kb_fake_host_default(struct kb_fake_host *h);

/* One recorded call. */
struct kb_call {
	char fd_name[12];		/* "kvm", "sev", "vm", "vcpu0", ... */
	char cmd[48];			/* ioctl (and sub-command) name */
	char args[320];			/* decoded arguments, as passed in */
	uint32_t size;			/* bytes of the argument struct(s) */
	unsigned long req;
	int ret, err;
	char why[160];			/* the fake host's rule, when it refused */
};

/* Measured content seen by the recorder, in issue order (for digests). */
typedef void (*kb_measure_fn)(void *opaque, int kind, uint64_t gpa,
			      const uint8_t *page, uint32_t flags_or_type);
#define KB_MEASURE_TDX	1	/* flags_or_type: KVM_TDX_MEASURE_MEMORY_REGION or 0 */
#define KB_MEASURE_SNP	2	/* flags_or_type: SNP page type */
#define KB_MEASURE_SNP_VMSA 3	/* at LAUNCH_FINISH: gpa = vCPU index, page = its VMSA */

#define KB_RUN_SIZE	(3 * 4096)	/* the recorder's KVM_GET_VCPU_MMAP_SIZE */
#define KB_FAKE_VCPUS	64
#define KB_FAKE_RANGES	128

/* A vCPU of the fake host: its registers (KVM's reset state until set). */
struct kb_fake_vcpu {
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	bool cpuid, x2apic, tdx_init;
	uint32_t apic_id, x2apic_id;	/* CPUID 1 EBX[31:24], 0xb EDX as last set */
	uint32_t sig;			/* CPUID 1 EAX as last set */
};

/* What the fake host remembers of its VM, to check what KVM checks. */
struct kb_fake_vm {
	int type;
	bool sev_init, snp_started, tdx_init_vm, split_irqchip, sealed;
	bool protected_state;		/* KVM refuses to show or set registers */
	uint64_t vmsa_features;
	int n_vcpus;
	struct kb_fake_vcpu vcpu[KB_FAKE_VCPUS];
	/* memslots backed by guest_memfd, and the ranges set PRIVATE */
	struct { uint64_t gpa, size; } gmem_slots[KB_FAKE_RANGES], priv[KB_FAKE_RANGES];
	int n_gmem_slots, n_priv;
	/* TDX: the CPUID INIT_VM configured, per configurable slot */
	struct kvm_cpuid_entry2 tdx_cfg[16];
	bool tdx_cfg_set[16];
};

struct kb_recorder {
	struct kvm_backend ops;		/* first: (struct kvm_backend *) cast */
	struct kb_fake_host host;
	pthread_mutex_t lock;		/* vCPU threads issue KVM_RUN concurrently */
	struct kb_call *calls;
	size_t n_calls, cap_calls;
	/* fd bookkeeping: what each handed-out fd is; vCPUs' run areas */
	struct { int fd; char name[12]; int vm_type; int vcpu_id; void *run; uint64_t size;
		 bool gmem; /* a guest_memfd (not told by its name) */ } fds[300];
	int n_fds, n_vcpus, n_gmem;
	int cpuid_rejected;
	struct kb_fake_vm vm;
	/* why the last refused call was refused (the KVM rule), for tests */
	char refused[160];
	kb_measure_fn on_measure;
	void *measure_opaque;
};
void kb_recorder_init(struct kb_recorder *r);
void kb_recorder_free(struct kb_recorder *r);
void kb_recorder_print(const struct kb_recorder *r, FILE *f);


/*
 * Names and decoded arguments, used by the recorder and by error lines.
 * tdx says how to read KVM_MEMORY_ENCRYPT_OP (the same number carries SEV and
 * TDX commands).
 */
const char *kb_ioctl_name(unsigned long req, const void *arg, bool tdx);
uint32_t kb_ioctl_size(unsigned long req, const void *arg, bool tdx);
void kb_describe(char *buf, size_t n, unsigned long req, const void *arg, bool tdx);

#endif
