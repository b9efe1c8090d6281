/*
 * The project's ABI header against the facts in shared/docs/kvm-coco-abi.md.
 * Every expected number below is typed from that document (Appendix A/B and
 * the tables of sections 2-8), which was computed from the v7.1 uapi headers:
 * an independent source, so a typo in vmm/kvm_abi.h cannot hide here.
 */
#include <stddef.h>
#include <string.h>

#include "check_compat.h"
#include "vmm/kvm/kvm_abi.h"

struct ioc { unsigned long got, want; const char *name; };
#define IOC(n, v) { n, v##UL, #n }

static const struct ioc ioctls[] = {
	IOC(KVM_GET_API_VERSION, 0x0000AE00),
	IOC(KVM_CREATE_VM, 0x0000AE01),
	IOC(KVM_CHECK_EXTENSION, 0x0000AE03),
	IOC(KVM_GET_VCPU_MMAP_SIZE, 0x0000AE04),
	IOC(KVM_GET_SUPPORTED_CPUID, 0xC008AE05),
	IOC(KVM_GET_MSR_INDEX_LIST, 0xC004AE02),
	IOC(KVM_CREATE_VCPU, 0x0000AE41),
	IOC(KVM_SET_USER_MEMORY_REGION, 0x4020AE46),
	IOC(KVM_SET_USER_MEMORY_REGION2, 0x40A0AE49),
	IOC(KVM_SET_TSS_ADDR, 0x0000AE47),
	IOC(KVM_SET_IDENTITY_MAP_ADDR, 0x4008AE48),
	IOC(KVM_CREATE_IRQCHIP, 0x0000AE60),
	IOC(KVM_IRQ_LINE, 0x4008AE61),
	IOC(KVM_IRQFD, 0x4020AE76),
	IOC(KVM_IOEVENTFD, 0x4040AE79),
	IOC(KVM_SIGNAL_MSI, 0x4020AEA5),
	IOC(KVM_SET_GSI_ROUTING, 0x4008AE6A),
	IOC(KVM_SET_TSC_KHZ, 0x0000AEA2),
	IOC(KVM_GET_TSC_KHZ, 0x0000AEA3),
	IOC(KVM_ENABLE_CAP, 0x4068AEA3),
	IOC(KVM_MEMORY_ENCRYPT_OP, 0xC008AEBA),
	IOC(KVM_MEMORY_ENCRYPT_REG_REGION, 0x8010AEBB),
	IOC(KVM_MEMORY_ENCRYPT_UNREG_REGION, 0x8010AEBC),
	IOC(KVM_SET_MEMORY_ATTRIBUTES, 0x4020AED2),
	IOC(KVM_CREATE_GUEST_MEMFD, 0xC040AED4),
	IOC(KVM_PRE_FAULT_MEMORY, 0xC040AED5),
	IOC(KVM_CREATE_DEVICE, 0xC00CAEE0),
	IOC(KVM_SET_DEVICE_ATTR, 0x4018AEE1),
	IOC(KVM_GET_DEVICE_ATTR, 0x4018AEE2),
	IOC(KVM_HAS_DEVICE_ATTR, 0x4018AEE3),
	IOC(KVM_RUN, 0x0000AE80),
	IOC(KVM_GET_REGS, 0x8090AE81),
	IOC(KVM_SET_REGS, 0x4090AE82),
	IOC(KVM_GET_SREGS, 0x8138AE83),
	IOC(KVM_SET_SREGS, 0x4138AE84),
	IOC(KVM_GET_MSRS, 0xC008AE88),
	IOC(KVM_SET_MSRS, 0x4008AE89),
	IOC(KVM_SET_CPUID2, 0x4008AE90),
	IOC(KVM_GET_CPUID2, 0xC008AE91),
	IOC(KVM_GET_LAPIC, 0x8400AE8E),
	IOC(KVM_SET_LAPIC, 0x4400AE8F),
	IOC(KVM_GET_MP_STATE, 0x8004AE98),
	IOC(KVM_SET_MP_STATE, 0x4004AE99),
	IOC(KVM_GET_VCPU_EVENTS, 0x8040AE9F),
	IOC(KVM_SET_VCPU_EVENTS, 0x4040AEA0),
	IOC(KVM_GET_XCRS, 0x8188AEA6),
	IOC(KVM_SET_XCRS, 0x4188AEA7),
	IOC(KVM_GET_FPU, 0x81A0AE8C),
	IOC(KVM_SET_FPU, 0x41A0AE8D),
	IOC(KVM_GET_XSAVE, 0x9000AEA4),
	IOC(KVM_SET_XSAVE, 0x5000AEA5),
	IOC(KVM_GET_CLOCK, 0x8030AE7C),
	IOC(KVM_SET_CLOCK, 0x4030AE7B),
};

