/*
 * Intel's SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1):
 * the platform's TCB (16 CPU SVN components and the PCE SVN), PCE ID and
 * FMSPC, which TCB Info collateral is matched against.
 */
#ifndef CVMM_ATTEST_PCK_EXT_H
#define CVMM_ATTEST_PCK_EXT_H

#include <stdint.h>

#include <openssl/x509.h>

struct pck_ext {
	uint8_t comp[16];	/* SGX TCB components 1..16 */
	unsigned pcesvn;
	uint8_t pceid[2];
	uint8_t fmspc[6];
};

/* 0, or -1 when the certificate lacks the extension or it is malformed. */
int pck_ext_parse(X509 *c, struct pck_ext *e);

#endif
