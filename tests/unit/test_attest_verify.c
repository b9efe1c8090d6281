/*
 * Attestation verification on the real vectors (with the chains their
 * README pairs them with) and on copies damaged one byte or one certificate
 * at a time: each damage must fail exactly the check it concerns.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/bytes.h"
#include "attest/roots.h"
#include "attest/snp_policy.h"
#include "attest/verify.h"
#include "attest_vectors.h"
#include "capture.h"
#include "check_compat.h"

struct pairing {
	const char *report, *ek, *chain;
};

/* README: X.vcek/X.vlek go with X.bin; the issuer CN names the chain file. */
static const struct pairing snp_pairs[] = {
	{ "snp/gosev-attestation.bin", "snp/gosev-attestation.vcek.der", "snp/chains/amd-milan-ask-ark.pem" },
	{ "snp/trustee-test-report.bin", "snp/trustee-test-report.vcek.der", "snp/chains/amd-milan-ask-ark.pem" },
	{ "snp/trustee-test-vlek-report.bin", "snp/trustee-test-vlek-report.vlek.der", "snp/chains/amd-milan-asvk-ark.pem" },
	{ "snp/mstav-milan-report.bin", "snp/mstav-milan-report.vcek.pem", "snp/chains/amd-milan-ask-ark.pem" },
	{ "snp/mstav-genoa-report.bin", "snp/mstav-genoa-report.vcek.pem", "snp/chains/amd-genoa-ask-ark.pem" },
	{ "snp/mstav-turin-report.bin", "snp/mstav-turin-report.vcek.pem", "snp/chains/amd-turin-ask-ark.pem" },
	{ "snp/teekit-sev-gcp-reportdata.bin", "snp/teekit-sev-gcp-reportdata.vcek.pem", "snp/chains/amd-milan-ask-ark.pem" },
	{ "snp/trustee-e2e-report.bin", "snp/trustee-e2e-report.vcek.der", "snp/chains/amd-genoa-ask-ark.pem" },
	{ "snp/trustee-az-snp-hcl-report.bin", "snp/trustee-az-snp-hcl-report.vcek-ask-ark.pem", NULL },
};

static char pbuf[3][700];

static void set_certs(struct verify_opts *vo, const char *ek, const char *chain)
{
	memset(vo, 0, sizeof(*vo));
	vo->certs[vo->n_certs++] = vec_path(ek, pbuf[0], sizeof(pbuf[0]));
	if (chain)
		vo->certs[vo->n_certs++] = vec_path(chain, pbuf[1], sizeof(pbuf[1]));
}

static void run(uint8_t *p, size_t len, const struct verify_opts *vo, struct checks *cl)
{
	struct evidence ev;

	memset(cl, 0, sizeof(*cl));
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_int_eq(evidence_verify(&ev, vo, cl), 0);
}

static enum check_result result(const struct checks *cl, const char *name)
{
	const struct check *c = check_find(cl, name);

	ck_assert_msg(c != NULL, "no check %s", name);
	return c->result;
}

/* Exactly the named checks failed. */
static void only_failed(const struct checks *cl, const char *const *names, size_t n)
{
	for (size_t i = 0; i < cl->n; i++) {
		bool want = false;

		for (size_t j = 0; j < n; j++)
			want |= !strcmp(cl->c[i].name, names[j]);
		ck_assert_msg((cl->c[i].result == CHECK_FAILED) == want, "check %s: %s (%s)",
			      cl->c[i].name, cl->c[i].result == CHECK_FAILED ? "failed" : "not failed",
			      cl->c[i].detail);
	}
}

/*
 * A --certs directory deep enough that DIR/NAME no longer fits a path
 * buffer: the file must be named as unreadable, not silently skipped
 * (which then blamed the directory for holding no certificate).
 */
START_TEST(certs_dir_long_path)
{
	char dir[4096] = "/tmp/cvmm-test-deep-XXXXXX", name[256];
	char seg[241];
	STACK_OF(X509) *sk = sk_X509_new_null();
	const char *out;
	int fd, dfd, depth = 0;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(seg, 'd', sizeof(seg) - 1);
	seg[sizeof(seg) - 1] = '\0';
	while (strlen(dir) + 1 + strlen(seg) < 3900) {
		strcat(dir, "/");
		strcat(dir, seg);
		ck_assert_int_eq(mkdir(dir, 0700), 0);
		depth++;
	}
	memset(name, 'c', 250);
	name[250] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dfd, 0);
	fd = openat(dfd, name, O_WRONLY | O_CREAT, 0600);	/* DIR/NAME is too long for open() */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	capture_begin();
	ck_assert_int_eq(x509_load_path(dir, sk), -1);
	out = capture_end();
	n = strlen(out);
	ck_assert_msg(strstr(out, name) && strstr(out, "too long"), "%s", out);
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
	unlinkat(dfd, name, 0);
	close(dfd);
	for (; depth >= 0; depth--) {
		rmdir(dir);
		*strrchr(dir, '/') = '\0';
	}
	x509_free_stack(sk);
}
END_TEST

