#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "attest/input.h"
#include "attest/x509.h"
#include "loader/image/file.h"
#include "vmm/log.h"

#define CERT_FILE_MAX (1 << 20)

void x509_free_stack(STACK_OF(X509) *sk)
{
	sk_X509_pop_free(sk, X509_free);
}

X509 *x509_pick_root(STACK_OF(X509) *sk)
{
	for (int i = sk_X509_num(sk) - 1; i >= 0; i--) {
		X509 *c = sk_X509_value(sk, i);

		if (!X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)))
			return c;
	}
	return sk_X509_value(sk, 0);
}

static int pem_append(const char *pem, size_t n, STACK_OF(X509) *sk)
{
	BIO *b;
	X509 *c;
	int found = 0;
	size_t len = strnlen(pem, n);

	if (len > INT32_MAX)
		return 0;
	b = BIO_new_mem_buf(pem, (int)len);
	if (!b)
		return 0;
	while ((c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (!sk_X509_push(sk, c)) {
			X509_free(c);
			break;
		}
		found++;
	}
	ERR_clear_error();	/* the end of the text reads as an error */
	BIO_free(b);
	return found;
}

STACK_OF(X509) *x509_parse_pem(const char *pem, size_t n)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (!sk)
		return NULL;
	if (pem_append(pem, n, sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/* 1: certificates added, 0: none in the file, -1: unreadable. */
static int load_one(const char *path, STACK_OF(X509) *sk)
{
	uint8_t *buf;
	size_t len;
	int n;

	if (attest_read(path, CERT_FILE_MAX, "a certificate file", &buf, &len))
		return -1;
	n = pem_append((const char *)buf, len, sk);
	if (n == 0) {
		const unsigned char *q = buf;
		X509 *c = d2i_X509(NULL, &q, (long)len);

		ERR_clear_error();
		if (c && sk_X509_push(sk, c))
			n = 1;
		else
			X509_free(c);
	}
	free(buf);
	return n > 0;
}

int x509_load_file(const char *path, STACK_OF(X509) *sk)
{
	int r = load_one(path, sk);

	if (r == 0)
		cvmm_err("%s: holds no certificate (PEM or DER)", path);
	return r > 0 ? 0 : -1;
}

int x509_load_path(const char *path, STACK_OF(X509) *sk)
{
	struct stat st;
	struct dirent **ents;
	int n, found = 0, rc = 0;

	if (stat(path, &st)) {
		cvmm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return x509_load_file(path, sk);
	n = scandir(path, &ents, NULL, alphasort);	/* sorted: same order every run */
	if (n < 0) {
		cvmm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		struct stat fst;

		if (rc == 0 && ents[i]->d_name[0] != '.' &&
		    (size_t)snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name) >=
		    sizeof(full)) {
			/* The reason before the directory: a long line is cut at 1 KiB. */
			cvmm_err("%s: path too long (over %zu bytes) inside %s", ents[i]->d_name,
				 sizeof(full) - 1, path);
			rc = -1;
		}
		if (rc == 0 && ents[i]->d_name[0] != '.' && !stat(full, &fst) &&
		    S_ISREG(fst.st_mode)) {
			int r = load_one(full, sk);

			if (r < 0)
				rc = -1;
			found += r > 0;
		}
		free(ents[i]);
	}
	free(ents);
	if (rc == 0 && found == 0) {
		cvmm_err("%s: no file in this directory holds a certificate (PEM or DER)", path);
		rc = -1;
	}
	return rc;
}

void x509_cn(X509 *c, char *buf, size_t n)
{
	X509_NAME *nm = X509_get_subject_name(c);

	buf[0] = '\0';
	if (!nm || X509_NAME_get_text_by_NID(nm, NID_commonName, buf, (int)n) < 0)
		buf[0] = '\0';
}

void x509_time_str(const ASN1_TIME *t, char *buf, size_t n)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "(invalid time)");
}

int x509_validity(X509 *c, time_t at, char *when, size_t n)
{
	const ASN1_TIME *nb = X509_get0_notBefore(c), *na = X509_get0_notAfter(c);

	if (X509_cmp_time(nb, &at) >= 0) {
		x509_time_str(nb, when, n);
		return -1;
	}
	if (X509_cmp_time(na, &at) <= 0) {
		x509_time_str(na, when, n);
		return 1;
	}
	x509_time_str(na, when, n);
	return 0;
}

static void name_str(X509_NAME *nm, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len = 0;

	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0)
		len = BIO_read(b, buf, (int)n - 1);
	buf[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

void x509_cert_fields(struct out *o, X509 *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[512];

	name_str(X509_get_subject_name(c), buf, sizeof(buf));
	out_str(o, "subject", buf);
	name_str(X509_get_issuer_name(c), buf, sizeof(buf));
	out_str(o, "issuer", buf);
	x509_time_str(X509_get0_notBefore(c), buf, sizeof(buf));
	out_str(o, "not_before", buf);
	x509_time_str(X509_get0_notAfter(c), buf, sizeof(buf));
	out_str(o, "not_after", buf);
	if (X509_digest(c, EVP_sha256(), md, &mdlen))
		out_hex(o, "sha256", md, mdlen);
}

void x509_chain_dump(struct out *o, const char *key, const char *pem, size_t n)
{
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (!sk)
		return;
	pem_append(pem, n, sk);
	out_begin_array(o, key);
	for (int i = 0; i < sk_X509_num(sk); i++) {
		out_begin(o, NULL);
		x509_cert_fields(o, sk_X509_value(sk, i));
		out_end(o);
	}
	out_end_array(o);
	x509_free_stack(sk);
}

int ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
		     const uint8_t *r, const uint8_t *s, size_t len, bool little_endian)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br, *bs;
	unsigned char *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	int der_len, rc = -1;

	if (!sig)
		return -1;
	br = little_endian ? BN_lebin2bn(r, (int)len, NULL) : BN_bin2bn(r, (int)len, NULL);
	bs = little_endian ? BN_lebin2bn(s, (int)len, NULL) : BN_bin2bn(s, (int)len, NULL);
	if (!br || !bs || !ECDSA_SIG_set0(sig, br, bs)) {
		BN_free(br);
		BN_free(bs);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(sig, &der);
	if (der_len <= 0)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1)
		goto out;
	rc = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len) == 1 ? 1 : 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return rc;
}

EVP_PKEY *p256_key_from_raw(const uint8_t xy[64])
{
	uint8_t pub[65] = { 0x04 };
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;

	memcpy(pub + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub));
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	return key;
}
