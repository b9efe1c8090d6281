/*
 * Intel TDX evidence: DCAP quotes v4 and v5 (Intel "TDX DCAP Quote
 * Generation Library and Quote Verification Library" data structures) and
 * the raw 1024-byte TDREPORT a guest gets from TDG.MR.REPORT. Everything is
 * located by the quote's own length fields, each checked against the buffer.
 */
#ifndef CVMM_ATTEST_TDX_QUOTE_H
#define CVMM_ATTEST_TDX_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/out.h"

#define TDX_QUOTE_HEADER_SIZE	48
#define TDX_BODY10_SIZE		584	/* TD report body, TDX 1.0 */
#define TDX_BODY15_SIZE		648	/* TDX 1.5: + TEE_TCB_SVN2, MRSERVICETD */
#define TDX_TEE_TYPE		0x81
#define TDX_ATT_KEY_ECDSA_P256	2
#define TDX_QE_REPORT_SIZE	384	/* SGX REPORT body */
#define TDX_CERT_PCK_CHAIN	5
#define TDX_CERT_QE_REPORT	6
#define TDREPORT_SIZE		1024

/* Offsets inside the TD report body. */
enum {
	TDB_TEE_TCB_SVN = 0, TDB_MRSEAM = 16, TDB_MRSIGNERSEAM = 64, TDB_SEAM_ATTR = 112,
	TDB_TD_ATTR = 120, TDB_XFAM = 128, TDB_MRTD = 136, TDB_MRCONFIGID = 184,
	TDB_MROWNER = 232, TDB_MROWNERCONFIG = 280, TDB_RTMR0 = 328, TDB_REPORT_DATA = 520,
	TDB_TEE_TCB_SVN2 = 584, TDB_MRSERVICETD = 600,
};
/* Offsets inside the QE report (SGX REPORT body). */
enum {
	QER_CPUSVN = 0, QER_MISCSELECT = 16, QER_ATTRIBUTES = 48, QER_MRENCLAVE = 64,
	QER_MRSIGNER = 128, QER_ISVPRODID = 256, QER_ISVSVN = 258, QER_REPORT_DATA = 320,
};

struct tdx_quote {
	const uint8_t *p;
	size_t len;		/* the buffer */
	size_t quote_len;	/* through the end of the signature data */
	uint16_t version, att_key_type;
	uint32_t tee_type;
	uint16_t body_type;	/* v5: 2 = TDX 1.0, 3 = TDX 1.5; v4: 2 */
	const uint8_t *body;
	size_t body_size;
	size_t signed_len;	/* header (+ v5 body descriptor) + body */
	const uint8_t *sig;	/* 64: r || s, big-endian */
	const uint8_t *att_key;	/* 64: P-256 x || y */
	uint16_t cert_type;
	const uint8_t *cert;
	uint32_t cert_size;
	/* cert_type 6 */
	const uint8_t *qe_report, *qe_report_sig, *qe_auth;
	uint16_t qe_auth_size;
	uint16_t pck_type;
	const uint8_t *pck;
	uint32_t pck_size;
};

struct tdreport {
	const uint8_t *p;
};

/* name (the file) starts the one line printed when p is malformed. */
int tdx_quote_parse(struct tdx_quote *q, const uint8_t *p, size_t len, const char *name);
int tdreport_parse(struct tdreport *t, const uint8_t *p, size_t len, const char *name);
void tdx_quote_dump(struct out *o, const struct tdx_quote *q);
void tdreport_dump(struct out *o, const struct tdreport *t);
/* PEM text of the PCK chain without trailing NULs (real quotes carry one). */
size_t tdx_pck_pem_len(const struct tdx_quote *q);

#endif
