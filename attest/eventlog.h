/*
 * The TDX CC event log (CCEL): the firmware's TCG2 "crypto agile" event log
 * (TCG PC Client Platform Firmware Profile, TCG_PCR_EVENT2), where the
 * index is a CC measurement register (UEFI EFI_CC_MEASUREMENT_PROTOCOL:
 * 0 = MRTD, 1..4 = RTMR0..3) and each event carries a SHA-384 digest.
 * The log area's size and place are in the ACPI CCEL table.
 */
#ifndef CVMM_ATTEST_EVENTLOG_H
#define CVMM_ATTEST_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/out.h"

#define CC_RTMRS		4
#define CC_DIGEST_SIZE		48	/* SHA-384 */
#define TPM_ALG_SHA384		0x000c
#define EV_NO_ACTION		0x03
#define CCEL_TABLE_MIN		56
#define EVENTLOG_FILE_MAX	(16u << 20)

struct cc_event {
	size_t offset;		/* in the log */
	uint32_t mr;		/* CC MR index */
	uint32_t type;
	const uint8_t *sha384;	/* NULL when the event carries no SHA-384 digest */
	const uint8_t *data;
	uint32_t data_len;
};

struct cc_eventlog {
	const uint8_t *p;
	size_t len;		/* the log area */
	size_t used;		/* bytes the events take */
	struct cc_event spec;	/* the first, TCG_PCClientPCREvent "Spec ID Event03" */
	struct { uint16_t alg, size; } algs[8];
	size_t n_algs;
	struct cc_event *ev;	/* the TCG_PCR_EVENT2 events after it (owned) */
	size_t n;
};

/* The ACPI CCEL table's fields (ACPI 6.5, "CC Event Log ACPI Table"). */
struct ccel_table {
	uint8_t cc_type, cc_subtype;
	uint64_t laml, lasa;	/* log area minimum length and start address */
};

/* name (the file) starts the one line printed when p is not such a log. */
int cc_eventlog_parse(struct cc_eventlog *l, const uint8_t *p, size_t len, const char *name);
void cc_eventlog_free(struct cc_eventlog *l);
int ccel_table_parse(struct ccel_table *t, const uint8_t *p, size_t len, const char *name);
/* RTMR0..3 as the log extends them from zero (events of MR index 1..4, EV_NO_ACTION skipped). */
void cc_eventlog_replay(const struct cc_eventlog *l, uint8_t rtmr[CC_RTMRS][CC_DIGEST_SIZE]);
/* "RTMR0" for MR index 1, "MRTD" for 0. */
const char *cc_mr_name(uint32_t mr);

void cc_eventlog_dump(struct out *o, const struct cc_eventlog *l, const struct ccel_table *t);

#endif
