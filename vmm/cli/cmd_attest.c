/*
 * `cvmm attest dump|verify FILE`: read attestation evidence (SNP report,
 * TDX quote, TDREPORT), print it, and check it against its certificates and
 * the values the user expects.
 */
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/checks.h"
#include "attest/eventlog.h"
#include "attest/evidence.h"
#include "attest/input.h"
#include "attest/measure/measure.h"
#include "attest/out.h"
#include "attest/verify.h"
#include "vmm/cli/commands.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/cli/parse.h"

enum {
	OPT_JSON = 'j', OPT_CERTS = 0x700, OPT_ROOT, OPT_OFFSET,	/* apart from launch and coco keys */
	OPT_EXPECT_MEAS, OPT_REPORT_DATA, OPT_NO_TIME, OPT_AT, OPT_ALLOW_DEBUG, OPT_POLICY_MAX,
	OPT_EXPECT_FROM, OPT_TRUST_EVIDENCE_ROOT, OPT_COLLATERAL, OPT_ACCEPT_TCB, OPT_CRL,
	OPT_ALLOW_PROVISIONAL, OPT_MIN_TCB, OPT_VMPL, OPT_HOST_DATA, OPT_ID_KEY, OPT_AUTHOR_KEY,
	OPT_MIN_GUEST_SVN, OPT_EVENTLOG, OPT_TABLE,
};

struct attest_args {
	const char *file;
	bool json;
	size_t offset;
	struct verify_opts vo;
	uint8_t meas[64], rdata[64], host_data[32], id_key[48], author_key[48];
	struct launch_opts launch;		/* --expect-from: the launch options */
	struct measurement predicted;
};

/* "2030-01-31", "2030-01-31T12:00:00Z" or "@1700000000" (seconds since the epoch). */
static int parse_time(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	const char *end;
	char *e;

	if (s[0] == '@') {
		long long v;

		errno = 0;
		v = strtoll(s + 1, &e, 10);
		if (errno || e == s + 1 || *e)
			return -1;
		*t = (time_t)v;
		return 0;
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end && *end == 'Z')
		end++;
	if (!end || *end)
		return -1;
	*t = timegm(&tm);
	return 0;
}

/* "SWHardeningNeeded,OutOfDate": bits of enum tcb_rank, added to *acc. */
static int parse_accept_tcb(const char *s, unsigned *acc)
{
	char buf[256], *save, *tok;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum tcb_rank r = tcb_rank_of(tok);

		if (r == TCB_UNKNOWN || r == TCB_REVOKED)
			return -1;
		*acc |= 1u << r;
	}
	return 0;
}

static const struct argp_option common_options[] = {
	{ "json", OPT_JSON, NULL, 0, "Print a JSON document instead of aligned text", 0 },
	{ "offset", OPT_OFFSET, "BYTES", 0,
	  "The evidence starts this many bytes into FILE (a vendor container cvmm does not "
	  "detect; Azure's HCLA blob is detected)", 0 },
	{ 0 }
};

