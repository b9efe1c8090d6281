/*
 * TDX (Intel DCAP ECDSA quote): PCK chain -> PCK leaf signs the QE report ->
 * the QE report's data binds the attestation key -> the attestation key
 * signs header and TD report body.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509_vfy.h>

#include "attest/roots.h"
#include "attest/tdx_tcb.h"
#include "attest/verify.h"
#include "attest/x509.h"
#include "vmm/log.h"

static void check_quote_sig(struct checks *cl, const struct tdx_quote *q)
{
	EVP_PKEY *ak = p256_key_from_raw(q->att_key);
	int ok = ak ? ecdsa_verify_raw(ak, EVP_sha256(), q->p, q->signed_len, q->sig, q->sig + 32,
				       32, false) : -1;

	EVP_PKEY_free(ak);
	if (ok == 1)
		check_pass(cl, "quote_signature", "header and TD report are signed by the attestation key");
	else if (ok == 0)
		check_add(cl, "quote_signature", CHECK_FAILED, "quote signature does not verify with "
			  "the attestation key it carries");
	else
		check_add(cl, "quote_signature", CHECK_FAILED, "the attestation key is not a P-256 point");
}

static void check_qe_binding(struct checks *cl, const struct tdx_quote *q)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const uint8_t *rd = q->qe_report + QER_REPORT_DATA;
	bool zero = true;

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, q->att_key, 64) != 1 ||
	    EVP_DigestUpdate(ctx, q->qe_auth, q->qe_auth_size) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		check_add(cl, "qe_report_data", CHECK_FAILED, "SHA-256 failed");
		return;
	}
	EVP_MD_CTX_free(ctx);
	for (int i = 32; i < 64; i++)
		zero &= rd[i] == 0;
	if (memcmp(md, rd, 32))
		check_add(cl, "qe_report_data", CHECK_FAILED, "QE report data is not SHA-256(attestation "
			  "key || QE auth data): the QE did not vouch for this key");
	else if (!zero)
		check_add(cl, "qe_report_data", CHECK_FAILED, "QE report data bytes 32..63 are not zero");
	else
		check_pass(cl, "qe_report_data", "QE report data = SHA-256(attestation key || QE auth data)");
}

/* The chain as DCAP orders it: PCK leaf first, the root last. */
static void check_chain(struct checks *cl, STACK_OF(X509) *chain, X509 *anchor, const char *how)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509 *leaf = sk_X509_value(chain, 0);
	char ll[140], la[140];
	int ok = -1, err = 0;

	cert_label(leaf, ll, sizeof(ll));
	cert_label(anchor, la, sizeof(la));
	if (!X509_NAME_cmp(X509_get_subject_name(leaf), X509_get_issuer_name(leaf))) {
		/* A reversed chain must not pass because its first certificate is the root itself. */
		check_add(cl, "pck_chain", CHECK_FAILED, "the PCK chain starts with a self-issued "
			  "certificate (%s), not a PCK leaf: DCAP lists the leaf first", ll);
		goto free;
	}
	if (!st || !ctx || !untrusted || !X509_STORE_add_cert(st, anchor))
		goto out;
	for (int i = 1; i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(chain, i), anchor) && !sk_X509_push(untrusted, sk_X509_value(chain, i)))
			goto out;
	/* Time is its own check (cert_validity), so that its failure names the certificate. */
	X509_STORE_set_flags(st, X509_V_FLAG_NO_CHECK_TIME);
	if (!X509_STORE_CTX_init(ctx, st, leaf, untrusted))
		goto out;
	ok = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
out:
	ERR_clear_error();
	if (ok == 1)
		check_add(cl, "pck_chain", CHECK_PASSED, "PCK leaf (%s) chains to %s (%s)", ll, la, how);
	else if (ok == 0)
		check_add(cl, "pck_chain", CHECK_FAILED, "PCK leaf (%s) does not chain to %s (%s): %s", ll,
			  la, how, X509_verify_cert_error_string(err));
	else
		check_add(cl, "pck_chain", CHECK_FAILED, "could not set up the chain check");
free:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
}

static void check_qe_sig(struct checks *cl, const struct tdx_quote *q, X509 *leaf)
{
	int ok = ecdsa_verify_raw(X509_get0_pubkey(leaf), EVP_sha256(), q->qe_report,
				  TDX_QE_REPORT_SIZE, q->qe_report_sig, q->qe_report_sig + 32, 32, false);

	if (ok == 1)
		check_pass(cl, "qe_report_signature", "QE report is signed by the PCK leaf");
	else
		check_add(cl, "qe_report_signature", CHECK_FAILED, "QE report signature does not "
			  "verify with the PCK leaf's key");
}

/* The self-issued certificate of the chain (the quote's root), or NULL. */
static X509 *chain_root(STACK_OF(X509) *chain)
{
	X509 *c = x509_pick_root(chain);

	return c && !X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)) ? c : NULL;
}

static void check_expected(struct checks *cl, const struct verify_opts *vo, const uint8_t *mrtd,
			   const uint8_t *report_data)
{
	check_bytes(cl, "measurement", "MRTD",
		    vo->expect_from ? "--expect-from" : "--expect-measurement", mrtd, 48,
		    vo->expect_measurement, vo->expect_measurement_len, false);
	check_bytes(cl, "report_data", "report data", "--report-data", report_data, 64,
		    vo->report_data, vo->report_data_len, true);
}

