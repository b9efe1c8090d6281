/*
 * SNP guest CPU models and the CPUID page. The model decides the signature
 * (CPUID(1).EAX) that lands in every VMSA's RDX, so it is part of the
 * launch digest; the CPUID page itself is not measured (the PSP checks it).
 */
#ifndef CVMM_SNP_CPU_H
#define CVMM_SNP_CPU_H

#include <stddef.h>
#include <stdint.h>

#define SNP_CPU_DEFAULT		"EPYC-v4"
#define SNP_CPUID_MAX_LEAVES	64

struct snp_cpu_model {
	const char *name;
	unsigned family, model, stepping;
};

/* The model by QEMU name (case-insensitive); NULL with one line when unknown. */
const struct snp_cpu_model *snp_cpu_model(const char *name);
/* The same without a message. */
const struct snp_cpu_model *snp_cpu_model_find(const char *name);
/* CPUID(1).EAX for a family/model/stepping. */
uint32_t snp_cpu_signature(unsigned family, unsigned model, unsigned stepping);
/* "EPYC, EPYC-v1, ..." for help texts and errors. */
const char *snp_cpu_model_list(void);

struct cpuid_leaf {
	uint32_t function, index;
	uint32_t eax, ebx, ecx, edx;
};

/*
 * Lays out the SNP CPUID page (SEV-SNP firmware ABI, CPUID_FUNCTION
 * entries of 48 bytes after a 16-byte header) from the leaves a platform
 * got from KVM, with leaf 1's signature replaced by the model's. -1 with
 * one line when there are more leaves than the page holds.
 */
int snp_cpuid_page_build(uint8_t page[4096], const struct cpuid_leaf *leaves, size_t n,
			 uint32_t signature);

#endif