START_TEST(ioctl_numbers)
{
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		ck_assert_msg(ioctls[i].got == ioctls[i].want, "%s is 0x%lx, doc says 0x%lx",
			      ioctls[i].name, ioctls[i].got, ioctls[i].want);
}
END_TEST

/* Encoding rule of section 1, applied to the doc's own (dir, size, nr) triples. */
START_TEST(ioctl_encoding_rule)
{
	struct { unsigned long n; unsigned dir, size, nr; } t[] = {
		{ KVM_CREATE_GUEST_MEMFD, 3, 64, 0xd4 },
		{ KVM_SET_USER_MEMORY_REGION2, 1, 160, 0x49 },
		{ KVM_SET_MEMORY_ATTRIBUTES, 1, 32, 0xd2 },
		{ KVM_PRE_FAULT_MEMORY, 3, 64, 0xd5 },
		{ KVM_MEMORY_ENCRYPT_OP, 3, 8, 0xba },	/* the "unsigned long" quirk */
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_uint_eq(t[i].n, (unsigned long)t[i].dir << 30 |
				  (unsigned long)t[i].size << 16 | 0xAE00 | t[i].nr);
}
END_TEST

struct sz { size_t got, want, got_align, want_align; const char *name; };
#define SZ(t, s, a) { sizeof(struct t), s, _Alignof(struct t), a, #t }

static const struct sz sizes[] = {
	SZ(kvm_userspace_memory_region, 32, 8),
	SZ(kvm_userspace_memory_region2, 160, 8),
	SZ(kvm_create_guest_memfd, 64, 8),
	SZ(kvm_memory_attributes, 32, 8),
	SZ(kvm_pre_fault_memory, 64, 8),
	SZ(kvm_enable_cap, 104, 8),
	SZ(kvm_device_attr, 24, 8),
	SZ(kvm_enc_region, 16, 8),
	SZ(kvm_exit_snp_req_certs, 24, 8),
	SZ(kvm_cpuid_entry2, 40, 4),
	SZ(kvm_cpuid2, 8, 4),
	SZ(kvm_sev_cmd, 24, 8),
	SZ(kvm_sev_init, 48, 8),
	SZ(kvm_sev_launch_start, 40, 8),
	SZ(kvm_sev_launch_update_data, 16, 8),
	SZ(kvm_sev_launch_measure, 16, 8),
	SZ(kvm_sev_guest_status, 12, 4),
	SZ(kvm_sev_attestation_report, 32, 8),
	SZ(kvm_sev_snp_launch_start, 64, 8),
	SZ(kvm_sev_snp_launch_update, 64, 8),
	SZ(kvm_sev_snp_launch_finish, 88, 8),
	SZ(kvm_tdx_cmd, 24, 8),
	SZ(kvm_tdx_capabilities, 2056, 8),
	SZ(kvm_tdx_init_vm, 264, 8),
	SZ(kvm_tdx_init_mem_region, 24, 8),
	SZ(kvm_run, 2352, 8),
	SZ(kvm_regs, 144, 8),
	SZ(kvm_sregs, 312, 8),
	SZ(kvm_msrs, 8, 8),
	SZ(kvm_msr_entry, 16, 8),
	SZ(kvm_irqfd, 32, 4),
	SZ(kvm_ioeventfd, 64, 8),
	SZ(kvm_msi, 32, 4),
	SZ(kvm_irq_level, 8, 4),
	SZ(kvm_lapic_state, 1024, 1),
	SZ(kvm_xcrs, 392, 8),
	SZ(kvm_vcpu_events, 64, 8),
	SZ(kvm_mp_state, 4, 4),
	SZ(kvm_irq_routing, 8, 8),
	SZ(kvm_create_device, 12, 4),
	SZ(kvm_clock_data, 48, 8),
	SZ(kvm_fpu, 416, 8),
	SZ(kvm_xsave, 4096, 4),
};

START_TEST(struct_sizes)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_msg(sizes[i].got == sizes[i].want, "sizeof(%s) = %zu, doc says %zu",
			      sizes[i].name, sizes[i].got, sizes[i].want);
		ck_assert_msg(sizes[i].got_align == sizes[i].want_align,
			      "alignof(%s) = %zu, doc says %zu", sizes[i].name,
			      sizes[i].got_align, sizes[i].want_align);
	}
}
END_TEST

