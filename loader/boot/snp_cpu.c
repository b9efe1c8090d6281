#include <string.h>
#include <strings.h>

#include "loader/boot/snp_cpu.h"
#include "vmm/log.h"

/* QEMU's EPYC models (target/i386/cpu.c): family/model/stepping. */
static const struct snp_cpu_model models[] = {
	{ "EPYC", 23, 1, 2 }, { "EPYC-v1", 23, 1, 2 }, { "EPYC-v2", 23, 1, 2 },
	{ "EPYC-v3", 23, 1, 2 }, { "EPYC-v4", 23, 1, 2 }, { "EPYC-IBPB", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 }, { "EPYC-Rome-v1", 23, 49, 0 },
	{ "EPYC-Rome-v2", 23, 49, 0 }, { "EPYC-Rome-v3", 23, 49, 0 },
	{ "EPYC-Milan", 25, 1, 1 }, { "EPYC-Milan-v1", 25, 1, 1 },
	{ "EPYC-Milan-v2", 25, 1, 1 },
	{ "EPYC-Genoa", 25, 17, 0 }, { "EPYC-Genoa-v1", 25, 17, 0 },
	{ "EPYC-Turin", 26, 0, 0 }, { "EPYC-Turin-v1", 26, 0, 0 },
};

uint32_t snp_cpu_signature(unsigned family, unsigned model, unsigned stepping)
{
	uint32_t sig = (stepping & 0xf) | (model & 0xf) << 4 | (model >> 4 & 0xf) << 16;

	/* Families above 15 are 15 plus the extended family field. */
	if (family > 15)
		sig |= 15 << 8 | ((family - 15) & 0xff) << 20;
	else
		sig |= (family & 0xf) << 8;
	return sig;
}

const char *snp_cpu_model_list(void)
{
	return "EPYC, EPYC-v1..v4, EPYC-IBPB, EPYC-Rome(-v1..v3), EPYC-Milan(-v1, -v2), "
	       "EPYC-Genoa(-v1), EPYC-Turin(-v1)";
}

const struct snp_cpu_model *snp_cpu_model_find(const char *name)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (!strcasecmp(models[i].name, name))
			return &models[i];
	return NULL;
}

const struct snp_cpu_model *snp_cpu_model(const char *name)
{
	const struct snp_cpu_model *m = snp_cpu_model_find(name);

	if (m)
		return m;
	cvmm_err("--vcpu-type %s: unknown CPU model (known: %s)", name, snp_cpu_model_list());
	return NULL;
}

#define CPUID_PAGE_HDR		16
#define CPUID_PAGE_ENTRY	48

int snp_cpuid_page_build(uint8_t page[4096], const struct cpuid_leaf *leaves, size_t n,
			 uint32_t signature)
{
	uint32_t count = (uint32_t)n;

	if (n > SNP_CPUID_MAX_LEAVES) {
		cvmm_err("SNP CPUID page: %zu leaves, the page holds %d", n, SNP_CPUID_MAX_LEAVES);
		return -1;
	}
	memset(page, 0, 4096);
	memcpy(page, &count, 4);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = page + CPUID_PAGE_HDR + i * CPUID_PAGE_ENTRY;
		uint32_t eax = leaves[i].function == 1 ? signature : leaves[i].eax;

		/* eax_in, ecx_in, xcr0_in and xss_in (0: the PSP fills them), values */
		memcpy(e, &leaves[i].function, 4);
		memcpy(e + 4, &leaves[i].index, 4);
		memcpy(e + 24, &eax, 4);
		memcpy(e + 28, &leaves[i].ebx, 4);
		memcpy(e + 32, &leaves[i].ecx, 4);
		memcpy(e + 36, &leaves[i].edx, 4);
	}
	return 0;
}
