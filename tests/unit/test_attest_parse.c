/*
 * Attestation evidence parsing on the real vectors and on copies damaged in
 * each way a file can be: expected values come from the vectors' bytes at
 * the offsets the specifications give, or from their README.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "attest/bytes.h"
#include "attest/checks.h"
#include "attest/eventlog.h"
#include "attest/evidence.h"
#include "attest_vectors.h"
#include "check_compat.h"
#include "vmm/log.h"

static int saved_stderr = -1;

/* The loops below make thousands of failing parses, each with its one line. */
static void quiet(void)
{
	int fd = open("/dev/null", O_WRONLY);

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void loud(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
}

static int count_nl(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Parse an exact-size copy, so ASan catches any read past len. */
static int parse_copy(const uint8_t *p, size_t len, struct evidence *ev)
{
	uint8_t *c = malloc(len ? len : 1);
	int rc;

	memcpy(c, p, len);
	rc = evidence_parse(ev, c, len, EVIDENCE_NO_OFFSET, "test");
	free(c);
	return rc;
}

static char *hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

/* The TDX quote length walked from the layout in Intel's DCAP quote spec. */
static size_t tdx_len_by_spec(const uint8_t *p, size_t *signed_len)
{
	size_t off = 48, body = 584;

	if (ld16(p) == 5) {
		body = ld32(p + 50);
		off += 6;
	}
	off += body;
	*signed_len = off;
	return off + 4 + ld32(p + off);
}

START_TEST(snp_vectors_parse)
{
	for (size_t i = 0; i < NELEM(snp_reports); i++) {
		size_t len;
		uint8_t *p = vec_read(snp_reports[i].name, &len);
		struct evidence ev;
		/* README: the Azure HCL blob has the report at 0x20, behind "HCLA". */
		size_t off = strstr(snp_reports[i].name, "hcl") ? 0x20 : 0;

		ck_assert_uint_eq(len, snp_reports[i].size);
		ck_assert_msg(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test") == 0, "%s", snp_reports[i].name);
		ck_assert_int_eq(ev.kind, EV_SNP_REPORT);
		ck_assert_uint_eq(ev.offset, off);
		ck_assert_ptr_eq(ev.snp.p, p + off);
		ck_assert_uint_eq(ev.snp.version, ld32(p + off));
		ck_assert_int_eq(ev.snp.signer, (ld32(p + off + 0x48) >> 2) & 7);
		ck_assert_int_eq(ev.container != NULL, off != 0);
		free(p);
	}
}
END_TEST

START_TEST(snp_vlek_and_turin)
{
	size_t len;
	uint8_t *p = vec_read("snp/trustee-test-vlek-report.bin", &len);
	struct evidence ev;

	/* README: trustee uses this report as its VLEK-signed one. */
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_int_eq(ev.snp.signer, SNP_SIGNER_VLEK);
	free(p);
	p = vec_read("snp/mstav-turin-report.bin", &len);
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_int_eq(ev.snp.layout, SNP_TCB_TURIN);
	ck_assert_str_eq(snp_product_from_cpuid(p[0x188], p[0x189]), "Turin");
	free(p);
}
END_TEST

START_TEST(snp_tcb_layouts)
{
	/* SNP ABI TCB_VERSION: Milan/Genoa bl,tee,-,-,-,-,snp,ucode; Turin fmc,bl,tee,snp,-,-,-,ucode. */
	struct snp_tcb m = snp_tcb_decode(0x0807060504030201ULL, SNP_TCB_MILAN_GENOA);
	struct snp_tcb t = snp_tcb_decode(0x0807060504030201ULL, SNP_TCB_TURIN);

	ck_assert_uint_eq(m.boot_loader, 1); ck_assert_uint_eq(m.tee, 2);
	ck_assert_uint_eq(m.snp, 7); ck_assert_uint_eq(m.microcode, 8);
	ck_assert_uint_eq(t.fmc, 1); ck_assert_uint_eq(t.boot_loader, 2); ck_assert_uint_eq(t.tee, 3);
	ck_assert_uint_eq(t.snp, 4); ck_assert_uint_eq(t.microcode, 8);
}
END_TEST

START_TEST(tdx_vectors_parse)
{
	for (size_t i = 0; i < NELEM(tdx_quotes); i++) {
		size_t len, signed_len, qlen;
		uint8_t *p = vec_read(tdx_quotes[i].name, &len);
		struct evidence ev;

		ck_assert_uint_eq(len, tdx_quotes[i].size);
		qlen = tdx_len_by_spec(p, &signed_len);
		ck_assert_msg(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test") == 0, "%s", tdx_quotes[i].name);
		ck_assert_int_eq(ev.kind, EV_TDX_QUOTE);
		ck_assert_uint_eq(ev.tdx.version, ld16(p));
		ck_assert_uint_eq(ev.tdx.quote_len, qlen);
		ck_assert_uint_eq(ev.tdx.signed_len, signed_len);
		ck_assert_int_eq(ev.tdx.cert_type, 6);
		ck_assert_int_eq(ev.tdx.pck_type, 5);
		ck_assert(!memcmp(ev.tdx.pck, "-----BEGIN CERTIFICATE-----", 27));
		free(p);
	}
}
END_TEST

START_TEST(tdx_trailing_bytes)
{
	/* README: the COS quote is a fixed 8000-byte buffer; the quote is shorter. */
	size_t len, signed_len;
	uint8_t *p = vec_read("tdx/gotdx-cos-113-tdx-quote.dat", &len);
	struct evidence ev;
	size_t qlen = tdx_len_by_spec(p, &signed_len);

	ck_assert_uint_lt(qlen, len);
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_uint_eq(ev.tdx.quote_len, qlen);
	free(p);
}
END_TEST

START_TEST(every_truncation_fails)
{
	quiet();
	for (size_t i = 0; i < NELEM(snp_reports); i++) {
		size_t len;
		uint8_t *p = vec_read(snp_reports[i].name, &len);
		size_t need = (strstr(snp_reports[i].name, "hcl") ? 0x20 : 0) + SNP_REPORT_SIZE;
		struct evidence ev;

		for (size_t n = 0; n < need; n++)
			ck_assert_msg(parse_copy(p, n, &ev) == -1, "%s cut to %zu parsed",
				      snp_reports[i].name, n);
		ck_assert_int_eq(parse_copy(p, need, &ev), 0);
		free(p);
	}
	for (size_t i = 0; i < NELEM(tdx_quotes); i++) {
		size_t len, signed_len;
		uint8_t *p = vec_read(tdx_quotes[i].name, &len);
		size_t qlen = tdx_len_by_spec(p, &signed_len);
		struct evidence ev;

		for (size_t n = 0; n < qlen; n += 1 + (n > 700) * 6)
			ck_assert_msg(parse_copy(p, n, &ev) == -1, "%s cut to %zu parsed",
				      tdx_quotes[i].name, n);
		ck_assert_int_eq(parse_copy(p, qlen - 1, &ev), -1);
		ck_assert_int_eq(parse_copy(p, qlen, &ev), 0);
		free(p);
	}
	loud();
}
END_TEST

START_TEST(wrong_versions_fail)
{
	size_t len;
	uint8_t *p = vec_read("snp/mstav-milan-report.bin", &len);
	uint8_t *q;
	size_t qlen;
	struct evidence ev;
	const uint32_t bad_snp[] = { 0, 1, 6, 99 };
	const uint16_t bad_tdx[] = { 3, 6, 0xffff };

	quiet();
	for (size_t i = 0; i < NELEM(bad_snp); i++) {
		memcpy(p, &bad_snp[i], 4);	/* little-endian host, like the report */
		ck_assert_msg(parse_copy(p, len, &ev) == -1, "SNP version %u parsed", bad_snp[i]);
	}
	q = vec_read("tdx/trustee-tdx_quote_4.dat", &qlen);
	for (size_t i = 0; i < NELEM(bad_tdx); i++) {
		memcpy(q, &bad_tdx[i], 2);
		ck_assert_msg(parse_copy(q, qlen, &ev) == -1, "TDX version %u parsed", bad_tdx[i]);
	}
	loud();
	free(p);
	free(q);
}
END_TEST

/* Set a little-endian length field and check the parse refuses it. */
static void bad_len(uint8_t *p, size_t len, size_t field, int width, uint32_t v)
{
	uint8_t *c = malloc(len);
	struct evidence ev;

	memcpy(c, p, len);
	for (int i = 0; i < width; i++)
		c[field + i] = (uint8_t)(v >> (8 * i));
	ck_assert_msg(evidence_parse(&ev, c, len, EVIDENCE_NO_OFFSET, "test") == -1,
		      "length 0x%x at 0x%zx accepted", v, field);
	free(c);
}

START_TEST(lengths_past_the_end_fail)
{
	quiet();
	for (size_t i = 0; i < NELEM(tdx_quotes); i++) {
		size_t len, signed_len, qlen;
		uint8_t *p = vec_read(tdx_quotes[i].name, &len);
		size_t sig = 0, cert, qe_auth, pck;

		qlen = tdx_len_by_spec(p, &signed_len);
		sig = signed_len;			/* u32 signature data length */
		cert = sig + 4 + 64 + 64;		/* u16 type, u32 size */
		qe_auth = cert + 6 + 384 + 64;		/* u16 size */
		pck = qe_auth + 2 + ld16(p + qe_auth);	/* u16 type, u32 size */
		bad_len(p, len, sig, 4, (uint32_t)(len - signed_len - 4 + 1));
		bad_len(p, len, sig, 4, 0xffffffffu);
		bad_len(p, len, cert + 2, 4, ld32(p + sig) - 128 - 6 + 1);
		bad_len(p, len, cert + 2, 4, 0xffffffffu);
		bad_len(p, len, qe_auth, 2, 0xffff);
		bad_len(p, len, pck + 2, 4, 0xfffffff0u);
		if (ld16(p) == 5)
			bad_len(p, len, 50, 4, 0x7fffffffu);	/* v5 body size */
		(void)qlen;
		free(p);
	}
	loud();
}
END_TEST

/*
 * Each malformed file `cvmm attest` reads gets one line on stderr that names
 * the file and says what is wrong with it.
 */
static void load_fails(const uint8_t *p, size_t len, const char *reason)
{
	char path[] = "/tmp/cvmm-test-evidence-XXXXXX", out[1024];
	int fd = mkstemp(path), lines = 0;
	FILE *cap = tmpfile();
	struct evidence ev;
	size_t n;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
	close(fd);
	ck_assert_ptr_nonnull(cap);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(cap), 2);
	ck_assert_int_eq(evidence_load(&ev, path, EVIDENCE_NO_OFFSET), -1);
	loud();
	rewind(cap);
	n = fread(out, 1, sizeof(out) - 1, cap);
	out[n] = '\0';
	fclose(cap);
	unlink(path);
	for (size_t i = 0; i < n; i++)
		lines += out[i] == '\n';
	ck_assert_msg(lines == 1, "want one line, got: %s", out);
	ck_assert_msg(strstr(out, path), "file not named in: %s", out);
	ck_assert_msg(strstr(out, reason), "'%s' not in: %s", reason, out);
}

START_TEST(errors_name_the_file)
{
	size_t len, qlen;
	uint8_t *p = vec_read("snp/mstav-milan-report.bin", &len);
	uint8_t *q = vec_read("tdx/trustee-tdx_quote_4.dat", &qlen);
	uint8_t zero[SNP_REPORT_SIZE] = { 0 };

	load_fails((const uint8_t *)"abc", 3, "not attestation evidence");
	load_fails(zero, sizeof(zero), "SNP report version 0");
	load_fails(p, SNP_REPORT_SIZE / 2, "SNP report truncated");
	load_fails(q, 100, "TD report body");
	q[0] = 3;
	load_fails(q, qlen, "TDX quote version 3");
	free(p);
	free(q);
}
END_TEST

/* Azure's HCL blob names the report it wraps: a TDX one holds a TDREPORT. */
START_TEST(hcl_report_types)
{
	size_t len;
	uint8_t *p = vec_read("snp/trustee-az-snp-hcl-report.bin", &len);
	size_t type_at = HCL_REPORT_OFFSET + SNP_REPORT_SIZE + 8;
	struct evidence ev;

	ck_assert_uint_eq(ld32(p + type_at), 2);	/* the vector: SNP */
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_int_eq(ev.kind, EV_SNP_REPORT);
	memset(p + HCL_REPORT_OFFSET, 0, SNP_REPORT_SIZE);
	p[HCL_REPORT_OFFSET] = TDX_TEE_TYPE;		/* REPORTTYPE.TYPE */
	p[HCL_REPORT_OFFSET + 224] = 0x6d;		/* MAC */
	p[HCL_REPORT_OFFSET + 256] = 0x01;		/* TEE_TCB_INFO.VALID */
	p[HCL_REPORT_OFFSET + 128] = 0x5a;		/* REPORTDATA[0] */
	p[type_at] = 4;
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	ck_assert_int_eq(ev.kind, EV_TDREPORT);
	ck_assert_str_eq(ev.container, "azure-hcl");
	ck_assert_uint_eq(ev.offset, HCL_REPORT_OFFSET);
	ck_assert_uint_eq(ev.tdr.p[128], 0x5a);
	p[type_at] = 3;
	quiet();
	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), -1);
	loud();
	free(p);
}
END_TEST

START_TEST(offset_option)
{
	size_t len;
	uint8_t *p = vec_read("snp/trustee-az-snp-hcl-report.bin", &len);
	struct evidence ev;

	quiet();
	ck_assert_int_eq(evidence_parse(&ev, p, len, 0x20, "test"), 0);
	ck_assert_int_eq(ev.kind, EV_SNP_REPORT);
	ck_assert_int_eq(evidence_parse(&ev, p, len, len + 1, "test"), -1);
	ck_assert_int_eq(evidence_parse(&ev, p, len, len - 100, "test"), -1);
	loud();
	free(p);
}
END_TEST

START_TEST(tdreport_layout)
{
	uint8_t *r = calloc(1, TDREPORT_SIZE);
	struct evidence ev;
	char *buf = NULL, *h;
	struct out o;
	size_t n;
	FILE *f;

	/* TDX module ABI: REPORTTYPE.TYPE 0x81; TDINFO at 512, MRTD at TDINFO+16. */
	r[0] = 0x81;
	r[224] = 0x6d;		/* a MAC: the module always writes one */
	r[256] = 0x01;		/* TEE_TCB_INFO.VALID */
	for (int i = 0; i < 48; i++)
		r[512 + 16 + i] = (uint8_t)(0xa0 + i);
	ck_assert_int_eq(parse_copy(r, TDREPORT_SIZE, &ev), 0);
	ck_assert_int_eq(ev.kind, EV_TDREPORT);
	ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "test"), 0);
	f = open_memstream(&buf, &n);
	out_init(&o, f, false);
	evidence_dump(&o, &ev, "x");
	out_finish(&o);
	fclose(f);
	h = hex(r + 528, 48);
	ck_assert_msg(strstr(buf, h) != NULL, "MRTD %s not in dump", h);
	free(h);
	free(buf);
	free(r);
}
END_TEST

