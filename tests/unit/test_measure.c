/*
 * Launch-measurement prediction against the independent tools' reference
 * digests (shared/vectors/measure/reference.tsv, read at run time: every
 * row is recomputed, ERROR rows must be refused with one line), plus the
 * properties the digests must have.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "attest/measure/measure.h"
#include "capture.h"
#include "check_compat.h"
#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/image/ovmf.h"
#include "loader/plan_coco.h"
#include "loader/boot/snp_cpu.h"
#include "loader/boot/snp_hashes.h"
#include "loader/boot/vmsa.h"
#include "vectors.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/platform.h"

#define OVMF_CODE	"/usr/share/OVMF/OVMF_CODE.fd"
#define OVMF_UNIFIED	"/usr/share/ovmf/OVMF.fd"

/* Runs fn with stderr captured into buf; returns fn's result. */
static int capture_stderr(int (*fn)(void *), void *arg, char *buf, size_t n)
{
	int ret;

	capture_begin();
	ret = fn(arg);
	snprintf(buf, n, "%s", capture_end());
	return ret;
}

struct row_run {
	const struct launch_opts *o;
	struct measurement m;
};

static int run_row(void *arg)
{
	struct row_run *r = arg;

	return measure_from_opts(r->o, &r->m, NULL);
}

static char *input_path(const char *dir, const char *col, char *buf, size_t n)
{
	char first[512];

	if (!strcmp(col, "-") || !strncmp(col, "(none", 5))
		return NULL;
	sscanf(col, "%511s", first);
	if (first[0] == '/')
		snprintf(buf, n, "%s", first);
	else
		snprintf(buf, n, "%s/measure/%s", dir, first);
	return buf;
}

static bool file_sha256_is(const char *path, const char *want)
{
	uint8_t h[32];
	char hex[65];

	if (sha256_file(path, "firmware", h, NULL))
		return false;
	measure_hex(h, 32, hex);
	return !strcmp(hex, want);
}

/* One row: set the options the columns name, compute, compare. */
static int check_row(const char *dir, char **col, int *applied)
{
	char fw[512], kernel[512], initrd[512], err[1024], hex[2 * MEASURE_DIGEST_LEN + 1];
	const char *opts = col[9], *expected = col[10];
	struct launch_opts o;
	struct row_run r = { .o = &o };
	int rc;

	launch_opts_init(&o);
	ck_assert_int_eq(platform_from_name(col[1], &o.platform), 0);
	o.firmware = input_path(dir, col[2], fw, sizeof(fw));
	o.kernel = input_path(dir, col[4], kernel, sizeof(kernel));
	o.initrd = input_path(dir, col[5], initrd, sizeof(initrd));
	o.cmdline = strcmp(col[6], "-") && strncmp(col[6], "(none", 5) ? col[6] : NULL;
	o.cpus = strcmp(col[7], "-") ? atoi(col[7]) : 1;
	o.vcpu_type = strcmp(col[8], "-") ? col[8] : NULL;
	if (strstr(opts, "guest_features=")) {
		o.guest_features = strtoull(strstr(opts, "guest_features=") + 15, NULL, 16);
		o.guest_features_set = true;
	}
	if (strstr(opts, "vmm=")) {
		char v[16] = "";

		sscanf(strstr(opts, "vmm=") + 4, "%15[^;]", v);
		o.vmm_type = vmsa_vmm_parse(v);
		ck_assert_msg(o.vmm_type >= 0, "%s: vmm %s", col[0], v);
	}
	o.legacy_vmsa = strstr(opts, "legacy VMSA") != NULL;
	o.mrtd_two_pass = strstr(opts, "two-pass") != NULL;

	if (!file_sha256_is(o.firmware, col[3])) {
		fprintf(stderr, "*** %s: %s is not the firmware the row was computed for: row NOT checked\n",
			col[0], o.firmware);
		return 0;
	}
	(*applied)++;
	rc = capture_stderr(run_row, &r, err, sizeof(err));
	if (!strncmp(expected, "ERROR", 5)) {
		ck_assert_msg(rc == -1, "%s: computed a digest for an impossible request", col[0]);
		ck_assert_msg(strchr(err, '\n') && strchr(err, '\n')[1] == '\0',
			      "%s: refusal is not exactly one line: '%s'", col[0], err);
		return 0;
	}
	ck_assert_msg(rc == 0, "%s: failed: %s", col[0], err);
	measure_hex(r.m.digest, MEASURE_DIGEST_LEN, hex);
	ck_assert_msg(!strcmp(hex, expected), "%s: got %s want %s", col[0], hex, expected);
	return 0;
}