START_TEST(snp_vectors_verify)
{
	for (size_t i = 0; i < NELEM(snp_pairs); i++) {
		size_t len;
		uint8_t *p = vec_read(snp_pairs[i].report, &len);
		struct verify_opts vo;
		struct checks cl;

		size_t off = strstr(snp_pairs[i].report, "hcl") ? 0x20 : 0;
		bool debug = (p[off + 0x08 + 2] >> 3) & 1;	/* policy bit 19 */

		/*
		 * The SNP ABI offsets, read here, not through the parser: committed
		 * TCB 0x1e0 and version 0x1ec against current TCB 0x38 and version
		 * 0x1e8 (provisional firmware), VMPL 0x30.
		 */
		bool provisional = memcmp(p + off + 0x38, p + off + 0x1e0, 8) ||
				   memcmp(p + off + 0x1e8, p + off + 0x1ec, 3);
		uint32_t vmpl = ld32(p + off + 0x30);

		set_certs(&vo, snp_pairs[i].ek, snp_pairs[i].chain);
		run(p, len, &vo, &cl);	/* time_check off: real evidence ages */
		ck_assert_int_eq(result(&cl, "debug"), debug ? CHECK_FAILED : CHECK_PASSED);
		/* go-sev-guest's defaults: no provisional firmware, VMPL 0. */
		ck_assert_msg(result(&cl, "committed_tcb") == (provisional ? CHECK_FAILED : CHECK_PASSED),
			      "%s", snp_pairs[i].report);
		ck_assert_msg(result(&cl, "vmpl") == (vmpl ? CHECK_FAILED : CHECK_PASSED), "%s",
			      snp_pairs[i].report);
		ck_assert_int_eq(result(&cl, "reported_tcb_committed"), CHECK_PASSED);
		vo.allow_debug = true;
		vo.allow_provisional = provisional;
		vo.vmpl = vmpl;
		run(p, len, &vo, &cl);
		ck_assert_msg(checks_failed(&cl) == 0, "%s", snp_pairs[i].report);
		ck_assert_int_eq(result(&cl, "report_signature"), CHECK_PASSED);
		ck_assert_int_eq(result(&cl, "reported_tcb"), CHECK_PASSED);
		ck_assert_int_eq(result(&cl, "product"), CHECK_PASSED);
		ck_assert_int_eq(result(&cl, "root_pinned"), CHECK_PASSED);	/* built-in ARK */
		ck_assert_int_eq(result(&cl, "chip_id"),
				 strstr(snp_pairs[i].ek, "vlek") ? CHECK_SKIPPED : CHECK_PASSED);
		free(p);
	}
}
END_TEST

/*
 * The TCB fields on a report built here byte by byte (SNP ABI, TCB_VERSION:
 * Milan/Genoa bl byte 0, tee 1, snp 6, ucode 7; Turin fmc 0, bl 1, tee 2,
 * snp 3, ucode 7), so every component and the firmware version are each
 * the only difference once. No vector has these differences.
 */
static uint8_t tcb_rep[0x4a0];

static void tcb_put(int off, const uint8_t b[8])
{
	memcpy(tcb_rep + off, b, 8);
}

static enum check_result tcb_check(const char *name, enum snp_tcb_layout lay,
				   const struct verify_opts *vo)
{
	struct snp_report r = { .p = tcb_rep };
	struct checks cl;

	memset(&cl, 0, sizeof(cl));
	snp_fields_check(&cl, vo, &r, lay);
	return result(&cl, name);
}