/* Dump output carries each digest as contiguous lowercase hex, in both renderings. */
static void dump_has(const char *rel, size_t field_off, size_t n, const char *key)
{
	size_t len;
	uint8_t *p = vec_read(rel, &len);
	struct evidence ev;

	ck_assert_int_eq(evidence_parse(&ev, p, len, EVIDENCE_NO_OFFSET, "test"), 0);
	for (int json = 0; json < 2; json++) {
		char *buf = NULL, *h = hex(p + field_off, n), want[400];
		size_t blen;
		FILE *f = open_memstream(&buf, &blen);
		struct out o;

		out_init(&o, f, json);
		evidence_dump(&o, &ev, rel);
		out_finish(&o);
		fclose(f);
		if (json)
			snprintf(want, sizeof(want), "\"%s\": \"%s\"", key, h);
		else
			snprintf(want, sizeof(want), "%s", h);
		ck_assert_msg(strstr(buf, want) != NULL, "%s: %s not in %s dump", rel, want,
			      json ? "JSON" : "text");
		free(h);
		free(buf);
	}
	free(p);
}

START_TEST(dump_prints_hex)
{
	dump_has("snp/mstav-genoa-report.bin", 0x90, 48, "measurement");
	dump_has("snp/trustee-az-snp-hcl-report.bin", 0x20 + 0x90, 48, "measurement");
	dump_has("snp/gosev-attestation.bin", 0xe0, 48, "id_key_digest");
	dump_has("tdx/trustee-tdx_quote_4.dat", 48 + 136, 48, "mrtd");
	dump_has("tdx/gotdx-quote_v5_sample.dat", 54 + 136, 48, "mrtd");
	dump_has("tdx/gotdx-quote_v5_sample.dat", 54 + 328 + 48, 48, "rtmr1");
	dump_has("tdx/trustee-az-tdx-td-quote.bin", 12, 16, "qe_vendor_id");
}
END_TEST