START_TEST(reference_vectors)
{
	const char *dir = vectors_dir();
	char path[512], line[8192];
	int rows = 0, applied = 0;
	FILE *f;

	/* registered only with the vectors (tcase_add_vectors_test): never a silent pass */
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/measure/reference.tsv", dir);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));	/* header */
	ck_assert(!strncmp(line, "case_id\tplatform\tfirmware", 25));
	while (fgets(line, sizeof(line), f)) {
		char *col[12], *save = NULL, *s = line;
		int n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		while (n < 12 && (col[n] = strtok_r(s, "\t", &save)))
			n++, s = NULL;
		ck_assert_msg(n == 12, "reference.tsv row %d has %d columns", rows + 1, n);
		check_row(dir, col, &applied);
		rows++;
	}
	fclose(f);
	ck_assert_int_ge(rows, 12);
	/* Debian's ovmf is pinned by `make deps`: every row must apply here. */
	ck_assert_int_eq(applied, rows);
}
END_TEST

static void snp_opts(struct launch_opts *o, const char *fw)
{
	launch_opts_init(o);
	o->platform = PLATFORM_SNP;
	o->firmware = fw;
}

/* The VMSA digests and layout facts of measurement.md section 2. */
START_TEST(vmsa_matches_documented_state)
{
	static const char bsp_want[] = "77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a";
	static const char ap_want[] = "8413b852790765a310d95867a8b00bfca3a802b5a80830044b45e253fe96222657e11e53fcf63eb0e0afd722385bf7b4";
	struct launch_opts o;
	struct launch_plan p;
	uint8_t h[48];
	char hex[97];
	uint64_t rdx;

	cvmm_verbosity = LOG_QUIET;
	snp_opts(&o, OVMF_CODE);
	o.cpus = 3;
	ck_assert_int_eq(plan_build_snp(&p, &o), 0);
	ck_assert_int_eq(p.coco.n_vcpus, 3);
	EVP_Digest(p.coco.vmsa[0], VMSA_SIZE, h, NULL, EVP_sha384(), NULL);
	measure_hex(h, 48, hex);
	ck_assert_str_eq(hex, bsp_want);
	EVP_Digest(p.coco.vmsa[1], VMSA_SIZE, h, NULL, EVP_sha384(), NULL);
	measure_hex(h, 48, hex);
	ck_assert_str_eq(hex, ap_want);
	ck_assert_mem_eq(p.coco.vmsa[1], p.coco.vmsa[2], VMSA_SIZE);
	memcpy(&rdx, p.coco.vmsa[0] + VMSA_OFF_RDX, 8);
	ck_assert_uint_eq(rdx, 0x00800f12);
	plan_free(&p);
}
END_TEST

/*
 * Property over inputs the reference vectors (all one vCPU) do not cover:
 * for every CPU model, VMM flavour, guest-feature set and vCPU count, the
 * digest for n + 1 vCPUs is the digest for n extended by one VMSA
 * PAGE_INFO whose page is the AP state measurement.md section 2 tabulates,
 * built here field by field from that table (AP_EIP 0x0080b004 of Debian's
 * OVMF, signatures from the vCPU table).
 */
static void digest_of(const struct launch_opts *o, uint8_t out[48]);

static void seg16(uint8_t *v, unsigned off, uint16_t sel, uint16_t attr, uint32_t lim,
		  uint64_t base)
{
	memcpy(v + off, &sel, 2);
	memcpy(v + off + 2, &attr, 2);
	memcpy(v + off + 4, &lim, 4);
	memcpy(v + off + 8, &base, 8);
}

static void put_le(uint8_t *v, unsigned off, uint64_t x, size_t n)
{
	memcpy(v + off, &x, n);
}

static void documented_ap_vmsa(uint8_t v[4096], const char *vmm, uint32_t sig, uint64_t features,
			       bool legacy)
{
	const uint32_t ap_eip = 0x0080b004;
	bool ec2 = !strcmp(vmm, "ec2"), gce = !strcmp(vmm, "gce"), qemu = !ec2 && !gce;

	memset(v, 0, 4096);
	seg16(v, 0x000, 0, 0x93, 0xffff, 0);
	seg16(v, 0x010, 0xf000, 0x9b, 0xffff, ap_eip & 0xffff0000);
	seg16(v, 0x020, 0, ec2 ? 0x92 : 0x93, 0xffff, 0);
	seg16(v, 0x030, 0, 0x93, 0xffff, 0);
	seg16(v, 0x040, 0, 0x93, 0xffff, 0);
	seg16(v, 0x050, 0, 0x93, 0xffff, 0);
	seg16(v, 0x060, 0, 0, 0xffff, 0);
	seg16(v, 0x070, 0, 0x82, 0xffff, 0);
	seg16(v, 0x080, 0, 0, 0xffff, 0);
	seg16(v, 0x090, 0, ec2 ? 0x83 : 0x8b, 0xffff, 0);
	put_le(v, 0x0d0, 0x1000, 8);
	put_le(v, 0x148, 0x40, 8);
	put_le(v, 0x158, 0x10, 8);
	put_le(v, 0x160, 0x400, 8);
	put_le(v, 0x168, 0xffff0ff0, 8);
	put_le(v, 0x170, 0x2, 8);
	put_le(v, 0x178, ap_eip & 0xffff, 8);
	put_le(v, 0x268, gce ? 0x0000000000070106ULL : 0x0007040600070406ULL, 8);
	put_le(v, 0x310, qemu ? sig : 0x600, 8);
	put_le(v, 0x3b0, features, 8);
	put_le(v, 0x3e8, 0x1, 8);
	put_le(v, 0x408, qemu && !legacy ? 0x1f80 : 0, 4);
	put_le(v, 0x410, qemu && !legacy ? 0x37f : 0, 2);
}

