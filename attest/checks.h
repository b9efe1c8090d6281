/*
 * The outcome of `cvmm attest verify`: a list of named checks, each passed,
 * failed (with the reason) or skipped (not asked for, or nothing to check
 * it against). The evidence is trusted only when none failed.
 */
#ifndef CVMM_ATTEST_CHECKS_H
#define CVMM_ATTEST_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest/out.h"

enum check_result { CHECK_PASSED, CHECK_FAILED, CHECK_SKIPPED };

struct check {
	char name[48];
	enum check_result result;
	char detail[400];
};

#define CHECKS_MAX 48

/* TDX --collateral: the TCB status Intel's data gives the platform, QE and TDX module. */
struct tcb_result {
	bool set;
	bool accepted;			/* by the default policy or --accept-tcb */
	char status[40];		/* the converged status, or NoMatchingTcbLevel */
	char platform[40], platform_date[24];
	char module_id[16], module[40];	/* module_id "" when the quote names no module identity */
	char qe[40];			/* "" without QE Identity */
#define TCB_MAX_ADVISORIES 32
	char advisories[TCB_MAX_ADVISORIES][24];
	size_t n_adv;
};

struct checks {
	struct check c[CHECKS_MAX];
	size_t n;
	struct tcb_result tcb;
};

void check_add(struct checks *cl, const char *name, enum check_result res, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void check_pass(struct checks *cl, const char *name, const char *detail)
{
	check_add(cl, name, CHECK_PASSED, "%s", detail);
}
size_t checks_failed(const struct checks *cl);
const struct check *check_find(const struct checks *cl, const char *name);
void checks_dump(struct out *o, const struct checks *cl);

/* What the user asked verify to hold the evidence to. */
struct verify_opts {
#define VERIFY_MAX_CERTS 8
	const char *certs[VERIFY_MAX_CERTS];	/* --certs DIR|FILE, repeatable */
	size_t n_certs;
	const char *root;		/* --root PEM: the anchor instead of the built-in one */
	bool trust_evidence_root;	/* --trust-evidence-root: no anchor at all */
	const uint8_t *expect_measurement;
	size_t expect_measurement_len;
	const uint8_t *report_data;
	size_t report_data_len;
	bool time_check;
	bool allow_debug;		/* a debuggable guest may pass */
	bool expect_from;		/* expect_measurement was predicted (--expect-from) */
	bool policy_max_set;		/* SNP --policy-max */
	uint64_t policy_max;
	time_t at;			/* time the certificates must be valid at */
	const char *collateral;		/* TDX --collateral FILE|DIR */
	const char *crl;		/* SNP --crl FILE: AMD's CRL, signed by the ARK */
	const char *eventlog;		/* TDX --eventlog FILE: CCEL replayed to RTMR0-3 */
	/* SNP field policy (go-sev-guest's defaults: no provisional firmware, VMPL 0) */
	bool allow_provisional;		/* --allow-provisional-firmware */
	bool min_tcb_set, vmpl_set, min_guest_svn_set;
	uint64_t min_tcb;		/* --min-tcb: raw TCB_VERSION in the report's layout */
	uint32_t vmpl;			/* --vmpl, default 0 */
	uint32_t min_guest_svn;
	const uint8_t *host_data, *id_key_digest, *author_key_digest;
	size_t host_data_len, id_key_digest_len, author_key_digest_len;
	unsigned accept_tcb;		/* bit per enum tcb_rank that passes (--accept-tcb) */
};

/* TCB statuses in Intel's order of severity; a status names a bit of accept_tcb. */
enum tcb_rank {
	TCB_UP_TO_DATE, TCB_SW_HARDENING_NEEDED, TCB_CONFIGURATION_NEEDED,
	TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED, TCB_OUT_OF_DATE,
	TCB_OUT_OF_DATE_CONFIGURATION_NEEDED, TCB_UNKNOWN, TCB_REVOKED, TCB_RANKS
};
extern const char *const tcb_rank_names[TCB_RANKS];
/* "OutOfDate" -> TCB_OUT_OF_DATE; TCB_UNKNOWN for a name Intel does not use. */
enum tcb_rank tcb_rank_of(const char *name);

/*
 * The evidence's field `what` against the value the option `source` gave
 * (pad_zero: a shorter value stands for itself followed by zeros).
 */
void check_bytes(struct checks *cl, const char *name, const char *what, const char *source,
		 const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
		 bool pad_zero);

/* SNP policy DEBUG / TDX TDATTRIBUTES.DEBUG: the host can read a debug guest's memory. */
void check_debug(struct checks *cl, const struct verify_opts *vo, bool debug, const char *where);

#endif
