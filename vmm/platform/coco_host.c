/*
 * Whether this host can run TDX or SNP guests: the one answer that both
 * `cvmm info` and `cvmm --tdx/--snp` ask (through the platform table's
 * host_ok), so the two can never disagree; and the TDX capabilities and SNP
 * attributes `cvmm info` prints where a platform is available. Reads KVM's VM
 * types and capabilities and, to make a "no" precise, the CPU flags and
 * kernel module parameters that gate them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/platform/platform_coco.h"
#include "vmm/log.h"

static bool read_param(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static bool cpu_has_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	size_t fl = strlen(flag);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (char *p = strstr(line, flag); p; p = strstr(p + 1, flag))
			if ((p == line || p[-1] == ' ') && (p[fl] == ' ' || p[fl] == '\n' || !p[fl]))
				found = true;
		break;	/* the first CPU's flags speak for all */
	}
	fclose(f);
	return found;
}

/* What gates each VM type, for the reason a host cannot run it. */
struct coco_gate {
	unsigned type;
	const char *tname, *label, *cpu_flag, *module, *param_path;
};

static const struct coco_gate gate_tdx = {
	KVM_X86_TDX_VM, "KVM_X86_TDX_VM", "TDX", "tdx_host_platform", "kvm_intel",
	"/sys/module/kvm_intel/parameters/tdx",
};
static const struct coco_gate gate_snp = {
	KVM_X86_SNP_VM, "KVM_X86_SNP_VM", "SEV-SNP", "sev_snp", "kvm_amd",
	"/sys/module/kvm_amd/parameters/sev_snp",
};

/*
 * KVM does not accept the VM type: the lowest-level missing piece explains
 * best (the CPU, then the module and its parameter, then KVM itself).
 */
static void vm_type_missing(const struct kvm_host *h, const struct coco_gate *g, char *why,
			    size_t n)
{
	char val[32];

	if (!cpu_has_flag(g->cpu_flag))
		snprintf(why, n, "KVM offers no %s: the CPU does not report '%s'%s", g->tname,
			 g->cpu_flag, cpu_has_flag("hypervisor") ? " (cvmm itself runs in a VM)" : "");
	else if (!read_param(g->param_path, val, sizeof(val)))
		snprintf(why, n, "KVM offers no %s: module %s is not loaded", g->tname, g->module);
	else if (val[0] != 'Y' && val[0] != '1')
		snprintf(why, n, "KVM offers no %s: %s is '%s'", g->tname, g->param_path, val);
	else
		snprintf(why, n, "KVM offers no %s (VM types 0x%x%s)", g->tname, h->vm_types,
			 h->vm_types_cap ? "" : ": kernel predates KVM_CAP_VM_TYPES");
}

