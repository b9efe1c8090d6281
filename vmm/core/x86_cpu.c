/* Initial x86 register state for direct 64-bit entry (design.md contract). */

#include "loader/direct.h"
#include "loader/plan.h"
#include "vmm/core/cpuid.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_EFER_LME	(1ULL << 8)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_CPUID1_ECX_TSC_DEADLINE	(1u << 24)
#define X86_CPUID1_ECX_HYPERVISOR	(1u << 31)

/*
 * KVM checks EFER.LME against the guest's CPUID (long mode), so the vCPU
 * needs a CPUID table before its sregs: KVM's supported set, as is.
 */
static int set_cpuid(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!cpuid_supported(vm))
		return -1;
	cpuid_set_apic_id(vm->cpuid, v->index);
	/*
	 * Older KVMs leave the hypervisor bit out of their supported set (6.18
	 * reports it; QEMU sets it either way, and so does this): Linux reads the 0x40000000 leaves, KVM's signature and kvm-clock,
	 * only where it is set; without it Linux boots "on bare hardware" and
	 * finds no TSC frequency without a PIT.
	 */
	for (uint32_t i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == 1)
			vm->cpuid->entries[i].ecx |= X86_CPUID1_ECX_HYPERVISOR;
	/*
	 * KVM's LAPIC emulates the TSC-deadline timer but leaves the bit to
	 * userspace; with it Linux needs no PIT or HPET to calibrate the LAPIC
	 * timer (kvm-clock gives the TSC frequency: KVM's 0x40000001 leaf,
	 * passed on).
	 */
	if (vm->ioapic) {
		for (uint32_t i = 0; i < vm->cpuid->nent; i++)
			if (vm->cpuid->entries[i].function == 1)
				vm->cpuid->entries[i].ecx |= X86_CPUID1_ECX_TSC_DEADLINE;
	}
	return vm_ioctl(v->fd, KVM_SET_CPUID2, vm->cpuid) < 0 ? -1 : 0;
}

static struct kvm_segment flat_segment(uint16_t sel, uint8_t type, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1,
	};
}

/*
 * 32-bit flat protected mode, paging off, rip and rsi from the plan: the
 * state a TDX module starts a TD vCPU in, for the boot shim's BSP on a plain
 * VM, so plain runs the shim's 32-bit door and page-table builder too.
 */
static int setup_flat32(struct vcpu *v, const struct vcpu_boot *b)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = b->rip, .rsi = b->rsi, .rflags = 0x2 };

	if (vm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	sregs.cs = flat_segment(0x10, 0xb, true);
	sregs.cs.l = 0;
	sregs.cs.db = 1;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x18, 0x3, false);
	sregs.gdt.base = b->gdt_base;
	sregs.gdt.limit = b->gdt_limit;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (vm_ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	return vm_ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ? -1 : 0;
}

int vcpu_setup_long64(struct vcpu *v, const struct launch_plan *plan)
{
	bool parked = plan->ap_park && v->index > 0;
	const struct vcpu_boot *b = parked ? &plan->ap : &plan->boot;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (set_cpuid(v))
		return -1;
	if (!parked && b->mode == CPU_MODE_FLAT32)
		return setup_flat32(v, b);
	if (vm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	/* __BOOT_CS / __BOOT_DS of the Linux 64-bit boot protocol */
	sregs.cs = flat_segment(0x10, 0xb, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x18, 0x3, false);
	sregs.gdt.base = b->gdt_base;
	sregs.gdt.limit = b->gdt_limit;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = b->cr3;
	sregs.cr4 = X86_CR4_PAE;
	sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	if (vm_ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;

	/* Every entering vCPU gets its own stack; rdi says which one it is. */
	regs = (struct kvm_regs){
		.rip = b->rip,
		.rsp = direct_stack_top(v->index),
		.rsi = parked ? (uint64_t)v->index : b->rsi,
		.rdi = (uint64_t)v->index,
		.rflags = 0x2,
	};
	return vm_ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ? -1 : 0;
}
