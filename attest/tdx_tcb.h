/* `verify --collateral`: a TDX quote's TCB status from Intel's collateral. */
#ifndef CVMM_ATTEST_TDX_TCB_H
#define CVMM_ATTEST_TDX_TCB_H

#include <openssl/x509.h>

#include "attest/checks.h"
#include "attest/tdx_quote.h"

/*
 * Without vo->collateral one skipped tcb_status; else the collateral checks
 * (cl->tcb gets the status). -1 when the collateral cannot be read.
 */
int tdx_collateral_verify(struct checks *cl, const struct verify_opts *vo, const struct tdx_quote *q,
			  STACK_OF(X509) *chain, X509 *anchor);

#endif
