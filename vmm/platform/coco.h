/*
 * The confidential launch (TDX and SEV-SNP), from KVM_CREATE_VM to the
 * sealed launch, issued through a kvm_backend so that the same code runs
 * against the kernel, the dry-run recorder or a failing backend.
 *
 *   coco_init()       no KVM object yet
 *   coco_launch()     the whole sequence of kvm-coco-abi.md 9a / 9b:
 *     ops->prepare()      options, files and plan checked: nothing created yet
 *     coco_create_vm()    open /dev/kvm (+ /dev/sev), KVM_CREATE_VM, per-VM checks
 *     ops->init_vm()      SNP: INIT2, EXIT_HYPERCALL, LAUNCH_START
 *                         TDX: CAPABILITIES, caps, INIT_VM
 *     coco_add_memory()   guest_memfd + USER_MEMORY_REGION2 + PRIVATE per slot
 *     ops->load()         SNP: LAUNCH_UPDATE per piece
 *     coco_create_vcpus() KVM_CREATE_VCPU + CPUID (+ SNP: registers)
 *     ops->load()         TDX: INIT_VCPU, INIT_MEM_REGION per piece
 *     ops->finalize()     SNP: LAUNCH_FINISH; TDX: FINALIZE_VM
 *   coco_destroy()    closes every fd, unmaps everything (also after failure)
 *
 * Every failure prints one line naming the step, the ioctl and the kernel's
 * (or firmware's) answer, and leaves the coco ready for coco_destroy().
 */
#ifndef CVMM_COCO_H
#define CVMM_COCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/kvm/kvm_backend.h"

struct launch_plan;
struct launch_opts;
struct kvm_cpuid2;
struct kvm_tdx_capabilities;

#define COCO_MAX_VCPUS	256
#define COCO_MAX_SLOTS	8
#define COCO_CHUNK_SIZE	(256ULL << 20)	/* KVM slot size, as vmm/mem.c (GM_CHUNK_SIZE) */
#define COCO_ROM_SLOT_BASE 32000	/* slot ids of regions outside RAM (firmware) */

struct coco_slot {
	uint64_t gpa, size;
	uint8_t *shared;	/* anonymous memory: the slot's shared half */
	int gmem_fd;		/* its private half */
	bool ram;		/* guest RAM (else: firmware/ROM region) */
};

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
	int kvm_fd, sev_fd, vm_fd;
	bool borrowed_fds;		/* kvm, VM and vCPU fds belong to struct vm */
	int vcpu_fds[COCO_MAX_VCPUS];
	int n_vcpus;
	struct coco_slot slots[COCO_MAX_SLOTS];
	int n_slots;
	struct kvm_cpuid2 *cpuid;	/* what every vCPU gets (TDX: filtered by caps) */

	/* SNP */
	uint64_t policy, vmsa_features;
	uint8_t *id_block, *id_auth;	/* read from --id-block/--id-auth */
	uint8_t host_data[32];
	uint32_t plan_vcpu_sig;		/* CPUID(1).EAX in the CPUID page */

	/* TDX */
	struct kvm_tdx_capabilities *caps;
	uint64_t td_attributes, xfam;

	/* at run time (vmm/coco_exit.c) */
	bool finalized;
	bool memory_ready;		/* struct vm's recipe: memory set up for the launch */
	/* vCPU threads share these: atomics, or per-vCPU slots */
	uint64_t notify_vector;		/* SetupEventNotifyInterrupt, 0: none */
	uint64_t quotes_ok, quotes_failed;
	struct { uint64_t gpa, flags; int count; } last_fault[COCO_MAX_VCPUS];
	/* the guest-memory door for GetQuote buffers (gm_read/gm_write) */
	int (*guest_read)(void *opaque, uint64_t gpa, void *dst, uint64_t len);
	int (*guest_write)(void *opaque, uint64_t gpa, const void *src, uint64_t len);
	void *guest_opaque;
	/* where RAM lives when struct vm owns it (gm_launch_ptr); NULL: our slots */
	uint8_t *(*ram_ptr)(void *opaque, uint64_t gpa, uint64_t len);
	/* make pages shared through the conversion routine; NULL: attributes only */
	int (*share)(void *opaque, uint64_t gpa, uint64_t pages);
	void *ram_opaque;
	/* the conversion routine (privmem's gm_convert), 0 on success */
	int (*convert)(void *opaque, uint64_t gpa, uint64_t pages, bool to_private);
	void *convert_opaque;
};

void coco_init(struct coco *c, const struct coco_ops *ops, struct kvm_backend *kb,
	       const struct launch_opts *opts);
int coco_launch(struct coco *c, const struct launch_plan *p);
/* ops->prepare() alone, so that bad inputs are refused before KVM is touched. */
int coco_check_inputs(const struct launch_opts *o, const struct launch_plan *p);
void coco_destroy(struct coco *c);

/* The steps, for callers that interleave their own work. */
int coco_create_vm(struct coco *c);
int coco_open_devices(struct coco *c);		/* /dev/kvm (unless given), /dev/sev */
int coco_check_vm(struct coco *c);		/* the per-VM capabilities */
int coco_create_vcpus(struct coco *c, const struct launch_plan *p);
/* guest_memfd + USER_MEMORY_REGION2 + PRIVATE for the RAM slots (ram) or
 * the regions outside RAM that the plan fills (!ram) */
int coco_add_memory(struct coco *c, const struct launch_plan *p, bool ram);
int coco_share_pieces(struct coco *c, const struct launch_plan *p);

/* By platform name; NULL when not a confidential platform. */
const struct coco_ops *coco_ops_by_name(const char *name);

/*
 * One issued ioctl: -1 with one line "<step>: <IOCTL> <args>: <error>" on
 * failure; the kernel's result otherwise.
 */
int coco_ioctl(struct coco *c, int fd, unsigned long req, void *arg, const char *step);
/* The same for KVM_MEMORY_ENCRYPT_OP, adding the firmware / TDX module error. */
int coco_enc_op(struct coco *c, int fd, void *cmd, const char *step);
/* The line coco_enc_op() prints, for a command issued by hand (errno kept). */
void coco_report_enc(struct coco *c, void *cmd, const char *step);

/* The shared half of [gpa, gpa+len), or NULL when no slot holds all of it. */
uint8_t *coco_shared_ptr(struct coco *c, uint64_t gpa, uint64_t len);
/* The process's open descriptors (for tests and leak checks). */
int coco_count_fds(void);

/* KVM_GET_SUPPORTED_CPUID, growing the buffer on E2BIG. */
struct kvm_cpuid2 *coco_supported_cpuid(struct coco *c);

#endif
