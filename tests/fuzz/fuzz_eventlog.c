/*
 * libFuzzer harness over the CC event log parser, its decoders (EFI
 * variables, image load events and their device paths, strings), the replay
 * and both renderings; and over the ACPI CCEL table parser. Seed: the head
 * of go-tdx-guest's CCEL log (tests/fuzz/seeds/fuzz_eventlog).
 */
#include <stdint.h>
#include <stdio.h>

#include "attest/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct cc_eventlog l;
	struct ccel_table t;
	struct out o;

	if (!sink)
		sink = fopen("/dev/null", "w");
	ccel_table_parse(&t, data, size, "fuzz");
	if (cc_eventlog_parse(&l, data, size, "fuzz"))
		return 0;
	for (int json = 0; json < 2; json++) {
		out_init(&o, sink, json);
		cc_eventlog_dump(&o, &l, NULL);
		out_finish(&o);
	}
	cc_eventlog_free(&l);
	return 0;
}