static const struct argp_option verify_options[] = {
	{ "certs", OPT_CERTS, "DIR|FILE", 0,
	  "SNP: the VCEK or VLEK (DER or PEM, any file name) and the ASK/ARK or ASVK/ARK chain "
	  "(PEM); a directory is searched file by file; may be given more than once; not needed "
	  "for an extended report, which carries them", 0 },
	{ "root", OPT_ROOT, "PEM", 0,
	  "Trust this root instead of the one built into cvmm: TDX: the root the PCK chain must "
	  "end at (default: Intel's SGX Root CA); SNP: the ARK (default: AMD's ARK for the "
	  "product the certificates name)", 0 },
	{ "trust-evidence-root", OPT_TRUST_EVIDENCE_ROOT, NULL, 0,
	  "UNSAFE: trust whatever root the evidence (TDX) or --certs (SNP) brings; anyone can "
	  "make a chain that passes. For test evidence only: root_pinned says NOT ANCHORED", 0 },
	{ "expect-measurement", OPT_EXPECT_MEAS, "HEX", 0,
	  "Expected launch measurement: SNP MEASUREMENT or TDX MRTD (48 bytes)", 0 },
	{ "expect-from", OPT_EXPECT_FROM, NULL, 0,
	  "Expect the measurement `cvmm measure` predicts from the launch options given with "
	  "it (--firmware, --kernel, --cpus, --vcpu-type, ... below; --snp/--tdx default to "
	  "the evidence's platform)", 0 },
	{ "report-data", OPT_REPORT_DATA, "HEX", 0,
	  "Expected report data (up to 64 bytes; shorter values are zero-padded)", 0 },
	{ "no-time-check", OPT_NO_TIME, NULL, 0,
	  "Do not check certificate validity periods (real evidence ages)", 0 },
	{ "allow-debug", OPT_ALLOW_DEBUG, NULL, 0,
	  "Accept a guest launched with debugging on (SNP policy DEBUG, TDX TDATTRIBUTES.DEBUG)", 0 },
	{ "policy-max", OPT_POLICY_MAX, "HEX", 0,
	  "SNP: the most the guest policy may allow (e.g. 0x30000: SMT, nothing else); a bit "
	  "that grants the host more (SMT, MIGRATE_MA, DEBUG, CXL_ALLOW, unnamed bits) fails, "
	  "as does a restriction set here (SINGLE_SOCKET, ...) the report lacks", 0 },
	{ "collateral", OPT_COLLATERAL, "FILE|DIR", 0,
	  "TDX: Intel's collateral (PCS TCB Info and QE Identity JSON, their issuer chain PEM, "
	  "PCK and Root CA CRLs in DER or PEM, or one dcap-qvl/PCCS collateral JSON object; a "
	  "directory is read file by file): the TCB status is evaluated and must be UpToDate", 0 },
	{ "accept-tcb", OPT_ACCEPT_TCB, "STATUS,...", 0,
	  "TDX with --collateral: TCB statuses that pass besides UpToDate (SWHardeningNeeded, "
	  "ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, "
	  "OutOfDateConfigurationNeeded); Revoked and no matching level never pass", 0 },
	{ "crl", OPT_CRL, "FILE", 0,
	  "SNP: AMD's CRL for the product (PEM or DER, as KDS serves it): it must be signed by "
	  "the pinned ARK and valid at the verification time, and must not list the ASK/ASVK or "
	  "VCEK/VLEK serial", 0 },
	{ "allow-provisional-firmware", OPT_ALLOW_PROVISIONAL, NULL, 0,
	  "SNP: accept a committed TCB or firmware version other than the current one (an "
	  "update the host has not committed and can roll back)", 0 },
	{ "min-tcb", OPT_MIN_TCB, "HEX", 0,
	  "SNP: the lowest TCB_VERSION (64-bit, in the report's layout, e.g. 0xdb18000000000004) "
	  "the current, committed and reported TCB must each reach, component by component", 0 },
	{ "vmpl", OPT_VMPL, "N", 0,
	  "SNP: the VMPL the report must come from (0 to 3; default 0, the most privileged)", 0 },
	{ "host-data", OPT_HOST_DATA, "HEX", 0, "SNP: expected HOST_DATA (32 bytes)", 0 },
	{ "id-key-digest", OPT_ID_KEY, "HEX", 0,
	  "SNP: expected ID_KEY_DIGEST (48 bytes: the ID block's signing key)", 0 },
	{ "author-key-digest", OPT_AUTHOR_KEY, "HEX", 0, "SNP: expected AUTHOR_KEY_DIGEST (48 bytes)", 0 },
	{ "min-guest-svn", OPT_MIN_GUEST_SVN, "N", 0, "SNP: the lowest GUEST_SVN that passes", 0 },
	{ "eventlog", OPT_EVENTLOG, "FILE", 0,
	  "TDX: the CC event log (CCEL data area, as `cvmm attest eventlog` reads it): replayed, "
	  "it must give the evidence's RTMR0-3; the first RTMR that differs is named", 0 },
	{ "at", OPT_AT, "TIME", 0,
	  "Check certificate validity at TIME (2030-01-31, 2030-01-31T12:00:00Z or @EPOCH) "
	  "instead of now", 0 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct attest_args *a = state->input;
	uint64_t v;

	switch (key) {
	case OPT_JSON:
		a->json = true;
		break;
	case OPT_OFFSET:
		if (parse_size(arg, &v) || v >= EVIDENCE_FILE_MAX)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--offset %s: not a byte offset", arg);
		a->offset = (size_t)v;
		break;
	case ARGP_KEY_ARG:
		if (a->file)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "one evidence FILE only ('%s' is extra)", arg);
		a->file = arg;
		break;
	case ARGP_KEY_END:
		if (!a->file)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "no evidence FILE given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t verify_parse(int key, char *arg, struct argp_state *state)
{
	struct attest_args *a = state->input;
	struct verify_opts *vo = &a->vo;
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a;
		state->child_inputs[1] = &a->launch;	/* launch_argp */
		state->child_inputs[2] = &a->launch;	/* coco_argp */
		break;
	case OPT_EXPECT_FROM: vo->expect_from = true; break;
	case OPT_CERTS:
		if (vo->n_certs == VERIFY_MAX_CERTS)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "at most %d --certs", VERIFY_MAX_CERTS);
		vo->certs[vo->n_certs++] = arg;
		break;
	case OPT_ROOT: vo->root = arg; break;
	case OPT_TRUST_EVIDENCE_ROOT: vo->trust_evidence_root = true; break;
	case OPT_NO_TIME: vo->time_check = false; break;
	case OPT_ALLOW_DEBUG: vo->allow_debug = true; break;
	case OPT_POLICY_MAX:
		if (parse_u64_hex(arg, &vo->policy_max))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--policy-max %s: not a hex policy", arg);
		vo->policy_max_set = true;
		break;
	case OPT_COLLATERAL: vo->collateral = arg; break;
	case OPT_CRL: vo->crl = arg; break;
	case OPT_EVENTLOG: vo->eventlog = arg; break;
	case OPT_ALLOW_PROVISIONAL: vo->allow_provisional = true; break;
	case OPT_MIN_TCB:
		if (parse_u64_hex(arg, &v))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--min-tcb %s: not a hex TCB_VERSION", arg);
		vo->min_tcb = v;
		vo->min_tcb_set = true;
		break;
	case OPT_VMPL:
		if (parse_u64_dec(arg, 3, &v))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--vmpl %s: not a VMPL (0 to 3)", arg);
		vo->vmpl = (uint32_t)v;
		vo->vmpl_set = true;
		break;
	case OPT_MIN_GUEST_SVN:
		if (parse_u64_dec(arg, UINT32_MAX, &v))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--min-guest-svn %s: not a 32-bit number", arg);
		vo->min_guest_svn = (uint32_t)v;
		vo->min_guest_svn_set = true;
		break;
	case OPT_HOST_DATA:
		if (parse_hex_bytes(arg, a->host_data, 32, &vo->host_data_len) || vo->host_data_len != 32)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--host-data: not hex of 32 bytes");
		vo->host_data = a->host_data;
		break;
	case OPT_ID_KEY:
		if (parse_hex_bytes(arg, a->id_key, 48, &vo->id_key_digest_len) || vo->id_key_digest_len != 48)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--id-key-digest: not hex of 48 bytes");
		vo->id_key_digest = a->id_key;
		break;
	case OPT_AUTHOR_KEY:
		if (parse_hex_bytes(arg, a->author_key, 48, &vo->author_key_digest_len) ||
		    vo->author_key_digest_len != 48)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--author-key-digest: not hex of 48 bytes");
		vo->author_key_digest = a->author_key;
		break;
	case OPT_ACCEPT_TCB:
		if (parse_accept_tcb(arg, &vo->accept_tcb))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--accept-tcb %s: not a list of TCB "
				     "statuses that may pass (Revoked never does)", arg);
		break;
	case OPT_AT:
		if (parse_time(arg, &vo->at))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--at %s: not a time (use 2030-01-31, "
				     "2030-01-31T12:00:00Z or @EPOCH)", arg);
		break;
	case OPT_EXPECT_MEAS:
		if (parse_hex_bytes(arg, a->meas, 48, &vo->expect_measurement_len))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--expect-measurement: not hex of at "
				     "most 48 bytes");
		vo->expect_measurement = a->meas;
		break;
	case OPT_REPORT_DATA:
		if (parse_hex_bytes(arg, a->rdata, 64, &vo->report_data_len))
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--report-data: not hex of at most 64 bytes");
		vo->report_data = a->rdata;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp common_argp = { common_options, common_parse, NULL, NULL, NULL, NULL, NULL };
