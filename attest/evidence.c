#include <stdlib.h>
#include <string.h>

#include "attest/bytes.h"
#include "attest/evidence.h"
#include "attest/input.h"
#include "loader/image/file.h"
#include "vmm/log.h"

const char *evidence_kind_name(enum evidence_kind k)
{
	switch (k) {
	case EV_SNP_REPORT: return "snp-report";
	case EV_TDX_QUOTE: return "tdx-quote";
	case EV_TDREPORT: return "tdx-tdreport";
	}
	return "?";
}

/*
 * Format detection from the few bytes each format fixes, loose enough that
 * a damaged file of a known kind still reaches its parser, which then names
 * what is wrong (a wrong version, a short file) instead of "unknown".
 */
static int detect(const uint8_t *p, size_t len, const char *name, enum evidence_kind *kind)
{
	if (len == TDREPORT_SIZE && p[0] == TDX_TEE_TYPE) {
		*kind = EV_TDREPORT;
		return 0;
	}
	if (len >= 8 && ld32(p + 4) == TDX_TEE_TYPE && ld16(p + 2) == TDX_ATT_KEY_ECDSA_P256) {
		*kind = EV_TDX_QUOTE;
		return 0;
	}
	if (len >= SNP_OFF_SIG_ALGO + 4 && ld32(p + SNP_OFF_SIG_ALGO) == SNP_SIG_ALGO_ECDSA_P384_SHA384 &&
	    ld32(p) < 0x100) {
		*kind = EV_SNP_REPORT;
		return 0;
	}
	if (len == SNP_REPORT_SIZE) {	/* the size is the only sign left */
		*kind = EV_SNP_REPORT;
		return 0;
	}
	cvmm_err("%s: not attestation evidence cvmm knows (SNP report, TDX quote v4/v5, TDREPORT): "
		 "%zu bytes; use --offset if it sits inside a container", name, len);
	return -1;
}

/*
 * The hardware report in an Azure HCL blob: the HCL data behind the
 * 1184-byte report area names its type (IGVM_ATTEST report types: 2 SNP,
 * 4 TDX, whose TDREPORT starts the area). A blob cut before that field is
 * taken for SNP, the parser then saying what is missing.
 */
static int hcl_kind(const uint8_t *p, size_t len, const char *name, enum evidence_kind *kind)
{
	size_t at = HCL_REPORT_OFFSET + SNP_REPORT_SIZE + HCL_DATA_REPORT_TYPE;
	uint32_t type;

	*kind = EV_SNP_REPORT;
	if (len < at + 4)
		return 0;
	type = ld32(p + at);
	if (type == HCL_REPORT_TYPE_TDX) {
		*kind = EV_TDREPORT;
	} else if (type != HCL_REPORT_TYPE_SNP) {
		cvmm_err("%s: Azure HCL blob holds hardware report type %u; cvmm reads SNP (%d) "
			 "and TDX (%d)", name, type, HCL_REPORT_TYPE_SNP, HCL_REPORT_TYPE_TDX);
		return -1;
	}
	return 0;
}

int evidence_parse(struct evidence *ev, const uint8_t *p, size_t len, size_t offset,
		   const char *name)
{
	ev->container = NULL;
	if (offset == EVIDENCE_NO_OFFSET) {
		offset = 0;
		if (len >= HCL_REPORT_OFFSET + 4 && !memcmp(p, "HCLA", 4)) {
			offset = HCL_REPORT_OFFSET;
			ev->container = "azure-hcl";
			if (hcl_kind(p, len, name, &ev->kind))
				return -1;
		}
	} else if (offset > len) {
		cvmm_err("%s: --offset %zu is past the end of the %zu-byte file", name, offset, len);
		return -1;
	}
	ev->offset = offset;
	p += offset;
	len -= offset;
	if (!ev->container && detect(p, len, name, &ev->kind))
		return -1;
	switch (ev->kind) {
	case EV_SNP_REPORT:
		if (snp_report_parse(&ev->snp, p, len, name))
			return -1;
		/* An extended report: its certificate table follows (not in a container). */
		if (!ev->container && len > SNP_REPORT_SIZE)
			snp_cert_table_parse(&ev->snp.certs, p + SNP_REPORT_SIZE, len - SNP_REPORT_SIZE);
		return 0;
	case EV_TDX_QUOTE: return tdx_quote_parse(&ev->tdx, p, len, name);
	case EV_TDREPORT: return tdreport_parse(&ev->tdr, p, len, name);
	}
	return -1;
}

int evidence_load(struct evidence *ev, const char *path, size_t offset)
{
	uint8_t *p;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	if (attest_read(path, EVIDENCE_FILE_MAX, "attestation evidence", &p, &n))
		return -1;
	ev->buf = p;
	ev->len = n;
	if (evidence_parse(ev, p, n, offset, path)) {
		evidence_free(ev);
		return -1;
	}
	return 0;
}

void evidence_free(struct evidence *ev)
{
	free(ev->buf);
	ev->buf = NULL;
}

size_t evidence_size(const struct evidence *ev)
{
	switch (ev->kind) {
	case EV_SNP_REPORT: return SNP_REPORT_SIZE + ev->snp.certs.len;
	case EV_TDX_QUOTE: return ev->tdx.quote_len;
	case EV_TDREPORT: return TDREPORT_SIZE;
	}
	return 0;
}

void evidence_dump(struct out *o, const struct evidence *ev, const char *path)
{
	out_begin(o, "evidence");
	out_str(o, "file", path);
	out_str(o, "format", evidence_kind_name(ev->kind));
	out_str(o, "container", ev->container);
	out_u64(o, "offset", ev->offset);
	out_u64(o, "file_size", ev->len);
	out_u64(o, "evidence_size", evidence_size(ev));
	out_u64(o, "trailing_bytes", ev->len - ev->offset - evidence_size(ev));
	out_end(o);
	switch (ev->kind) {
	case EV_SNP_REPORT:
		out_begin(o, "snp_report");
		snp_report_dump(o, &ev->snp);
		out_end(o);
		if (ev->snp.certs.p)
			snp_cert_table_dump(o, &ev->snp.certs);
		break;
	case EV_TDX_QUOTE:
		out_begin(o, "tdx_quote");
		tdx_quote_dump(o, &ev->tdx);
		out_end(o);
		break;
	case EV_TDREPORT:
		out_begin(o, "tdreport");
		tdreport_dump(o, &ev->tdr);
		out_end(o);
		break;
	}
}
