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

/* ---- VM types ---------------------------------------------------------- */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM		0
#define KVM_X86_SW_PROTECTED_VM		1
#define KVM_X86_SEV_VM			2
#define KVM_X86_SEV_ES_VM		3
#define KVM_X86_SNP_VM			4
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

/*
 * The 6.1 kvm_run lacks the memory_fault member; newer exits live inside the
 * same 256-byte union at offset 32 (kvm-coco-abi.md 1.1), so read them
 * through this overlay rather than redefining struct kvm_run.
 */
struct cvmm_exit_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};
static inline struct cvmm_exit_memory_fault *kvm_run_memory_fault(struct kvm_run *run)
{
	return (struct cvmm_exit_memory_fault *)((char *)run + 32);
}

_Static_assert(sizeof(struct kvm_create_guest_memfd) == 64, "kvm_create_guest_memfd");
_Static_assert(sizeof(struct kvm_userspace_memory_region2) == 160, "region2");
_Static_assert(offsetof(struct kvm_userspace_memory_region2, guest_memfd) == 40, "region2.guest_memfd");
_Static_assert(sizeof(struct kvm_memory_attributes) == 32, "kvm_memory_attributes");
_Static_assert(sizeof(struct kvm_run) == 2352, "kvm_run");
_Static_assert(offsetof(struct kvm_run, hypercall) == 32, "kvm_run exit union");

#endif
