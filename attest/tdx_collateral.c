#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest/input.h"
#include "attest/json_span.h"
#include "attest/tdx_collateral.h"
#include "attest/x509.h"
#include "loader/image/file.h"
#include "vmm/log.h"

#define COLLATERAL_FILE_MAX (1 << 20)

int collateral_unhex(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char d[3] = { s[2 * i], s[2 * i + 1], 0 };

		if (!isxdigit((unsigned char)d[0]) || !isxdigit((unsigned char)d[1]))
			return -1;
		out[i] = (uint8_t)strtoul(d, NULL, 16);
	}
	return 0;
}

static int add_crl_der(struct tdx_collateral *c, const uint8_t *p, size_t n)
{
	const unsigned char *q = p;
	X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)n);

	if (!crl || q != p + n || !sk_X509_CRL_push(c->crls, crl)) {
		X509_CRL_free(crl);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* A hex-DER CRL member of the one-object form; absent is fine. */
static int add_crl_hex(struct tdx_collateral *c, json_object *top, const char *key, const char *file)
{
	json_object *v;
	const char *s;
	uint8_t *der;
	size_t n;
	int rc;

	if (!json_object_object_get_ex(top, key, &v))
		return 0;
	s = json_object_get_string(v);
	n = strlen(s) / 2;
	der = malloc(n + 1);
	rc = der && !collateral_unhex(s, der, n) ? add_crl_der(c, der, n) : -1;
	free(der);
	if (rc)
		cvmm_err("%s: %s is not a hex DER CRL", file, key);
	return rc;
}

static int add_chain(struct tdx_collateral *c, json_object *top, const char *key)
{
	json_object *v;
	STACK_OF(X509) *sk;
	const char *s;

	if (!json_object_object_get_ex(top, key, &v))
		return 0;
	s = json_object_get_string(v);
	sk = x509_parse_pem(s, strlen(s));
	while (sk && sk_X509_num(sk))
		if (!sk_X509_push(c->certs, sk_X509_shift(sk)))
			break;
	x509_free_stack(sk);
	return 0;
}

static int set_signed(struct signed_json *sj, bool *have, const char *text, size_t len,
		      const char *sighex, const char *file, const char *what)
{
	json_tokener *tok;

	if (*have) {
		cvmm_err("%s: a second %s (the first came from %s)", file, what,
			 sj->file ? sj->file : "?");
		return -1;
	}
	if (collateral_unhex(sighex, sj->sig, 64)) {
		cvmm_err("%s: the %s signature is not 128 hex digits", file, what);
		return -1;
	}
	sj->text = strndup(text, len);
	tok = json_tokener_new();
	sj->obj = sj->text && tok ? json_tokener_parse_ex(tok, sj->text, (int)len) : NULL;
	json_tokener_free(tok);
	if (!sj->obj || !json_object_is_type(sj->obj, json_type_object)) {
		cvmm_err("%s: the %s is not a JSON object", file, what);
		return -1;
	}
	sj->len = len;
	sj->file = strdup(file);
	*have = true;
	return 0;
}

/* A PCS response: {"tcbInfo": {...}, "signature": "..."} (or enclaveIdentity). */
static int pcs_response(struct tdx_collateral *c, const char *t, size_t len, json_object *top,
			const char *file)
{
	static const struct { const char *key, *what; size_t qe; } kinds[] = {
		{ "tcbInfo", "TCB Info", 0 }, { "enclaveIdentity", "QE Identity", 1 },
	};
	json_object *sig;
	size_t off, n;

	for (size_t k = 0; k < 2; k++) {
		if (!json_object_object_get_ex(top, kinds[k].key, NULL))
			continue;
		if (json_member_span(t, len, kinds[k].key, &off, &n) ||
		    !json_object_object_get_ex(top, "signature", &sig)) {
			cvmm_err("%s: %s response without its signature member", file, kinds[k].what);
			return -1;
		}
		return set_signed(kinds[k].qe ? &c->qe_identity : &c->tcb_info,
				  kinds[k].qe ? &c->have_qe_identity : &c->have_tcb_info, t + off, n,
				  json_object_get_string(sig), file, kinds[k].what);
	}
	return 1;
}

/* dcap-qvl's QuoteCollateralV3 as JSON: the signed documents are strings. */
static int one_object(struct tdx_collateral *c, json_object *top, const char *file)
{
	json_object *ti, *ts, *qi, *qs;
	const char *s;

	if (!json_object_object_get_ex(top, "tcb_info", &ti) ||
	    !json_object_object_get_ex(top, "tcb_info_signature", &ts) ||
	    !json_object_is_type(ti, json_type_string))
		return 1;
	s = json_object_get_string(ti);
	if (set_signed(&c->tcb_info, &c->have_tcb_info, s, strlen(s), json_object_get_string(ts),
		       file, "TCB Info"))
		return -1;
	if (json_object_object_get_ex(top, "qe_identity", &qi) &&
	    json_object_object_get_ex(top, "qe_identity_signature", &qs)) {
		s = json_object_get_string(qi);
		if (set_signed(&c->qe_identity, &c->have_qe_identity, s, strlen(s),
			       json_object_get_string(qs), file, "QE Identity"))
			return -1;
	}
	add_chain(c, top, "tcb_info_issuer_chain");
	add_chain(c, top, "qe_identity_issuer_chain");
	add_chain(c, top, "pck_crl_issuer_chain");
	if (add_crl_hex(c, top, "pck_crl", file) || add_crl_hex(c, top, "root_ca_crl", file))
		return -1;
	return 0;
}

static int load_json(struct tdx_collateral *c, const char *t, size_t len, const char *file)
{
	json_tokener *tok = json_tokener_new();
	json_object *top = tok ? json_tokener_parse_ex(tok, t, (int)len) : NULL;
	int rc;

	if (!top || !json_object_is_type(top, json_type_object)) {
		cvmm_err("%s: not JSON collateral (%s at byte %zu)", file,
			 tok ? json_tokener_error_desc(json_tokener_get_error(tok)) : "out of memory",
			 tok ? json_tokener_get_parse_end(tok) : (size_t)0);
		json_object_put(top);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	rc = pcs_response(c, t, len, top, file);
	if (rc == 1)
		rc = one_object(c, top, file);
	if (rc == 1)
		cvmm_err("%s: JSON, but neither a TCB Info / QE Identity response nor a "
			 "tcb_info/qe_identity collateral object", file);
	json_object_put(top);
	return rc ? -1 : 0;
}

/* PEM: certificates and CRLs, any mix. 1 when it held neither. */
static int load_pem(struct tdx_collateral *c, const uint8_t *p, size_t n)
{
	BIO *b = BIO_new_mem_buf(p, (int)n);
	STACK_OF(X509_INFO) *inf = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
	int found = 0;

	for (int i = 0; inf && i < sk_X509_INFO_num(inf); i++) {
		X509_INFO *x = sk_X509_INFO_value(inf, i);

		if (x->x509 && sk_X509_push(c->certs, x->x509)) {
			x->x509 = NULL;
			found = 1;
		}
		if (x->crl && sk_X509_CRL_push(c->crls, x->crl)) {
			x->crl = NULL;
			found = 1;
		}
	}
	sk_X509_INFO_pop_free(inf, X509_INFO_free);
	BIO_free(b);
	ERR_clear_error();
	return found ? 0 : 1;
}

static int load_one(struct tdx_collateral *c, const char *path)
{
	uint8_t *buf;
	size_t len, i = 0;
	int rc = -1;

	if (attest_read(path, COLLATERAL_FILE_MAX, "collateral (over 1 MiB)", &buf, &len))
		return -1;
	while (i < len && isspace(buf[i]))
		i++;
	if (i < len && buf[i] == '{')
		rc = load_json(c, (const char *)buf, len, path);
	else if (strstr((const char *)buf, "-----BEGIN ")) {
		rc = load_pem(c, buf, len);
		if (rc)
			cvmm_err("%s: PEM, but no certificate or CRL in it", path);
	} else if (add_crl_der(c, buf, len) == 0) {
		rc = 0;
	} else {
		const unsigned char *q = buf;
		X509 *x = d2i_X509(NULL, &q, (long)len);

		ERR_clear_error();
		if (x && q == buf + len && sk_X509_push(c->certs, x))
			rc = 0;
		else {
			X509_free(x);
			cvmm_err("%s: not collateral (TCB Info or QE Identity JSON, a PEM or DER "
				 "certificate or CRL)", path);
		}
	}
	free(buf);
	return rc;
}

int tdx_collateral_load(const char *path, struct tdx_collateral *c)
{
	struct dirent **ents;
	struct stat st;
	int n, rc = 0;

	memset(c, 0, sizeof(*c));
	c->certs = sk_X509_new_null();
	c->crls = sk_X509_CRL_new_null();
	if (!c->certs || !c->crls) {
		cvmm_err("--collateral: out of memory");
		return -1;
	}
	if (stat(path, &st)) {
		cvmm_err("--collateral %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_one(c, path);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		cvmm_err("--collateral %s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		struct stat fst;

		if (rc == 0 && ents[i]->d_name[0] != '.') {
			if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name) >=
			    sizeof(full)) {
				cvmm_err("%s: path too long inside %s", ents[i]->d_name, path);
				rc = -1;
			} else if (!stat(full, &fst) && S_ISREG(fst.st_mode)) {
				rc = load_one(c, full);
			}
		}
		free(ents[i]);
	}
	free(ents);
	if (rc == 0 && !c->have_tcb_info && !c->have_qe_identity && !sk_X509_CRL_num(c->crls)) {
		cvmm_err("--collateral %s: no file in this directory is collateral", path);
		rc = -1;
	}
	return rc;
}

static void signed_free(struct signed_json *sj)
{
	free(sj->text);
	free(sj->file);
	json_object_put(sj->obj);
}

void tdx_collateral_free(struct tdx_collateral *c)
{
	signed_free(&c->tcb_info);
	signed_free(&c->qe_identity);
	x509_free_stack(c->certs);
	sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
}