START_TEST(snp_vcpu_chain_property)
{
	static const struct { const char *name; uint32_t sig; } cpus[] = {
		{ "EPYC-v4", 0x00800f12 }, { "EPYC-Rome", 0x00830f10 },
		{ "EPYC-Milan", 0x00a00f11 }, { "EPYC-Genoa", 0x00a10f10 },
		{ "EPYC-Turin", 0x00b00f00 },
	};
	static const char *const vmms[] = { "qemu", "ec2", "gce" };
	static const uint64_t features[] = { 0x1, 0x21 };
	uint8_t vmsa[4096], h[48], pi[0x70], prev[48], next[48], want[48];
	struct launch_opts o;

	cvmm_verbosity = LOG_QUIET;
	for (size_t c = 0; c < sizeof(cpus) / sizeof(cpus[0]); c++)
	for (size_t v = 0; v < 3; v++)
	for (size_t f = 0; f < 2; f++)
	for (int legacy = 0; legacy < (v == 0 ? 2 : 1); legacy++) {
		snp_opts(&o, OVMF_CODE);
		o.vcpu_type = cpus[c].name;
		o.vmm_type = vmsa_vmm_parse(vmms[v]);
		o.guest_features = features[f];
		o.guest_features_set = true;
		o.legacy_vmsa = legacy;
		documented_ap_vmsa(vmsa, vmms[v], cpus[c].sig, features[f], legacy);
		EVP_Digest(vmsa, sizeof(vmsa), h, NULL, EVP_sha384(), NULL);
		o.cpus = 1;
		digest_of(&o, prev);
		for (int n = 2; n <= 4; n++) {
			uint64_t gpa = 0x0000fffffffff000ULL;

			memset(pi, 0, sizeof(pi));
			memcpy(pi, prev, 48);
			memcpy(pi + 0x30, h, 48);
			pi[0x60] = 0x70;
			pi[0x62] = 2;	/* VMSA */
			memcpy(pi + 0x68, &gpa, 8);
			EVP_Digest(pi, sizeof(pi), want, NULL, EVP_sha384(), NULL);
			o.cpus = n;
			digest_of(&o, next);
			ck_assert_msg(!memcmp(next, want, 48), "%s vmm=%s features=0x%llx%s: "
				      "%d vCPUs is not %d plus the documented AP VMSA",
				      cpus[c].name, vmms[v], (unsigned long long)features[f],
				      legacy ? " legacy" : "", n, n - 1);
			memcpy(prev, next, 48);
		}
	}
}
END_TEST

