/* `cvmm attest verify`: the checks for each evidence format. */
#ifndef CVMM_ATTEST_VERIFY_H
#define CVMM_ATTEST_VERIFY_H

#include "attest/checks.h"
#include "attest/evidence.h"
#include "attest/x509.h"

/* Fill cl; -1 only when a file the user named cannot be read (cvmm_err said why). */
int snp_verify(const struct snp_report *r, const struct verify_opts *vo, struct checks *cl);
int tdx_verify(const struct tdx_quote *q, const struct verify_opts *vo, struct checks *cl);
int tdreport_verify(const struct tdreport *t, const struct verify_opts *vo, struct checks *cl);
int evidence_verify(const struct evidence *ev, const struct verify_opts *vo, struct checks *cl);

/* TDX --eventlog: the check "eventlog" against rtmrs (RTMR0..3, 4 x 48 bytes); -1 unreadable. */
int eventlog_verify(struct checks *cl, const struct verify_opts *vo, const uint8_t *rtmrs);

/* Shared by both: one check over every certificate's validity period. */
void check_validity(struct checks *cl, const struct verify_opts *vo, X509 *const *certs,
		    const char *const *names, size_t n);
/* Certificate subject CN for messages: "CN=..." */
void cert_label(X509 *c, char *buf, size_t n);

#endif