struct off { size_t got, want; const char *name; };
#define OFF(t, f, o) { offsetof(struct t, f), o, #t "." #f }
/* Exit payloads are read through overlays at offset 32 of kvm_run. */
#define XOFF(t, f, o) { 32 + offsetof(struct t, f), o, #t "." #f }

static const struct off offsets[] = {
	/* 3.2 */
	OFF(kvm_create_guest_memfd, size, 0), OFF(kvm_create_guest_memfd, flags, 8),
	OFF(kvm_create_guest_memfd, reserved, 16),
	/* 3.3 */
	OFF(kvm_userspace_memory_region2, slot, 0), OFF(kvm_userspace_memory_region2, flags, 4),
	OFF(kvm_userspace_memory_region2, guest_phys_addr, 8),
	OFF(kvm_userspace_memory_region2, memory_size, 16),
	OFF(kvm_userspace_memory_region2, userspace_addr, 24),
	OFF(kvm_userspace_memory_region2, guest_memfd_offset, 32),
	OFF(kvm_userspace_memory_region2, guest_memfd, 40),
	OFF(kvm_userspace_memory_region2, pad1, 44), OFF(kvm_userspace_memory_region2, pad2, 48),
	/* 4 */
	OFF(kvm_memory_attributes, address, 0), OFF(kvm_memory_attributes, size, 8),
	OFF(kvm_memory_attributes, attributes, 16), OFF(kvm_memory_attributes, flags, 24),
	/* 5 */
	OFF(kvm_pre_fault_memory, gpa, 0), OFF(kvm_pre_fault_memory, size, 8),
	OFF(kvm_pre_fault_memory, flags, 16), OFF(kvm_pre_fault_memory, padding, 24),
	/* 6.1 */
	OFF(kvm_run, request_interrupt_window, 0), OFF(kvm_run, immediate_exit, 1),
	OFF(kvm_run, exit_reason, 8), OFF(kvm_run, flags, 14),
	OFF(kvm_run, kvm_valid_regs, 288), OFF(kvm_run, kvm_dirty_regs, 296),
	OFF(kvm_run, s, 304),
	OFF(kvm_run, hypercall.nr, 32), OFF(kvm_run, hypercall.args, 40),
	OFF(kvm_run, hypercall.ret, 88),
	OFF(kvm_run, system_event.type, 32), OFF(kvm_run, system_event.ndata, 36),
	OFF(kvm_run, io.direction, 32), OFF(kvm_run, io.size, 33), OFF(kvm_run, io.port, 34),
	OFF(kvm_run, io.count, 36), OFF(kvm_run, io.data_offset, 40),
	OFF(kvm_run, mmio.phys_addr, 32), OFF(kvm_run, mmio.data, 40),
	OFF(kvm_run, mmio.len, 48), OFF(kvm_run, mmio.is_write, 52),
	XOFF(cvmm_exit_hypercall, nr, 32), XOFF(cvmm_exit_hypercall, args, 40),
	XOFF(cvmm_exit_hypercall, ret, 88), XOFF(cvmm_exit_hypercall, flags, 96),
	XOFF(cvmm_exit_system_event, type, 32), XOFF(cvmm_exit_system_event, ndata, 36),
	XOFF(cvmm_exit_system_event, data, 40),
	XOFF(cvmm_exit_memory_fault, flags, 32), XOFF(cvmm_exit_memory_fault, gpa, 40),
	XOFF(cvmm_exit_memory_fault, size, 48),
	XOFF(cvmm_exit_tdx, flags, 32), XOFF(cvmm_exit_tdx, nr, 40),
	XOFF(cvmm_exit_tdx, unknown.ret, 48), XOFF(cvmm_exit_tdx, get_quote.ret, 48),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.ret, 48),
	XOFF(cvmm_exit_tdx, setup_event_notify.ret, 48),
	XOFF(cvmm_exit_tdx, get_quote.gpa, 56), XOFF(cvmm_exit_tdx, get_quote.size, 64),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.leaf, 56),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.r11, 64),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.r12, 72),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.r13, 80),
	XOFF(cvmm_exit_tdx, get_tdvmcall_info.r14, 88),
	XOFF(cvmm_exit_tdx, setup_event_notify.vector, 56),
	XOFF(cvmm_exit_tdx, unknown.data, 56),
	XOFF(kvm_exit_snp_req_certs, gpa, 32), XOFF(kvm_exit_snp_req_certs, npages, 40),
	XOFF(kvm_exit_snp_req_certs, ret, 48),
	/* 6.3 */
	OFF(kvm_enable_cap, cap, 0), OFF(kvm_enable_cap, flags, 4),
	OFF(kvm_enable_cap, args, 8), OFF(kvm_enable_cap, pad, 40),
	/* 7.1 */
	OFF(kvm_sev_cmd, id, 0), OFF(kvm_sev_cmd, data, 8), OFF(kvm_sev_cmd, error, 16),
	OFF(kvm_sev_cmd, sev_fd, 20),
	/* 7.2 */
	OFF(kvm_sev_init, vmsa_features, 0), OFF(kvm_sev_init, flags, 8),
	OFF(kvm_sev_init, ghcb_version, 12), OFF(kvm_sev_init, pad1, 14),
	OFF(kvm_sev_init, pad2, 16),
	/* 7.3 */
	OFF(kvm_device_attr, flags, 0), OFF(kvm_device_attr, group, 4),
	OFF(kvm_device_attr, attr, 8), OFF(kvm_device_attr, addr, 16),
	/* 7.4 */
	OFF(kvm_sev_snp_launch_start, policy, 0), OFF(kvm_sev_snp_launch_start, gosvw, 8),
	OFF(kvm_sev_snp_launch_start, flags, 24), OFF(kvm_sev_snp_launch_start, pad0, 26),
	OFF(kvm_sev_snp_launch_start, pad1, 32),
	/* 7.5 */
	OFF(kvm_sev_snp_launch_update, gfn_start, 0), OFF(kvm_sev_snp_launch_update, uaddr, 8),
	OFF(kvm_sev_snp_launch_update, len, 16), OFF(kvm_sev_snp_launch_update, type, 24),
	OFF(kvm_sev_snp_launch_update, pad0, 25), OFF(kvm_sev_snp_launch_update, flags, 26),
	OFF(kvm_sev_snp_launch_update, pad1, 28), OFF(kvm_sev_snp_launch_update, pad2, 32),
	/* 7.6 */
	OFF(kvm_sev_snp_launch_finish, id_block_uaddr, 0),
	OFF(kvm_sev_snp_launch_finish, id_auth_uaddr, 8),
	OFF(kvm_sev_snp_launch_finish, id_block_en, 16),
	OFF(kvm_sev_snp_launch_finish, auth_key_en, 17),
	OFF(kvm_sev_snp_launch_finish, vcek_disabled, 18),
	OFF(kvm_sev_snp_launch_finish, host_data, 19), OFF(kvm_sev_snp_launch_finish, pad0, 51),
	OFF(kvm_sev_snp_launch_finish, flags, 54), OFF(kvm_sev_snp_launch_finish, pad1, 56),
	/* 7.8 */
	OFF(kvm_sev_attestation_report, mnonce, 0), OFF(kvm_sev_attestation_report, uaddr, 16),
	OFF(kvm_sev_attestation_report, len, 24),
	/* 8.1 */
	OFF(kvm_tdx_cmd, id, 0), OFF(kvm_tdx_cmd, flags, 4), OFF(kvm_tdx_cmd, data, 8),
	OFF(kvm_tdx_cmd, hw_error, 16),
	/* 8.2 */
	OFF(kvm_tdx_capabilities, supported_attrs, 0), OFF(kvm_tdx_capabilities, supported_xfam, 8),
	OFF(kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r11, 16),
	OFF(kvm_tdx_capabilities, user_tdvmcallinfo_1_r11, 24),
	OFF(kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r12, 32),
	OFF(kvm_tdx_capabilities, user_tdvmcallinfo_1_r12, 40),
	OFF(kvm_tdx_capabilities, reserved, 48), OFF(kvm_tdx_capabilities, cpuid, 2048),
	OFF(kvm_cpuid_entry2, function, 0), OFF(kvm_cpuid_entry2, index, 4),
	OFF(kvm_cpuid_entry2, flags, 8), OFF(kvm_cpuid_entry2, eax, 12),
	OFF(kvm_cpuid_entry2, ebx, 16), OFF(kvm_cpuid_entry2, ecx, 20),
	OFF(kvm_cpuid_entry2, edx, 24), OFF(kvm_cpuid_entry2, padding, 28),
	/* 8.3 */
	OFF(kvm_tdx_init_vm, attributes, 0), OFF(kvm_tdx_init_vm, xfam, 8),
	OFF(kvm_tdx_init_vm, mrconfigid, 16), OFF(kvm_tdx_init_vm, mrowner, 64),
	OFF(kvm_tdx_init_vm, mrownerconfig, 112), OFF(kvm_tdx_init_vm, reserved, 160),
	OFF(kvm_tdx_init_vm, cpuid, 256), OFF(kvm_tdx_init_vm, cpuid.entries, 264),
	/* 8.5 */
	OFF(kvm_tdx_init_mem_region, source_addr, 0), OFF(kvm_tdx_init_mem_region, gpa, 8),
	OFF(kvm_tdx_init_mem_region, nr_pages, 16),
};

