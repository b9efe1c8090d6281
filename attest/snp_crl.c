#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "attest/input.h"
#include "attest/snp_crl.h"
#include "attest/verify.h"
#include "attest/x509.h"
#include "vmm/log.h"

#define CRL_FILE_MAX (1u << 20)

X509_CRL *snp_crl_load(const char *path)
{
	uint8_t *buf;
	size_t len;
	X509_CRL *crl = NULL;

	if (attest_read(path, CRL_FILE_MAX, "a CRL (over 1 MiB)", &buf, &len))
		return NULL;
	if (memmem(buf, len, "-----BEGIN X509 CRL-----", 24)) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);

		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		const unsigned char *q = buf;

		crl = d2i_X509_CRL(NULL, &q, (long)len);
		if (crl && q != buf + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	free(buf);
	if (!crl)
		cvmm_err("%s: not a CRL (PEM \"X509 CRL\" or DER)", path);
	return crl;
}

static void serial_str(const ASN1_INTEGER *s, char *buf, size_t n)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(s, NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(buf, n, "0x%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

/*
 * A serial looked up by value: the ASK/ASVK is the ARK's own issue; AMD's
 * KDS CRL is the one list for the product, so the VCEK/VLEK serial (issued
 * by the ASK) is looked up in it too, by serial alone.
 */
static bool revoked(X509_CRL *crl, X509 *c, char *when, size_t n)
{
	X509_REVOKED *rev = NULL;

	if (X509_CRL_get0_by_serial(crl, &rev, X509_get0_serialNumber(c)) != 1 || !rev)
		return false;
	x509_time_str(X509_REVOKED_get0_revocationDate(rev), when, n);
	return true;
}

void snp_crl_check(struct checks *cl, const struct verify_opts *vo, X509_CRL *crl, X509 *ark,
		   X509 *ask, const char *ask_name, X509 *ek, const char *ek_name)
{
	char issuer[128] = "", lbl[140], from[40], to[40], msg[380];
	const ASN1_TIME *lu = X509_CRL_get0_lastUpdate(crl), *nu = X509_CRL_get0_nextUpdate(crl);
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	int entries = revs ? sk_X509_REVOKED_num(revs) : 0;
	X509 *certs[2] = { ask, ek };
	const char *names[2] = { ask_name, ek_name };
	size_t used = 0;
	bool bad = false;

	X509_NAME_get_text_by_NID(X509_CRL_get_issuer(crl), NID_commonName, issuer, sizeof(issuer));
	if (!ark) {
		check_add(cl, "crl_signature", CHECK_FAILED, "no pinned ARK to check the CRL of "
			  "CN=%s with", issuer);
		return;
	}
	cert_label(ark, lbl, sizeof(lbl));
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark))) {
		check_add(cl, "crl_signature", CHECK_FAILED, "--crl is issued by CN=%s, not by the "
			  "pinned ARK (%s)", issuer, lbl);
		return;
	}
	if (X509_CRL_verify(crl, X509_get0_pubkey(ark)) != 1) {
		ERR_clear_error();
		check_add(cl, "crl_signature", CHECK_FAILED, "--crl names %s as issuer but its "
			  "signature does not verify with that ARK's key", lbl);
		return;
	}
	check_add(cl, "crl_signature", CHECK_PASSED, "--crl is signed by the pinned ARK (%s)", lbl);

	x509_time_str(lu, from, sizeof(from));
	if (nu)
		x509_time_str(nu, to, sizeof(to));
	else
		snprintf(to, sizeof(to), "(no nextUpdate)");
	if (!vo->time_check)
		check_add(cl, "crl_validity", CHECK_SKIPPED, "--no-time-check (CRL %s .. %s)", from, to);
	else if (X509_cmp_time(lu, (time_t *)&vo->at) > 0 || !nu ||
		 X509_cmp_time(nu, (time_t *)&vo->at) < 0)
		check_add(cl, "crl_validity", CHECK_FAILED, "the CRL is valid from %s to %s, not at "
			  "the verification time: get a current one from AMD KDS", from, to);
	else
		check_add(cl, "crl_validity", CHECK_PASSED, "the CRL is valid from %s to %s", from, to);

	for (size_t i = 0; i < 2; i++) {
		char ser[80], when[40];
		bool r;

		if (!certs[i])
			continue;
		r = revoked(crl, certs[i], when, sizeof(when));
		bad |= r;
		serial_str(X509_get0_serialNumber(certs[i]), ser, sizeof(ser));
		used += (size_t)snprintf(msg + used, used < sizeof(msg) ? sizeof(msg) - used : 0,
					 "%s%s serial %s %s%s", used ? ", " : "", names[i], ser,
					 r ? "REVOKED on " : "not listed", r ? when : "");
		if (used >= sizeof(msg))
			break;
	}
	if (!used)
		check_add(cl, "revocation", CHECK_SKIPPED, "no %s or %s to look up", ask_name, ek_name);
	else
		check_add(cl, "revocation", bad ? CHECK_FAILED : CHECK_PASSED, "%s (CRL of CN=%s, "
			  "%d entries)", msg, issuer, entries);
}