START_TEST(json_rendering)
{
	char *buf = NULL;
	size_t n;
	FILE *f = open_memstream(&buf, &n);
	struct out o;
	const uint8_t b[3] = { 0x00, 0xab, 0x7f };
	static const struct bit_name names[] = { { 0, "a" }, { 3, "d" } };

	out_init(&o, f, true);
	out_str(&o, "s", "q\"b\\n\nc\x01");
	out_hex(&o, "h", b, 3);
	out_x64(&o, "x", 0x2a, 4);
	out_str(&o, "z", NULL);
	out_bits(&o, "f", 0x19, 2, names, 2);
	out_begin_array(&o, "l");
	out_begin(&o, NULL);
	out_u64(&o, "u", 18446744073709551615ULL);
	out_end(&o);
	out_end_array(&o);
	out_finish(&o);
	fclose(f);
	ck_assert_str_eq(buf, "{\n  \"s\": \"q\\\"b\\\\n\\nc\\u0001\",\n  \"h\": \"00ab7f\",\n"
		"  \"x\": \"0x002a\",\n  \"z\": null,\n  \"f\": {\n    \"raw\": \"0x19\",\n"
		"    \"a\": true,\n    \"d\": true,\n    \"unknown_bits\": \"0x10\"\n  },\n"
		"  \"l\": [\n    {\n      \"u\": 18446744073709551615\n    }\n  ]\n}\n");
	free(buf);
}
END_TEST

