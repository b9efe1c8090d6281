#include <string.h>

#include "attest/bytes.h"
#include "attest/snp_report.h"
#include "vmm/log.h"

int snp_report_parse(struct snp_report *r, const uint8_t *p, size_t len, const char *name)
{
	uint32_t flags;

	memset(r, 0, sizeof(*r));
	if (len < SNP_REPORT_SIZE) {
		cvmm_err("%s: SNP report truncated: %zu bytes, a report is %d", name, len,
			 SNP_REPORT_SIZE);
		return -1;
	}
	r->p = p;
	r->version = ld32(p + SNP_OFF_VERSION);
	/* 2: first published; 3 adds CPUID; 5 adds mitigation vectors. */
	if (r->version < 2 || r->version > 5) {
		cvmm_err("%s: SNP report version %u is not one this parser knows (2 to 5)", name,
			 r->version);
		return -1;
	}
	r->has_cpuid = r->version >= 3;
	r->has_mit = r->version >= 5;
	r->layout = SNP_TCB_MILAN_GENOA;
	r->layout_assumed = !r->has_cpuid;
	if (r->has_cpuid && p[SNP_OFF_CPUID_FAM] == 0x1a)
		r->layout = SNP_TCB_TURIN;
	flags = ld32(p + SNP_OFF_FLAGS);
	r->signer = (enum snp_signer)((flags >> 2) & 7);
	return 0;
}

struct snp_tcb snp_tcb_decode(uint64_t raw, enum snp_tcb_layout layout)
{
	struct snp_tcb t = { 0 };

	if (layout == SNP_TCB_TURIN) {
		t.fmc = raw & 0xff;
		t.boot_loader = (raw >> 8) & 0xff;
		t.tee = (raw >> 16) & 0xff;
		t.snp = (raw >> 24) & 0xff;
	} else {
		t.boot_loader = raw & 0xff;
		t.tee = (raw >> 8) & 0xff;
		t.snp = (raw >> 48) & 0xff;
	}
	t.microcode = (raw >> 56) & 0xff;
	return t;
}

const char *snp_product_from_cpuid(uint8_t family, uint8_t model)
{
	if (family == 0x19 && model <= 0x0f)
		return "Milan";
	if (family == 0x19 && ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)))
		return "Genoa";
	if (family == 0x1a && model <= 0x1f)
		return "Turin";
	return NULL;
}

void snp_tcb_dump(struct out *o, const char *key, uint64_t raw, enum snp_tcb_layout layout)
{
	struct snp_tcb t = snp_tcb_decode(raw, layout);

	out_begin(o, key);
	out_x64(o, "raw", raw, 16);
	if (layout == SNP_TCB_TURIN)
		out_u64(o, "fmc", t.fmc);
	out_u64(o, "boot_loader", t.boot_loader);
	out_u64(o, "tee", t.tee);
	out_u64(o, "snp", t.snp);
	out_u64(o, "microcode", t.microcode);
	out_end(o);
}

static const struct bit_name policy_bits[] = {
	{ 16, "smt" }, { 17, "reserved_must_be_one" }, { 18, "migrate_ma" }, { 19, "debug" },
	{ 20, "single_socket" }, { 21, "cxl_allow" }, { 22, "mem_aes_256_xts" },
	{ 23, "rapl_dis" }, { 24, "ciphertext_hiding_dram" }, { 25, "page_swap_disable" },
};

static const struct bit_name platform_bits[] = {
	{ 0, "smt_en" }, { 1, "tsme_en" }, { 2, "ecc_en" }, { 3, "rapl_dis" },
	{ 4, "ciphertext_hiding_dram_en" }, { 5, "alias_check_complete" }, { 7, "tio_en" },
};


static const char *signer_name(enum snp_signer s)
{
	switch (s) {
	case SNP_SIGNER_VCEK: return "vcek";
	case SNP_SIGNER_VLEK: return "vlek";
	case SNP_SIGNER_NONE: return "none";
	}
	return "reserved";
}

static void version_dump(struct out *o, const char *key, const uint8_t *p)
{
	char s[16];

	snprintf(s, sizeof(s), "%u.%u.%u", p[2], p[1], p[0]);	/* major.minor.build */
	out_str(o, key, s);
}