bool coco_host_ok(const struct kvm_host *h, enum platform_id id, char *why, size_t n)
{
	const struct coco_gate *g = id == PLATFORM_TDX ? &gate_tdx : &gate_snp;
	const char *platform = platform_name(id);
	const char *missing = NULL;
	char buf[256];

	if (!(h->vm_types & (1u << g->type))) {
		vm_type_missing(h, g, buf, sizeof(buf));
		snprintf(why, n, "this host cannot run %s guests: %s (KVM_CAP_VM_TYPES = 0x%x lacks "
			 "%s = %u); predict the measurement with `cvmm measure --%s` or check the "
			 "launch with `cvmm --%s --dry-run`", g->label, buf, h->vm_types,
			 g->tname, g->type, platform, platform);
		return false;
	} else if (!h->guest_memfd) {
		missing = "guest_memfd (KVM_CAP_GUEST_MEMFD)";
	} else if (!h->user_memory2) {
		missing = "KVM_SET_USER_MEMORY_REGION2 (KVM_CAP_USER_MEMORY2)";
	} else if (!(h->mem_attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		missing = "private memory attributes (KVM_CAP_MEMORY_ATTRIBUTES & 0x8)";
	} else if (!(h->exit_hypercall & (1ULL << KVM_HC_MAP_GPA_RANGE))) {
		missing = "MAP_GPA_RANGE exits (KVM_CAP_EXIT_HYPERCALL & 0x1000)";
	} else if (!h->memory_fault_info) {
		missing = "memory-fault exits (KVM_CAP_MEMORY_FAULT_INFO)";
	}
	if (!missing) {
		snprintf(why, n, "available (KVM accepts %s, with guest_memfd, private memory "
			 "attributes, MAP_GPA_RANGE and memory-fault exits)", g->tname);
		return true;
	}
	snprintf(why, n, "cannot run --%s on this host: its KVM offers no %s; predict the "
		 "measurement with `cvmm measure --%s` or check the launch with "
		 "`cvmm --%s --dry-run`", platform, missing, platform, platform);
	return false;
}

static void print_tdx_caps(FILE *f, struct kvm_host *h, struct kvm_backend *kb)
{
	struct coco c;

	coco_init(&c, &coco_tdx_ops, kb, NULL);
	c.kvm_fd = h->fd;
	c.vm_fd = kb->ioctl(kb, h->fd, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_TDX_VM);
	if (c.vm_fd < 0) {
		fprintf(f, "tdx: KVM_CREATE_VM(KVM_X86_TDX_VM) failed: %m\n");
		goto out;
	}
	c.caps = tdx_get_caps(&c);
	if (!c.caps)
		goto out;
	fprintf(f, "tdx: supported TD attributes 0x%llx, XFAM 0x%llx\n",
		U(c.caps->supported_attrs), U(c.caps->supported_xfam));
	fprintf(f, "tdx: TDVMCALLs (leaf 1) kernel r11 0x%llx r12 0x%llx, to userspace r11 0x%llx "
		"r12 0x%llx%s\n", U(c.caps->kernel_tdvmcallinfo_1_r11),
		U(c.caps->kernel_tdvmcallinfo_1_r12), U(c.caps->user_tdvmcallinfo_1_r11),
		U(c.caps->user_tdvmcallinfo_1_r12),
		c.caps->user_tdvmcallinfo_1_r11 & 2 ? " (SetupEventNotifyInterrupt)" : "");
	fprintf(f, "tdx: %u configurable CPUID leaves:", c.caps->cpuid.nent);
	for (uint32_t i = 0; i < c.caps->cpuid.nent; i++)
		fprintf(f, " 0x%x.%u", c.caps->cpuid.entries[i].function,
			c.caps->cpuid.entries[i].index);
	fputc('\n', f);
out:
	c.kvm_fd = -1;		/* the probe's, not ours */
	coco_destroy(&c);
}

static void print_snp_attrs(FILE *f, struct kvm_host *h, struct kvm_backend *kb)
{
	uint64_t feat = 0, pol = 0;
	struct kvm_device_attr a = {
		.group = KVM_X86_GRP_SEV, .attr = KVM_X86_SEV_VMSA_FEATURES,
		.addr = (uint64_t)(uintptr_t)&feat,
	};

	if (kb->ioctl(kb, h->fd, KVM_GET_DEVICE_ATTR, &a) == 0)
		fprintf(f, "snp: VMSA features 0x%llx\n", U(feat));
	a.attr = KVM_X86_SNP_POLICY_BITS;
	a.addr = (uint64_t)(uintptr_t)&pol;
	if (kb->ioctl(kb, h->fd, KVM_GET_DEVICE_ATTR, &a) == 0)
		fprintf(f, "snp: allowed policy bits 0x%llx\n", U(pol));
}

void coco_info_details(FILE *f, struct kvm_host *h, struct kvm_backend *kb)
{
	char why[400];

	if (coco_host_ok(h, PLATFORM_SNP, why, sizeof(why)))
		print_snp_attrs(f, h, kb);
	if (coco_host_ok(h, PLATFORM_TDX, why, sizeof(why)))
		print_tdx_caps(f, h, kb);
}