START_TEST(cpu_signatures)
{
	static const struct { const char *name; uint32_t sig; } t[] = {
		{ "EPYC", 0x00800f12 }, { "EPYC-v4", 0x00800f12 }, { "EPYC-IBPB", 0x00800f12 },
		{ "EPYC-Rome", 0x00830f10 }, { "EPYC-Milan", 0x00a00f11 },
		{ "EPYC-Genoa", 0x00a10f10 }, { "EPYC-Turin", 0x00b00f00 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct snp_cpu_model *m = snp_cpu_model_find(t[i].name);

		ck_assert_ptr_nonnull(m);
		ck_assert_uint_eq(snp_cpu_signature(m->family, m->model, m->stepping), t[i].sig);
	}
	ck_assert_ptr_null(snp_cpu_model_find("Skylake"));
}
END_TEST

/* SEV-SNP firmware ABI CPUID page: count, then 48-byte CPUID_FUNCTION entries. */
START_TEST(cpuid_page_layout)
{
	static uint8_t page[4096];
	struct cpuid_leaf l[SNP_CPUID_MAX_LEAVES + 1] = {
		{ .function = 0, .eax = 0x10, .ebx = 0x68747541 },
		{ .function = 1, .eax = 0x12345678, .ecx = 0x80000000 },
		{ .function = 7, .index = 1, .edx = 0xabcd },
	};
	uint32_t v;

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(snp_cpuid_page_build(page, l, 3, 0x00a00f11), 0);
	memcpy(&v, page, 4); ck_assert_uint_eq(v, 3);
	memcpy(&v, page + 16 + 24, 4); ck_assert_uint_eq(v, 0x10);
	memcpy(&v, page + 16 + 28, 4); ck_assert_uint_eq(v, 0x68747541);
	memcpy(&v, page + 16 + 48, 4); ck_assert_uint_eq(v, 1);		/* eax_in */
	memcpy(&v, page + 16 + 48 + 24, 4); ck_assert_uint_eq(v, 0x00a00f11);	/* model's signature */
	memcpy(&v, page + 16 + 48 + 32, 4); ck_assert_uint_eq(v, 0x80000000);
	memcpy(&v, page + 16 + 96 + 4, 4); ck_assert_uint_eq(v, 1);		/* ecx_in */
	memcpy(&v, page + 16 + 96 + 36, 4); ck_assert_uint_eq(v, 0xabcd);
	ck_assert_int_eq(snp_cpuid_page_build(page, l, SNP_CPUID_MAX_LEAVES + 1, 0), -1);
}
END_TEST

/* The documented example table for the synthetic kernel + initrd. */
START_TEST(kernel_hashes_table)
{
	static const char want[] = "06d63894224fc94cb479a793d411fd21a800d82dd09720bd944caa78e7714d36ab2a3200f18aae9b3c09e55bc3047ad361e2442d7c53372470b2958fb83293209a784f7131f7ba442f3ad74b9af141e29169781d32007e139e0e80eeed4c4b81dccaab80cfecf8e4b5863c728605c87fcf2b2d30879e3794e74dd2ab7f42b835d5b172d2045b3200417ad21fc96dd349fcf05a0c2c7d2c024587fade8bd7cd9718284cc360e96eb60000000000000000";
	static const char page_want[] = "b14ea4ccced85dd8ed1f18d64b8fba30f15679eb9b3990f1f8765ee82f51e032c87662a04135fa49a9c9823c55b257fe";
	const char *dir = vectors_dir();
	char k[512], i[512], hex[2 * SEV_HASH_TABLE_PADDED + 1];
	uint8_t table[SEV_HASH_TABLE_PADDED], page[4096] = { 0 }, h[48];
	struct sev_hashes sh;

	ck_assert_ptr_nonnull(dir);	/* registered only with the vectors */
	snprintf(k, sizeof(k), "%s/measure/inputs/synth-kernel-v1.bin", dir);
	snprintf(i, sizeof(i), "%s/measure/inputs/synth-initrd-v1.bin", dir);
	ck_assert_int_eq(sev_hashes_compute(&sh, k, i, "console=ttyS0"), 0);
	sev_hashes_table(table, &sh);
	measure_hex(table, sizeof(table), hex);
	ck_assert_str_eq(hex, want);
	memcpy(page + 0xc00, table, sizeof(table));
	EVP_Digest(page, sizeof(page), h, NULL, EVP_sha384(), NULL);
	measure_hex(h, 48, hex);
	ck_assert_str_eq(hex, page_want);
}
END_TEST

static void digest_of(const struct launch_opts *o, uint8_t out[48])
{
	struct measurement m;

	ck_assert_int_eq(measure_from_opts(o, &m, NULL), 0);
	memcpy(out, m.digest, 48);
}

/* SNP from firmware: one VMSA per vCPU, RAM size not in the digest. */
START_TEST(snp_dependencies)
{
	struct launch_opts o;
	uint8_t one[48], two[48], big[48];

	cvmm_verbosity = LOG_QUIET;
	snp_opts(&o, OVMF_CODE);
	digest_of(&o, one);
	o.cpus = 2;
	digest_of(&o, two);
	ck_assert_mem_ne(one, two, 48);
	o.cpus = 1;
	o.mem = 8ULL << 30;
	digest_of(&o, big);
	ck_assert_mem_eq(one, big, 48);
}
END_TEST

/* TDX from firmware: MRTD depends on neither vCPUs nor RAM, but on the order. */
START_TEST(tdx_dependencies)
{
	struct launch_opts o;
	uint8_t base[48], d[48];
	struct measurement m;
	struct launch_plan p;

	cvmm_verbosity = LOG_QUIET;
	launch_opts_init(&o);
	o.platform = PLATFORM_TDX;
	o.firmware = OVMF_UNIFIED;
	ck_assert_int_eq(measure_from_opts(&o, &m, &p), 0);
	memcpy(base, m.digest, 48);
	/* Debian OVMF.fd: BFV 0x1e0 pages added+extended; CFV 0x20, TempMem/TD_HOB added. */
	ck_assert_uint_eq(m.st.page_adds, 0x1e0 + 0x20 + 0x10 + 0x2 + 0x2 + 0x6);
	ck_assert_uint_eq(m.st.extends, 0x1e0 * 16);
	ck_assert_uint_eq(m.st.pages[PIECE_TD_HOB], 2);
	ck_assert_uint_eq(p.coco.td_hob_gpa, 0x809000);
	/* The CFV piece (what TDVF measures into RTMR0) is OVMF_VARS.fd itself. */
	for (size_t i = 0; i < p.n_pieces; i++) {
		uint8_t want[48], got[48];

		if (strcmp(p.pieces[i].what, "CFV"))
			continue;
		ck_assert_int_eq(digest_file("/usr/share/OVMF/OVMF_VARS.fd", "vars", "SHA384", want, NULL), 0);
		EVP_Digest(p.pieces[i].data, p.pieces[i].data_len, got, NULL, EVP_sha384(), NULL);
		ck_assert_mem_eq(want, got, 48);
	}
	plan_free(&p);
	o.cpus = 8;
	o.mem = 8ULL << 30;
	digest_of(&o, d);
	ck_assert_mem_eq(base, d, 48);
	o.mrtd_two_pass = true;
	digest_of(&o, d);
	ck_assert_mem_ne(base, d, 48);
}
END_TEST

/*
 * Two-pass and single-pass differ only in interleaving: for a piece of one
 * measured page they agree; with two pages they must not.
 */
START_TEST(mrtd_order_semantics)
{
	static uint8_t data[2 * 4096];
	struct launch_plan p;
	uint8_t a[48], b[48];
	struct plan_piece q = {
		.gpa = 0x100000, .len = 4096, .data = data, .data_len = 4096,
		.type = PIECE_NORMAL, .measured = true, .what = "x",
	};

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	for (int pages = 1; pages <= 2; pages++) {
		plan_init(&p, 1ULL << 30);
		p.coco.platform = PLATFORM_TDX;
		q.len = q.data_len = pages * 4096;
		ck_assert_int_eq(plan_add(&p, &q), 0);
		ck_assert_int_eq(measure_tdx_plan(&p, a, NULL), 0);
		p.coco.mrtd_two_pass = true;
		ck_assert_int_eq(measure_tdx_plan(&p, b, NULL), 0);
		if (pages == 1)
			ck_assert_mem_eq(a, b, 48);
		else
			ck_assert_mem_ne(a, b, 48);
		plan_free(&p);
	}
}
END_TEST

/* PAGE.AUG sections stay out of the plan (synthetic firmware has one). */
START_TEST(tdx_page_aug_not_added)
{
	const char *dir = vectors_dir();
	struct launch_opts o;
	struct measurement m;
	struct launch_plan p;
	char fw[512];

	ck_assert_ptr_nonnull(dir);	/* registered only with the vectors */
	cvmm_verbosity = LOG_QUIET;
	snprintf(fw, sizeof(fw), "%s/measure/inputs/synth-fw-v1.fd", dir);
	launch_opts_init(&o);
	o.platform = PLATFORM_TDX;
	o.firmware = fw;
	ck_assert_int_eq(measure_from_opts(&o, &m, &p), 0);
	ck_assert_int_eq(p.coco.n_aug, 1);
	for (size_t i = 0; i < p.n_pieces; i++)
		ck_assert(p.pieces[i].gpa != 0x900000);
	/* BFV 14 pages extended; CFV 2, TempMem 4 + 6, TD_HOB 2 added. */
	ck_assert_uint_eq(m.st.page_adds, 14 + 2 + 4 + 2 + 6);
	ck_assert_uint_eq(m.st.extends, 14 * 16);
	plan_free(&p);
}
END_TEST

static int bad_snp(void *arg)
{
	struct measurement m;

	return measure_from_opts(arg, &m, NULL);
}

/* Requests that cannot be launched are refused with exactly one line. */
START_TEST(impossible_requests)
{
	struct launch_opts o;
	char err[1024];

	cvmm_verbosity = LOG_NORMAL;
	snp_opts(&o, OVMF_CODE);
	o.guest_features = 0x20;
	o.guest_features_set = true;
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "SNPActive"));
	snp_opts(&o, OVMF_CODE);
	o.mem = 4ULL << 20;	/* SEV sections at 8 MiB lie outside RAM */
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "outside"));
	snp_opts(&o, NULL);
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	snp_opts(&o, "/usr/share/OVMF/OVMF_CODE_4M.fd");
	o.platform = PLATFORM_TDX;
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no TDVF metadata"));
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	snp_opts(&o, "/nonexistent/fw.fd");
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
}
END_TEST

