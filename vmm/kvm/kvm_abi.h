/*
 * Kernel ABI that cvmm needs beyond Debian 12's 6.1 <linux/kvm.h>, under the
 * upstream names. Facts and numbers: shared/docs/kvm-coco-abi.md (v7.1 uapi).
 *
 * Each block is guarded by a macro that arrives together with its structs in
 * the upstream header, so this compiles both on 6.1 headers (everything
 * defined here) and on newer ones (nothing redefined).
 */
#ifndef CVMM_KVM_ABI_H
#define CVMM_KVM_ABI_H

#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <stddef.h>
#include <stdint.h>

/* ---- capabilities ---------------------------------------------------- */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2		231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO	232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES	233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD		234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES		235
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY	236
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#endif
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS	237
#endif
#ifndef KVM_CAP_X86_GUEST_MODE
#define KVM_CAP_X86_GUEST_MODE		238
#endif

/* ---- VM types ---------------------------------------------------------- */
/* They arrived one release at a time (6.8, 6.10, 6.11, 6.16): one guard each. */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM		0
#endif
#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM		1
#endif
#ifndef KVM_X86_SEV_VM
#define KVM_X86_SEV_VM			2
#endif
#ifndef KVM_X86_SEV_ES_VM
#define KVM_X86_SEV_ES_VM		3
#endif
#ifndef KVM_X86_SNP_VM
#define KVM_X86_SNP_VM			4
#endif
#ifndef KVM_X86_TDX_VM
#define KVM_X86_TDX_VM			5
#endif

/* ---- guest_memfd and memslots ----------------------------------------- */
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP		(1ULL << 0)
#define GUEST_MEMFD_FLAG_INIT_SHARED	(1ULL << 1)
#endif

#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD		(1UL << 2)
#endif

/* ---- memory attributes --------------------------------------------------- */
#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	(1ULL << 3)
#endif

/* ---- exits ------------------------------------------------------------- */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT		39
#endif
#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX			40
#endif
#ifndef KVM_EXIT_SNP_REQ_CERTS
#define KVM_EXIT_SNP_REQ_CERTS		43
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)
#endif
#ifndef KVM_EXIT_HYPERCALL_LONG_MODE
#define KVM_EXIT_HYPERCALL_LONG_MODE	(1ULL << 0)
#endif

#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL	7
#endif

/* ---- pre-faulting (6.11) -------------------------------------------------- */
#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY	_IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

/* ---- /dev/kvm device attributes (6.10 for the SEV group) ---------------- */
#ifndef KVM_X86_GRP_SYSTEM
#define KVM_X86_GRP_SYSTEM		0
#define KVM_X86_XCOMP_GUEST_SUPP	0
#endif
#ifndef KVM_X86_GRP_SEV
#define KVM_X86_GRP_SEV			1
#endif

/*
 * ---- SEV: KVM_SEV_INIT2 (6.10) ----
 * The sub-command ids are enumerators upstream, not macros, so they cannot
 * be tested with #ifndef; each block is keyed on a macro of the same series.
 */
#ifndef KVM_X86_SEV_VMSA_FEATURES
#define KVM_X86_SEV_VMSA_FEATURES	0
enum { KVM_SEV_INIT2 = 22 };
struct kvm_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};
#endif

/* ---- SEV-SNP launch (6.11) ------------------------------------------------ */
#ifndef KVM_SEV_SNP_PAGE_TYPE_NORMAL
enum {
	KVM_SEV_SNP_LAUNCH_START = 100,
	KVM_SEV_SNP_LAUNCH_UPDATE,
	KVM_SEV_SNP_LAUNCH_FINISH,
};
struct kvm_sev_snp_launch_start {
	__u64 policy;
	__u8 gosvw[16];
	__u16 flags;
	__u8 pad0[6];
	__u64 pad1[4];
};
/* Kept in sync with firmware values (upstream comment). */
#define KVM_SEV_PAGE_TYPE_INVALID		0x0
#define KVM_SEV_SNP_PAGE_TYPE_NORMAL		0x1
#define KVM_SEV_SNP_PAGE_TYPE_ZERO		0x3
#define KVM_SEV_SNP_PAGE_TYPE_UNMEASURED	0x4
#define KVM_SEV_SNP_PAGE_TYPE_SECRETS		0x5
#define KVM_SEV_SNP_PAGE_TYPE_CPUID		0x6
struct kvm_sev_snp_launch_update {
	__u64 gfn_start;
	__u64 uaddr;
	__u64 len;
	__u8 type;
	__u8 pad0;
	__u16 flags;
	__u32 pad1;
	__u64 pad2[4];
};
#define KVM_SEV_SNP_ID_BLOCK_SIZE	96
#define KVM_SEV_SNP_ID_AUTH_SIZE	4096
#define KVM_SEV_SNP_FINISH_DATA_SIZE	32
struct kvm_sev_snp_launch_finish {
	__u64 id_block_uaddr;
	__u64 id_auth_uaddr;
	__u8 id_block_en;
	__u8 auth_key_en;
	__u8 vcek_disabled;
	__u8 host_data[KVM_SEV_SNP_FINISH_DATA_SIZE];
	__u8 pad0[3];
	__u16 flags;
	__u64 pad1[4];
};
#endif
#ifndef KVM_X86_SNP_POLICY_BITS
#define KVM_X86_SNP_POLICY_BITS		1
#endif