START_TEST(snp_tcb_components)
{
	static const uint8_t base[8] = { 2, 0, 0, 0, 0, 0, 9, 0x10 };
	struct verify_opts vo;
	uint8_t t[8];

	memset(&vo, 0, sizeof(vo));
	memset(tcb_rep, 0, sizeof(tcb_rep));
	tcb_put(0x38, base);	/* current */
	tcb_put(0x1e0, base);	/* committed */
	tcb_put(0x180, base);	/* reported */
	tcb_rep[0x1e8] = 21; tcb_rep[0x1e9] = 55; tcb_rep[0x1ea] = 1;	/* current 1.55.21 */
	tcb_rep[0x1ec] = 21; tcb_rep[0x1ed] = 55; tcb_rep[0x1ee] = 1;	/* committed */
	ck_assert_int_eq(tcb_check("committed_tcb", SNP_TCB_MILAN_GENOA, &vo), CHECK_PASSED);
	ck_assert_int_eq(tcb_check("reported_tcb_committed", SNP_TCB_MILAN_GENOA, &vo), CHECK_PASSED);

	/* Same TCB, committed firmware build one older: provisional firmware. */
	tcb_rep[0x1ec] = 20;
	ck_assert_int_eq(tcb_check("committed_tcb", SNP_TCB_MILAN_GENOA, &vo), CHECK_FAILED);
	tcb_rep[0x1ec] = 21;

	/* Reported TEE SVN above the committed one, all else equal. */
	memcpy(t, base, 8); t[1] = 1; tcb_put(0x180, t);
	ck_assert_int_eq(tcb_check("reported_tcb_committed", SNP_TCB_MILAN_GENOA, &vo), CHECK_FAILED);
	/* Component by component: bl above though the whole number is below (snp lower). */
	memcpy(t, base, 8); t[0] = 3; t[6] = 8; tcb_put(0x180, t);
	ck_assert_int_eq(tcb_check("reported_tcb_committed", SNP_TCB_MILAN_GENOA, &vo), CHECK_FAILED);
	/* Turin: byte 0 is the FMC SVN; above the committed one fails there. */
	memcpy(t, base, 8); t[0] = 3; tcb_put(0x180, t);
	ck_assert_int_eq(tcb_check("reported_tcb_committed", SNP_TCB_TURIN, &vo), CHECK_FAILED);
	/* Every component at or below: passes. */
	memcpy(t, base, 8); t[0] = 1; t[7] = 0x0f; tcb_put(0x180, t);
	ck_assert_int_eq(tcb_check("reported_tcb_committed", SNP_TCB_MILAN_GENOA, &vo), CHECK_PASSED);
	tcb_put(0x180, base);

	/* --min-tcb one TEE SVN above the report's. */
	memcpy(t, base, 8); t[1] = 1;
	vo.min_tcb_set = true;
	vo.min_tcb = ld64(t);
	ck_assert_int_eq(tcb_check("min_tcb", SNP_TCB_MILAN_GENOA, &vo), CHECK_FAILED);
	vo.min_tcb = ld64(base);
	ck_assert_int_eq(tcb_check("min_tcb", SNP_TCB_MILAN_GENOA, &vo), CHECK_PASSED);
}
END_TEST

START_TEST(snp_flipped_bytes)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-milan-report.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	const char *sig[] = { "report_signature" };
	/* A byte of r, of s, of the measurement, of report data: all signed or the signature. */
	const size_t offs[] = { 0x2a0, 0x2e8 + 5, 0x90 + 3, 0x50 };

	set_certs(&vo, "snp/mstav-milan-report.vcek.pem", "snp/chains/amd-milan-ask-ark.pem");
	for (size_t i = 0; i < NELEM(offs); i++) {
		p[offs[i]] ^= 0x01;
		run(p, len, &vo, &cl);
		only_failed(&cl, sig, 1);
		p[offs[i]] ^= 0x01;
	}
	free(p);
}
END_TEST

START_TEST(snp_tcb_and_chip_bound)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-genoa-report.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	/* A reported TCB raised past the VCEK's is also past the committed TCB. */
	const char *tcb[] = { "report_signature", "reported_tcb", "reported_tcb_committed" };
	const char *chip[] = { "report_signature", "chip_id" };

	set_certs(&vo, "snp/mstav-genoa-report.vcek.pem", "snp/chains/amd-genoa-ask-ark.pem");
	p[0x180 + 7]++;		/* reported TCB microcode SPL */
	run(p, len, &vo, &cl);
	only_failed(&cl, tcb, 3);
	p[0x180 + 7]--;
	p[0x1a0]++;		/* chip id */
	run(p, len, &vo, &cl);
	only_failed(&cl, chip, 2);
	free(p);
}
END_TEST

START_TEST(snp_other_product)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-milan-report.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	const char *bad[] = { "product", "vcek_signed_by_ask", "root_pinned" };

	/* A Milan VCEK with the Genoa ASK/ARK: the Genoa ARK is not the built-in Milan one. */
	set_certs(&vo, "snp/mstav-milan-report.vcek.pem", "snp/chains/amd-genoa-ask-ark.pem");
	run(p, len, &vo, &cl);
	only_failed(&cl, bad, 3);
	/* The Milan report against the Genoa VCEK (and its chain). */
	set_certs(&vo, "snp/mstav-genoa-report.vcek.pem", "snp/chains/amd-genoa-ask-ark.pem");
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "product"), CHECK_FAILED);
	ck_assert_int_eq(result(&cl, "report_signature"), CHECK_FAILED);
	ck_assert_int_eq(result(&cl, "chip_id"), CHECK_FAILED);
	free(p);
}
END_TEST