/*
 * Strings from evidence (a certificate CN in a quote's own PCK chain) reach
 * the output: in text they must not add lines or carry terminal escapes that
 * could fake a "passed"; in JSON, UTF-8 stays itself and stray bytes become
 * U+FFFD so that the document is valid UTF-8.
 */
START_TEST(hostile_strings_rendered_safely)
{
	char *buf = NULL;
	size_t n;
	FILE *f = open_memstream(&buf, &n);
	struct out o;
	struct checks *cl = calloc(1, sizeof(*cl));
	const char *evil = "CN=x\npassed   pck_chain  fine\r\033[1A\033[2Kresult: passed\x7f";

	out_init(&o, f, false);
	out_str(&o, "subject", evil);
	check_add(cl, "pck_chain", CHECK_FAILED, "leaf (%s) does not chain", evil);
	checks_dump(&o, cl);
	out_finish(&o);
	fclose(f);
	ck_assert_msg(!strchr(buf, '\033') && !strchr(buf, '\r') && !strchr(buf, 0x7f),
		      "control bytes reached the text output: %s", buf);
	ck_assert_msg(!strstr(buf, "\npassed"), "a string added a line: %s", buf);
	ck_assert_int_eq(count_nl(buf), 3);	/* subject, the check, the result */
	free(buf);

	f = open_memstream(&buf, &n);
	out_init(&o, f, true);
	out_str(&o, "s", "caf\xc3\xa9 \xff\xc3(\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80");
	out_finish(&o);
	fclose(f);
	ck_assert_str_eq(buf, "{\n  \"s\": \"caf\xc3\xa9 \\ufffd\\ufffd(\xe2\x82\xac"
			 "\xf0\x9f\x98\x80\\ufffd\\ufffd\\ufffd\"\n}\n");
	free(buf);
	free(cl);
}
END_TEST

