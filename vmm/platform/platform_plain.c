/*
 * plain: an ordinary VM. RAM is guest_memfd (MMAP|INIT_SHARED) where the
 * host supports it, so the memory layer is the same one the confidential
 * platforms use, else anonymous memory. Nothing is private.
 */
#include <stdio.h>

#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "loader/launch_opts.h"
#include "vmm/platform/platform.h"
#include "vmm/core/vm.h"

static bool plain_host_ok(const struct kvm_host *h, char *why, size_t n)
{
	if (!(h->vm_types & (1u << KVM_X86_DEFAULT_VM))) {
		snprintf(why, n, "KVM does not offer the default VM type");
		return false;
	}
	return true;
}

static unsigned long plain_vm_type(const struct kvm_host *h)
{
	return KVM_X86_DEFAULT_VM;
}

static enum gm_backing plain_backing(const struct vm *vm)
{
	return !vm->opts->no_gmem && kvm_host_gmem_shared_ok(vm->host) ? GM_GMEM_SHARED : GM_ANON;
}

/* No private memory: every chunk may wait for its first touch. */
static bool plain_lazy_memslots(const struct vm *vm)
{
	return true;
}

const struct platform_ops platform_plain = {
	.name = "plain",
	.id = PLATFORM_PLAIN,
	.has_private_memory = false,
	.uses_supported_cpuid = true,
	.build_plan = platform_direct_plan,
	.dry_run = platform_print_plan,
	.lazy_memslots = plain_lazy_memslots,
	.host_ok = plain_host_ok,
	.vm_type = plain_vm_type,
	.backing = plain_backing,
	.add_piece = platform_copy_piece,
	.init_vcpu = platform_direct_vcpu,
};
