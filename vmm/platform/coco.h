/*
 * The confidential launch (TDX and SEV-SNP) as the platform steps of the
 * one boot recipe, vm_boot() (vmm/core/vm.c), see: the VM, its memory and
 * its vCPUs belong to struct vm; the coco holds what the TEE adds, and
 * issues its ioctls through the VM's kvm_backend (the kernel, the dry-run
 * recorder or a failing backend: same code, different backend).
 *
 *   ops->prepare()      options, files and plan checked: nothing created yet
 *   coco_open_devices() /dev/sev (SNP), coco_check_vm() the per-VM checks
 *   ops->init_vm()      SNP: INIT2, EXIT_HYPERCALL, LAUNCH_START
 *                       TDX: CAPABILITIES, caps, INIT_VM
 *   (vm_boot: guest_memfd RAM and regions outside RAM, slots, devices)
 *   coco_share_pieces() after all memory is made private: shared pieces
 *   snp_add_piece()     SNP: LAUNCH_UPDATE per piece
 *   ops->setup_vcpu()   per vCPU: CPUID (SNP: registers)
 *   ops->load()         TDX: INIT_VCPU, INIT_MEM_REGION per piece
 *   ops->finalize()     SNP: LAUNCH_FINISH; TDX: FINALIZE_VM
 *   coco_destroy()      what the coco owns (also after failure)
 *
 * Every failure prints one line naming the step, the ioctl and the kernel's
 * (or firmware's) answer.
 */
#ifndef CVMM_COCO_H
#define CVMM_COCO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/launch_opts.h"
#include "vmm/kvm/kvm_backend.h"

struct launch_plan;
struct launch_opts;
struct kvm_cpuid2;
struct kvm_tdx_capabilities;

#define COCO_MAX_VCPUS	256
#define COCO_MAX_QUOTES	4	/* GetQuotes in flight at once; more wait for one */

struct guest_mem;
struct coco_quote;
struct coco;

struct coco_ops {
	const char *name;		/* "snp", "tdx" */
	unsigned long vm_type;
	/* before any KVM object exists: options, files, plan */
	int (*prepare)(struct coco *c, const struct launch_plan *p);
	int (*init_vm)(struct coco *c, const struct launch_plan *p);
	int (*setup_vcpu)(struct coco *c, int idx, const struct launch_plan *p);
	int (*load)(struct coco *c, const struct launch_plan *p);
	int (*finalize)(struct coco *c);
	bool load_after_vcpus;		/* TDX: INIT_MEM_REGION needs an initialised vCPU */
};

extern const struct coco_ops coco_snp_ops, coco_tdx_ops;

struct coco {
	const struct coco_ops *ops;
	struct kvm_backend *kb;
	const struct launch_opts *opts;
	int kvm_fd, vm_fd;		/* struct vm's */
	int sev_fd;			/* ours (SNP) */
	int vcpu_fds[COCO_MAX_VCPUS];	/* struct vm's, in creation order */
	int n_vcpus;
	struct guest_mem *mem;		/* struct vm's guest memory: launch sources */
	struct kvm_cpuid2 *cpuid;	/* what every vCPU gets (TDX: filtered by caps) */

	/* SNP */
	uint64_t policy, vmsa_features;
	uint8_t *id_block, *id_auth;	/* read from --id-block/--id-auth */
	uint8_t host_data[32];
	uint32_t plan_vcpu_sig;		/* CPUID(1).EAX in the CPUID page */

	/* TDX */
	struct kvm_tdx_capabilities *caps;
	uint64_t td_attributes, xfam;
	bool split_irqchip;		/* the launch enabled it (a TD's vCPUs need it) */

	/* at run time (vmm/platform/coco_exit.c) */
	bool memory_ready;		/* struct vm's recipe: memory set up for the launch */
	/* vCPU threads share these: atomics, or per-vCPU slots */
	/* SetupEventNotifyInterrupt: vector in bits 7:0, the registering vCPU's
	 * APIC ID in bits 63:32; 0: none */
	uint64_t notify_vector;
	/* GetQuotes in flight on their own threads (vmm/platform/qgs.c) */
	pthread_mutex_t quote_lock;
	struct coco_quote *quotes[COCO_MAX_QUOTES];
	uint64_t quotes_ok, quotes_failed;
	struct { uint64_t gpa, flags; int count; } last_fault[COCO_MAX_VCPUS];
	/* the guest-memory door for GetQuote buffers (gm_read/gm_write) */
	int (*guest_read)(void *opaque, uint64_t gpa, void *dst, uint64_t len);
	int (*guest_write)(void *opaque, uint64_t gpa, const void *src, uint64_t len);
	void *guest_opaque;
	/* the conversion routine (gm_convert, vmm/mem/convert.c), 0 on success */
	int (*convert)(void *opaque, uint64_t gpa, uint64_t pages, bool to_private);
	void *convert_opaque;
};

void coco_init(struct coco *c, const struct coco_ops *ops, struct kvm_backend *kb,
	       const struct launch_opts *opts);
/* ops->prepare() alone, so that bad inputs are refused before KVM is touched. */
int coco_check_inputs(const struct launch_opts *o, const struct launch_plan *p);
void coco_destroy(struct coco *c);

int coco_open_devices(struct coco *c);		/* /dev/sev (SNP) */
int coco_check_vm(struct coco *c);		/* the per-VM capabilities */
/* After all memory is private: the plan's shared pieces made shared and filled. */
int coco_share_pieces(struct coco *c, const struct launch_plan *p);

/* PLATFORM_SNP's or PLATFORM_TDX's; NULL for a platform that is not confidential. */
const struct coco_ops *coco_ops_by_id(enum platform_id id);

/*
 * One issued ioctl: -1 with one line "<step>: <IOCTL> <args>: <error>" on
 * failure; the kernel's result otherwise.
 */
int coco_ioctl(struct coco *c, int fd, unsigned long req, void *arg, const char *step);
/* The same for KVM_MEMORY_ENCRYPT_OP, adding the firmware / TDX module error. */
int coco_enc_op(struct coco *c, int fd, void *cmd, const char *step);
/* The line coco_enc_op() prints, for a command issued by hand (errno kept). */
void coco_report_enc(struct coco *c, void *cmd, const char *step);

/*
 * Where a launch copies [gpa, gpa+len) from: struct vm's shared side of the
 * memory (gm_launch_ptr), or NULL when it is not guest memory.
 */
uint8_t *coco_launch_ptr(struct coco *c, uint64_t gpa, uint64_t len);

/* KVM_GET_SUPPORTED_CPUID, growing the buffer on E2BIG. */
struct kvm_cpuid2 *coco_supported_cpuid(struct coco *c);

#endif
