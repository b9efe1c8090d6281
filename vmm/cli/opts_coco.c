/*
 * The confidential-launch options, an argp child shared by `cvmm run` and
 * `cvmm measure`: they change what the hardware measures, so a launch and
 * its prediction must read them the same way. The names are fixed (scripts
 * depend on them).
 */
#include <string.h>

#include "loader/boot/snp_cpu.h"
#include "loader/boot/vmsa.h"
#include "vmm/cli/opts.h"
#include "vmm/cli/parse.h"

enum {
	OPT_VCPU_TYPE = 0x200, OPT_GUEST_FEATURES, OPT_VMM_TYPE, OPT_LEGACY_VMSA,
	OPT_POLICY, OPT_MRTD_ORDER, OPT_BOOT_SHIM,
};

static const struct argp_option coco_options[] = {
	{ NULL, 0, NULL, 0, "SEV-SNP launch (with --snp):", 5 },
	{ "vcpu-type", OPT_VCPU_TYPE, "MODEL", 0,
	  "vCPU model whose signature the VMSAs carry: EPYC-v4 (default), EPYC-Rome, "
	  "EPYC-Milan, EPYC-Genoa, EPYC-Turin, ...", 5 },
	{ "guest-features", OPT_GUEST_FEATURES, "HEX", 0,
	  "SEV features in every VMSA (default 0x1 = SNPActive; 0x21 adds DebugSwap)", 5 },
	{ "vmm-type", OPT_VMM_TYPE, "qemu|ec2|gce", 0,
	  "Whose initial vCPU state to predict (default qemu, the one cvmm launches with; "
	  "ec2 and gce: measure and attest only)", 5 },
	{ "legacy-vmsa", OPT_LEGACY_VMSA, NULL, 0,
	  "Predict the initial FPU state of hosts without KVM_SEV_INIT2 (MXCSR and FCW "
	  "zero; measure and attest only)", 5 },
	{ "policy", OPT_POLICY, "HEX", 0, "SNP guest policy (default 0x30000; not in the digest)", 5 },
	{ NULL, 0, NULL, 0, "TDX launch (with --tdx):", 6 },
	{ "mrtd-order", OPT_MRTD_ORDER, "single|two-pass", 0,
	  "Order of PAGE.ADD and MR.EXTEND: single (per page, upstream KVM; default) "
	  "or two-pass (per section, older QEMU TDX trees)", 6 },
	{ NULL, 0, NULL, 0, "Direct boot of confidential guests:", 7 },
	{ "boot-shim", OPT_BOOT_SHIM, NULL, 0,
	  "Plain VMs: boot --kernel through cvmm's boot shim, the way --snp/--tdx boot a "
	  "kernel without --firmware (tests the shim on any KVM)", 7 },
	{ 0 }
};

#define SNP OPT_ON(PLATFORM_SNP)
static const struct opt_scope coco_scope[] = {
	{ OPT_VCPU_TYPE, "vcpu-type", SNP, OPT_CMD_ALL, NULL, NULL },
	{ OPT_GUEST_FEATURES, "guest-features", SNP, OPT_CMD_ALL, NULL, NULL },
	{ OPT_VMM_TYPE, "vmm-type", SNP, OPT_CMD_ALL, NULL, NULL },
	{ OPT_LEGACY_VMSA, "legacy-vmsa", SNP, OPT_CMD_ALL, NULL, NULL },
	{ OPT_POLICY, "policy", SNP, OPT_CMD_ALL, NULL, NULL },
	{ OPT_MRTD_ORDER, "mrtd-order", OPT_ON(PLATFORM_TDX), OPT_CMD_ALL, NULL, NULL },
	{ OPT_BOOT_SHIM, "boot-shim", OPT_ON(PLATFORM_PLAIN), OPT_CMD_RUN,
	  "runs on --plain VMs only (--sw: its memory map has no shared window; --snp, --tdx: "
	  "they boot a --kernel through the shim anyway), not --%s", NULL },
};

static error_t coco_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;
	int v;

	opts_note(coco_scope, sizeof(coco_scope) / sizeof(coco_scope[0]), key);
	switch (key) {
	case OPT_VCPU_TYPE:
		if (!snp_cpu_model_find(arg))
			argp_failure(state, 2, 0, "--vcpu-type %s: unknown CPU model (known: %s)",
				     arg, snp_cpu_model_list());
		o->vcpu_type = arg;
		break;
	case OPT_GUEST_FEATURES:
		if (parse_u64_hex(arg, &o->guest_features))
			argp_failure(state, 2, 0, "--guest-features %s: not a hex number", arg);
		o->guest_features_set = true;
		break;
	case OPT_VMM_TYPE:
		v = vmsa_vmm_parse(arg);
		if (v < 0)
			argp_failure(state, 2, 0, "--vmm-type %s: use qemu, ec2 or gce", arg);
		o->vmm_type = v;
		break;
	case OPT_LEGACY_VMSA:
		o->legacy_vmsa = true;
		break;
	case OPT_POLICY:
		if (parse_u64_hex(arg, &o->snp_policy))
			argp_failure(state, 2, 0, "--policy %s: not a hex number", arg);
		o->has_policy = true;	/* 0 too: the check refuses it, never the default */
		break;
	case OPT_MRTD_ORDER:
		if (!strcmp(arg, "single"))
			o->mrtd_two_pass = false;
		else if (!strcmp(arg, "two-pass"))
			o->mrtd_two_pass = true;
		else
			argp_failure(state, 2, 0, "--mrtd-order %s: use single or two-pass", arg);
		break;
	case OPT_BOOT_SHIM:
		o->boot_shim = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp coco_argp = { coco_options, coco_parse, NULL, NULL, NULL, NULL, NULL };
