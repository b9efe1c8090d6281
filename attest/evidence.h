/*
 * Attestation evidence as a file holds it: which format, where it starts
 * (some vendors wrap the report in a container), and its parsed view.
 */
#ifndef CVMM_ATTEST_EVIDENCE_H
#define CVMM_ATTEST_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/out.h"
#include "attest/snp_report.h"
#include "attest/tdx_quote.h"

enum evidence_kind { EV_SNP_REPORT, EV_TDX_QUOTE, EV_TDREPORT };

#define EVIDENCE_FILE_MAX	(16u << 20)
#define EVIDENCE_NO_OFFSET	((size_t)-1)
#define HCL_REPORT_OFFSET	0x20	/* Azure "HCLA" vTPM blob: hardware report here */
#define HCL_DATA_REPORT_TYPE	8	/* u32 in the HCL data after the 1184-byte report area */
#define HCL_REPORT_TYPE_SNP	2
#define HCL_REPORT_TYPE_TDX	4

struct evidence {
	uint8_t *buf;		/* the whole file (owned) */
	size_t len;
	size_t offset;		/* where the evidence starts in buf */
	const char *container;	/* NULL, or the wrapper found ("azure-hcl") */
	enum evidence_kind kind;
	union {
		struct snp_report snp;
		struct tdx_quote tdx;
		struct tdreport tdr;
	};
};

/*
 * Detect and parse evidence in p[0..len). offset: EVIDENCE_NO_OFFSET to detect.
 * name (the file) starts the one line printed when p is not evidence.
 */
int evidence_parse(struct evidence *ev, const uint8_t *p, size_t len, size_t offset,
		   const char *name);
/* Read path and evidence_parse() it; ev->buf is owned, free with evidence_free(). */
int evidence_load(struct evidence *ev, const char *path, size_t offset);
void evidence_free(struct evidence *ev);
const char *evidence_kind_name(enum evidence_kind k);
/* Bytes the evidence itself spans from ev->offset (what follows is not looked at). */
size_t evidence_size(const struct evidence *ev);
void evidence_dump(struct out *o, const struct evidence *ev, const char *path);

#endif
