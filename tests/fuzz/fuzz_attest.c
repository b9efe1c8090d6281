/*
 * libFuzzer harness over the attestation evidence parsers (SNP report, TDX
 * quote v4/v5, TDREPORT, the Azure HCL container) and everything dump and
 * verify do with a parsed input: printing in both renderings, the PCK chain
 * embedded in a quote, the signature checks. Seeds: the real vectors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/evidence.h"
#include "attest/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct evidence ev;
	struct verify_opts vo = { .time_check = true, .at = 1700000000 };
	static struct checks cl;
	struct out o;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (evidence_parse(&ev, data, size, EVIDENCE_NO_OFFSET, "fuzz"))
		return 0;
	for (int json = 0; json < 2; json++) {
		out_init(&o, sink, json);
		evidence_dump(&o, &ev, "fuzz");
		out_finish(&o);
	}
	memset(&cl, 0, sizeof(cl));
	vo.report_data = data;
	vo.report_data_len = size < 64 ? size : 64;
	evidence_verify(&ev, &vo, &cl);
	out_init(&o, sink, true);
	checks_dump(&o, &cl);
	out_finish(&o);
	return 0;
}
