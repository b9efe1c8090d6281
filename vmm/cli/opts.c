#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/cli/opts.h"

enum {
	OPT_KERNEL = 'k', OPT_INITRD = 'i', OPT_CMDLINE = 'c', OPT_FIRMWARE = 'f',
	OPT_MEM = 'm', OPT_CPUS = 'n',
	OPT_PLAIN = 0x100, OPT_SW, OPT_TDX, OPT_SNP, OPT_NO_GMEM, OPT_WINDOW,
};

static const struct argp_option launch_options[] = {
	{ NULL, 0, NULL, 0, "Platform (pick one; default --plain):", 1 },
	{ "plain", OPT_PLAIN, NULL, 0, "Ordinary VM: no private memory", 1 },
	{ "sw", OPT_SW, NULL, 0,
	  "Software-protected VM: private memory in guest_memfd, conversions through "
	  "the cvmm port, host view of private pages revoked", 1 },
	{ "tdx", OPT_TDX, NULL, 0, "Intel TDX trust domain", 1 },
	{ "snp", OPT_SNP, NULL, 0, "AMD SEV-SNP guest", 1 },
	{ NULL, 0, NULL, 0, "Guest image (without --kernel/--firmware: the embedded demo guest):", 2 },
	{ "kernel", OPT_KERNEL, "FILE", 0, "Linux bzImage or ELF64 image, entered in 64-bit mode", 2 },
	{ "initrd", OPT_INITRD, "FILE", 0, "Initial ramdisk (with --kernel)", 2 },
	{ "cmdline", OPT_CMDLINE, "STR", 0, "Kernel command line (with --kernel)", 2 },
	{ "firmware", OPT_FIRMWARE, "FILE", 0, "Firmware image mapped below 4 GiB (OVMF, TDVF)", 2 },
	{ NULL, 0, NULL, 0, "Machine:", 3 },
	{ "mem", OPT_MEM, "SIZE", 0, "Guest RAM, e.g. 256M, 8G (K/M/G/T suffixes; default 256M)", 3 },
	{ "cpus", OPT_CPUS, "N", 0, "Number of vCPUs (default 1)", 3 },
	{ "shared-window", OPT_WINDOW, "SIZE[@GPA]", 0,
	  "--sw: guest RAM that starts shared, for device buffers (reserved in e820; "
	  "default 2M at the top of RAM below 3 GiB; 0: none)", 3 },
	{ "no-guest-memfd", OPT_NO_GMEM, NULL, 0,
	  "Plain platform: back RAM with anonymous memory even where guest_memfd works", 3 },
	{ 0 }
};

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;
	int base = 10;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	/* Decimal or 0x hex; never octal, which would make 010G eight GiB. */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
		if (!isxdigit((unsigned char)*s))
			return -1;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	case 't': shift = 40; end++; break;
	default: return -1;
	}
	if (shift && (*end == 'i' || *end == 'I'))	/* accept "MiB"-style too */
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0')
		return -1;
	if (shift && v > (~0ULL >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

static int set_platform(struct launch_opts *o, enum platform_id p, struct argp_state *state)
{
	if (o->platform_set && o->platform != p)
		argp_failure(state, 2, 0, "--%s and --%s exclude each other",
			     platform_name(o->platform), platform_name(p));
	o->platform = p;
	o->platform_set = true;
	return 0;
}

static error_t launch_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;
	char *end;
	long n;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;	/* devices_argp */
		break;
	case OPT_PLAIN: return set_platform(o, PLATFORM_PLAIN, state);
	case OPT_SW:	return set_platform(o, PLATFORM_SW, state);
	case OPT_TDX:	return set_platform(o, PLATFORM_TDX, state);
	case OPT_SNP:	return set_platform(o, PLATFORM_SNP, state);
	case OPT_KERNEL:	o->kernel = arg; break;
	case OPT_INITRD:	o->initrd = arg; break;
	case OPT_CMDLINE:	o->cmdline = arg; break;
	case OPT_FIRMWARE:	o->firmware = arg; break;
	case OPT_NO_GMEM:	o->no_gmem = true; break;
	case OPT_WINDOW: {
		char *at = strchr(arg, '@');

		if (at)
			*at = '\0';
		o->window_set = true;
		o->window_gpa_set = at != NULL;
		if (parse_size(arg, &o->window_size) || (at && parse_size(at + 1, &o->window_gpa)))
			argp_failure(state, 2, 0, "--shared-window %s%s%s: not SIZE or SIZE@GPA "
				     "(e.g. 2M@0x8000000)", arg, at ? "@" : "", at ? at + 1 : "");
		break;
	}
	case OPT_MEM:
		if (parse_size(arg, &o->mem))
			argp_failure(state, 2, 0, "--mem %s: not a size (use e.g. 512M or 4G)", arg);
		break;
	case OPT_CPUS:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno || *end || end == arg || n < 0 || n > 4096)
			argp_failure(state, 2, 0, "--cpus %s: not a vCPU count", arg);
		o->cpus = (int)n;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child launch_children[] = {
	{ &devices_argp, 0, NULL, 0 },
	{ 0 }
};

const struct argp launch_argp = { launch_options, launch_parse, NULL, NULL, launch_children, NULL, NULL };