/* Certificate tables built byte by byte (GHCB layout): what is one and what is not. */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

START_TEST(snp_cert_table_layout)
{
	/* The ASK GUID 4ab7b379-bbac-4fe4-a02f-05aef327c782, bytes as the text reads. */
	static const uint8_t ask[16] = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
					 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
	uint8_t t[48 + 10] = { 0 };
	struct snp_cert_table ct;

	memcpy(t, ask, 16);
	put32(t + 16, 48);	/* after the entry and the terminator */
	put32(t + 20, 10);
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), 0);
	ck_assert_uint_eq(ct.n, 1);
	ck_assert_str_eq(ct.e[0].kind, "ask");
	ck_assert_uint_eq(ct.len, 58);
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t) - 1), -1);	/* blob cut */
	put32(t + 16, 24);	/* the blob would overlap the terminator */
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), -1);
	put32(t + 16, 48);
	put32(t + 20, 0);	/* an empty blob */
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), -1);
	put32(t + 20, 10);
	t[0] ^= 1;		/* a GUID no specification names: listed, kind unknown */
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), 0);
	ck_assert_ptr_null(ct.e[0].kind);
	memset(t, 0, 24);	/* only the terminator: no table */
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), -1);
	memset(t, 0xff, sizeof(t));	/* no terminator within the bytes */
	ck_assert_int_eq(snp_cert_table_parse(&ct, t, sizeof(t)), -1);
}
END_TEST

