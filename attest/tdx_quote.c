#include <string.h>

#include "attest/bytes.h"
#include "attest/tdx_quote.h"
#include "attest/x509.h"
#include "vmm/log.h"

/*
 * [*pos, *pos + n) must lie inside the region that ends at len (the file,
 * the signature data, the certification data: `in` names it, for the one
 * line that says which length field is wrong); then *pos moves past it.
 */
static int take(size_t *pos, size_t n, size_t len, const char *what, const char *in,
		const char *name)
{
	size_t end;

	if (__builtin_add_overflow(*pos, n, &end) || end > len) {
		cvmm_err("%s: TDX quote: %s (%zu bytes at offset %zu) runs past the end of %s "
			 "(offset %zu)", name, what, n, *pos, in, len);
		return -1;
	}
	*pos = end;
	return 0;
}

#define IN_FILE "the evidence in the file"
#define IN_SIG "the signature data its length field gives"
#define IN_CERT "the certification data its size field gives"

static int parse_qe_cert(struct tdx_quote *q, size_t pos, size_t end, const char *name)
{
	if (take(&pos, TDX_QE_REPORT_SIZE, end, "QE report", IN_CERT, name))
		return -1;
	q->qe_report = q->p + pos - TDX_QE_REPORT_SIZE;
	if (take(&pos, 64, end, "QE report signature", IN_CERT, name))
		return -1;
	q->qe_report_sig = q->p + pos - 64;
	if (take(&pos, 2, end, "QE auth data size", IN_CERT, name))
		return -1;
	q->qe_auth_size = ld16(q->p + pos - 2);
	if (take(&pos, q->qe_auth_size, end, "QE auth data", IN_CERT, name))
		return -1;
	q->qe_auth = q->p + pos - q->qe_auth_size;
	if (take(&pos, 6, end, "PCK certification data header", IN_CERT, name))
		return -1;
	q->pck_type = ld16(q->p + pos - 6);
	q->pck_size = ld32(q->p + pos - 4);
	if (take(&pos, q->pck_size, end, "PCK certification data", IN_CERT, name))
		return -1;
	q->pck = q->p + pos - q->pck_size;
	return 0;
}

int tdx_quote_parse(struct tdx_quote *q, const uint8_t *p, size_t len, const char *name)
{
	size_t pos = 0, sig_end;
	uint32_t sig_len;

	memset(q, 0, sizeof(*q));
	q->p = p;
	q->len = len;
	if (take(&pos, TDX_QUOTE_HEADER_SIZE, len, "header", IN_FILE, name))
		return -1;
	q->version = ld16(p);
	q->att_key_type = ld16(p + 2);
	q->tee_type = ld32(p + 4);
	if (q->version != 4 && q->version != 5) {
		cvmm_err("%s: TDX quote version %u is not one this parser knows (4, 5)", name,
			 q->version);
		return -1;
	}
	if (q->tee_type != TDX_TEE_TYPE) {
		cvmm_err("%s: quote TEE type 0x%x is not TDX (0x81)", name, q->tee_type);
		return -1;
	}
	if (q->att_key_type != TDX_ATT_KEY_ECDSA_P256) {
		cvmm_err("%s: TDX quote attestation key type %u is not ECDSA P-256 (2)", name,
			 q->att_key_type);
		return -1;
	}
	if (q->version == 4) {
		q->body_type = 2;
		q->body_size = TDX_BODY10_SIZE;
	} else {
		if (take(&pos, 6, len, "body descriptor", IN_FILE, name))
			return -1;
		q->body_type = ld16(p + 48);
		q->body_size = ld32(p + 50);
		if (!((q->body_type == 2 && q->body_size == TDX_BODY10_SIZE) ||
		      (q->body_type == 3 && q->body_size == TDX_BODY15_SIZE))) {
			cvmm_err("%s: TDX quote v5 body type %u with size %zu is not a TD report "
				 "(2/584 or 3/648)", name, q->body_type, q->body_size);
			return -1;
		}
	}
	q->body = p + pos;
	if (take(&pos, q->body_size, len, "TD report body", IN_FILE, name))
		return -1;
	q->signed_len = pos;
	if (take(&pos, 4, len, "signature data length", IN_FILE, name))
		return -1;
	sig_len = ld32(p + pos - 4);
	sig_end = pos;
	if (take(&sig_end, sig_len, len, "signature data", IN_FILE, name))
		return -1;
	q->quote_len = sig_end;
	if (take(&pos, 128, sig_end, "ECDSA signature and attestation key", IN_SIG, name))
		return -1;
	q->sig = p + pos - 128;
	q->att_key = p + pos - 64;
	if (take(&pos, 6, sig_end, "certification data header", IN_SIG, name))
		return -1;
	q->cert_type = ld16(p + pos - 6);
	q->cert_size = ld32(p + pos - 4);
	q->cert = p + pos;
	if (take(&pos, q->cert_size, sig_end, "certification data", IN_SIG, name))
		return -1;
	if (q->cert_type == TDX_CERT_QE_REPORT)
		return parse_qe_cert(q, q->cert - p, pos, name);
	return 0;
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Enough of TDREPORT_STRUCT (TDX module ABI) that random bytes are refused:
 * REPORTTYPE subtype 0, version 0 or 1, reserved byte 0; the reserved bytes
 * of REPORTMACSTRUCT (4..15, 192..223) and after TEE_TCB_INFO (495..511)
 * zero; a MAC and TEE_TCB_INFO.VALID that are not all zero (the module
 * always sets both).
 */
static int tdreport_structure(const uint8_t *p, const char *name)
{
	static const struct { size_t off, n; const char *what; } reserved[] = {
		{ 4, 12, "bytes 4-15 (REPORTMACSTRUCT reserved)" },
		{ 192, 32, "bytes 192-223 (REPORTMACSTRUCT reserved)" },
		{ 495, 17, "bytes 495-511 (reserved after TEE_TCB_INFO)" },
	};

	if (p[1] != 0 || p[2] > 1 || p[3] != 0) {
		cvmm_err("%s: not a TDREPORT: REPORTTYPE subtype %u, version %u, reserved %u (a "
			 "TDX TDREPORT has 0, 0 or 1, 0)", name, p[1], p[2], p[3]);
		return -1;
	}
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!zero(p + reserved[i].off, reserved[i].n)) {
			cvmm_err("%s: not a TDREPORT: %s are not zero", name, reserved[i].what);
			return -1;
		}
	if (zero(p + 224, 32) || zero(p + 256, 8)) {
		cvmm_err("%s: not a TDREPORT: its %s is all zero", name,
			 zero(p + 224, 32) ? "MAC (bytes 224-255)" : "TEE_TCB_INFO.VALID (bytes 256-263)");
		return -1;
	}
	return 0;
}