/* ---- SNP certificate requests (7.0) -------------------------------------- */
#ifndef KVM_X86_SEV_SNP_REQ_CERTS
#define KVM_X86_SEV_SNP_REQ_CERTS	2
enum { KVM_SEV_SNP_ENABLE_REQ_CERTS = 103 };
struct kvm_exit_snp_req_certs {
	__u64 gpa;
	__u64 npages;
	__u64 ret;
};
#endif

/*
 * Firmware/kernel-internal values cvmm needs and no uapi header carries
 * (include/linux/psp-sev.h, arch/x86/include/asm/svm.h): cvmm names.
 */
#define SNP_POLICY_SMT			(1ULL << 16)
#define SNP_POLICY_RSVD_MBO		(1ULL << 17)
#define SNP_POLICY_MIGRATE_MA		(1ULL << 18)
#define SNP_POLICY_DEBUG		(1ULL << 19)
#define SNP_POLICY_SINGLE_SOCKET	(1ULL << 20)
#define SNP_POLICY_CXL_ALLOW		(1ULL << 21)
#define SNP_POLICY_MEM_AES_256_XTS	(1ULL << 22)
#define SNP_POLICY_RAPL_DIS		(1ULL << 23)
#define SNP_POLICY_CIPHERTEXT_HIDING	(1ULL << 24)
#define SNP_POLICY_PAGE_SWAP_DISABLE	(1ULL << 25)
#define SNP_POLICY_KNOWN_MASK		0x3ffffffULL	/* bits 25:0 */
#define SEV_VMSA_FEAT_SNP_ACTIVE	(1ULL << 0)	/* KVM sets it itself */
#define SEV_VMSA_FEAT_DEBUG_SWAP	(1ULL << 5)
#define SEV_VMSA_FEAT_SECURE_TSC	(1ULL << 9)
#define SEV_RET_INVALID_PARAM		0x16

/* ---- TDX (6.16) ------------------------------------------------------------ */
#ifndef KVM_TDX_MEASURE_MEMORY_REGION
enum kvm_tdx_cmd_id {
	KVM_TDX_CAPABILITIES = 0,
	KVM_TDX_INIT_VM,
	KVM_TDX_INIT_VCPU,
	KVM_TDX_INIT_MEM_REGION,
	KVM_TDX_FINALIZE_VM,
	KVM_TDX_GET_CPUID,

	KVM_TDX_CMD_NR_MAX,
};
struct kvm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 hw_error;
};
struct kvm_tdx_capabilities {
	__u64 supported_attrs;
	__u64 supported_xfam;
	__u64 kernel_tdvmcallinfo_1_r11;
	__u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12;
	__u64 user_tdvmcallinfo_1_r12;
	__u64 reserved[250];
	/* Configurable CPUID bits for userspace */
	struct kvm_cpuid2 cpuid;
};
struct kvm_tdx_init_vm {
	__u64 attributes;
	__u64 xfam;
	__u64 mrconfigid[6];	/* sha384 digest */
	__u64 mrowner[6];	/* sha384 digest */
	__u64 mrownerconfig[6];	/* sha384 digest */
	/* The total space for TD_PARAMS before the CPUIDs is 256 bytes */
	__u64 reserved[12];
	struct kvm_cpuid2 cpuid;
};
#define KVM_TDX_MEASURE_MEMORY_REGION	(1ULL << 0)
struct kvm_tdx_init_mem_region {
	__u64 source_addr;
	__u64 gpa;
	__u64 nr_pages;
};
#endif

