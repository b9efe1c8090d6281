/*
 * SNP report fields held to the verifier's policy, with go-sev-guest's
 * defaults (validate.Options): the committed TCB is the current one (no
 * provisional firmware), the reported TCB is no newer than the committed
 * one, the report comes from VMPL 0; and the values the user asks for
 * (minimum TCB, host data, ID/author key digests, minimum guest SVN).
 */
#ifndef CVMM_ATTEST_SNP_POLICY_H
#define CVMM_ATTEST_SNP_POLICY_H

#include "attest/checks.h"
#include "attest/snp_report.h"

void snp_fields_check(struct checks *cl, const struct verify_opts *vo, const struct snp_report *r,
		      enum snp_tcb_layout lay);

#endif