/*
 * A SECRETS, CPUID or (with --kernel) SNP_KERNEL_HASHES section longer than
 * a page: QEMU hands every page of it to LAUNCH_UPDATE, sev-snp-measure one
 * (or asserts), so a digest for it would match one of them at best. The
 * firmware is the synthetic vector with one section grown into free space.
 */
static void grown_section_refused(const char *dir, uint32_t type, uint32_t gpa,
				  uint32_t move_type, uint32_t move_gpa, uint32_t move_to,
				  const char *want)
{
	char src[512], path[] = "/tmp/cvmm-test-fw-XXXXXX", k[512], err[1024];
	struct ovmf_info fw;
	struct launch_opts o;
	uint8_t *img;
	size_t len;
	int fd;

	snprintf(src, sizeof(src), "%s/measure/inputs/synth-fw-v1.fd", dir);
	snprintf(k, sizeof(k), "%s/measure/inputs/synth-kernel-v1.bin", dir);
	ck_assert_int_eq(file_read_all(src, "firmware", &img, &len), 0);
	ck_assert_int_eq(ovmf_parse(img, len, src, &fw), 0);
	for (size_t i = 0; i < fw.n_sev; i++) {
		uint8_t *it = img + fw.sev_meta_off + 16 + 12 * i;
		uint32_t size = 0x2000;

		if (fw.sev[i].type == move_type && fw.sev[i].gpa == move_gpa)
			memcpy(it, &move_to, 4);
		if (fw.sev[i].type == type && fw.sev[i].gpa == gpa)
			memcpy(it + 4, &size, 4);
	}
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
	close(fd);
	free(img);
	snp_opts(&o, path);
	o.kernel = k;
	cvmm_verbosity = LOG_NORMAL;
	ck_assert_int_eq(capture_stderr(bad_snp, &o, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) && strstr(err, path), "%s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	unlink(path);
}

START_TEST(multi_page_special_sections_refused)
{
	const char *dir = vectors_dir();

	ck_assert_ptr_nonnull(dir);	/* registered only with the vectors */
	/* Synthetic firmware: SECRETS 0x80d000, CPUID 0x80e000, hashes 0x810000, free 0x814000. */
	grown_section_refused(dir, SEV_SECTION_SNP_KERNEL_HASHES, 0x810000,
			      SEV_SECTION_SNP_SEC_MEM, 0x811000, 0x812000, "SNP_KERNEL_HASHES");
	grown_section_refused(dir, SEV_SECTION_SNP_SECRETS, 0x80d000,
			      SEV_SECTION_CPUID, 0x80e000, 0x814000, "SNP_SECRETS");
}
END_TEST

/* A bzImage test guest from `make test-build` (tests/tools/mkbzimage). */
#define TEST_BZIMAGE	"build/guests/bootparams.bzImage"

static void shim_digest(const char *platform, uint64_t mem, int cpus, uint8_t out[48],
			struct measurement *mp)
{
	struct launch_opts o;
	struct measurement m;

	launch_opts_init(&o);
	ck_assert_int_eq(platform_from_name(platform, &o.platform), 0);
	o.kernel = TEST_BZIMAGE;
	o.initrd = TEST_BZIMAGE;	/* any file will do as an initrd */
	o.cmdline = "console=ttyS0";
	o.mem = mem;
	o.cpus = cpus;
	ck_assert_msg(access(TEST_BZIMAGE, R_OK) == 0, "%s missing: run make test-build", TEST_BZIMAGE);
	ck_assert_int_eq(measure_from_opts(&o, &m, NULL), 0);
	memcpy(out, m.digest, 48);
	if (mp)
		*mp = m;
}

/* Direct boot through the shim: RAM size never matters; vCPUs do (MADT, SNP VMSAs). */
START_TEST(direct_boot_independent_of_ram)
{
	uint8_t a[48], b[48], c[48];
	struct measurement m;

	cvmm_verbosity = LOG_QUIET;
	shim_digest("snp", 256ULL << 20, 1, a, &m);
	shim_digest("snp", 8ULL << 30, 1, b, NULL);
	ck_assert_mem_eq(a, b, 48);
	ck_assert_uint_eq(m.st.pages[PIECE_UNMEASURED], 1);	/* the memory map */
	ck_assert_uint_eq(m.st.pages[PIECE_VMSA], 1);
	shim_digest("snp", 256ULL << 20, 2, c, NULL);
	ck_assert_mem_ne(a, c, 48);	/* one VMSA per vCPU */

	shim_digest("tdx", 256ULL << 20, 1, a, &m);
	shim_digest("tdx", 8ULL << 30, 1, b, NULL);
	ck_assert_mem_eq(a, b, 48);
	shim_digest("tdx", 8ULL << 30, 16, c, NULL);
	ck_assert_mem_ne(a, c, 48);	/* the MADT lists every vCPU */
	shim_digest("tdx", 256ULL << 20, 16, a, NULL);
	ck_assert_mem_eq(a, c, 48);
	ck_assert_uint_eq(m.st.page_adds, m.st.pages[PIECE_NORMAL] + m.st.pages[PIECE_TEMP_MEM]);
}
END_TEST

/* The memory-map page is what carries --mem, and it is not measured. */
START_TEST(direct_boot_memmap_unmeasured)
{
	struct launch_opts o;
	struct launch_plan p;
	const struct plan_piece *mm = NULL;

	cvmm_verbosity = LOG_QUIET;
	launch_opts_init(&o);
	o.platform = PLATFORM_SNP;
	o.kernel = TEST_BZIMAGE;
	o.mem = 8ULL << 30;
	ck_assert_int_eq(plan_build_snp(&p, &o), 0);
	for (size_t i = 0; i < p.n_pieces; i++) {
		const struct plan_piece *q = &p.pieces[i];

		if (!strcmp(q->what, "memory map"))
			mm = q;
		/* nothing measured may lie where only a bigger --mem has RAM */
		if (q->measured && q->gpa < LAYOUT_HIGH_RAM)
			ck_assert_msg(q->gpa + q->len <= (256ULL << 20) || q->gpa >= 0xc0000000ULL,
				      "%s at 0x%llx", q->what, (unsigned long long)q->gpa);
	}
	ck_assert_ptr_nonnull(mm);
	ck_assert_int_eq(mm->type, PIECE_UNMEASURED);
	ck_assert(!mm->measured);
	ck_assert_int_eq(p.boot.mode, CPU_MODE_FLAT32);
	plan_free(&p);
	o.mem = 2ULL << 20;	/* too small for the kernel and initrd */
	ck_assert_int_eq(plan_build_snp(&p, &o), -1);
}
END_TEST

static const struct plan_piece *piece_named(const struct launch_plan *p, const char *what)
{
	for (size_t i = 0; i < p->n_pieces; i++)
		if (!strcmp(p->pieces[i].what, what))
			return &p->pieces[i];
	return NULL;
}

static uint64_t rd64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }
static uint32_t rd32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }

