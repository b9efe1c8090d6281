#include <string.h>

#include "loader/direct.h"
#include "loader/plan.h"
#include "loader/launch_opts.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/platform/platform.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"

static const struct platform_ops *const platforms[] = {
	&platform_plain,
	&platform_sw,
	&platform_snp,
	&platform_tdx,
};

const struct platform_ops *platform_by_id(enum platform_id id)
{
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (platforms[i]->id == id)
			return platforms[i];
	return NULL;
}

int platform_copy_piece(struct vm *vm, const struct plan_piece *piece)
{
	uint8_t *dst = gm_launch_ptr(&vm->mem, piece->gpa, piece->len);

	if (!dst) {
		cvmm_err("launch plan: %s [0x%llx, +0x%llx) is outside guest RAM", piece->what,
			 (unsigned long long)piece->gpa, (unsigned long long)piece->len);
		return -1;
	}
	/* Fresh guest memory is zero: only write zeroes over nothing. */
	if (piece->data)
		memcpy(dst, piece->data, piece->data_len);
	return 0;
}

int platform_direct_vcpu(struct vm *vm, struct vcpu *v, const struct launch_plan *plan)
{
	/* FLAT32: the boot shim's 32-bit door (--boot-shim), as a TD enters it. */
	if (plan->boot.mode != CPU_MODE_LONG64 && !(plan->boot.mode == CPU_MODE_FLAT32 && plan->ap_park)) {
		cvmm_err("the %s platform boots kernels and ELF images directly; "
			 "firmware boot (--firmware) needs --snp or --tdx", vm->plat->name);
		return -1;
	}
	if (vcpu_setup_long64(v, plan))
		return -1;
	/*
	 * With local APICs in KVM (a bzImage), only the BSP enters the kernel:
	 * APs wait in KVM for the INIT/SIPI Linux sends them (which resets
	 * the registers set above), unless the plan parks them on the boot
	 * shim's mailbox: then they run from the start, as in a TD. Without
	 * local APICs every vCPU enters (tiny guests).
	 */
	if (vm->ioapic && v->index > 0) {
		struct kvm_mp_state mp = {
			.mp_state = plan->ap_park ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
		};

		if (vm_ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
			return -1;
	}
	return 0;
}

int platform_direct_plan(struct launch_plan *p, const struct launch_opts *o)
{
	if (o->firmware) {
		cvmm_err("--firmware: the %s platform boots kernels and ELF images directly; "
			 "firmware boot needs --snp or --tdx", platform_name(o->platform));
		return -1;
	}
	if (o->cpus > (int)DIRECT_MAX_ENTRY_VCPUS) {
		cvmm_err("--cpus %d: direct boot gives each vCPU a stack below 1 MiB; at most %llu",
			 o->cpus, (unsigned long long)DIRECT_MAX_ENTRY_VCPUS);
		return -1;
	}
	return direct_boot_plan(p, o);
}

int platform_print_plan(const struct launch_opts *o, const struct launch_plan *p, FILE *f)
{
	fprintf(f, "launch plan: %s image, %llu MiB RAM, %zu pieces\n", p->image_kind ? p->image_kind : "?",
		(unsigned long long)(p->mem_size >> 20), p->n_pieces);
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		fprintf(f, "  [0x%09llx, 0x%09llx) %-10s %-8s %-13s %llu bytes of data\n",
			(unsigned long long)q->gpa, (unsigned long long)(q->gpa + q->len),
			piece_type_name(q->type), q->measured ? "measured" : "-", q->what,
			(unsigned long long)q->data_len);
	}
	fprintf(f, "  entry: rip 0x%llx rsp 0x%llx rsi 0x%llx cr3 0x%llx\n",
		(unsigned long long)p->boot.rip, (unsigned long long)p->boot.rsp,
		(unsigned long long)p->boot.rsi, (unsigned long long)p->boot.cr3);
	return 0;
}