/* TD attributes (asm/shared/tdx.h, kernel-internal): cvmm names. */
#define TDX_TD_ATTR_DEBUG		(1ULL << 0)
#define TDX_TD_ATTR_SEPT_VE_DISABLE	(1ULL << 28)
#define TDX_TD_ATTR_PKS			(1ULL << 30)
#define TDX_TD_ATTR_PERFMON		(1ULL << 63)

/* TDVMCALL leaves and status codes (GHCI; kernel-internal names). */
#define TDVMCALL_GET_TD_VM_CALL_INFO	0x10000
#define TDVMCALL_MAP_GPA		0x10001
#define TDVMCALL_GET_QUOTE		0x10002
#define TDVMCALL_REPORT_FATAL_ERROR	0x10003
#define TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT 0x10004
#define TDVMCALL_STATUS_SUCCESS		0x0000000000000000ULL
#define TDVMCALL_STATUS_RETRY		0x0000000000000001ULL
#define TDVMCALL_STATUS_INVALID_OPERAND	0x8000000000000000ULL
#define TDVMCALL_STATUS_GPA_INUSE	0x8000000000000001ULL
#define TDVMCALL_STATUS_ALIGN_ERROR	0x8000000000000002ULL
#define TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED 0x8000000000000003ULL

/*
 * ---- exit payloads ----
 * The 6.1 kvm_run lacks the memory_fault, tdx and snp_req_certs members; they
 * live in the same 256-byte union at offset 32 (kvm-coco-abi.md 1.1), so they
 * are read through these overlays rather than by redefining struct kvm_run.
 * Field names are the upstream member names.
 */
struct cvmm_exit_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};
struct cvmm_exit_hypercall {
	__u64 nr;
	__u64 args[6];
	__u64 ret;
	__u64 flags;		/* 6.1: __u32 longmode + pad */
};
struct cvmm_exit_tdx {
	__u64 flags;
	__u64 nr;
	union {
		struct { __u64 ret; __u64 data[5]; } unknown;
		struct { __u64 ret; __u64 gpa; __u64 size; } get_quote;
		struct { __u64 ret; __u64 leaf; __u64 r11, r12, r13, r14; } get_tdvmcall_info;
		struct { __u64 ret; __u64 vector; } setup_event_notify;
	};
};
struct cvmm_exit_system_event {
	__u32 type;
	__u32 ndata;
	__u64 data[16];
};

#define KVM_RUN_EXIT_UNION_OFFSET	32
static inline void *kvm_run_exit_union(struct kvm_run *run)
{
	return (char *)run + KVM_RUN_EXIT_UNION_OFFSET;
}
static inline struct cvmm_exit_memory_fault *kvm_run_memory_fault(struct kvm_run *run)
{
	return kvm_run_exit_union(run);
}
static inline struct cvmm_exit_hypercall *kvm_run_hypercall(struct kvm_run *run)
{
	return kvm_run_exit_union(run);
}
static inline struct cvmm_exit_tdx *kvm_run_tdx(struct kvm_run *run)
{
	return kvm_run_exit_union(run);
}
static inline struct cvmm_exit_system_event *kvm_run_system_event(struct kvm_run *run)
{
	return kvm_run_exit_union(run);
}
static inline struct kvm_exit_snp_req_certs *kvm_run_snp_req_certs(struct kvm_run *run)
{
	return kvm_run_exit_union(run);
}

/* ---- compile-time layout checks (kvm-coco-abi.md, x86-64) ----------------- */
#define CVMM_ABI_SIZE(t, n)	_Static_assert(sizeof(t) == (n), #t " size")
#define CVMM_ABI_OFF(t, f, n)	_Static_assert(offsetof(t, f) == (n), #t "." #f)

CVMM_ABI_SIZE(struct kvm_create_guest_memfd, 64);
CVMM_ABI_OFF(struct kvm_create_guest_memfd, flags, 8);
CVMM_ABI_OFF(struct kvm_create_guest_memfd, reserved, 16);
CVMM_ABI_SIZE(struct kvm_userspace_memory_region2, 160);
CVMM_ABI_OFF(struct kvm_userspace_memory_region2, guest_phys_addr, 8);
CVMM_ABI_OFF(struct kvm_userspace_memory_region2, userspace_addr, 24);
CVMM_ABI_OFF(struct kvm_userspace_memory_region2, guest_memfd_offset, 32);
CVMM_ABI_OFF(struct kvm_userspace_memory_region2, guest_memfd, 40);
CVMM_ABI_OFF(struct kvm_userspace_memory_region2, pad2, 48);
CVMM_ABI_SIZE(struct kvm_memory_attributes, 32);
CVMM_ABI_OFF(struct kvm_memory_attributes, attributes, 16);
CVMM_ABI_OFF(struct kvm_memory_attributes, flags, 24);
CVMM_ABI_SIZE(struct kvm_pre_fault_memory, 64);
CVMM_ABI_SIZE(struct kvm_enable_cap, 104);
CVMM_ABI_SIZE(struct kvm_device_attr, 24);
CVMM_ABI_SIZE(struct kvm_cpuid_entry2, 40);
CVMM_ABI_SIZE(struct kvm_cpuid2, 8);
CVMM_ABI_SIZE(struct kvm_run, 2352);
CVMM_ABI_OFF(struct kvm_run, exit_reason, 8);
CVMM_ABI_OFF(struct kvm_run, hypercall, KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct kvm_run, kvm_valid_regs, 288);

