/*
 * Options of the TDX and SNP platforms that do not change the launch
 * measurement (those live in vmm/cli/opts_coco.c, shared with `cvmm measure`):
 * what goes into LAUNCH_FINISH / INIT_VM beside the measured pages, and where
 * GetQuote requests go. An argp child of `cvmm run`.
 */

#include "vmm/cli/opts.h"
#include "vmm/cli/opts_platform.h"
#include "vmm/cli/parse.h"

enum {
	OPT_ID_BLOCK = 0x400, OPT_ID_AUTH, OPT_AUTHOR_KEY, OPT_HOST_DATA,
	OPT_MRCONFIGID, OPT_MROWNER, OPT_MROWNERCONFIG, OPT_TD_ATTRS, OPT_XFAM,
	OPT_QUOTE_SOCKET, OPT_QUOTE_TIMEOUT,
};

static const struct argp_option platform_options[] = {
	{ NULL, 0, NULL, 0, "SEV-SNP launch completion (with --snp):", 7 },
	{ "id-block", OPT_ID_BLOCK, "FILE", 0,
	  "96-byte ID block for SNP_LAUNCH_FINISH (needs --id-auth)", 7 },
	{ "id-auth", OPT_ID_AUTH, "FILE", 0, "4096-byte ID authentication structure", 7 },
	{ "author-key", OPT_AUTHOR_KEY, NULL, 0, "The ID auth structure carries an author key", 7 },
	{ "host-data", OPT_HOST_DATA, "HEX", 0,
	  "32 bytes (64 hex digits) the host binds into every attestation report", 7 },
	{ NULL, 0, NULL, 0,
	  "--policy bits (firmware ABI): 15:0 minimum firmware API version; "
	  "16 SMT allowed (must be set when the host runs SMT); 17 reserved, must be 1; "
	  "18 migration agent allowed (KVM never allows it); 19 DEBUG: the host may decrypt "
	  "and change guest memory and state (never for production); 20 single socket only; "
	  "21 CXL allowed; 22 AES-256-XTS required; 23 RAPL disabled; 24 ciphertext hiding "
	  "required; 25 page swap disabled. The host's KVM refuses bits its firmware or "
	  "KVM does not allow (KVM_X86_SNP_POLICY_BITS).", 7 },
	{ NULL, 0, NULL, 0, "TDX launch completion (with --tdx):", 8 },
	{ "mrconfigid", OPT_MRCONFIGID, "HEX", 0,
	  "48 bytes (96 hex digits) of software-defined configuration in the TD report", 8 },
	{ "mrowner", OPT_MROWNER, "HEX", 0, "48 bytes: the TD owner's identity", 8 },
	{ "mrownerconfig", OPT_MROWNERCONFIG, "HEX", 0, "48 bytes: owner-defined configuration", 8 },
	{ "td-attributes", OPT_TD_ATTRS, "HEX", 0,
	  "TD attributes (default 0x10000000 = SEPT_VE_DISABLE; bit 0 DEBUG opens the TD "
	  "to the host); checked against KVM_TDX_CAPABILITIES", 8 },
	{ "xfam", OPT_XFAM, "HEX", 0,
	  "Extended features the TD may use (default: all the TDX module supports)", 8 },
	{ "quote-socket", OPT_QUOTE_SOCKET, "PATH", 0,
	  "Unix socket of the Quote Generation Service (QGS) for guest GetQuote requests; "
	  "without it GetQuote answers 'service unavailable'", 8 },
	{ "quote-timeout", OPT_QUOTE_TIMEOUT, "MS", 0,
	  "Give up on a QGS request after MS milliseconds (default 30000)", 8 },
	{ 0 }
};

/* Exactly n bytes of hex (64 or 96 digits, 0x allowed): -1 otherwise. */
static int hex_exactly(const char *s, uint8_t *out, size_t n)
{
	size_t len;

	return parse_hex_bytes(s, out, n, &len) || len != n ? -1 : 0;
}

#define SNP OPT_ON(PLATFORM_SNP)
#define TDX OPT_ON(PLATFORM_TDX)
static const struct opt_scope platform_scope[] = {
	{ OPT_ID_BLOCK, "id-block", SNP, OPT_CMD_RUN, NULL, NULL },
	{ OPT_ID_AUTH, "id-auth", SNP, OPT_CMD_RUN, NULL, NULL },
	{ OPT_AUTHOR_KEY, "author-key", SNP, OPT_CMD_RUN, NULL, NULL },
	{ OPT_HOST_DATA, "host-data", SNP, OPT_CMD_RUN, NULL, NULL },
	{ OPT_MRCONFIGID, "mrconfigid", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_MROWNER, "mrowner", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_MROWNERCONFIG, "mrownerconfig", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_TD_ATTRS, "td-attributes", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_XFAM, "xfam", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_QUOTE_SOCKET, "quote-socket", TDX, OPT_CMD_RUN, NULL, NULL },
	{ OPT_QUOTE_TIMEOUT, "quote-timeout", TDX, OPT_CMD_RUN, NULL, NULL },
};

static error_t platform_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;

	opts_note(platform_scope, sizeof(platform_scope) / sizeof(platform_scope[0]), key);
	switch (key) {
	case OPT_ID_BLOCK:	o->id_block = arg; break;
	case OPT_ID_AUTH:	o->id_auth = arg; break;
	case OPT_AUTHOR_KEY:	o->author_key = true; break;
	case OPT_HOST_DATA:
		if (hex_exactly(arg, o->host_data, sizeof(o->host_data)))
			argp_failure(state, 2, 0, "--host-data: want exactly 64 hex digits (32 bytes)");
		break;
	case OPT_MRCONFIGID:
	case OPT_MROWNER:
	case OPT_MROWNERCONFIG: {
		uint8_t *dst = key == OPT_MRCONFIGID ? o->mrconfigid :
			       key == OPT_MROWNER ? o->mrowner : o->mrownerconfig;
		const char *name = key == OPT_MRCONFIGID ? "mrconfigid" :
				   key == OPT_MROWNER ? "mrowner" : "mrownerconfig";

		if (hex_exactly(arg, dst, 48))
			argp_failure(state, 2, 0, "--%s: want exactly 96 hex digits (48 bytes)", name);
		break;
	}
	case OPT_TD_ATTRS:
		if (parse_u64_hex(arg, &o->td_attributes))
			argp_failure(state, 2, 0, "--td-attributes %s: not a hex number", arg);
		o->td_attributes_set = true;
		break;
	case OPT_XFAM:
		if (parse_u64_hex(arg, &o->xfam))
			argp_failure(state, 2, 0, "--xfam %s: not a hex number", arg);
		o->xfam_set = true;
		break;
	case OPT_QUOTE_SOCKET:	o->quote_socket = arg; break;
	case OPT_QUOTE_TIMEOUT: {
		uint64_t ms;

		if (parse_u64_dec(arg, 3600 * 1000, &ms) || ms < 1)
			argp_failure(state, 2, 0, "--quote-timeout %s: milliseconds, 1 to 3600000", arg);
		o->quote_timeout_ms = (unsigned)ms;
		break;
	}
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp platform_argp = { platform_options, platform_parse, NULL, NULL, NULL, NULL, NULL };