START_TEST(snp_missing_certs)
{
	size_t len;
	uint8_t *p = vec_read("snp/gosev-attestation.bin", &len);
	struct verify_opts vo = { 0 };
	struct checks cl;

	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "certificates"), CHECK_FAILED);
	set_certs(&vo, "snp/gosev-attestation.vcek.der", NULL);
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "certificates"), CHECK_FAILED);
	ck_assert_int_eq(result(&cl, "report_signature"), CHECK_PASSED);	/* the VCEK is there */
	free(p);
}
END_TEST

/* notAfter of a certificate file, read with OpenSSL's own printer. */
static time_t not_after(const char *rel, char *iso, size_t n)
{
	char path[700];
	FILE *f = fopen(vec_path(rel, path, sizeof(path)), "rb");
	X509 *c = d2i_X509_fp(f, NULL);
	struct tm tm;

	fclose(f);
	ck_assert(c != NULL);
	ck_assert(ASN1_TIME_to_tm(X509_get0_notAfter(c), &tm));
	X509_free(c);
	strftime(iso, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return timegm(&tm);
}

START_TEST(snp_expired_vlek)
{
	size_t len;
	uint8_t *p = vec_read("snp/trustee-test-vlek-report.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	char iso[40];
	time_t end = not_after("snp/trustee-test-vlek-report.vlek.der", iso, sizeof(iso));
	const char *tm[] = { "cert_validity" };

	set_certs(&vo, "snp/trustee-test-vlek-report.vlek.der", "snp/chains/amd-milan-asvk-ark.pem");
	/* This report is provisional (committed TCB 0x1e0 != current 0x38) and from VMPL 0x30 = 1. */
	ck_assert(memcmp(p + 0x38, p + 0x1e0, 8) != 0);
	vo.allow_provisional = true;
	vo.vmpl = ld32(p + 0x30);
	vo.time_check = true;
	vo.at = end - 60;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "cert_validity"), CHECK_PASSED);
	vo.at = end + 60;
	run(p, len, &vo, &cl);
	only_failed(&cl, tm, 1);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "cert_validity")->detail, "VLEK"));
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "cert_validity")->detail, iso));
	vo.at = 0;	/* 1970: nothing is valid yet */
	run(p, len, &vo, &cl);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "cert_validity")->detail, "not valid before"));
	free(p);
}
END_TEST

START_TEST(snp_expected_values)
{
	size_t len;
	uint8_t *p = vec_read("snp/teekit-sev-gcp-reportdata.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	uint8_t meas[48], rd[64];

	set_certs(&vo, "snp/teekit-sev-gcp-reportdata.vcek.pem", "snp/chains/amd-milan-ask-ark.pem");
	vo.vmpl = ld32(p + 0x30);	/* Google's report comes from VMPL 1 (offset 0x30) */
	memcpy(meas, p + 0x90, 48);
	memcpy(rd, p + 0x50, 64);
	vo.expect_measurement = meas;
	vo.expect_measurement_len = 48;
	vo.report_data = rd;
	vo.report_data_len = 64;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(checks_failed(&cl), 0);
	ck_assert_int_eq(result(&cl, "measurement"), CHECK_PASSED);
	meas[47] ^= 0x80;
	rd[0] ^= 0x80;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "measurement"), CHECK_FAILED);
	ck_assert_int_eq(result(&cl, "report_data"), CHECK_FAILED);
	vo.expect_measurement_len = 32;	/* a SHA-256 is not a launch digest */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "measurement"), CHECK_FAILED);
	free(p);
}
END_TEST

START_TEST(tdx_vectors_verify)
{
	for (size_t i = 0; i < NELEM(tdx_quotes); i++) {
		size_t len;
		uint8_t *p = vec_read(tdx_quotes[i].name, &len);
		struct verify_opts vo = { 0 };
		struct checks cl;

		size_t body = ld16(p) == 5 ? 54 : 48;
		bool debug = p[body + 120] & 1;		/* TDATTRIBUTES bit 0 */

		/* No options: the built-in Intel root is the anchor. */
		run(p, len, &vo, &cl);
		ck_assert_int_eq(result(&cl, "debug"), debug ? CHECK_FAILED : CHECK_PASSED);
		vo.allow_debug = true;
		run(p, len, &vo, &cl);
		ck_assert_msg(checks_failed(&cl) == 0, "%s", tdx_quotes[i].name);
		ck_assert_int_eq(result(&cl, "root_pinned"), CHECK_PASSED);
		ck_assert_ptr_nonnull(strstr(check_find(&cl, "root_pinned")->detail, "built into"));
		vo.root = vec_path("tdx/collateral/intel-sgx-root-ca.pem", pbuf[2], sizeof(pbuf[2]));
		run(p, len, &vo, &cl);
		ck_assert_msg(checks_failed(&cl) == 0, "%s --root", tdx_quotes[i].name);
		ck_assert_ptr_nonnull(strstr(check_find(&cl, "root_pinned")->detail, "--root"));
		ck_assert_int_eq(result(&cl, "pck_chain"), CHECK_PASSED);
		ck_assert_int_eq(result(&cl, "quote_signature"), CHECK_PASSED);
		ck_assert_int_eq(result(&cl, "qe_report_signature"), CHECK_PASSED);
		free(p);
	}
}
END_TEST

