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
	/* the host's TSC (tsc_khz): KVM's default for a VM, a TD's at INIT_VM */
	uint32_t tsc_khz;
	/* a scripted guest on vCPU 0 instead (struct kb_run_step; NULL: none) */
	const struct kb_run_step *script;
	size_t n_script;
};

/*
 * One thing a scripted guest does. KVM_RUN turns each into what KVM would
 * make of it: an exit to userspace, or nothing (an HLT KVM handles itself:
 * with an in-kernel LAPIC, kvm_emulate_halt() sleeps in the kernel until an
 * interrupt, so the guest goes on with its next step). When the script is
 * done, KVM_RUN fails with EIO: a guest that only idles never ends the VM.
 */
enum kb_step_kind {
	KB_STEP_MMIO_WRITE,	/* gpa as the guest uses it (a TD's with the shared bit) */
	KB_STEP_MMIO_READ,	/* what the VMM answered: kb_recorder.script_read[step] */
	KB_STEP_PIO_OUT,
	KB_STEP_PIO_IN,		/* likewise */
	KB_STEP_HLT,		/* KVM_EXIT_HLT only where KVM has no LAPIC of the VM */
	KB_STEP_EXIT,		/* exit_reason as given: what no upstream KVM sends, for defences */
};
struct kb_run_step {
	enum kb_step_kind kind;
	uint64_t addr;		/* MMIO gpa or port */
	uint32_t len;		/* 1, 2, 4 or 8 */
	uint64_t data;		/* written */
	uint32_t exit_reason;	/* KB_STEP_EXIT */
};
#define KB_SCRIPT_MAX	64
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
	uint32_t tsc_khz;		/* kvm->arch.default_tsc_khz */
	uint32_t td_tsc_25mhz;		/* the TD's TSC, fixed at INIT_VM (TD params) */
	struct { int fd; uint32_t gsi; } irqfd[32];	/* assigned KVM_IRQFDs */
	int n_irqfd;
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
	/* the scripted guest's progress: steps taken, values its reads got */
	size_t script_at;
	int script_pending;		/* a read step the VMM answers in the run area, or -1 */
	uint64_t script_read[KB_SCRIPT_MAX];
	int halts_in_kernel;		/* HLT steps KVM kept to itself */
	kb_measure_fn on_measure;
	void *measure_opaque;
};
void kb_recorder_init(struct kb_recorder *r);
struct kvm_host;
/*
 * What kvm_host_open() would read of the fake host (its KVM_CHECK_EXTENSION
 * answers), without a call in the transcript: the host --dry-run and the
 * tests launch on. h->fd is kept.
 */
void kb_fake_host_probe(const struct kb_recorder *r, struct kvm_host *h);
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
