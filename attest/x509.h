/* Certificate and signature helpers over OpenSSL 3 (EVP and X509 APIs only). */
#ifndef CVMM_ATTEST_X509_H
#define CVMM_ATTEST_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/out.h"

/* Every certificate in a PEM text (a NUL byte ends it); NULL when none (quietly). */
STACK_OF(X509) *x509_parse_pem(const char *pem, size_t n);
/* PEM (any number of certificates) or one DER certificate, appended to *sk. */
int x509_load_file(const char *path, STACK_OF(X509) *sk);
/* A file, or every regular file in a directory (files that hold no certificate are skipped). */
int x509_load_path(const char *path, STACK_OF(X509) *sk);
void x509_free_stack(STACK_OF(X509) *sk);
/* The self-issued certificate in sk (a chain file lists the root last), else the first. */
X509 *x509_pick_root(STACK_OF(X509) *sk);

/* Subject CN, "" when absent. */
void x509_cn(X509 *c, char *buf, size_t n);
/* "2029-09-24T00:55:28Z" */
void x509_time_str(const ASN1_TIME *t, char *buf, size_t n);
/*
 * Validity at time `at`: 0 inside, -1 not yet valid, 1 expired. *when gets
 * the boundary crossed (notBefore or notAfter) as text.
 */
int x509_validity(X509 *c, time_t at, char *when, size_t n);

/* Subject, issuer, validity and SHA-256 fingerprint of c, inside an open block. */
void x509_cert_fields(struct out *o, X509 *c);
/* The same for every certificate of a PEM text, as an array. */
void x509_chain_dump(struct out *o, const char *key, const char *pem, size_t n);

/*
 * Verify an ECDSA signature given as raw r and s (each len bytes, big- or
 * little-endian) over msg with key. 1 good, 0 bad, -1 could not check.
 */
int ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
		     const uint8_t *r, const uint8_t *s, size_t len, bool little_endian);
/* P-256 public key from the raw x || y (64 bytes) a TDX quote carries. */
EVP_PKEY *p256_key_from_raw(const uint8_t xy[64]);

#endif
