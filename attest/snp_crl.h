/*
 * SNP --crl: AMD's certificate revocation list for a product, as KDS serves
 * it (/vcek/v1/<product>/crl), signed by that product's ARK. It is trusted
 * only when the ARK the chain is pinned to signed it.
 */
#ifndef CVMM_ATTEST_SNP_CRL_H
#define CVMM_ATTEST_SNP_CRL_H

#include <openssl/x509.h>

#include "attest/checks.h"

/* The CRL in path (PEM or DER); NULL after one line naming path. */
X509_CRL *snp_crl_load(const char *path);

/*
 * crl_signature (signed by ark, the pinned ARK), crl_validity (thisUpdate..
 * nextUpdate at --at) and revocation (the serials of ask and ek, each may be
 * NULL, named ask_name / ek_name).
 */
void snp_crl_check(struct checks *cl, const struct verify_opts *vo, X509_CRL *crl, X509 *ark,
		   X509 *ask, const char *ask_name, X509 *ek, const char *ek_name);

#endif
