/*
 * The SEV-ES/SNP VMSA (APM vol. 2, table B-4) of a vCPU at reset, exactly
 * as the PSP measures it at launch finish: the VMM's reset registers as KVM
 * syncs them into the save area. Which VMM's reset conventions to
 * reproduce is an input (cvmm's own launches use QEMU's).
 */
#ifndef CVMM_VMSA_H
#define CVMM_VMSA_H

#include <stdbool.h>
#include <stdint.h>

#define VMSA_SIZE		4096
#define VMSA_BSP_EIP		0xfffffff0u
#define VMSA_OFF_CS		0x010
#define VMSA_OFF_RIP		0x178
#define VMSA_OFF_RDX		0x310
#define VMSA_OFF_RSI		0x330
#define VMSA_OFF_SEV_FEATURES	0x3b0
#define SEV_FEATURE_SNP_ACTIVE	0x1ULL

enum vmsa_vmm {
	VMSA_VMM_QEMU,		/* QEMU/KVM, also cvmm's own launches */
	VMSA_VMM_EC2,		/* Amazon EC2's reset state */
	VMSA_VMM_GCE,		/* Google Compute Engine's reset state */
};

struct vmsa_params {
	uint32_t eip;		/* VMSA_BSP_EIP or the AP reset EIP */
	uint64_t sev_features;
	uint32_t vcpu_sig;	/* CPUID(1).EAX, lands in RDX */
	enum vmsa_vmm vmm;
	bool legacy_fpu;	/* host without KVM_SEV_INIT2: MXCSR and FCW are 0 */
	/*
	 * cvmm's boot shim: 32-bit flat protected mode, paging off, at eip
	 * with rsi set (instead of the real-mode reset state firmware wants).
	 */
	bool flat32;
	uint64_t rsi;
};

void vmsa_build(uint8_t page[VMSA_SIZE], const struct vmsa_params *p);

/* "qemu", "ec2", "gce" -> enum; -1 when unknown. */
int vmsa_vmm_parse(const char *s);
const char *vmsa_vmm_name(enum vmsa_vmm v);

#endif