/*
 * The MADT of a shim plan, found the way Linux finds it (boot_params'
 * acpi_rsdp_addr -> RSDP -> XSDT -> "APIC"): how many local-APIC entries
 * and the MP wakeup structure's mailbox (0: none).
 */
static uint64_t sleep_ctl_port;	/* the FADT's SLEEP_CONTROL_REG address (madt_of) */

static void madt_of(const struct launch_plan *p, int *n_lapic, uint64_t *mailbox, int *n_ioapic)
{
	const struct plan_piece *acpi = piece_named(p, "ACPI tables"), *bp = piece_named(p, "boot_params");
	const uint8_t *b, *x, *t = NULL;
	uint64_t base;

	ck_assert_ptr_nonnull(acpi);
	ck_assert_ptr_nonnull(bp);
	ck_assert(acpi->measured);
	base = acpi->gpa;
	b = acpi->data;
	ck_assert_uint_eq(rd64(bp->data + 0x70), base);		/* acpi_rsdp_addr */
	ck_assert_mem_eq(b, "RSD PTR ", 8);
	x = b + (rd64(b + 24) - base);
	ck_assert_mem_eq(x, "XSDT", 4);
	sleep_ctl_port = 0;
	for (uint32_t o = 36; o < rd32(x + 4); o += 8) {
		if (!memcmp(b + (rd64(x + o) - base), "APIC", 4))
			t = b + (rd64(x + o) - base);
		if (!memcmp(b + (rd64(x + o) - base), "FACP", 4))	/* ACPI 6.5 5.2.9: GAS at 244 */
			sleep_ctl_port = rd64(b + (rd64(x + o) - base) + 244 + 4);
	}
	ck_assert_ptr_nonnull(t);
	*n_lapic = *n_ioapic = 0;
	*mailbox = 0;
	for (uint32_t o = 44; o < rd32(t + 4); o += t[o + 1]) {
		ck_assert_uint_gt(t[o + 1], 0);
		if (t[o] == 0)
			(*n_lapic)++;
		if (t[o] == 1)
			(*n_ioapic)++;
		if (t[o] == 0x10) {				/* ACPI 6.4 MP wakeup */
			ck_assert_uint_eq(t[o + 1], 16);
			*mailbox = rd64(t + o + 8);
		}
	}
}

