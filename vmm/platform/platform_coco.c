/*
 * The TDX and SNP platforms as vmm/core/vm.c's boot recipe sees them: its steps
 * (VM, memory, pieces, vCPUs, finalize, run) mapped onto the confidential
 * launch of vmm/platform/coco.c, issued through the VM's backend. Memory
 * belongs to struct vm (guest_memfd for the private side, a memfd for the
 * shared side: GM_GMEM_SPLIT), the firmware's region outside RAM included.
 * Conversions go through gm_convert() (vmm/mem/convert.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/plan.h"
#include "loader/plan_coco.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/coco_exit.h"
#include "vmm/mem/convert.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"
#include "loader/launch_opts.h"
#include "vmm/platform/platform.h"
#include "vmm/platform/platform_coco.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"

static int convert(void *opaque, uint64_t gpa, uint64_t pages, bool to_private)
{
	struct vm *vm = opaque;

	return gm_convert(&vm->mem, gpa, pages, to_private ? CONV_TO_PRIVATE : CONV_TO_SHARED, 0);
}

static int guest_read(void *opaque, uint64_t gpa, void *dst, uint64_t len)
{
	return gm_read(&((struct vm *)opaque)->mem, gpa, dst, len) ? -1 : 0;
}

static int guest_write(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
	return gm_write(&((struct vm *)opaque)->mem, gpa, src, len) ? -1 : 0;
}

static int coco_vm_init(struct vm *vm, const struct coco_ops *ops)
{
	struct coco *c = calloc(1, sizeof(*c));

	if (!c) {
		cvmm_err("out of memory");
		return -1;
	}
	coco_init(c, ops, vm->kb, vm->opts);
	vm->plat_data = c;
	c->kvm_fd = vm->host->fd;
	c->vm_fd = vm->vm_fd;
	c->mem = &vm->mem;
	c->convert = convert;
	c->convert_opaque = vm;
	c->guest_read = guest_read;
	c->guest_write = guest_write;
	c->guest_opaque = vm;
	if (!vm->plan) {
		cvmm_err("%s: no launch plan", ops->name);
		return -1;
	}
	/* the plan's VMSAs (SNP) and measurement are for its vCPU count */
	if (vm->plan->coco.n_vcpus && vm->plan->coco.n_vcpus != vm->opts->cpus) {
		cvmm_err("%s: the launch plan is for %d vCPU(s), not %d", ops->name,
			 vm->plan->coco.n_vcpus, vm->opts->cpus);
		return -1;
	}
	if (ops->prepare(c, vm->plan) || coco_open_devices(c) || coco_check_vm(c))
		return -1;
	int r = ops->init_vm(c, vm->plan);

	vm->split_irqchip = c->split_irqchip;
	return r;
}

static int snp_init_vm(struct vm *vm) { return coco_vm_init(vm, &coco_snp_ops); }
static int tdx_init_vm(struct vm *vm) { return coco_vm_init(vm, &coco_tdx_ops); }

static enum gm_backing coco_backing(const struct vm *vm)
{
	return GM_GMEM_SPLIT;	/* guest_memfd (flags 0) private, memfd shared */
}

/*
 * Before the first piece: all guest memory private (RAM and the regions
 * outside it: KVM measures only into private guest_memfd pages), then the
 * shared pieces.
 */
static int coco_memory(struct vm *vm, struct coco *c)
{
	struct guest_mem *gm = &vm->mem;

	if (gm_private_enable(gm, vm->vm_fd))
		return -1;
	for (int i = 0; i < gm->n_regions; i++) {
		int st = gm_convert(gm, gm->regions[i].gpa, gm->regions[i].size / 4096,
				    CONV_TO_PRIVATE, CONV_F_KEEP | CONV_F_LAUNCH);

		if (st) {
			/* refused: KVM_SET_MEMORY_ATTRIBUTES failed, errno says why */
			if (st > 0)
				cvmm_err("%s: cannot make memory at 0x%llx private: %s (%s)",
					 c->ops->name, (unsigned long long)gm->regions[i].gpa,
					 conv_status_str(st), strerror(errno));
			return -1;
		}
	}
	return coco_share_pieces(c, vm->plan);
}

static int coco_add_piece(struct vm *vm, const struct plan_piece *piece)
{
	struct coco *c = vm->plat_data;

	if (!c->memory_ready) {
		if (coco_memory(vm, c))
			return -1;
		c->memory_ready = true;
	}
	/* TDX adds pieces through an initialised vCPU: at finalize */
	return c->ops->load_after_vcpus ? 0 : snp_add_piece(c, piece);
}