static const struct argp_child dump_children[] = { { &common_argp, 0, NULL, 0 }, { 0 } };
static const struct argp_child verify_children[] = {
	{ &common_argp, 0, NULL, 0 },
	{ &launch_argp, 0, NULL, 0 },	/* --expect-from's inputs, as `cvmm measure` takes them */
	{ &coco_argp, 0, NULL, 0 },
	{ 0 }
};

static error_t dump_parse(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_INIT) {
		state->child_inputs[0] = state->input;	/* the common options fill the same args */
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp dump_argp = {
	NULL, dump_parse, "FILE",
	"Print every field of attestation evidence: an SEV-SNP ATTESTATION_REPORT (versions 2 "
	"to 5), an Intel TDX quote (v4, v5) or a raw TDREPORT; the SNP report and the TDREPORT "
	"also inside Azure's HCLA blob; an SNP report followed by its certificate table (an "
	"extended report) with the table's entries. "
	"Hash-like fields are contiguous lowercase hex; bit fields are decoded, with bits no "
	"document names shown as unknown_bits. Exit status 0 when FILE parses, 2 when it does "
	"not (one line on stderr says why).",
	dump_children, NULL, NULL
};

static const struct argp verify_argp = {
	verify_options, verify_parse, "FILE",
	"Check attestation evidence and print each check as passed, failed (with the reason) "
	"or skipped.\vSNP: the ARK/ASK/VCEK (or ARK/ASVK/VLEK) chain, the products the "
	"certificates and the report name, the report signature (ECDSA P-384), the reported TCB "
	"against the VCEK's TCB extensions and the chip id against its hwID, and as go-sev-guest by "
	"default: the committed TCB is the current one (no provisional firmware), the reported "
	"TCB is no newer than the committed one, the report comes from VMPL 0. TDX: the quote "
	"signature with the attestation key (ECDSA P-256), the QE report data binding that key, "
	"the PCK chain to Intel's SGX Root CA built into cvmm (or the --root pin), the QE report "
	"signature with the PCK leaf. SNP's ARK must be the AMD ARK built into cvmm for the product "
	"(or the --root pin). "
	"Both: certificate validity now (or --at), debugging off, the expected measurement (given, "
	"or predicted from launch options with --expect-from) and report data.\n\n"
	"Exit status: 0 when no check failed, 1 when one did, 2 when FILE or a certificate file "
	"cannot be read or parsed.",
	verify_children, NULL, NULL
};

static int load(struct attest_args *a, struct evidence *ev)
{
	return evidence_load(ev, a->file, a->offset);
}

static int do_dump(int argc, char **argv)
{
	struct attest_args a = { .offset = EVIDENCE_NO_OFFSET };
	struct evidence ev;
	struct out o;

	argp_parse(&dump_argp, argc, argv, 0, NULL, &a);
	if (load(&a, &ev))
		return CVMM_EXIT_USAGE;
	out_init(&o, stdout, a.json);
	evidence_dump(&o, &ev, a.file);
	out_finish(&o);
	evidence_free(&ev);
	return CVMM_EXIT_OK;
}

/*
 * --expect-from: the digest `cvmm measure` gives for the same launch
 * options, on the evidence's platform unless --snp/--tdx says otherwise.
 */
static int predict(struct attest_args *a, const struct evidence *ev)
{
	enum platform_id plat = ev->kind == EV_SNP_REPORT ? PLATFORM_SNP : PLATFORM_TDX;

	if (a->vo.expect_measurement) {
		cvmm_err("--expect-from and --expect-measurement exclude each other");
		return -1;
	}
	if (!a->launch.platform_set)
		a->launch.platform = plat;
	if (a->launch.platform != plat) {
		cvmm_err("--expect-from --%s cannot predict the measurement of %s evidence",
			 platform_name(a->launch.platform), evidence_kind_name(ev->kind));
		return -1;
	}
	if (opts_check_scope(&a->launch, OPT_CMD_EXPECT) ||
	    measure_from_opts(&a->launch, &a->predicted, NULL))
		return -1;
	a->vo.expect_measurement = a->predicted.digest;
	a->vo.expect_measurement_len = MEASURE_DIGEST_LEN;
	return 0;
}

/* The first SNP-only option given, so that a TDX verdict never silently ignores one. */
static const char *snp_option(const struct verify_opts *vo)
{
	const struct { bool set; const char *name; } opts[] = {
		{ vo->crl != NULL, "--crl" },
		{ vo->allow_provisional, "--allow-provisional-firmware" },
		{ vo->min_tcb_set, "--min-tcb" }, { vo->vmpl_set, "--vmpl" },
		{ vo->host_data != NULL, "--host-data" },
		{ vo->id_key_digest != NULL, "--id-key-digest" },
		{ vo->author_key_digest != NULL, "--author-key-digest" },
		{ vo->min_guest_svn_set, "--min-guest-svn" },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].set)
			return opts[i].name;
	return NULL;
}

