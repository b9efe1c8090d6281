/*
 * The attestation test vectors (real evidence from real hardware, see the
 * vectors' README): where they are and how a test reads one. $CVMM_VECTORS
 * overrides the search (vectors.h); tests that read them are registered with
 * tcase_add_vectors_test(), so a checkout without them reports those tests
 * SKIPPED instead of passing or failing them.
 */
#ifndef CVMM_TEST_ATTEST_VECTORS_H
#define CVMM_TEST_ATTEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"
#include "vectors.h"

static const char *attest_vectors_dir(void)
{
	const char *dir = vectors_dir();

	if (!dir)
		ck_abort_msg("attestation vectors not found: register the test with tcase_add_vectors_test()");
	return dir;
}

/* path of vectors/attest/REL (static buffer, one per call site is enough) */
static const char *vec_path(const char *rel, char *buf, size_t n)
{
	snprintf(buf, n, "%s/attest/%s", attest_vectors_dir(), rel);
	return buf;
}

/* The whole file in a malloc'ed buffer of exactly its size (ASan sees overreads). */
static uint8_t *vec_read(const char *rel, size_t *len)
{
	char path[700];
	FILE *f = fopen(vec_path(rel, path, sizeof(path)), "rb");
	uint8_t *p;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc(n ? (size_t)n : 1);
	ck_assert(p != NULL);
	ck_assert_int_eq(fread(p, 1, (size_t)n, f), n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* README sizes (independent of the parser). */
struct vec_file {
	const char *name;
	size_t size;
};

static const struct vec_file snp_reports[] = {
	{ "snp/gosev-attestation.bin", 1184 }, { "snp/trustee-test-report.bin", 1184 },
	{ "snp/trustee-test-vlek-report.bin", 1184 }, { "snp/mstav-milan-report.bin", 1184 },
	{ "snp/mstav-genoa-report.bin", 1184 }, { "snp/mstav-turin-report.bin", 1184 },
	{ "snp/teekit-sev-gcp-reportdata.bin", 1184 }, { "snp/trustee-e2e-report.bin", 1184 },
	{ "snp/trustee-az-snp-hcl-report.bin", 2600 },
};

static const struct vec_file tdx_quotes[] = {
	{ "tdx/gotdx-tdx_prod_quote_SPR_E4.dat", 4974 }, { "tdx/gotdx-quote_v5_sample.dat", 5006 },
	{ "tdx/gotdx-cos-113-tdx-quote.dat", 8000 }, { "tdx/trustee-tdx_quote_4.dat", 4936 },
	{ "tdx/trustee-tdx_quote_5.dat", 5006 }, { "tdx/trustee-tdx_quote_6.dat", 5006 },
	{ "tdx/trustee-az-tdx-td-quote.bin", 5006 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif
