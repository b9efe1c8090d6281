/*
 * Options of the TDX and SNP platforms that do not change the launch
 * measurement (those live in vmm/opts_coco.c, shared with `cvmm measure`):
 * what goes into LAUNCH_FINISH / INIT_VM beside the measured pages, and where
 * GetQuote requests go. An argp child of `cvmm run`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli/opts.h"
#include "vmm/cli/opts_platform.h"

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

int parse_hex_bytes(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			int ch = tolower((unsigned char)s[2 * i + j]);

			if (!isxdigit(ch))
				return -1;
			v = v * 16 + (unsigned)(isdigit(ch) ? ch - '0' : ch - 'a' + 10);
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int parse_u64_hex(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 16);
	return errno || *end ? -1 : 0;
}

static error_t platform_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;

	switch (key) {
	case OPT_ID_BLOCK:	o->id_block = arg; break;
	case OPT_ID_AUTH:	o->id_auth = arg; break;
	case OPT_AUTHOR_KEY:	o->author_key = true; break;
	case OPT_HOST_DATA:
		if (parse_hex_bytes(arg, o->host_data, sizeof(o->host_data)))
			argp_failure(state, 2, 0, "--host-data: want exactly 64 hex digits (32 bytes)");
		break;
	case OPT_MRCONFIGID:
	case OPT_MROWNER:
	case OPT_MROWNERCONFIG: {
		uint8_t *dst = key == OPT_MRCONFIGID ? o->mrconfigid :
			       key == OPT_MROWNER ? o->mrowner : o->mrownerconfig;
		const char *name = key == OPT_MRCONFIGID ? "mrconfigid" :
				   key == OPT_MROWNER ? "mrowner" : "mrownerconfig";

		if (parse_hex_bytes(arg, dst, 48))
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
		char *end;
		long ms;

		errno = 0;
		ms = strtol(arg, &end, 10);
		if (errno || *end || end == arg || ms < 1 || ms > 3600 * 1000)
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