START_TEST(tdx_flipped_bytes)
{
	size_t len, off;
	uint8_t *p = vec_read("tdx/trustee-tdx_quote_4.dat", &len);
	struct verify_opts vo = { 0 };
	struct checks cl;
	const char *qs[] = { "quote_signature" }, *qe[] = { "qe_report_signature" };
	const char *bind[] = { "qe_report_data" };
	size_t sig = 48 + 584 + 4;		/* v4: signature data starts here */
	size_t qe_report = sig + 128 + 6, qe_auth = qe_report + 384 + 64 + 2;

	vo.allow_debug = true;	/* this one is a debug TD (TDATTRIBUTES bit 0 set) */

	p[48 + 136] ^= 1;			/* MRTD */
	run(p, len, &vo, &cl);
	only_failed(&cl, qs, 1);
	p[48 + 136] ^= 1;
	p[sig + 10] ^= 1;			/* signature r */
	run(p, len, &vo, &cl);
	only_failed(&cl, qs, 1);
	p[sig + 10] ^= 1;
	p[qe_report + 2] ^= 1;			/* QE CPUSVN: signed by the PCK key */
	run(p, len, &vo, &cl);
	only_failed(&cl, qe, 1);
	p[qe_report + 2] ^= 1;
	off = qe_auth;
	p[off] ^= 1;				/* QE auth data: bound through report data */
	run(p, len, &vo, &cl);
	only_failed(&cl, bind, 1);
	free(p);
}
END_TEST

START_TEST(tdx_wrong_root)
{
	size_t len;
	uint8_t *p = vec_read("tdx/gotdx-tdx_prod_quote_SPR_E4.dat", &len);
	struct verify_opts vo = { 0 };
	struct checks cl;
	const char *bad[] = { "root_pinned", "pck_chain" };

	vo.allow_debug = true;
	/* Pin a root from another vendor: the ARK of the Milan chain file. */
	vo.root = vec_path("snp/chains/amd-milan-ask-ark.pem", pbuf[2], sizeof(pbuf[2]));
	run(p, len, &vo, &cl);
	only_failed(&cl, bad, 2);
	free(p);
}
END_TEST

START_TEST(tdx_expected_mrtd)
{
	size_t len;
	uint8_t *p = vec_read("tdx/gotdx-quote_v5_sample.dat", &len);
	struct verify_opts vo = { 0 };
	struct checks cl;
	uint8_t mrtd[48];

	memcpy(mrtd, p + 48 + 6 + 136, 48);	/* v5: header, body descriptor, body.MRTD */
	vo.expect_measurement = mrtd;
	vo.expect_measurement_len = 48;
	vo.report_data = p + 48 + 6 + 520;
	vo.report_data_len = 20;		/* a prefix: the rest must then be zero */
	vo.allow_debug = true;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "measurement"), CHECK_PASSED);
	ck_assert_int_eq(result(&cl, "report_data"), CHECK_FAILED);
	vo.report_data_len = 64;
	mrtd[0] ^= 1;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "measurement"), CHECK_FAILED);
	ck_assert_int_eq(result(&cl, "report_data"), CHECK_PASSED);
	free(p);
}
END_TEST

START_TEST(debug_guests_fail)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-turin-report.bin", &len);
	struct verify_opts vo;
	struct checks cl;
	const char *snp[] = { "report_signature", "debug" }, *sig[] = { "report_signature" };
	const char *tdx[] = { "quote_signature", "debug" };

	/* SNP ABI: guest policy bit 19 is DEBUG. */
	set_certs(&vo, "snp/mstav-turin-report.vcek.pem", "snp/chains/amd-turin-ask-ark.pem");
	p[0x08 + 2] |= 0x08;
	run(p, len, &vo, &cl);
	only_failed(&cl, snp, 2);
	vo.allow_debug = true;
	run(p, len, &vo, &cl);
	only_failed(&cl, sig, 1);
	free(p);
	/* TDX module ABI: TDATTRIBUTES bit 0 is DEBUG (body offset 120). */
	p = vec_read("tdx/trustee-az-tdx-td-quote.bin", &len);
	memset(&vo, 0, sizeof(vo));
	p[48 + 120] |= 1;
	run(p, len, &vo, &cl);
	only_failed(&cl, tdx, 2);
	free(p);
}
END_TEST