int tdreport_parse(struct tdreport *t, const uint8_t *p, size_t len, const char *name)
{
	if (len < TDREPORT_SIZE) {
		cvmm_err("%s: TDREPORT truncated: %zu bytes, a TDREPORT is %d", name, len,
			 TDREPORT_SIZE);
		return -1;
	}
	if (p[0] != TDX_TEE_TYPE) {
		cvmm_err("%s: TDREPORT type 0x%02x is not TDX (0x81)", name, p[0]);
		return -1;
	}
	if (tdreport_structure(p, name))
		return -1;
	t->p = p;
	return 0;
}

size_t tdx_pck_pem_len(const struct tdx_quote *q)
{
	size_t n = q->pck_size;

	while (n > 0 && q->pck[n - 1] == '\0')
		n--;
	return n;
}

/* TDATTRIBUTES bit names (TDX module ABI; also Linux asm/shared/tdx.h). */
static const struct bit_name td_attr_bits[] = {
	{ 0, "debug" }, { 4, "hgs_plus_prof" }, { 5, "perf_prof" }, { 6, "pmt_prof" },
	{ 16, "icssd" }, { 27, "lass" }, { 28, "sept_ve_disable" }, { 29, "migratable" },
	{ 30, "pks" }, { 31, "kl" }, { 62, "tpa" }, { 63, "perfmon" },
};

/* XFAM is an XCR0/XSS-style mask: name the state components. */
static const struct bit_name xfam_bits[] = {
	{ 0, "fp" }, { 1, "sse" }, { 2, "avx" }, { 3, "mpx_bndregs" }, { 4, "mpx_bndcsr" },
	{ 5, "avx512_opmask" }, { 6, "avx512_zmm_hi256" }, { 7, "avx512_hi16_zmm" },
	{ 8, "pt" }, { 9, "pk" }, { 10, "enqcmd" }, { 11, "cet_u" }, { 12, "cet_s" },
	{ 14, "uli" }, { 15, "lbr" }, { 17, "amx_tilecfg" }, { 18, "amx_tiledata" },
};

#define NBITS(t) (sizeof(t) / sizeof((t)[0]))

static void td_common_dump(struct out *o, const uint8_t *td_attr, const uint8_t *xfam,
			   const uint8_t *mrtd)
{
	static const char *const names[] = {
		"mrconfigid", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3",
	};

	out_bits(o, "td_attributes", ld64(td_attr), 16, td_attr_bits, NBITS(td_attr_bits));
	out_bits(o, "xfam", ld64(xfam), 16, xfam_bits, NBITS(xfam_bits));
	out_hex(o, "mrtd", mrtd, 48);
	for (size_t i = 0; i < NBITS(names); i++)	/* they follow MRTD, 48 bytes each */
		out_hex(o, names[i], mrtd + 48 * (i + 1), 48);
}