static int do_verify(int argc, char **argv)
{
	struct attest_args a = { .offset = EVIDENCE_NO_OFFSET,
				  .vo = { .time_check = true, .accept_tcb = 1u << TCB_UP_TO_DATE } };
	struct evidence ev;
	struct checks *cl;
	struct out o;
	int rc;

	a.vo.at = time(NULL);
	launch_opts_init(&a.launch);
	argp_parse(&verify_argp, argc, argv, 0, NULL, &a);
	/* launch options make sense only as the input of --expect-from */
	if (!a.vo.expect_from && opts_any_given()) {
		cvmm_err("launch options (--firmware, --kernel, --snp, ...) are the input of "
			 "--expect-from; give it or drop them");
		return CVMM_EXIT_USAGE;
	}
	if (a.vo.root && a.vo.trust_evidence_root) {
		cvmm_err("--root and --trust-evidence-root exclude each other");
		return CVMM_EXIT_USAGE;
	}
	if (load(&a, &ev))
		return CVMM_EXIT_USAGE;
	if (ev.kind != EV_SNP_REPORT && snp_option(&a.vo)) {
		cvmm_err("%s applies to SNP reports; %s is %s", snp_option(&a.vo), a.file,
			 evidence_kind_name(ev.kind));
		evidence_free(&ev);
		return CVMM_EXIT_USAGE;
	}
	if (a.vo.eventlog && ev.kind == EV_SNP_REPORT) {
		cvmm_err("--eventlog: a CC event log replays to TDX RTMRs; %s is an SNP report",
			 a.file);
		evidence_free(&ev);
		return CVMM_EXIT_USAGE;
	}
	if (a.vo.expect_from && predict(&a, &ev)) {
		evidence_free(&ev);
		return CVMM_EXIT_USAGE;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl || evidence_verify(&ev, &a.vo, cl)) {
		free(cl);
		evidence_free(&ev);
		return CVMM_EXIT_USAGE;
	}
	out_init(&o, stdout, a.json);
	if (a.json) {
		out_begin(&o, "evidence");
		out_str(&o, "file", a.file);
		out_str(&o, "format", evidence_kind_name(ev.kind));
		out_end(&o);
	} else {
		printf("%s: %s\n", a.file, evidence_kind_name(ev.kind));
	}
	checks_dump(&o, cl);
	out_finish(&o);
	rc = checks_failed(cl) ? CVMM_EXIT_FAIL : CVMM_EXIT_OK;
	free(cl);
	evidence_free(&ev);
	return rc;
}

