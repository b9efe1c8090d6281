/*
 * The certificate table of an extended SNP report: what the GHCB extended
 * guest request (SNP_GET_EXT_REPORT) returns after the report, and what
 * go-sev-guest reads as "report immediately followed by the certificate
 * table". Entries of a 16-byte GUID (RFC 4122 byte order), a little-endian
 * u32 offset and a u32 length, both counted from the start of the table;
 * an all-zero entry ends it (GHCB specification, "SNP Extended Guest
 * Request", certificate table).
 */
#ifndef CVMM_ATTEST_SNP_CERTS_H
#define CVMM_ATTEST_SNP_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "attest/out.h"

#define SNP_CERT_ENTRY_SIZE	24
#define SNP_CERT_TABLE_MAX	32	/* entries; GHCB names 5 kinds */

struct snp_cert_entry {
	const uint8_t *guid;		/* 16 bytes */
	const char *kind;		/* "vcek", "vlek", "ask", "ark", "crl" or NULL */
	uint32_t offset, length;
};

struct snp_cert_table {
	const uint8_t *p;		/* start of the table; NULL when the report has none */
	size_t len;			/* bytes from p to the end of the last blob */
	struct snp_cert_entry e[SNP_CERT_TABLE_MAX];
	size_t n;
};

/*
 * Parse the table at p[0..len) (the bytes after a report). 0 and t filled
 * when it is one: entries up to a zero entry, every blob inside len and
 * after the entries; -1 quietly when the bytes are something else.
 */
int snp_cert_table_parse(struct snp_cert_table *t, const uint8_t *p, size_t len);
void snp_cert_table_dump(struct out *o, const struct snp_cert_table *t);
/* The certificates (DER) it carries, appended to sk; the number added. */
int snp_cert_table_certs(const struct snp_cert_table *t, STACK_OF(X509) *sk);

#endif