/* A bare 1024-byte TDREPORT is checked for structure: random bytes and 0x81 + zeros are refused. */
START_TEST(tdreport_structure_checked)
{
	uint8_t *r = calloc(1, TDREPORT_SIZE);
	struct evidence ev;
	uint32_t x = 12345;

	quiet();
	r[0] = 0x81;
	ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "t"), -1);
	r[224] = 1;
	ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "t"), -1);
	r[256] = 1;		/* MAC and VALID set, reserved bytes zero: a TDREPORT */
	ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "t"), 0);
	for (size_t off = 1; off < 512; off++) {
		bool reserved = off <= 15 || (off >= 192 && off <= 223) ||
				off >= 495;

		r[off] ^= 0x04;
		ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "t"),
				 reserved ? -1 : 0);
		r[off] ^= 0x04;
	}
	for (int trial = 0; trial < 100; trial++) {
		for (size_t i = 1; i < TDREPORT_SIZE; i++) {
			x = x * 1103515245u + 12345u;
			r[i] = (uint8_t)(x >> 16);
		}
		ck_assert_int_eq(evidence_parse(&ev, r, TDREPORT_SIZE, EVIDENCE_NO_OFFSET, "t"), -1);
	}
	loud();
	free(r);
}
END_TEST

/*
 * A CC event log built byte by byte (TCG PFP layouts): the Spec ID event
 * naming SHA-384, then one EV_SEPARATOR to MR index 2 (RTMR1) and one
 * EV_NO_ACTION that must not be extended; RTMR1 = SHA-384(zeros || digest).
 */