/* `cvmm attest eventlog FILE [--table CCEL]`: the CC event log, decoded and replayed. */
struct eventlog_args {
	const char *file, *table;
	bool json;
};

static const struct argp_option eventlog_options[] = {
	{ "json", OPT_JSON, NULL, 0, "Print a JSON document instead of aligned text", 0 },
	{ "table", OPT_TABLE, "CCEL", 0,
	  "The ACPI CCEL table of the same TD (56 bytes): its log area length bounds the log, "
	  "and its fields are printed", 0 },
	{ 0 }
};

static error_t eventlog_parse(int key, char *arg, struct argp_state *state)
{
	struct eventlog_args *a = state->input;

	switch (key) {
	case OPT_JSON: a->json = true; break;
	case OPT_TABLE: a->table = arg; break;
	case ARGP_KEY_ARG:
		if (a->file)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "one event log FILE only ('%s' is extra)", arg);
		a->file = arg;
		break;
	case ARGP_KEY_END:
		if (!a->file)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "no event log FILE given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp eventlog_argp = {
	eventlog_options, eventlog_parse, "FILE",
	"Print a TDX CC event log (the CCEL data area: a TCG2 crypto-agile event log): each "
	"event's register (MRTD, RTMR0-3), type, SHA-384 digest and data, decoded for EFI "
	"variables, boot services applications (their device path), firmware blob and handoff "
	"table descriptions and strings (EV_IPL: grub commands, the kernel command line), then "
	"RTMR0-3 as the log replays them. `cvmm attest verify QUOTE --eventlog FILE` compares "
	"them with a quote. Exit status 0 when FILE parses, 2 when it does not.",
	NULL, NULL, NULL
};