START_TEST(snp_policy_max)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-turin-report.bin", &len);
	uint64_t policy = ld64(p + 0x08);
	struct verify_opts vo;
	struct checks cl;

	set_certs(&vo, "snp/mstav-turin-report.vcek.pem", "snp/chains/amd-turin-ask-ark.pem");
	vo.policy_max_set = true;
	vo.policy_max = policy;			/* exactly the report's: within */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "policy"), CHECK_PASSED);
	ck_assert_uint_eq(policy >> 16 & 1, 1);	/* the vector allows SMT ... */
	vo.policy_max = policy & ~(1ULL << 16);	/* ... which this maximum does not */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "policy"), CHECK_FAILED);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "policy")->detail, "smt"));
	vo.policy_max = policy | (1ULL << 20);	/* demands SINGLE_SOCKET, which it lacks */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "policy"), CHECK_FAILED);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "policy")->detail, "single_socket"));
	vo.policy_max = policy;
	p[0x08 + 7] |= 0x80;			/* bit 63: no document names it */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(result(&cl, "policy"), CHECK_FAILED);
	free(p);
}
END_TEST

/* --- self-made chains: what anyone can produce must not pass by default */

static EVP_PKEY *new_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

/*
 * A certificate for key with subject CN=cn, signed by ikey and named as
 * issued by issuer (self-signed when issuer is NULL), valid from now +
 * from_days to now + to_days.
 */
static X509 *new_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca,
		      long from_days, long to_days)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(X509_set_version(c, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	ck_assert_int_eq(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn,
						    -1, -1, 0), 1);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(c), from_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(c), to_days * 86400);
	X509_set_pubkey(c, key);
	X509V3_set_ctx(&v3, issuer ? issuer : c, c, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(c, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(c, ikey, EVP_sha256()), 0);
	X509_NAME_free(n);
	return c;
}

/* ECDSA P-256 over msg with key, as the raw r || s (big-endian) a quote stores. */
static void sign_raw(EVP_PKEY *key, const uint8_t *msg, size_t n, uint8_t out[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *q = der;
	size_t dl = sizeof(der);
	ECDSA_SIG *sig;
	const BIGNUM *r, *s;

	ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(EVP_DigestSign(ctx, der, &dl, msg, n), 1);
	sig = d2i_ECDSA_SIG(NULL, &q, (long)dl);
	ck_assert_ptr_nonnull(sig);
	ECDSA_SIG_get0(sig, &r, &s);
	ck_assert_int_eq(BN_bn2binpad(r, out, 32), 32);
	ck_assert_int_eq(BN_bn2binpad(s, out + 32, 32), 32);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
}

/*
 * Put chain (leaf first) into the quote in place of its PCK chain, padded
 * with NULs to the same size, and re-sign the QE report with leaf_key: the
 * quote is then exactly as valid as the chain's root is trusted.
 */
static void replace_chain(uint8_t *p, size_t len, X509 *const *chain, int n, EVP_PKEY *leaf_key)
{
	struct evidence ev;
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long pl;
	size_t qe, pck, pck_size;

	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	qe = (size_t)(ev.tdx.qe_report - p);
	pck = (size_t)(ev.tdx.pck - p);
	pck_size = ev.tdx.pck_size;
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(PEM_write_bio_X509(b, chain[i]), 1);
	pl = BIO_get_mem_data(b, &pem);
	ck_assert_int_le(pl, (long)pck_size);
	memset(p + pck, 0, pck_size);
	memcpy(p + pck, pem, (size_t)pl);
	sign_raw(leaf_key, p + qe, TDX_QE_REPORT_SIZE, p + qe + TDX_QE_REPORT_SIZE);
	BIO_free(b);
}

START_TEST(tdx_self_made_chain)
{
	size_t len;
	uint8_t *p = vec_read("tdx/trustee-tdx_quote_4.dat", &len);
	EVP_PKEY *rk = new_key(), *lk = new_key();
	/* The names Intel's certificates carry: only the key decides. */
	X509 *root = new_cert("Intel SGX Root CA", rk, NULL, rk, true, -1, 365);
	X509 *leaf = new_cert("Intel SGX PCK Certificate", lk, root, rk, false, -1, 365);
	X509 *chain[] = { leaf, root };
	struct verify_opts vo = { .allow_debug = true, .time_check = true, .at = time(NULL) };
	struct checks cl;
	const char *bad[] = { "root_pinned", "pck_chain" };

	replace_chain(p, len, chain, 2, lk);
	run(p, len, &vo, &cl);
	only_failed(&cl, bad, 2);
	ck_assert_int_eq(result(&cl, "qe_report_signature"), CHECK_PASSED);	/* the re-signing worked */
	vo.root = vec_path("tdx/collateral/intel-sgx-root-ca.pem", pbuf[2], sizeof(pbuf[2]));
	run(p, len, &vo, &cl);
	only_failed(&cl, bad, 2);
	/* Only the opt-out passes it, and says it is not anchored. */
	vo.root = NULL;
	vo.trust_evidence_root = true;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(checks_failed(&cl), 0);
	ck_assert_int_eq(result(&cl, "root_pinned"), CHECK_SKIPPED);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "root_pinned")->detail, "NOT ANCHORED"));
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "pck_chain")->detail, "NOT ANCHORED"));
	X509_free(leaf);
	X509_free(root);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(lk);
	free(p);
}
END_TEST

