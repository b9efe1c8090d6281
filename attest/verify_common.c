/* What SNP and TDX verification share: dispatch, certificate labels, validity periods. */
#include <stdio.h>

#include "attest/verify.h"
#include "attest/x509.h"

void cert_label(X509 *c, char *buf, size_t n)
{
	char cn[128];

	x509_cn(c, cn, sizeof(cn));
	snprintf(buf, n, "CN=%s", cn);
}

void check_validity(struct checks *cl, const struct verify_opts *vo, X509 *const *certs,
		    const char *const *names, size_t n)
{
	char msg[380] = "", when[40], lbl[140];
	size_t used = 0;

	if (!vo->time_check) {
		check_add(cl, "cert_validity", CHECK_SKIPPED, "--no-time-check");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int v;

		if (!certs[i])
			continue;
		v = x509_validity(certs[i], vo->at, when, sizeof(when));
		if (v == 0)
			continue;
		cert_label(certs[i], lbl, sizeof(lbl));
		used += (size_t)snprintf(msg + used, used < sizeof(msg) ? sizeof(msg) - used : 0,
					 "%s%s (%s) %s %s", used ? "; " : "", names[i], lbl,
					 v > 0 ? "expired on" : "is not valid before", when);
		if (used >= sizeof(msg))
			break;
	}
	if (used)
		check_add(cl, "cert_validity", CHECK_FAILED, "%s", msg);
	else
		check_add(cl, "cert_validity", CHECK_PASSED, "every certificate is within its validity period");
}

int evidence_verify(const struct evidence *ev, const struct verify_opts *vo, struct checks *cl)
{
	switch (ev->kind) {
	case EV_SNP_REPORT: return snp_verify(&ev->snp, vo, cl);
	case EV_TDX_QUOTE: return tdx_verify(&ev->tdx, vo, cl);
	case EV_TDREPORT: return tdreport_verify(&ev->tdr, vo, cl);
	}
	return -1;
}