static int do_eventlog(int argc, char **argv)
{
	struct eventlog_args a = { 0 };
	struct ccel_table t;
	struct cc_eventlog l;
	uint8_t *buf = NULL, *tbuf = NULL;
	size_t len, tlen, area;
	struct out o;
	int rc = CVMM_EXIT_USAGE;

	argp_parse(&eventlog_argp, argc, argv, 0, NULL, &a);
	if (a.table && (attest_read(a.table, 4096, "an ACPI CCEL table", &tbuf, &tlen) ||
			ccel_table_parse(&t, tbuf, tlen, a.table)))
		goto out;
	if (attest_read(a.file, EVENTLOG_FILE_MAX, "a CC event log", &buf, &len))
		goto out;
	area = len;
	if (a.table) {
		if (t.laml > len) {
			cvmm_err("%s: %zu bytes, but the CCEL table %s gives the log area %llu", a.file,
				 len, a.table, (unsigned long long)t.laml);
			goto out;
		}
		area = (size_t)t.laml;
	}
	if (cc_eventlog_parse(&l, buf, area, a.file))
		goto out;
	out_init(&o, stdout, a.json);
	out_str(&o, "file", a.file);
	cc_eventlog_dump(&o, &l, a.table ? &t : NULL);
	out_finish(&o);
	cc_eventlog_free(&l);
	rc = CVMM_EXIT_OK;
out:
	free(buf);
	free(tbuf);
	return rc;
}

static void attest_usage(FILE *f)
{
	fprintf(f, "Usage: cvmm attest COMMAND FILE [OPTIONS...]\n\n"
		   "Commands:\n"
		   "  dump       print every field of an SNP report, TDX quote or TDREPORT\n"
		   "  verify     check its signatures, certificate chain and expected values\n"
		   "  eventlog   print a TDX CC event log and the RTMRs it replays to\n\n"
		   "`cvmm attest COMMAND --help` lists the options of a command.\n");
}

int cmd_attest(int argc, char **argv)
{
	static char dump_name[] = "cvmm attest dump", verify_name[] = "cvmm attest verify",
		    eventlog_name[] = "cvmm attest eventlog";

	if (argc < 2) {
		attest_usage(stderr);
		return CVMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		attest_usage(stdout);
		return CVMM_EXIT_OK;
	}
	if (!strcmp(argv[1], "dump")) {
		argv[1] = dump_name;
		return do_dump(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "verify")) {
		argv[1] = verify_name;
		return do_verify(argc - 1, argv + 1);
	}
	if (!strcmp(argv[1], "eventlog")) {
		argv[1] = eventlog_name;
		return do_eventlog(argc - 1, argv + 1);
	}
	cvmm_err("attest: unknown command '%s' (commands: dump, verify, eventlog)", argv[1]);
	return CVMM_EXIT_USAGE;
}