static void shim_plan(struct launch_plan *p, enum platform_id plat, int cpus, uint64_t mem)
{
	struct launch_opts o;

	launch_opts_init(&o);
	o.platform = plat;
	o.kernel = TEST_BZIMAGE;
	o.mem = mem;
	o.cpus = cpus;
	if (plat == PLATFORM_PLAIN) {
		o.boot_shim = true;
		plan_init(p, mem);
	}
	ck_assert_msg(access(TEST_BZIMAGE, R_OK) == 0, "%s missing: run make test-build", TEST_BZIMAGE);
	ck_assert_int_eq(plat == PLATFORM_TDX ? plan_build_tdx(p, &o) : plat == PLATFORM_SNP ?
			 plan_build_snp(p, &o) : platform_by_id(PLATFORM_PLAIN)->build_plan(p, &o), 0);
}

/*
 * Item 1 of the confidential Linux issue: plain and TDX shim plans describe
 * the MP wakeup mailbox (no command, measured, e820 NVS in the map the shim
 * checks) and measured AP page tables mapping the low 4 GiB; SNP (AP
 * creation) has neither, but its MADT lists every vCPU too.
 */
START_TEST(direct_boot_mp_wakeup)
{
	static const enum platform_id plats[] = { PLATFORM_PLAIN, PLATFORM_TDX, PLATFORM_SNP };

	cvmm_verbosity = LOG_QUIET;
	for (size_t i = 0; i < 3; i++) {
		struct launch_plan p;
		const struct plan_piece *mb, *pt;
		int n_lapic, n_ioapic;
		uint64_t mailbox;

		shim_plan(&p, plats[i], 4, 512ULL << 20);
		madt_of(&p, &n_lapic, &mailbox, &n_ioapic);
		/* nothing measured in the ROM range Linux 6.1 validates itself on SNP */
		for (size_t k = 0; k < p.n_pieces; k++)
			if (p.pieces[k].measured && p.pieces[k].gpa < 0x100000 && plats[i] != PLATFORM_PLAIN)
				ck_assert_msg(p.pieces[k].gpa + p.pieces[k].len <= 0xc0000, "%s at 0x%llx",
					      p.pieces[k].what, (unsigned long long)p.pieces[k].gpa);
		ck_assert_int_eq(n_lapic, 4);
		ck_assert_int_eq(n_ioapic, 1);	/* item 2: every platform's Linux gets the I/O APIC */
		/* a TD never shows cvmm a HLT: Linux powers off through this port (devices/power.c) */
		ck_assert_uint_eq(sleep_ctl_port, 0x620);
		mb = piece_named(&p, "MP wakeup mailbox");
		pt = piece_named(&p, "AP page tables");
		if (plats[i] == PLATFORM_SNP) {
			/*
			 * SNP's APs: up to the ioctl boundary. Each vCPU has a measured
			 * VMSA; the APs' (esi "SNPa") park in the shim until Linux's AP
			 * creation (a VMGEXIT KVM serves itself) hands them their own.
			 */
			ck_assert_int_eq(p.coco.n_vcpus, 4);
			for (int v = 0; v < 4; v++)
				ck_assert_uint_eq(rd64(p.coco.vmsa[v] + VMSA_OFF_RSI),
						  v ? 0x61504e53u : 0x20504e53u);
			ck_assert_uint_eq(mailbox, 0);
			ck_assert_ptr_null(mb);
			ck_assert_ptr_null(pt);
			ck_assert(!p.ap_park);
			plan_free(&p);
			continue;
		}
		ck_assert_uint_eq(mailbox, 0x9f000);
		ck_assert_ptr_nonnull(mb);
		ck_assert_uint_eq(mb->gpa, 0x9f000);
		ck_assert_uint_eq(mb->len, 4096);
		/*
		 * No command (the OS half zero); the firmware half (ACPI 6.4: from
		 * 0x800) starts with the vCPU count the shim's acceptance job is
		 * spread over, and is zero otherwise: measured, so no host pre-fills it.
		 */
		ck_assert_ptr_nonnull(mb->data);
		ck_assert_uint_eq(mb->data_len, 4096);
		for (size_t k = 0; k < 4096; k++)
			ck_assert_msg(mb->data[k] == (k == 0x800 ? 4 : 0), "mailbox byte 0x%zx: %u", k,
				      mb->data[k]);
		ck_assert(mb->measured);
		ck_assert_ptr_nonnull(pt);
		ck_assert(pt->measured);
		ck_assert_uint_eq(pt->gpa, 0xa0000);
		ck_assert_uint_eq(pt->len, 6 * 4096);
		/* PML4[0] -> PDPT; PDPT[3] -> 4th PD; its last entry maps [4 GiB - 2 MiB, 4 GiB). */
		ck_assert_uint_eq(rd64(pt->data), 0xa1003);
		ck_assert_uint_eq(rd64(pt->data + 4096 + 3 * 8), 0xa5003);
		ck_assert_uint_eq(rd64(pt->data + 5 * 4096 + 511 * 8), 0xffe00083);
		ck_assert_uint_eq(rd64(pt->data + 2 * 4096), 0x83);	/* [0, 2 MiB): the trampoline */
		if (plats[i] == PLATFORM_PLAIN) {
			ck_assert(p.ap_park);
			ck_assert_uint_eq(p.ap.rip, 0xffffc000ULL + 8);
			ck_assert_uint_eq(p.ap.cr3, 0xa0000);
			ck_assert_int_eq(p.ap.mode, CPU_MODE_LONG64);
			/* the BSP takes the 32-bit door, as a TD's does */
			ck_assert_int_eq(p.boot.mode, CPU_MODE_FLAT32);
			ck_assert_uint_eq(p.boot.rip, 0xffffc000ULL + 0x10);
			ck_assert_uint_eq(p.boot.rsi, 0);
		}
		plan_free(&p);
	}
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("measure");
	TCase *tc = tcase_create("measure");

	tcase_set_timeout(tc, 120);
	tcase_add_vectors_test(tc, reference_vectors);
	tcase_add_test(tc, vmsa_matches_documented_state);
	tcase_add_test(tc, cpu_signatures);
	tcase_add_test(tc, snp_vcpu_chain_property);
	tcase_add_vectors_test(tc, multi_page_special_sections_refused);
	tcase_add_test(tc, cpuid_page_layout);
	tcase_add_vectors_test(tc, kernel_hashes_table);
	tcase_add_test(tc, snp_dependencies);
	tcase_add_test(tc, tdx_dependencies);
	tcase_add_test(tc, direct_boot_mp_wakeup);
	tcase_add_test(tc, mrtd_order_semantics);
	tcase_add_vectors_test(tc, tdx_page_aug_not_added);
	tcase_add_test(tc, impossible_requests);
	tcase_add_test(tc, direct_boot_independent_of_ram);
	tcase_add_test(tc, direct_boot_memmap_unmeasured);
	suite_add_tcase(s, tc);
	vectors_report_skipped();
	return s;
}

CVMM_CHECK_MAIN()