/* A chain longer than three: an expired CA in the middle is named. */
START_TEST(tdx_long_chain_validity)
{
	size_t len;
	uint8_t *p = vec_read("tdx/trustee-tdx_quote_4.dat", &len);
	EVP_PKEY *k[4] = { new_key(), new_key(), new_key(), new_key() };
	X509 *c[4];
	struct verify_opts vo = { .allow_debug = true, .time_check = true, .at = time(NULL),
				  .trust_evidence_root = true };
	struct checks cl;
	const char *bad[] = { "cert_validity" };

	c[3] = new_cert("Test Root", k[3], NULL, k[3], true, -10, 365);
	/* chain[2]: the one the old check (leaf, chain[1], root) never looked at */
	c[2] = new_cert("Test CA one", k[2], c[3], k[3], true, -10, -5);	/* expired */
	c[1] = new_cert("Test CA two", k[1], c[2], k[2], true, -10, 365);
	c[0] = new_cert("Test leaf", k[0], c[1], k[1], false, -10, 365);
	replace_chain(p, len, c, 4, k[0]);
	run(p, len, &vo, &cl);
	only_failed(&cl, bad, 1);
	ck_assert_msg(strstr(check_find(&cl, "cert_validity")->detail, "PCK CA (CN=Test CA one) expired") &&
		      !strstr(check_find(&cl, "cert_validity")->detail, "CN=Test CA two"),
		      "%s", check_find(&cl, "cert_validity")->detail);
	vo.at -= 7 * 86400;	/* before it expired: the whole chain is valid */
	run(p, len, &vo, &cl);
	ck_assert_int_eq(checks_failed(&cl), 0);
	for (int i = 0; i < 4; i++) {
		X509_free(c[i]);
		EVP_PKEY_free(k[i]);
	}
	free(p);
}
END_TEST

static void write_pem(const char *path, X509 *const *certs, int n)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(PEM_write_X509(f, certs[i]), 1);
	ck_assert_int_eq(fclose(f), 0);
}

static X509 *read_cert(const char *rel, int which)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	char path[700];
	X509 *c;

	ck_assert_int_eq(x509_load_file(vec_path(rel, path, sizeof(path)), sk), 0);
	c = X509_dup(sk_X509_value(sk, which));
	x509_free_stack(sk);
	return c;
}

/*
 * SNP: an ARK and ASK made here that re-sign the real VCEK (its key still
 * signs the report): every check but the anchor passes.
 */
