/*
 * Built-in trust anchors: Intel's SGX Root CA and AMD's ARKs, the public
 * certificates in attest/roots/ linked into the binary.
 */
#ifndef CVMM_ATTEST_ROOTS_H
#define CVMM_ATTEST_ROOTS_H

#include <openssl/x509.h>

/* The Intel SGX Root CA that every DCAP PCK chain ends at; NULL only when out of memory. */
X509 *root_intel_sgx(void);
/* The ARK of an SNP product ("Milan", "Genoa", "Turin"); NULL for a product cvmm has none for. */
X509 *root_amd_ark(const char *product);
/* Where the built-in certificates came from, for messages. */
#define ROOTS_WHERE "built into cvmm"

#endif
