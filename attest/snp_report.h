/*
 * SEV-SNP ATTESTATION_REPORT (SNP firmware ABI, "ATTESTATION_REPORT
 * Structure"): 1184 bytes, little-endian, signed over its first 0x2a0 bytes
 * with ECDSA P-384/SHA-384 by the VCEK or VLEK.
 */
#ifndef CVMM_ATTEST_SNP_REPORT_H
#define CVMM_ATTEST_SNP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/out.h"
#include "attest/snp_certs.h"

#define SNP_REPORT_SIZE		0x4a0
#define SNP_SIGNED_SIZE		0x2a0	/* bytes the signature covers */
#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1

/* Field offsets, named as in the ABI. */
enum {
	SNP_OFF_VERSION = 0x00, SNP_OFF_GUEST_SVN = 0x04, SNP_OFF_POLICY = 0x08,
	SNP_OFF_FAMILY_ID = 0x10, SNP_OFF_IMAGE_ID = 0x20, SNP_OFF_VMPL = 0x30,
	SNP_OFF_SIG_ALGO = 0x34, SNP_OFF_CURRENT_TCB = 0x38, SNP_OFF_PLATFORM_INFO = 0x40,
	SNP_OFF_FLAGS = 0x48, SNP_OFF_REPORT_DATA = 0x50, SNP_OFF_MEASUREMENT = 0x90,
	SNP_OFF_HOST_DATA = 0xc0, SNP_OFF_ID_KEY_DIGEST = 0xe0,
	SNP_OFF_AUTHOR_KEY_DIGEST = 0x110, SNP_OFF_REPORT_ID = 0x140,
	SNP_OFF_REPORT_ID_MA = 0x160, SNP_OFF_REPORTED_TCB = 0x180,
	SNP_OFF_CPUID_FAM = 0x188, SNP_OFF_CPUID_MOD = 0x189, SNP_OFF_CPUID_STEP = 0x18a,
	SNP_OFF_CHIP_ID = 0x1a0, SNP_OFF_COMMITTED_TCB = 0x1e0,
	SNP_OFF_CURRENT_VER = 0x1e8, SNP_OFF_COMMITTED_VER = 0x1ec,
	SNP_OFF_LAUNCH_TCB = 0x1f0, SNP_OFF_LAUNCH_MIT = 0x1f8, SNP_OFF_CURRENT_MIT = 0x200,
	SNP_OFF_SIG_R = 0x2a0, SNP_OFF_SIG_S = 0x2e8,
};
#define SNP_SIG_COMPONENT_SIZE	72	/* r and s: little-endian, zero-padded */
#define SNP_CHIP_ID_SIZE	64
#define SNP_MEASUREMENT_SIZE	48
#define SNP_REPORT_DATA_SIZE	64

/* Which key signed (flags bits 4:2). */
enum snp_signer { SNP_SIGNER_VCEK = 0, SNP_SIGNER_VLEK = 1, SNP_SIGNER_NONE = 7 };

/* TCB_VERSION: the byte layout changed with Turin (family 1Ah). */
enum snp_tcb_layout { SNP_TCB_MILAN_GENOA, SNP_TCB_TURIN };

struct snp_tcb {
	uint8_t fmc;		/* Turin only */
	uint8_t boot_loader, tee, snp, microcode;
};

struct snp_report {
	const uint8_t *p;	/* SNP_REPORT_SIZE bytes */
	uint32_t version;
	bool has_cpuid;		/* version >= 3 */
	bool has_mit;		/* version >= 5: mitigation vectors */
	enum snp_tcb_layout layout;
	bool layout_assumed;	/* no CPUID in the report to tell */
	enum snp_signer signer;
	struct snp_cert_table certs;	/* extended report: the table after it (certs.p NULL: none) */
};

/*
 * Guest policy bits that grant the host something (SMT, MIGRATE_MA, DEBUG,
 * CXL_ALLOW) and bits that take something away from it (SINGLE_SOCKET,
 * MEM_AES_256_XTS, RAPL_DIS, CIPHERTEXT_HIDING_DRAM, PAGE_SWAP_DISABLE).
 * Bit 17 is reserved and must be one.
 */
#define SNP_POLICY_GRANTS	((1ULL << 16) | (1ULL << 18) | (1ULL << 19) | (1ULL << 21))
#define SNP_POLICY_RESTRICTS	((1ULL << 20) | (1ULL << 22) | (1ULL << 23) | (1ULL << 24) | \
				 (1ULL << 25))
#define SNP_POLICY_RESERVED1	(1ULL << 17)
#define SNP_POLICY_DEBUG	(1ULL << 19)

/*
 * Parse a report of len bytes (more is allowed; the rest is not looked at).
 * name (the file) starts the one line printed when it is not a report.
 */
int snp_report_parse(struct snp_report *r, const uint8_t *p, size_t len, const char *name);
struct snp_tcb snp_tcb_decode(uint64_t raw, enum snp_tcb_layout layout);
/* Product from CPUID family/model (v3+ reports): "Milan", "Genoa", "Turin" or NULL. */
const char *snp_product_from_cpuid(uint8_t family, uint8_t model);
void snp_report_dump(struct out *o, const struct snp_report *r);
void snp_tcb_dump(struct out *o, const char *key, uint64_t raw, enum snp_tcb_layout layout);

#endif