START_TEST(snp_self_made_ark)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-milan-report.bin", &len);
	EVP_PKEY *ark_k = new_key(), *ask_k = new_key();
	X509 *ark = new_cert("ARK-Milan", ark_k, NULL, ark_k, true, -1, 365);
	X509 *ask = new_cert("SEV-Milan", ask_k, ark, ark_k, true, -1, 365);
	X509 *vcek = read_cert("snp/mstav-milan-report.vcek.pem", 0);
	X509 *real_ask = read_cert("snp/chains/amd-milan-ask-ark.pem", 0);
	X509 *real_ark = read_cert("snp/chains/amd-milan-ask-ark.pem", 1);
	char path[] = "/tmp/cvmm-test-ark-XXXXXX", file[64], same_key[64];
	struct verify_opts vo = { .allow_debug = true };
	struct checks cl;
	const char *pin[] = { "root_pinned" }, *pin_ask[] = { "root_pinned", "ask_signed_by_ark" };

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(file, sizeof(file), "%s/chain.pem", path);
	snprintf(same_key, sizeof(same_key), "%s/same-key.pem", path);
	X509_set_issuer_name(vcek, X509_get_subject_name(ask));
	ck_assert_int_gt(X509_sign(vcek, ask_k, EVP_sha384()), 0);
	write_pem(file, (X509 *[]){ vcek, ask, ark }, 3);
	vo.certs[vo.n_certs++] = file;
	run(p, len, &vo, &cl);
	only_failed(&cl, pin, 1);
	ck_assert_int_eq(result(&cl, "vcek_signed_by_ask"), CHECK_PASSED);
	ck_assert_int_eq(result(&cl, "ask_signed_by_ark"), CHECK_PASSED);
	vo.trust_evidence_root = true;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(checks_failed(&cl), 0);
	ck_assert_ptr_nonnull(strstr(check_find(&cl, "root_pinned")->detail, "NOT ANCHORED"));
	vo.trust_evidence_root = false;

	/* The real VCEK and ASK under a self-made ARK-Milan. */
	X509_free(vcek);
	vcek = read_cert("snp/mstav-milan-report.vcek.pem", 0);
	write_pem(file, (X509 *[]){ vcek, real_ask, ark }, 3);
	run(p, len, &vo, &cl);
	only_failed(&cl, pin_ask, 2);

	/*
	 * --root: a certificate with AMD's ARK key (signed here, so not
	 * byte-identical) pins the real chain; a self-made one does not.
	 */
	{
		X509 *k = new_cert("ARK-Milan", (EVP_PKEY *)X509_get0_pubkey(real_ark), NULL, ark_k,
				   true, -1, 365);

		write_pem(same_key, &k, 1);
		X509_free(k);
	}
	write_pem(file, (X509 *[]){ vcek, real_ask, real_ark }, 3);
	vo.root = same_key;
	run(p, len, &vo, &cl);
	ck_assert_int_eq(checks_failed(&cl), 0);
	ck_assert_int_eq(result(&cl, "root_pinned"), CHECK_PASSED);
	write_pem(same_key, &ark, 1);
	run(p, len, &vo, &cl);
	only_failed(&cl, pin, 1);

	unlink(file);
	unlink(same_key);
	rmdir(path);
	X509_free(vcek);
	X509_free(real_ask);
	X509_free(real_ark);
	X509_free(ask);
	X509_free(ark);
	EVP_PKEY_free(ark_k);
	EVP_PKEY_free(ask_k);
	free(p);
}
END_TEST

/* The linked-in anchors are the certificates the vectors' README traces upstream. */
START_TEST(builtin_roots_are_the_vectors)
{
	static const struct { const char *product, *chain; } arks[] = {
		{ "Milan", "snp/chains/amd-milan-ask-ark.pem" },
		{ "Milan", "snp/chains/amd-milan-asvk-ark.pem" },
		{ "Genoa", "snp/chains/amd-genoa-ask-ark.pem" },
		{ "Turin", "snp/chains/amd-turin-ask-ark.pem" },
	};
	X509 *a = root_intel_sgx(), *b = read_cert("tdx/collateral/intel-sgx-root-ca.pem", 0);

	ck_assert_int_eq(X509_cmp(a, b), 0);
	X509_free(a);
	X509_free(b);
	for (size_t i = 0; i < NELEM(arks); i++) {
		a = root_amd_ark(arks[i].product);
		b = read_cert(arks[i].chain, 1);
		ck_assert_msg(a && X509_cmp(a, b) == 0, "%s", arks[i].chain);
		X509_free(a);
		X509_free(b);
	}
	ck_assert_ptr_null(root_amd_ark("Siena"));
	ck_assert_ptr_null(root_amd_ark(""));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("attest_verify");
	TCase *tc = tcase_create("verify");

	tcase_add_vectors_test(tc, snp_vectors_verify);
	tcase_add_test(tc, certs_dir_long_path);
	tcase_add_test(tc, snp_tcb_components);
	tcase_add_vectors_test(tc, snp_flipped_bytes);
	tcase_add_vectors_test(tc, snp_tcb_and_chip_bound);
	tcase_add_vectors_test(tc, snp_other_product);
	tcase_add_vectors_test(tc, snp_missing_certs);
	tcase_add_vectors_test(tc, snp_expired_vlek);
	tcase_add_vectors_test(tc, snp_expected_values);
	tcase_add_vectors_test(tc, tdx_vectors_verify);
	tcase_add_vectors_test(tc, tdx_flipped_bytes);
	tcase_add_vectors_test(tc, tdx_wrong_root);
	tcase_add_vectors_test(tc, tdx_self_made_chain);
	tcase_add_vectors_test(tc, tdx_long_chain_validity);
	tcase_add_vectors_test(tc, snp_self_made_ark);
	tcase_add_vectors_test(tc, builtin_roots_are_the_vectors);
	tcase_add_vectors_test(tc, tdx_expected_mrtd);
	tcase_add_vectors_test(tc, debug_guests_fail);
	tcase_add_vectors_test(tc, snp_policy_max);
	suite_add_tcase(s, tc);
	vectors_report_skipped();
	return s;
}

CVMM_CHECK_MAIN()