START_TEST(cc_eventlog_built)
{
	uint8_t log[512], want[48], buf[96], rtmr[CC_RTMRS][CC_DIGEST_SIZE];
	struct cc_eventlog l;
	size_t n = 0;
	unsigned int len = 48;

	memset(log, 0xff, sizeof(log));
	memset(log, 0, 32);
	log[4] = EV_NO_ACTION;
	put32(log + 28, 33);
	memcpy(log + 32, "Spec ID Event03", 16);
	memset(log + 48, 0, 17);
	log[32 + 21] = 2;			/* spec version major */
	put32(log + 32 + 24, 1);		/* one algorithm */
	log[32 + 28] = 0x0c; log[32 + 29] = 0;	/* TPM_ALG_SHA384 */
	log[32 + 30] = 48; log[32 + 31] = 0;
	log[32 + 32] = 0;			/* vendorInfoSize */
	n = 32 + 33;
	for (int e = 0; e < 2; e++) {
		put32(log + n, 2);		/* RTMR1 */
		put32(log + n + 4, e ? EV_NO_ACTION : 4);
		put32(log + n + 8, 1);
		log[n + 12] = 0x0c; log[n + 13] = 0;
		memset(log + n + 14, 0x11 * (e + 1), 48);
		put32(log + n + 62, 4);
		memset(log + n + 66, 0, 4);
		n += 70;
	}
	ck_assert_int_eq(cc_eventlog_parse(&l, log, sizeof(log), "t"), 0);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_uint_eq(l.used, n);
	cc_eventlog_replay(&l, rtmr);
	memset(buf, 0, 48);
	memset(buf + 48, 0x11, 48);
	EVP_Digest(buf, 96, want, &len, EVP_sha384(), NULL);
	ck_assert_mem_eq(rtmr[1], want, 48);
	memset(want, 0, 48);
	ck_assert_mem_eq(rtmr[0], want, 48);
	ck_assert_mem_eq(rtmr[2], want, 48);
	cc_eventlog_free(&l);
	quiet();
	log[65 + 12] = 0x0b;		/* SHA-256: not in the Spec ID event */
	ck_assert_int_eq(cc_eventlog_parse(&l, log, sizeof(log), "t"), -1);
	log[65 + 12] = 0x0c;
	put32(log + 65 + 62, 1000);	/* event data past the area */
	ck_assert_int_eq(cc_eventlog_parse(&l, log, sizeof(log), "t"), -1);
	put32(log + 65 + 62, 4);
	put32(log + 65 + 8, 0);		/* no digest */
	ck_assert_int_eq(cc_eventlog_parse(&l, log, sizeof(log), "t"), -1);
	put32(log + 65 + 8, 1);
	ck_assert_int_eq(cc_eventlog_parse(&l, log, n - 65, "t"), -1);	/* 5 bytes of a header */
	ck_assert_int_eq(cc_eventlog_parse(&l, log, n + 3, "t"), 0);	/* 0xff after the events: the end */
	cc_eventlog_free(&l);
	memcpy(log + 32, "Spec ID Event02", 16);
	ck_assert_int_eq(cc_eventlog_parse(&l, log, sizeof(log), "t"), -1);
	loud();
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("attest_parse");
	TCase *tc = tcase_create("parse");

	tcase_add_vectors_test(tc, snp_vectors_parse);
	tcase_add_vectors_test(tc, snp_vlek_and_turin);
	tcase_add_test(tc, snp_tcb_layouts);
	tcase_add_test(tc, snp_cert_table_layout);
	tcase_add_test(tc, cc_eventlog_built);
	tcase_add_vectors_test(tc, tdx_vectors_parse);
	tcase_add_vectors_test(tc, tdx_trailing_bytes);
	tcase_add_vectors_test(tc, every_truncation_fails);
	tcase_add_vectors_test(tc, wrong_versions_fail);
	tcase_add_vectors_test(tc, lengths_past_the_end_fail);
	tcase_add_vectors_test(tc, offset_option);
	tcase_add_vectors_test(tc, hcl_report_types);
	tcase_add_vectors_test(tc, errors_name_the_file);
	tcase_add_test(tc, tdreport_layout);
	tcase_add_test(tc, tdreport_structure_checked);
	tcase_add_vectors_test(tc, dump_prints_hex);
	tcase_add_test(tc, json_rendering);
	tcase_add_test(tc, hostile_strings_rendered_safely);
	suite_add_tcase(s, tc);
	vectors_report_skipped();
	return s;
}

CVMM_CHECK_MAIN()