START_TEST(struct_offsets)
{
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++)
		ck_assert_msg(offsets[i].got == offsets[i].want, "offsetof(%s) = %zu, doc says %zu",
			      offsets[i].name, offsets[i].got, offsets[i].want);
}
END_TEST

struct val { unsigned long long got, want; const char *name; };
#define VAL(n, v) { (unsigned long long)(n), v, #n }

static const struct val values[] = {
	/* 2 */
	VAL(KVM_CAP_EXIT_HYPERCALL, 201), VAL(KVM_CAP_SYS_ATTRIBUTES, 209),
	VAL(KVM_CAP_SYSTEM_EVENT_DATA, 215), VAL(KVM_CAP_USER_MEMORY2, 231),
	VAL(KVM_CAP_MEMORY_FAULT_INFO, 232), VAL(KVM_CAP_MEMORY_ATTRIBUTES, 233),
	VAL(KVM_CAP_GUEST_MEMFD, 234), VAL(KVM_CAP_VM_TYPES, 235),
	VAL(KVM_CAP_PRE_FAULT_MEMORY, 236), VAL(KVM_CAP_X86_APIC_BUS_CYCLES_NS, 237),
	VAL(KVM_CAP_X86_GUEST_MODE, 238), VAL(KVM_CAP_GUEST_MEMFD_FLAGS, 244),
	VAL(KVM_CAP_SPLIT_IRQCHIP, 121), VAL(KVM_CAP_MAX_VCPUS, 66),
	VAL(KVM_CAP_IMMEDIATE_EXIT, 136),
	VAL(KVM_X86_DEFAULT_VM, 0), VAL(KVM_X86_SW_PROTECTED_VM, 1), VAL(KVM_X86_SEV_VM, 2),
	VAL(KVM_X86_SEV_ES_VM, 3), VAL(KVM_X86_SNP_VM, 4), VAL(KVM_X86_TDX_VM, 5),
	/* 3, 4 */
	VAL(GUEST_MEMFD_FLAG_MMAP, 1), VAL(GUEST_MEMFD_FLAG_INIT_SHARED, 2),
	VAL(KVM_MEM_LOG_DIRTY_PAGES, 1), VAL(KVM_MEM_READONLY, 2), VAL(KVM_MEM_GUEST_MEMFD, 4),
	VAL(KVM_MEMORY_ATTRIBUTE_PRIVATE, 8),
	/* 6 */
	VAL(KVM_EXIT_IO, 2), VAL(KVM_EXIT_HYPERCALL, 3), VAL(KVM_EXIT_MMIO, 6),
	VAL(KVM_EXIT_SHUTDOWN, 8), VAL(KVM_EXIT_FAIL_ENTRY, 9), VAL(KVM_EXIT_INTERNAL_ERROR, 17),
	VAL(KVM_EXIT_SYSTEM_EVENT, 24), VAL(KVM_EXIT_MEMORY_FAULT, 39), VAL(KVM_EXIT_TDX, 40),
	VAL(KVM_EXIT_SNP_REQ_CERTS, 43), VAL(KVM_MEMORY_EXIT_FLAG_PRIVATE, 8),
	VAL(KVM_EXIT_HYPERCALL_LONG_MODE, 1), VAL(KVM_HC_MAP_GPA_RANGE, 12),
	VAL(KVM_MAP_GPA_RANGE_PAGE_SZ_4K, 0), VAL(KVM_MAP_GPA_RANGE_PAGE_SZ_2M, 1),
	VAL(KVM_MAP_GPA_RANGE_PAGE_SZ_1G, 2), VAL(KVM_MAP_GPA_RANGE_ENCRYPTED, 0x10),
	VAL(KVM_MAP_GPA_RANGE_DECRYPTED, 0),
	VAL(TDVMCALL_GET_TD_VM_CALL_INFO, 0x10000), VAL(TDVMCALL_MAP_GPA, 0x10001),
	VAL(TDVMCALL_GET_QUOTE, 0x10002), VAL(TDVMCALL_REPORT_FATAL_ERROR, 0x10003),
	VAL(TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT, 0x10004),
	VAL(TDVMCALL_STATUS_SUCCESS, 0), VAL(TDVMCALL_STATUS_RETRY, 1),
	VAL(TDVMCALL_STATUS_INVALID_OPERAND, 0x8000000000000000ULL),
	VAL(TDVMCALL_STATUS_GPA_INUSE, 0x8000000000000001ULL),
	VAL(TDVMCALL_STATUS_ALIGN_ERROR, 0x8000000000000002ULL),
	VAL(TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED, 0x8000000000000003ULL),
	VAL(KVM_SYSTEM_EVENT_SHUTDOWN, 1), VAL(KVM_SYSTEM_EVENT_RESET, 2),
	VAL(KVM_SYSTEM_EVENT_CRASH, 3), VAL(KVM_SYSTEM_EVENT_SEV_TERM, 6),
	VAL(KVM_SYSTEM_EVENT_TDX_FATAL, 7),
	/* 7 */
	VAL(KVM_SEV_INIT, 0), VAL(KVM_SEV_ES_INIT, 1), VAL(KVM_SEV_LAUNCH_START, 2),
	VAL(KVM_SEV_LAUNCH_FINISH, 7), VAL(KVM_SEV_GUEST_STATUS, 16),
	VAL(KVM_SEV_GET_ATTESTATION_REPORT, 20), VAL(KVM_SEV_SEND_CANCEL, 21),
	VAL(KVM_SEV_INIT2, 22), VAL(KVM_SEV_SNP_LAUNCH_START, 100),
	VAL(KVM_SEV_SNP_LAUNCH_UPDATE, 101), VAL(KVM_SEV_SNP_LAUNCH_FINISH, 102),
	VAL(KVM_SEV_SNP_ENABLE_REQ_CERTS, 103),
	VAL(KVM_X86_GRP_SYSTEM, 0), VAL(KVM_X86_XCOMP_GUEST_SUPP, 0), VAL(KVM_X86_GRP_SEV, 1),
	VAL(KVM_X86_SEV_VMSA_FEATURES, 0), VAL(KVM_X86_SNP_POLICY_BITS, 1),
	VAL(KVM_X86_SEV_SNP_REQ_CERTS, 2),
	VAL(SEV_VMSA_FEAT_DEBUG_SWAP, 1 << 5), VAL(SEV_VMSA_FEAT_SECURE_TSC, 1 << 9),
	VAL(SNP_POLICY_SMT, 1 << 16), VAL(SNP_POLICY_RSVD_MBO, 1 << 17),
	VAL(SNP_POLICY_MIGRATE_MA, 1 << 18), VAL(SNP_POLICY_DEBUG, 1 << 19),
	VAL(SNP_POLICY_SINGLE_SOCKET, 1 << 20), VAL(SNP_POLICY_PAGE_SWAP_DISABLE, 1 << 25),
	VAL(KVM_SEV_PAGE_TYPE_INVALID, 0), VAL(KVM_SEV_SNP_PAGE_TYPE_NORMAL, 1),
	VAL(KVM_SEV_SNP_PAGE_TYPE_ZERO, 3), VAL(KVM_SEV_SNP_PAGE_TYPE_UNMEASURED, 4),
	VAL(KVM_SEV_SNP_PAGE_TYPE_SECRETS, 5), VAL(KVM_SEV_SNP_PAGE_TYPE_CPUID, 6),
	VAL(KVM_SEV_SNP_ID_BLOCK_SIZE, 96), VAL(KVM_SEV_SNP_ID_AUTH_SIZE, 4096),
	VAL(KVM_SEV_SNP_FINISH_DATA_SIZE, 32), VAL(SEV_RET_INVALID_PARAM, 0x16),
	/* 8 */
	VAL(KVM_TDX_CAPABILITIES, 0), VAL(KVM_TDX_INIT_VM, 1), VAL(KVM_TDX_INIT_VCPU, 2),
	VAL(KVM_TDX_INIT_MEM_REGION, 3), VAL(KVM_TDX_FINALIZE_VM, 4), VAL(KVM_TDX_GET_CPUID, 5),
	VAL(KVM_TDX_CMD_NR_MAX, 6), VAL(KVM_TDX_MEASURE_MEMORY_REGION, 1),
	VAL(KVM_CPUID_FLAG_SIGNIFCANT_INDEX, 1),
	VAL(TDX_TD_ATTR_DEBUG, 1), VAL(TDX_TD_ATTR_SEPT_VE_DISABLE, 1ULL << 28),
	VAL(TDX_TD_ATTR_PKS, 1ULL << 30), VAL(TDX_TD_ATTR_PERFMON, 1ULL << 63),
};

