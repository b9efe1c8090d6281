#include <stdio.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/cli/parse.h"

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

/* The options given, in order; reset when a parse begins (launch_argp is in every one). */
static const struct opt_scope *given[64];
static size_t n_given;

void opts_note(const struct opt_scope *table, size_t n, int key)
{
	for (size_t i = 0; i < n; i++) {
		if (table[i].key != key)
			continue;
		for (size_t j = 0; j < n_given; j++)
			if (given[j] == &table[i])
				return;
		if (n_given < sizeof(given) / sizeof(given[0]))
			given[n_given++] = &table[i];
		return;
	}
}

bool opts_any_given(void)
{
	return n_given > 0;
}

static const char *command_name(enum opt_cmd cmd)
{
	return cmd == OPT_CMD_MEASURE ? "cvmm measure" :
	       cmd == OPT_CMD_EXPECT ? "cvmm attest verify --expect-from" : "cvmm run";
}

int opts_check_scope(const struct launch_opts *o, enum opt_cmd cmd)
{
	for (size_t i = 0; i < n_given; i++) {
		const struct opt_scope *s = given[i];
		char on[64] = "", why[160];

		if (!(s->platforms & OPT_ON(o->platform))) {
			for (int p = PLATFORM_PLAIN; p <= PLATFORM_TDX; p++)
				if (s->platforms & OPT_ON(p))
					snprintf(on + strlen(on), sizeof(on) - strlen(on), "%s--%s",
						 *on ? " and " : "", platform_name((enum platform_id)p));
			if (s->not_on)
				snprintf(why, sizeof(why), s->not_on, platform_name(o->platform));
			else
				snprintf(why, sizeof(why), "applies to %s only, not --%s", on,
					 platform_name(o->platform));
			cvmm_err("--%s: %s", s->name, why);
			return -1;
		}
		if (!(s->commands & cmd)) {
			cvmm_err("--%s: not an option of `%s`: %s", s->name, command_name(cmd),
				 s->not_for ? s->not_for : "it applies to `cvmm run` only");
			return -1;
		}
	}
	return 0;
}

static const struct opt_scope launch_scope[] = {
	{ OPT_PLAIN, "plain", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_SW, "sw", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_TDX, "tdx", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_SNP, "snp", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_KERNEL, "kernel", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_INITRD, "initrd", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_CMDLINE, "cmdline", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_FIRMWARE, "firmware", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_MEM, "mem", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_CPUS, "cpus", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_WINDOW, "shared-window", OPT_ON(PLATFORM_SW), OPT_CMD_RUN,
	  "only platforms with private memory that cvmm shares through a window (--sw) have "
	  "one; --%s has none", NULL },
	{ OPT_NO_GMEM, "no-guest-memfd", OPT_ON(PLATFORM_PLAIN), OPT_CMD_RUN,
	  "plain VMs only (--%s keeps guest memory in guest_memfd)", NULL },
};

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
	uint64_t n;

	opts_note(launch_scope, sizeof(launch_scope) / sizeof(launch_scope[0]), key);
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;	/* devices_argp */
		n_given = 0;
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
		if (parse_u64_dec(arg, 4096, &n))
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