/*
 * The certificate the chain must end at: --root, else the built-in Intel
 * root, else (--trust-evidence-root) the quote's own. *owned gets what the
 * caller frees. root_pinned says which one and whether the quote's root is it.
 */
static int pick_anchor(struct checks *cl, const struct verify_opts *vo, X509 *root,
		       STACK_OF(X509) **owned, X509 **anchor)
{
	char lbl[140];

	*anchor = NULL;
	if (vo->trust_evidence_root) {
		*anchor = root;
		check_add(cl, "root_pinned", CHECK_SKIPPED, "NOT ANCHORED (--trust-evidence-root): "
			  "the chain ends at the root the quote carries, which anyone can make");
		return 0;
	}
	*owned = sk_X509_new_null();
	if (!*owned)
		return -1;
	if (vo->root) {
		if (x509_load_file(vo->root, *owned))
			return -1;
		*anchor = x509_pick_root(*owned);
	} else {
		X509 *c = root_intel_sgx();

		if (!c || !sk_X509_push(*owned, c)) {
			X509_free(c);
			cvmm_err("cannot load the built-in Intel SGX Root CA");
			return -1;
		}
		*anchor = c;
	}
	cert_label(*anchor, lbl, sizeof(lbl));
	if (root && X509_cmp(root, *anchor) == 0)
		check_add(cl, "root_pinned", CHECK_PASSED, "the quote's root is %s (%s)",
			  vo->root ? "the certificate --root pins" : "Intel's SGX Root CA " ROOTS_WHERE, lbl);
	else
		check_add(cl, "root_pinned", CHECK_FAILED, "the quote's root is not %s (%s); the "
			  "chain is checked against it", vo->root ? "the certificate --root pins" :
			  "Intel's SGX Root CA " ROOTS_WHERE, lbl);
	return 0;
}

/* Every certificate of the chain, and the anchor when the chain lacks it. */
static void check_chain_validity(struct checks *cl, const struct verify_opts *vo,
				 STACK_OF(X509) *chain, X509 *root, X509 *anchor)
{
	int n = sk_X509_num(chain);
	X509 **certs = calloc((size_t)n + 1, sizeof(*certs));
	const char **names = calloc((size_t)n + 1, sizeof(*names));

	if (!certs || !names) {
		check_add(cl, "cert_validity", CHECK_FAILED, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		certs[i] = sk_X509_value(chain, i);
		names[i] = i == 0 ? "PCK leaf" : certs[i] == root ? "root" : "PCK CA";
	}
	if (anchor && (!root || X509_cmp(anchor, root))) {
		certs[n] = anchor;
		names[n] = vo->root ? "pinned root" : "built-in root";
	}
	check_validity(cl, vo, certs, names, (size_t)n + 1);
out:
	free(certs);
	free(names);
}

int tdx_verify(const struct tdx_quote *q, const struct verify_opts *vo, struct checks *cl)
{
	STACK_OF(X509) *chain = NULL, *owned = NULL;
	X509 *root, *anchor;
	int rc = -1;

	check_quote_sig(cl, q);
	if (q->cert_type != TDX_CERT_QE_REPORT || q->pck_type != TDX_CERT_PCK_CHAIN) {
		check_add(cl, "certification_data", CHECK_FAILED, "certification data type %u/%u: "
			  "only a QE report (6) with a PCK chain (5) can be verified", q->cert_type,
			  q->pck_type);
		goto expect;
	}
	check_qe_binding(cl, q);
	chain = x509_parse_pem((const char *)q->pck, tdx_pck_pem_len(q));
	if (!chain) {
		check_add(cl, "pck_chain", CHECK_FAILED, "the quote's PCK chain holds no certificate");
		goto expect;
	}
	root = chain_root(chain);
	if (pick_anchor(cl, vo, root, &owned, &anchor))
		goto out;
	if (!anchor)
		check_add(cl, "pck_chain", CHECK_FAILED, "the quote's PCK chain has no self-signed root");
	else
		check_chain(cl, chain, anchor, vo->trust_evidence_root ? "the quote's own root: NOT "
			    "ANCHORED" : vo->root ? "--root" : ROOTS_WHERE);
	check_chain_validity(cl, vo, chain, root, anchor);
	check_qe_sig(cl, q, sk_X509_value(chain, 0));
	if (tdx_collateral_verify(cl, vo, q, chain, anchor ? anchor : x509_pick_root(chain)))
		goto out;
expect:
	check_debug(cl, vo, q->body[TDB_TD_ATTR] & 1, "TDATTRIBUTES bit 0");
	check_expected(cl, vo, q->body + TDB_MRTD, q->body + TDB_REPORT_DATA);
	if (eventlog_verify(cl, vo, q->body + TDB_RTMR0))
		goto out;
	rc = 0;
out:
	x509_free_stack(chain);
	x509_free_stack(owned);
	return rc;
}

int tdreport_verify(const struct tdreport *t, const struct verify_opts *vo, struct checks *cl)
{
	check_add(cl, "signature", CHECK_FAILED, "a TDREPORT is MACed with a key only the TDX "
		  "module of the same machine holds: verify a quote instead");
	check_debug(cl, vo, t->p[512] & 1, "TDATTRIBUTES bit 0");
	check_expected(cl, vo, t->p + 512 + 16, t->p + 128);
	/* TDINFO_STRUCT: attributes, xfam, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, then RTMRs. */
	return eventlog_verify(cl, vo, t->p + 512 + 16 + 4 * 48);
}