START_TEST(constants)
{
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		ck_assert_msg(values[i].got == values[i].want, "%s = 0x%llx, doc says 0x%llx",
			      values[i].name, values[i].got, values[i].want);
}
END_TEST

/* The member renamed between 6.1 and 7.1 (1.1): longmode and flags share offset 96. */
START_TEST(hypercall_overlay_matches_kvm_run)
{
	struct kvm_run run;

	memset(&run, 0, sizeof(run));
	kvm_run_hypercall(&run)->flags = KVM_EXIT_HYPERCALL_LONG_MODE;
	ck_assert_uint_eq(run.hypercall.longmode, 1);
	kvm_run_hypercall(&run)->nr = KVM_HC_MAP_GPA_RANGE;
	ck_assert_uint_eq(run.hypercall.nr, 12);
	kvm_run_system_event(&run)->data[0] = 0x1234;
	ck_assert_uint_eq(run.system_event.data[0], 0x1234);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("kvm_abi");
	TCase *tc = tcase_create("abi");

	tcase_add_test(tc, ioctl_numbers);
	tcase_add_test(tc, ioctl_encoding_rule);
	tcase_add_test(tc, struct_sizes);
	tcase_add_test(tc, struct_offsets);
	tcase_add_test(tc, constants);
	tcase_add_test(tc, hypercall_overlay_matches_kvm_run);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
