/*
 * Launch plans for the confidential platforms. Each builder turns the
 * launch options into the ordered pieces the platform adds (in the order
 * the hardware measures them) and the per-vCPU state, so that the SNP/TDX
 * platforms, the measurement predictors and the dry run consume the same
 * plan. Builders call plan_init() themselves; on failure (one line printed)
 * the plan is freed again.
 */
#ifndef CVMM_PLAN_COCO_H
#define CVMM_PLAN_COCO_H

#include "loader/plan.h"

struct launch_opts;

#define FIRMWARE_MAX_SIZE	(64ULL << 20)
#define SNP_VMSA_GPA		0x0000fffffffff000ULL	/* PAGE_INFO GPA of VMSA pages */

/*
 * SNP from firmware (OVMF with SEV metadata): firmware pages NORMAL, then
 * the metadata sections by type (SEC_MEM zero, secrets, CPUID, SVSM_CAA,
 * kernel hashes with --kernel), then one VMSA per vCPU in coco.vmsa. The
 * Without --firmware: --kernel through cvmm's boot shim (loader/plan_shim.h).
 * The CPUID piece carries no data: the platform fills it from KVM's CPUID with
 * snp_cpuid_page_build() and coco.vcpu_sig (the PSP checks it, the digest
 * does not depend on it).
 */
int plan_build_snp(struct launch_plan *p, const struct launch_opts *o);

/*
 * TDX from firmware (TDVF metadata): one piece per section without
 * PAGE.AUG, in metadata order: BFV/CFV/Payload data from the image,
 * TD_HOB built for the plan's RAM, TempMem/PermMem zero; measured =
 * MR.EXTEND. coco.td_hob_gpa goes to the BSP's RCX. Without --firmware:
 * --kernel through cvmm's boot shim at the reset vector.
 */
int plan_build_tdx(struct launch_plan *p, const struct launch_opts *o);

/* By o->platform ("snp" or "tdx"). */
int plan_build_coco(struct launch_plan *p, const struct launch_opts *o);

#endif
