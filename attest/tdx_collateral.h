/*
 * Intel DCAP collateral as users store it, read offline: the PCS responses
 * for TDX TCB Info and TD QE Identity (signed JSON), their issuer chain
 * (PEM), the PCK CRL and Root CA CRL (DER or PEM), or the one JSON object
 * dcap-qvl and PCCS clients save (QuoteCollateralV3: the same, as strings).
 */
#ifndef CVMM_ATTEST_TDX_COLLATERAL_H
#define CVMM_ATTEST_TDX_COLLATERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/x509.h>

/* One signed JSON document: Intel signs text[0..len) exactly as stored. */
struct signed_json {
	char *text;		/* the raw bytes of the tcbInfo / enclaveIdentity value */
	size_t len;
	uint8_t sig[64];	/* r || s, big-endian */
	json_object *obj;	/* text, parsed */
	char *file;		/* where it came from, for messages */
};

struct tdx_collateral {
	struct signed_json tcb_info, qe_identity;
	bool have_tcb_info, have_qe_identity;
	STACK_OF(X509) *certs;		/* issuer chains: TCB Signing certificate, root */
	STACK_OF(X509_CRL) *crls;	/* PCK CRL, Root CA CRL */
};

/* A file, or every regular file of a directory. -1 after one line naming the file. */
int tdx_collateral_load(const char *path, struct tdx_collateral *c);
void tdx_collateral_free(struct tdx_collateral *c);
/*
 * Exactly 2n hex digits (PCS JSON's fmspc, pceId, signatures, masks, CRLs)
 * into out[n]; -1 for NULL, another length or a non-hex digit.
 */
int collateral_unhex(const char *s, uint8_t *out, size_t n);

#endif
