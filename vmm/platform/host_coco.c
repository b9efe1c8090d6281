#include <stdio.h>
#include <string.h>

#include "vmm/platform/host_coco.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"

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

/* The lowest-level missing piece explains best: CPU, then module, then KVM. */
static bool coco_available(const struct kvm_host *h, int type, const char *tname,
			   const char *cpu_flag, const char *module, const char *param_path,
			   char *why, size_t n)
{
	char val[32];

	if (h->vm_types & (1u << type)) {
		snprintf(why, n, "available (KVM accepts %s)", tname);
		return true;
	}
	if (!cpu_has_flag(cpu_flag))
		snprintf(why, n, "KVM offers no %s: the CPU does not report '%s'%s", tname,
			 cpu_flag, cpu_has_flag("hypervisor") ? " (cvmm itself runs in a VM)" : "");
	else if (!read_param(param_path, val, sizeof(val)))
		snprintf(why, n, "KVM offers no %s: module %s is not loaded", tname, module);
	else if (val[0] != 'Y' && val[0] != '1')
		snprintf(why, n, "KVM offers no %s: %s is '%s'", tname, param_path, val);
	else
		snprintf(why, n, "KVM offers no %s (VM types 0x%x%s)", tname, h->vm_types,
			 h->vm_types_cap ? "" : ": kernel predates KVM_CAP_VM_TYPES");
	return false;
}

bool host_tdx_available(const struct kvm_host *h, char *why, size_t n)
{
	return coco_available(h, KVM_X86_TDX_VM, "KVM_X86_TDX_VM", "tdx_host_platform",
			      "kvm_intel", "/sys/module/kvm_intel/parameters/tdx", why, n);
}

bool host_snp_available(const struct kvm_host *h, char *why, size_t n)
{
	return coco_available(h, KVM_X86_SNP_VM, "KVM_X86_SNP_VM", "sev_snp",
			      "kvm_amd", "/sys/module/kvm_amd/parameters/sev_snp", why, n);
}