static void body_dump(struct out *o, const struct tdx_quote *q)
{
	const uint8_t *b = q->body;

	out_begin(o, "td_report");
	out_hex(o, "tee_tcb_svn", b + TDB_TEE_TCB_SVN, 16);
	out_hex(o, "mrseam", b + TDB_MRSEAM, 48);
	out_hex(o, "mrsignerseam", b + TDB_MRSIGNERSEAM, 48);
	out_x64(o, "seam_attributes", ld64(b + TDB_SEAM_ATTR), 16);
	td_common_dump(o, b + TDB_TD_ATTR, b + TDB_XFAM, b + TDB_MRTD);
	out_hex(o, "report_data", b + TDB_REPORT_DATA, 64);
	if (q->body_size == TDX_BODY15_SIZE) {
		out_hex(o, "tee_tcb_svn2", b + TDB_TEE_TCB_SVN2, 16);
		out_hex(o, "mrservicetd", b + TDB_MRSERVICETD, 48);
	}
	out_end(o);
}

static void qe_report_dump(struct out *o, const uint8_t *r)
{
	out_begin(o, "qe_report");
	out_hex(o, "cpu_svn", r + QER_CPUSVN, 16);
	out_x64(o, "misc_select", ld32(r + QER_MISCSELECT), 8);
	out_hex(o, "attributes", r + QER_ATTRIBUTES, 16);
	out_hex(o, "mrenclave", r + QER_MRENCLAVE, 32);
	out_hex(o, "mrsigner", r + QER_MRSIGNER, 32);
	out_u64(o, "isv_prod_id", ld16(r + QER_ISVPRODID));
	out_u64(o, "isv_svn", ld16(r + QER_ISVSVN));
	out_hex(o, "report_data", r + QER_REPORT_DATA, 64);
	out_end(o);
}

void tdx_quote_dump(struct out *o, const struct tdx_quote *q)
{
	const uint8_t *h = q->p;

	out_begin(o, "header");
	out_u64(o, "version", q->version);
	out_u64(o, "attestation_key_type", q->att_key_type);
	out_x64(o, "tee_type", q->tee_type, 8);
	/* v4 calls these reserved; both versions carry the QE and PCE SVNs here. */
	out_u64(o, "qe_svn", ld16(h + 8));
	out_u64(o, "pce_svn", ld16(h + 10));
	out_hex(o, "qe_vendor_id", h + 12, 16);
	out_hex(o, "user_data", h + 28, 20);
	out_end(o);
	if (q->version == 5) {
		out_begin(o, "body_descriptor");
		out_u64(o, "type", q->body_type);
		out_u64(o, "size", q->body_size);
		out_end(o);
	}
	body_dump(o, q);
	out_begin(o, "signature_data");
	out_u64(o, "length", q->quote_len - q->signed_len - 4);
	out_hex(o, "ecdsa_signature", q->sig, 64);
	out_hex(o, "attestation_key", q->att_key, 64);
	out_begin(o, "certification_data");
	out_u64(o, "type", q->cert_type);
	out_u64(o, "size", q->cert_size);
	if (q->cert_type == TDX_CERT_QE_REPORT) {
		qe_report_dump(o, q->qe_report);
		out_hex(o, "qe_report_signature", q->qe_report_sig, 64);
		out_hex(o, "qe_auth_data", q->qe_auth, q->qe_auth_size);
		out_begin(o, "pck_certification_data");
		out_u64(o, "type", q->pck_type);
		out_u64(o, "size", q->pck_size);
		out_u64(o, "trailing_nul_bytes", q->pck_size - tdx_pck_pem_len(q));
		if (q->pck_type == TDX_CERT_PCK_CHAIN)
			x509_chain_dump(o, "pck_chain", (const char *)q->pck, tdx_pck_pem_len(q));
		else
			out_hex(o, "data", q->pck, q->pck_size);
		out_end(o);
	} else {
		out_hex(o, "data", q->cert, q->cert_size);
	}
	out_end(o);
	out_end(o);
}

void tdreport_dump(struct out *o, const struct tdreport *t)
{
	const uint8_t *p = t->p, *tcb = p + 256, *td = p + 512;

	out_begin(o, "report_mac");
	out_x64(o, "report_type", p[0], 2);
	out_u64(o, "report_subtype", p[1]);
	out_u64(o, "report_version", p[2]);
	out_hex(o, "cpu_svn", p + 16, 16);
	out_hex(o, "tee_tcb_info_hash", p + 32, 48);
	out_hex(o, "tee_info_hash", p + 80, 48);
	out_hex(o, "report_data", p + 128, 64);
	out_hex(o, "mac", p + 224, 32);
	out_end(o);
	out_begin(o, "tee_tcb_info");
	out_hex(o, "valid", tcb, 8);
	out_hex(o, "tee_tcb_svn", tcb + 8, 16);
	out_hex(o, "mrseam", tcb + 24, 48);
	out_hex(o, "mrsignerseam", tcb + 72, 48);
	out_x64(o, "seam_attributes", ld64(tcb + 120), 16);
	out_end(o);
	out_begin(o, "td_info");
	td_common_dump(o, td, td + 8, td + 16);
	out_end(o);
}
