/*
 * plain: an ordinary VM. RAM is guest_memfd (MMAP|INIT_SHARED) where the
 * host supports it, so the memory layer is the same one the confidential
 * platforms use, else anonymous memory. Nothing is private.
 */
#include <stdio.h>
#include <string.h>

#include "loader/plan.h"
#include "vmm/kvm.h"
#include "vmm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/opts.h"
#include "vmm/platform.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

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

static bool plain_use_gmem(const struct vm *vm)
{
	return !vm->opts->no_gmem && kvm_host_gmem_shared_ok(vm->host);
}

static int plain_add_piece(struct vm *vm, const struct plan_piece *piece)
{
	uint8_t *dst = gm_launch_ptr(&vm->mem, piece->gpa, piece->len);

	if (!dst) {
		cvmm_err("launch plan: %s [0x%llx, +0x%llx) is outside guest RAM", piece->what,
			 (unsigned long long)piece->gpa, (unsigned long long)piece->len);
		return -1;
	}
	if (piece->data)
		memcpy(dst, piece->data, piece->data_len);
	/* Fresh guest memory is zero: only write zeroes over nothing. */
	return 0;
}

static int plain_init_vcpu(struct vm *vm, struct vcpu *v, const struct launch_plan *plan)
{
	if (plan->boot.mode != CPU_MODE_LONG64) {
		cvmm_err("the plain platform boots kernels and ELF images directly; "
			 "firmware boot (--firmware) needs --snp or --tdx");
		return -1;
	}
	return vcpu_setup_long64(v, plan);
}

const struct platform_ops platform_plain = {
	.name = "plain",
	.lazy_memslots = true,
	.host_ok = plain_host_ok,
	.vm_type = plain_vm_type,
	.use_gmem = plain_use_gmem,
	.add_piece = plain_add_piece,
	.init_vcpu = plain_init_vcpu,
};
