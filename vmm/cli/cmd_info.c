/* `cvmm info [--json]`: what this host's KVM offers, from one probe. */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "attest/out.h"
#include "vmm/cli/commands.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/platform/platform_coco.h"
#include "vmm/platform/platform.h"
#include "vmm/platform/platform_sw.h"

static const struct argp_option info_options[] = {
	{ "json", 'j', NULL, 0, "Machine-readable output", 0 },
	{ 0 }
};

static error_t info_parse(int key, char *arg, struct argp_state *state)
{
	bool *json = state->input;

	switch (key) {
	case 'j': *json = true; break;
	case ARGP_KEY_ARG:
		argp_failure(state, CVMM_EXIT_USAGE, 0, "unexpected argument '%s'", arg);
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp info_argp = {
	info_options, info_parse, NULL,
	"Show what this host's KVM offers: API version, VM types, guest_memfd and its flags, "
	"memory attributes, memory-fault exits, hypercall exits, vCPU limits, and whether "
	"TDX and SEV-SNP guests can run here (and if not, exactly why).", NULL, NULL, NULL
};

static const char *const vm_type_names[] = {
	"default", "sw_protected", "sev", "sev_es", "snp", "tdx",
};

static void types_str(uint32_t types, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 32 && off < n; i++) {
		if (!(types & (1u << i)))
			continue;
		off += (size_t)snprintf(buf + off, n - off, "%s%s", off ? " " : "",
					i < 6 ? vm_type_names[i] : "?");
	}
}

/* Values come from the kernel and /sys: escaped like every JSON cvmm prints. */
static void json_str(const char *key, const char *v, bool comma)
{
	printf("  \"%s\": ", key);
	out_json_str(stdout, v);
	printf("%s\n", comma ? "," : "");
}

int cmd_info(int argc, char **argv)
{
	struct kvm_host h;
	struct utsname u;
	bool json = false, gmem_shared, tdx, snp, sw_ok;
	char types[128], tdx_why[512], snp_why[512], sw_why[256] = "";

	argp_parse(&info_argp, argc, argv, 0, NULL, &json);
	if (kvm_host_open(&h))
		return CVMM_EXIT_USAGE;
	uname(&u);
	types_str(h.vm_types, types, sizeof(types));
	gmem_shared = kvm_host_gmem_shared_ok(&h);
	/* the platforms' own host checks: what `cvmm --tdx/--snp/--sw` decide by */
	tdx = platform_tdx.host_ok(&h, tdx_why, sizeof(tdx_why));
	snp = platform_snp.host_ok(&h, snp_why, sizeof(snp_why));
	sw_ok = platform_sw.host_ok(&h, sw_why, sizeof(sw_why));

	if (json) {
		printf("{\n");
		json_str("kernel", u.release, true);
		printf("  \"api_version\": %d,\n", h.api_version);
		printf("  \"vm_types\": %u,\n", h.vm_types);
		json_str("vm_type_names", types, true);
		printf("  \"guest_memfd\": %s,\n", h.guest_memfd ? "true" : "false");
		printf("  \"guest_memfd_flags\": %llu,\n", (unsigned long long)h.gmem_flags);
		printf("  \"guest_memfd_shared_backing\": %s,\n", gmem_shared ? "true" : "false");
		printf("  \"user_memory2\": %s,\n", h.user_memory2 ? "true" : "false");
		printf("  \"memory_attributes\": %llu,\n", (unsigned long long)h.mem_attrs);
		printf("  \"memory_fault_info\": %s,\n", h.memory_fault_info ? "true" : "false");
		printf("  \"exit_hypercall\": %llu,\n", (unsigned long long)h.exit_hypercall);
		printf("  \"max_vcpus\": %d,\n", h.max_vcpus);
		printf("  \"recommended_vcpus\": %d,\n", h.nr_vcpus);
		printf("  \"immediate_exit\": %s,\n", h.immediate_exit ? "true" : "false");
		printf("  \"split_irqchip\": %s,\n", h.split_irqchip ? "true" : "false");
		printf("  \"sw\": %s,\n", sw_ok ? "true" : "false");
		json_str("sw_variant", sw_ok ? (sw_host_protected(&h) ? "sw_protected" : "fallback") : "", true);
		printf("  \"tdx\": %s,\n", tdx ? "true" : "false");
		json_str("tdx_reason", tdx_why, true);
		printf("  \"snp\": %s,\n", snp ? "true" : "false");
		json_str("snp_reason", snp_why, false);
		printf("}\n");
	} else {
		printf("kernel               %s\n", u.release);
		printf("KVM API version      %d\n", h.api_version);
		printf("VM types             0x%x (%s)%s\n", h.vm_types, types,
		       h.vm_types_cap ? "" : " [no KVM_CAP_VM_TYPES: default only]");
		printf("guest_memfd          %s", h.guest_memfd ? "yes" : "no");
		if (h.guest_memfd)
			printf(", flags 0x%llx (%s%s%s)", (unsigned long long)h.gmem_flags,
			       h.gmem_flags & GUEST_MEMFD_FLAG_MMAP ? "MMAP" : "",
			       (h.gmem_flags & 3) == 3 ? " | " : "",
			       h.gmem_flags & GUEST_MEMFD_FLAG_INIT_SHARED ? "INIT_SHARED" : "");
		printf("\n");
		printf("  backs plain RAM    %s\n", gmem_shared ? "yes (MMAP | INIT_SHARED)" : "no: anonymous memory");
		printf("memory slots v2      %s\n", h.user_memory2 ? "yes" : "no");
		printf("memory attributes    0x%llx%s\n", (unsigned long long)h.mem_attrs,
		       h.mem_attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE ? " (PRIVATE)" : " (none: nothing can be made private)");
		printf("memory-fault exits   %s\n", h.memory_fault_info ? "yes" : "no");
		printf("hypercall exits      0x%llx%s\n", (unsigned long long)h.exit_hypercall,
		       h.exit_hypercall & (1ULL << 12) ? " (MAP_GPA_RANGE)" : "");
		printf("vCPUs                max %d, recommended %d\n", h.max_vcpus, h.nr_vcpus);
		printf("immediate_exit       %s\n", h.immediate_exit ? "yes" : "no");
		printf("split irqchip        %s\n", h.split_irqchip ? "yes" : "no");
		printf("sw (--sw)            %s\n", sw_ok ? sw_variant(&h) : sw_why);
		printf("TDX                  %s\n", tdx ? "yes" : "no");
		printf("  why                %s\n", tdx_why);
		printf("SEV-SNP              %s\n", snp ? "yes" : "no");
		printf("  why                %s\n", snp_why);
		if (tdx || snp)		/* TDX capabilities, SNP attributes */
			coco_info_details(stdout, &h, &kb_real);
	}
	kvm_host_close(&h);
	return 0;
}