static int coco_init_vcpu(struct vm *vm, struct vcpu *v, const struct launch_plan *plan)
{
	struct coco *c = vm->plat_data;

	if (c->n_vcpus == COCO_MAX_VCPUS || v->index != c->n_vcpus) {
		cvmm_err("%s: vCPU %d out of order", c->ops->name, v->index);
		return -1;
	}
	/*
	 * Every vCPU runs: with no in-kernel LAPIC KVM starts them all, and the
	 * firmware or the boot shim parks the APs (README: known defects).
	 */
	c->vcpu_fds[c->n_vcpus++] = v->fd;
	return c->ops->setup_vcpu(c, v->index, plan);
}

static int coco_finalize(struct vm *vm)
{
	struct coco *c = vm->plat_data;

	if (!c->memory_ready) {	/* a plan without pieces */
		if (coco_memory(vm, c))
			return -1;
		c->memory_ready = true;
	}
	if (c->ops->load_after_vcpus && c->ops->load(c, vm->plan))
		return -1;
	if (c->ops->finalize(c))
		return -1;
	return 0;
}

static enum exit_action coco_exit(struct vcpu *v, struct kvm_run *run)
{
	int e = errno;	/* a memory fault came with KVM_RUN failing */
	struct coco_stop s = { 0 };
	bool fault = run->exit_reason == KVM_EXIT_MEMORY_FAULT;
	enum exit_action a = coco_handle_exit(v->vm->plat_data, run, v->index, fault ? -1 : 0,
					      fault ? (e == EHWPOISON ? EHWPOISON : EFAULT) : 0, &s);

	if (a == EXIT_STOP)
		vm_request_stop(v->vm, s.code, "vCPU %d: %s", v->index, s.reason);
	return a;
}

static void coco_vm_destroy(struct vm *vm)
{
	struct coco *c = vm->plat_data;

	if (!c)
		return;
	if (c->quotes_ok || c->quotes_failed)
		cvmm_verbose("GetQuote: %llu served, %llu failed", (unsigned long long)c->quotes_ok,
			     (unsigned long long)c->quotes_failed);
	coco_destroy(c);
	free(c);
	vm->plat_data = NULL;
}

static bool snp_host_ok(const struct kvm_host *h, char *why, size_t n)
{
	return coco_host_ok(h, PLATFORM_SNP, why, n);
}

static bool tdx_host_ok(const struct kvm_host *h, char *why, size_t n)
{
	return coco_host_ok(h, PLATFORM_TDX, why, n);
}

/* The plan `cvmm measure` hashes; with --dry-run only the plan itself is checked. */
static int coco_build_plan(struct launch_plan *p, const struct launch_opts *o)
{
	if (o->platform == PLATFORM_SNP &&
	    snp_policy_check(launch_snp_policy(o), 0, false))
		return -1;
	if (plan_build_coco(p, o))
		return -1;
	return o->dry_run ? 0 : coco_check_inputs(o, p);
}

static unsigned long snp_vm_type(const struct kvm_host *h) { return KVM_X86_SNP_VM; }
static unsigned long tdx_vm_type(const struct kvm_host *h) { return KVM_X86_TDX_VM; }

const struct platform_ops platform_snp = {
	.name = "snp",
	.id = PLATFORM_SNP,
	.has_private_memory = true,
	.host_first = true,
	.build_plan = coco_build_plan,
	.dry_run = coco_dry_run_plan,
	.host_ok = snp_host_ok,
	.vm_type = snp_vm_type,
	.init_vm = snp_init_vm,
	.backing = coco_backing,
	.add_piece = coco_add_piece,
	.init_vcpu = coco_init_vcpu,
	.finalize = coco_finalize,
	.handle_exit = coco_exit,
	.destroy = coco_vm_destroy,
};

const struct platform_ops platform_tdx = {
	.name = "tdx",
	.id = PLATFORM_TDX,
	.has_private_memory = true,
	.vcpu_sockets = true,
	.host_first = true,
	.build_plan = coco_build_plan,
	.dry_run = coco_dry_run_plan,
	.host_ok = tdx_host_ok,
	.vm_type = tdx_vm_type,
	.init_vm = tdx_init_vm,
	.backing = coco_backing,
	.add_piece = coco_add_piece,
	.init_vcpu = coco_init_vcpu,
	.finalize = coco_finalize,
	.handle_exit = coco_exit,
	.destroy = coco_vm_destroy,
};
