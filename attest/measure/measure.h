/*
 * Launch-measurement prediction: the SNP launch digest and the TDX MRTD,
 * hashed from the launch plan the platforms execute (design.md: "one launch
 * plan, three consumers"). Facts: shared/docs/measurement.md sections 2-3.
 */
#ifndef CVMM_MEASURE_H
#define CVMM_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "loader/plan.h"

struct launch_opts;

#define MEASURE_DIGEST_LEN	48	/* SHA-384 */
#define MEASURE_PIECE_TYPES	10	/* indexed by enum piece_type */

struct measure_stats {
	uint64_t pages[MEASURE_PIECE_TYPES];	/* pages per piece type */
	uint64_t page_adds, extends;		/* TDX: TDH.MEM.PAGE.ADD / MR.EXTEND records */
	uint64_t bytes_hashed;			/* bytes fed to SHA-384 */
};

/*
 * SNP: the PSP's chained SHA-384 over one PAGE_INFO per 4 KiB page, pieces
 * in plan order, then one VMSA page per vCPU. -1 with one line when the plan
 * holds something SNP cannot add (a TDX piece, an unaligned piece).
 */
int measure_snp_plan(const struct launch_plan *p, uint8_t ld[MEASURE_DIGEST_LEN],
		     struct measure_stats *st);

/*
 * TDX: MRTD, one running SHA-384 over the 128-byte PAGE.ADD records and
 * the MR.EXTEND records with their 256-byte chunks, in the plan's order
 * (coco.mrtd_two_pass picks per-page or per-piece interleaving).
 */
int measure_tdx_plan(const struct launch_plan *p, uint8_t mrtd[MEASURE_DIGEST_LEN],
		     struct measure_stats *st);

struct measurement {
	const char *platform;			/* "snp" or "tdx" */
	const char *name;			/* "launch digest" or "MRTD" */
	uint8_t digest[MEASURE_DIGEST_LEN];
	struct measure_stats st;
};

/* Builds the plan for o (--snp or --tdx) and measures it; p may be NULL. */
int measure_plan(const struct launch_plan *p, struct measurement *m);
int measure_from_opts(const struct launch_opts *o, struct measurement *m,
		      struct launch_plan *plan_out);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void measure_hex(const uint8_t *b, size_t n, char *out);

#endif