CVMM_ABI_SIZE(struct kvm_sev_cmd, 24);
CVMM_ABI_OFF(struct kvm_sev_cmd, data, 8);
CVMM_ABI_OFF(struct kvm_sev_cmd, error, 16);
CVMM_ABI_OFF(struct kvm_sev_cmd, sev_fd, 20);
CVMM_ABI_SIZE(struct kvm_sev_init, 48);
CVMM_ABI_OFF(struct kvm_sev_init, flags, 8);
CVMM_ABI_OFF(struct kvm_sev_init, ghcb_version, 12);
CVMM_ABI_OFF(struct kvm_sev_init, pad2, 16);
CVMM_ABI_SIZE(struct kvm_sev_snp_launch_start, 64);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_start, gosvw, 8);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_start, flags, 24);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_start, pad1, 32);
CVMM_ABI_SIZE(struct kvm_sev_snp_launch_update, 64);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_update, len, 16);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_update, type, 24);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_update, flags, 26);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_update, pad2, 32);
CVMM_ABI_SIZE(struct kvm_sev_snp_launch_finish, 88);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_finish, id_block_en, 16);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_finish, host_data, 19);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_finish, flags, 54);
CVMM_ABI_OFF(struct kvm_sev_snp_launch_finish, pad1, 56);
CVMM_ABI_SIZE(struct kvm_exit_snp_req_certs, 24);

CVMM_ABI_SIZE(struct kvm_tdx_cmd, 24);
CVMM_ABI_OFF(struct kvm_tdx_cmd, data, 8);
CVMM_ABI_OFF(struct kvm_tdx_cmd, hw_error, 16);
CVMM_ABI_SIZE(struct kvm_tdx_capabilities, 2056);
CVMM_ABI_OFF(struct kvm_tdx_capabilities, user_tdvmcallinfo_1_r11, 24);
CVMM_ABI_OFF(struct kvm_tdx_capabilities, cpuid, 2048);
CVMM_ABI_SIZE(struct kvm_tdx_init_vm, 264);
CVMM_ABI_OFF(struct kvm_tdx_init_vm, mrconfigid, 16);
CVMM_ABI_OFF(struct kvm_tdx_init_vm, mrowner, 64);
CVMM_ABI_OFF(struct kvm_tdx_init_vm, mrownerconfig, 112);
CVMM_ABI_OFF(struct kvm_tdx_init_vm, reserved, 160);
CVMM_ABI_OFF(struct kvm_tdx_init_vm, cpuid, 256);
CVMM_ABI_SIZE(struct kvm_tdx_init_mem_region, 24);
CVMM_ABI_OFF(struct kvm_tdx_init_mem_region, nr_pages, 16);

CVMM_ABI_SIZE(struct cvmm_exit_memory_fault, 24);
CVMM_ABI_OFF(struct cvmm_exit_hypercall, ret, 88 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_hypercall, flags, 96 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_tdx, get_quote.ret, 48 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_tdx, get_quote.size, 64 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_tdx, get_tdvmcall_info.r14, 88 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_tdx, setup_event_notify.vector, 56 - KVM_RUN_EXIT_UNION_OFFSET);
CVMM_ABI_OFF(struct cvmm_exit_system_event, data, 40 - KVM_RUN_EXIT_UNION_OFFSET);
_Static_assert(sizeof(struct cvmm_exit_system_event) <= 256 &&
	       sizeof(struct cvmm_exit_tdx) <= 256, "exit overlays fit the union");
_Static_assert(KVM_MEMORY_ENCRYPT_OP == 0xC008AEBAUL, "KVM_MEMORY_ENCRYPT_OP");

#endif