void snp_report_dump(struct out *o, const struct snp_report *r)
{
	const uint8_t *p = r->p;
	uint64_t policy = ld64(p + SNP_OFF_POLICY);
	uint32_t flags = ld32(p + SNP_OFF_FLAGS);
	uint32_t algo = ld32(p + SNP_OFF_SIG_ALGO);
	enum snp_tcb_layout lay = r->layout;

	out_u64(o, "version", r->version);
	out_u64(o, "guest_svn", ld32(p + SNP_OFF_GUEST_SVN));
	out_begin(o, "policy");
	out_x64(o, "raw", policy, 16);
	out_u64(o, "abi_minor", policy & 0xff);
	out_u64(o, "abi_major", (policy >> 8) & 0xff);
	out_bit_fields(o, policy, 16, 0xffff, policy_bits, sizeof(policy_bits) / sizeof(policy_bits[0]));
	out_end(o);
	out_hex(o, "family_id", p + SNP_OFF_FAMILY_ID, 16);
	out_hex(o, "image_id", p + SNP_OFF_IMAGE_ID, 16);
	out_u64(o, "vmpl", ld32(p + SNP_OFF_VMPL));
	out_begin(o, "signature_algo");
	out_u64(o, "value", algo);
	out_str(o, "name", algo == SNP_SIG_ALGO_ECDSA_P384_SHA384 ? "ecdsa-p384-sha384" : "unknown");
	out_end(o);
	out_str(o, "tcb_layout", lay == SNP_TCB_TURIN ? "turin" :
		r->layout_assumed ? "milan-genoa (assumed: no cpuid in a v2 report)" : "milan-genoa");
	snp_tcb_dump(o, "current_tcb", ld64(p + SNP_OFF_CURRENT_TCB), lay);
	out_bits(o, "platform_info", ld64(p + SNP_OFF_PLATFORM_INFO), 16, platform_bits,
		 sizeof(platform_bits) / sizeof(platform_bits[0]));
	out_begin(o, "flags");
	out_x64(o, "raw", flags, 8);
	out_bool(o, "author_key_en", flags & 1);
	out_bool(o, "mask_chip_key", flags & 2);
	out_str(o, "signing_key", signer_name(r->signer));
	out_x64(o, "unknown_bits", flags & ~0x1fU, 8);
	out_end(o);
	out_hex(o, "report_data", p + SNP_OFF_REPORT_DATA, SNP_REPORT_DATA_SIZE);
	out_hex(o, "measurement", p + SNP_OFF_MEASUREMENT, SNP_MEASUREMENT_SIZE);
	out_hex(o, "host_data", p + SNP_OFF_HOST_DATA, 32);
	out_hex(o, "id_key_digest", p + SNP_OFF_ID_KEY_DIGEST, 48);
	out_hex(o, "author_key_digest", p + SNP_OFF_AUTHOR_KEY_DIGEST, 48);
	out_hex(o, "report_id", p + SNP_OFF_REPORT_ID, 32);
	out_hex(o, "report_id_ma", p + SNP_OFF_REPORT_ID_MA, 32);
	snp_tcb_dump(o, "reported_tcb", ld64(p + SNP_OFF_REPORTED_TCB), lay);
	if (r->has_cpuid) {
		const char *prod = snp_product_from_cpuid(p[SNP_OFF_CPUID_FAM], p[SNP_OFF_CPUID_MOD]);

		out_begin(o, "cpuid");
		out_x64(o, "family", p[SNP_OFF_CPUID_FAM], 2);
		out_x64(o, "model", p[SNP_OFF_CPUID_MOD], 2);
		out_x64(o, "stepping", p[SNP_OFF_CPUID_STEP], 2);
		out_str(o, "product", prod);
		out_end(o);
	}
	out_hex(o, "chip_id", p + SNP_OFF_CHIP_ID, SNP_CHIP_ID_SIZE);
	snp_tcb_dump(o, "committed_tcb", ld64(p + SNP_OFF_COMMITTED_TCB), lay);
	version_dump(o, "current_version", p + SNP_OFF_CURRENT_VER);
	version_dump(o, "committed_version", p + SNP_OFF_COMMITTED_VER);
	snp_tcb_dump(o, "launch_tcb", ld64(p + SNP_OFF_LAUNCH_TCB), lay);
	if (r->has_mit) {
		out_x64(o, "launch_mit_vector", ld64(p + SNP_OFF_LAUNCH_MIT), 16);
		out_x64(o, "current_mit_vector", ld64(p + SNP_OFF_CURRENT_MIT), 16);
	}
	out_begin(o, "signature");
	out_hex(o, "r", p + SNP_OFF_SIG_R, SNP_SIG_COMPONENT_SIZE);
	out_hex(o, "s", p + SNP_OFF_SIG_S, SNP_SIG_COMPONENT_SIZE);
	out_str(o, "byte_order", "little-endian");
	out_end(o);
}
