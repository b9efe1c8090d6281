/*
 * Whether this host can run TDX or SNP guests, decided before anything is
 * created, and what `cvmm info` says about it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/platform/coco.h"
#include "vmm/platform/host_coco.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/platform/platform_coco.h"

#define U(x) ((unsigned long long)(x))

bool coco_host_ok(const struct kvm_host *h, const char *platform, char *why, size_t n)
{
	bool tdx = !strcmp(platform, "tdx");
	unsigned type = tdx ? KVM_X86_TDX_VM : KVM_X86_SNP_VM;
	const char *missing = NULL;
	char buf[256];

	if (!(h->vm_types & (1u << type))) {
		/* host_coco.c says why: the CPU, the module or KVM itself */
		if (tdx)
			host_tdx_available(h, buf, sizeof(buf));
		else
			host_snp_available(h, buf, sizeof(buf));
		snprintf(why, n, "this host cannot run %s guests: %s (KVM_CAP_VM_TYPES = 0x%x lacks "
			 "%s = %u); predict the measurement with `cvmm measure --%s` or check the "
			 "launch with `cvmm --%s --dry-run`", tdx ? "TDX" : "SEV-SNP", buf,
			 h->vm_types, tdx ? "KVM_X86_TDX_VM" : "KVM_X86_SNP_VM", type,
			 platform, platform);
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
	if (!missing)
		return true;
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

	if (coco_host_ok(h, "snp", why, sizeof(why)))
		print_snp_attrs(f, h, kb);
	if (coco_host_ok(h, "tdx", why, sizeof(why)))
		print_tdx_caps(f, h, kb);
}

void coco_info_print_with(FILE *f, struct kvm_host *h, struct kvm_backend *kb)
{
	static const char *const plats[] = { "snp", "tdx" };

	for (int i = 0; i < 2; i++) {
		char why[400];

		if (!coco_host_ok(h, plats[i], why, sizeof(why)))
			fprintf(f, "%s: not available: %s\n", plats[i], why);
		else
			fprintf(f, "%s: available\n", plats[i]);
	}
	coco_info_details(f, h, kb);
}

void coco_info_print(FILE *f, struct kvm_host *h)
{
	coco_info_print_with(f, h, &kb_real);
}
