/* verify --eventlog: the CC event log replayed against the RTMRs the evidence reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/eventlog.h"
#include "attest/input.h"
#include "attest/verify.h"

int eventlog_verify(struct checks *cl, const struct verify_opts *vo, const uint8_t *rtmrs)
{
	struct cc_eventlog l;
	uint8_t got[CC_RTMRS][CC_DIGEST_SIZE], *buf;
	size_t len;
	int bad = -1;

	if (!vo->eventlog) {
		check_add(cl, "eventlog", CHECK_SKIPPED, "no --eventlog given: RTMRs not replayed");
		return 0;
	}
	if (attest_read(vo->eventlog, EVENTLOG_FILE_MAX, "a CC event log", &buf, &len))
		return -1;
	if (cc_eventlog_parse(&l, buf, len, vo->eventlog)) {
		free(buf);
		return -1;
	}
	cc_eventlog_replay(&l, got);
	for (int i = 0; i < CC_RTMRS && bad < 0; i++)
		if (memcmp(got[i], rtmrs + i * CC_DIGEST_SIZE, CC_DIGEST_SIZE))
			bad = i;
	if (bad < 0) {
		check_add(cl, "eventlog", CHECK_PASSED, "the log's %zu events replay to RTMR0-3 of "
			  "the evidence", l.n);
	} else {
		char a[2 * CC_DIGEST_SIZE + 1], b[2 * CC_DIGEST_SIZE + 1];

		for (int i = 0; i < CC_DIGEST_SIZE; i++) {
			snprintf(a + 2 * i, 3, "%02x", got[bad][i]);
			snprintf(b + 2 * i, 3, "%02x", rtmrs[bad * CC_DIGEST_SIZE + i]);
		}
		check_add(cl, "eventlog", CHECK_FAILED, "RTMR%d differs (the first that does): the "
			  "log's %zu events replay to %s, the evidence has %s", bad, l.n, a, b);
	}
	cc_eventlog_free(&l);
	free(buf);
	return 0;
}
