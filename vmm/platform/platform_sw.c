/*
 * sw: a software-protected VM. Guest RAM is guest_memfd; everything but the
 * shared window starts private, and the guest converts pages through the
 * cvmm conversion port, memory-fault exits or the MAP_GPA_RANGE hypercall,
 * all of which reach gm_convert().
 *
 * Two variants, picked from what the host offers:
 *  - KVM_X86_SW_PROTECTED_VM: KVM keeps the attributes and serves private
 *    faults from guest_memfd, which the host cannot map; the shared side is
 *    a separate memfd (GM_GMEM_SPLIT).
 *  - the fallback (default VM + guest_memfd with MMAP|INIT_SHARED): KVM
 *    knows nothing of private memory, so cvmm enforces it in its own
 *    address space: the device view is a second mapping of the guest_memfd
 *    with private pages PROT_NONE, and conversions discard contents as the
 *    hardware would. KVM's own mapping stays intact (revoking it makes the
 *    guest triple-fault here).
 */
#include <errno.h>
#include <linux/kvm_para.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/shared_window.h"
#include "vmm/mem/attr_map.h"
#include "vmm/mem/convert.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/platform/platform.h"
#include "vmm/platform/platform_sw.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"

#ifndef KVM_MAP_GPA_RANGE_ENCRYPTED
#define KVM_MAP_GPA_RANGE_ENCRYPTED	(1 << 4)
#endif
#define MAP_GPA_RANGE_KNOWN_ATTRS	0x1fULL	/* page-size hint bits 3:0, bit 4 */

struct range {
	uint64_t gpa, len;
};

struct sw_fault {
	uint64_t gpa, flags;
	bool valid;
};

struct sw_state {
	bool kvm_private;		/* KVM_X86_SW_PROTECTED_VM */
	struct range *pieces;		/* launch pieces (kept shared there) */
	size_t n_pieces, cap_pieces;
	struct sw_fault *last_fault;	/* per vCPU: the same fault twice is a loop */
};

bool sw_host_protected(const struct kvm_host *h)
{
	return h->vm_types & (1u << KVM_X86_SW_PROTECTED_VM);
}

const char *sw_variant(const struct kvm_host *h)
{
	return sw_host_protected(h) ?
	       "KVM_X86_SW_PROTECTED_VM: KVM keeps private pages in guest_memfd" :
	       "fallback: default VM + guest_memfd, cvmm revokes private pages in its device view";
}

static bool sw_host_ok(const struct kvm_host *h, char *why, size_t n)
{
	if (sw_host_protected(h))
		return true;
	/* The probe may create a throw-away VM; it does not change *h. */
	if (!kvm_host_gmem_shared_ok((struct kvm_host *)h)) {
		snprintf(why, n, "KVM offers neither KVM_X86_SW_PROTECTED_VM nor guest_memfd "
			 "with MMAP|INIT_SHARED for the fallback");
		return false;
	}
	return true;
}

static unsigned long sw_vm_type(const struct kvm_host *h)
{
	return sw_host_protected(h) ? KVM_X86_SW_PROTECTED_VM : KVM_X86_DEFAULT_VM;
}

static int sw_init_vm(struct vm *vm)
{
	struct sw_state *sw = calloc(1, sizeof(*sw));

	if (!sw) {
		cvmm_err("out of memory");
		return -1;
	}
	vm->plat_data = sw;
	sw->kvm_private = sw_host_protected(vm->host);
	if (sw->kvm_private &&
	    !(kvm_check_ext(vm->vm_fd, KVM_CAP_MEMORY_ATTRIBUTES) & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		cvmm_err("--sw: this KVM_X86_SW_PROTECTED_VM has no PRIVATE memory attribute");
		return -1;
	}
	/* Where the kernel forwards MAP_GPA_RANGE, take it (kvm-coco-abi.md 6.3). */
	if (vm->host->exit_hypercall & (1ULL << KVM_HC_MAP_GPA_RANGE)) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_EXIT_HYPERCALL,
			.args = { 1ULL << KVM_HC_MAP_GPA_RANGE },
		};

		if (vm_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
			return -1;
	}
	cvmm_verbose("sw platform: %s", sw_variant(vm->host));
	return 0;
}

/*
 * On KVM_X86_SW_PROTECTED_VM a private fault must find its slot (KVM
 * reports no MMIO exit for it). The fallback's KVM has no private memory:
 * every guest access, to a private page too, goes through kvm_map, so a
 * chunk can wait for its first touch like plain RAM; gm_lazy_fault()
 * completes that access on kvm_map, never on the device view.
 */
static bool sw_lazy_memslots(const struct vm *vm)
{
	const struct sw_state *sw = vm->plat_data;

	return !sw->kvm_private;
}

static enum gm_backing sw_backing(const struct vm *vm)
{
	const struct sw_state *sw = vm->plat_data;

	return sw->kvm_private ? GM_GMEM_SPLIT : GM_GMEM_SHARED;
}

static int sw_add_piece(struct vm *vm, const struct plan_piece *piece)
{
	struct sw_state *sw = vm->plat_data;

	if (sw->n_pieces == sw->cap_pieces) {
		size_t ncap = sw->cap_pieces ? 2 * sw->cap_pieces : 16;
		struct range *r = realloc(sw->pieces, ncap * sizeof(*r));

		if (!r) {
			cvmm_err("out of memory");
			return -1;
		}
		sw->pieces = r;
		sw->cap_pieces = ncap;
	}
	if (platform_copy_piece(vm, piece))
		return -1;
	sw->pieces[sw->n_pieces++] = (struct range){ piece->gpa, piece->len };
	return 0;
}

/* Launch-time conversion of whole pages around [gpa, gpa+len). */
static int launch_convert(struct vm *vm, uint64_t gpa, uint64_t len, int op, unsigned flags)
{
	uint64_t start = gpa & ~(PAGE_SIZE - 1);
	uint64_t end = PAGE_UP(gpa + len);
	int st = gm_convert(&vm->mem, start, (end - start) / PAGE_SIZE, op, flags | CONV_F_LAUNCH);

	if (st != CONV_OK) {
		if (st > 0)
			cvmm_err("--sw: cannot make [0x%llx, 0x%llx) %s at launch: %s",
				 (unsigned long long)start, (unsigned long long)end,
				 op == CONV_TO_PRIVATE ? "private" : "shared", conv_status_str(st));
		return -1;
	}
	return 0;
}

/*
 * All of RAM becomes private, keeping what the launch put there, except the
 * shared window. On KVM_X86_SW_PROTECTED_VM private memory starts empty and
 * nothing can copy into it, so the launch pieces stay shared there.
 */
static int sw_finalize(struct vm *vm)
{
	struct sw_state *sw = vm->plat_data;
	struct guest_mem *gm = &vm->mem;
	struct shared_window w;

	if (shared_window_resolve(vm->opts, gm->size, &w) ||
	    gm_private_enable(gm, sw->kvm_private ? vm->vm_fd : -1))
		return -1;
	for (int i = 0; i < gm->n_regions; i++)
		if (launch_convert(vm, gm->regions[i].gpa, gm->regions[i].size, CONV_TO_PRIVATE,
				   CONV_F_KEEP))
			return -1;
	if (w.size && launch_convert(vm, w.gpa, w.size, CONV_TO_SHARED, 0))
		return -1;
	for (size_t i = 0; sw->kvm_private && i < sw->n_pieces; i++)
		if (launch_convert(vm, sw->pieces[i].gpa, sw->pieces[i].len, CONV_TO_SHARED, 0))
			return -1;
	sw->last_fault = calloc((size_t)vm->n_vcpus, sizeof(*sw->last_fault));
	if (!sw->last_fault) {
		cvmm_err("out of memory");
		return -1;
	}
	gm->conversions = gm->converted_pages = 0;	/* count the guest's own */
	if (w.size)
		cvmm_verbose("sw platform: %llu MiB private, shared window [0x%llx, 0x%llx)",
			     (unsigned long long)(attr_map_pages(gm->attrs) >> 8),
			     (unsigned long long)w.gpa, (unsigned long long)(w.gpa + w.size));
	else
		cvmm_verbose("sw platform: all %llu MiB private, no shared window",
			     (unsigned long long)(attr_map_pages(gm->attrs) >> 8));
	return 0;
}

static enum exit_action memory_fault(struct vcpu *v, struct kvm_run *run)
{
	struct vm *vm = v->vm;
	struct sw_state *sw = vm->plat_data;
	const struct cvmm_exit_memory_fault *f = kvm_run_memory_fault(run);
	struct sw_fault *last = &sw->last_fault[v->index];
	bool priv = f->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE;
	int st;

	if (f->flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE) {
		vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: memory fault with unknown flags 0x%llx",
				v->index, (unsigned long long)f->flags);
		return EXIT_STOP;
	}
	/*
	 * A fault on a page already in the state asked for is no conversion
	 * request; once may be a race with another vCPU's conversion, twice in
	 * a row is a loop.
	 */
	if (gm_region_of(&vm->mem, f->gpa, 1) && gm_is_private(&vm->mem, f->gpa) == priv) {
		if (last->valid && last->gpa == f->gpa && last->flags == f->flags) {
			vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: %s access at 0x%llx faults "
					"although the page is %s", v->index,
					priv ? "private" : "shared", (unsigned long long)f->gpa,
					priv ? "private" : "shared");
			return EXIT_STOP;
		}
		*last = (struct sw_fault){ f->gpa, f->flags, true };
		return EXIT_HANDLED;
	}
	last->valid = false;
	st = gm_convert(&vm->mem, f->gpa & ~(PAGE_SIZE - 1),
			PAGES(f->size),
			priv ? CONV_TO_PRIVATE : CONV_TO_SHARED, 0);
	if (st != CONV_OK) {
		vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: %s access at 0x%llx: implicit "
				"conversion failed (%s)", v->index, priv ? "private" : "shared",
				(unsigned long long)f->gpa, conv_status_str(st));
		return EXIT_STOP;
	}
	return EXIT_HANDLED;
}

static enum exit_action map_gpa_range(struct vcpu *v, struct kvm_run *run)
{
	uint64_t gpa = run->hypercall.args[0], pages = run->hypercall.args[1];
	uint64_t attrs = run->hypercall.args[2];
	int st = CONV_BAD_RANGE;

	if (!(attrs & ~MAP_GPA_RANGE_KNOWN_ATTRS))	/* reserved bits must be 0 */
		st = gm_convert(&v->vm->mem, gpa, pages, attrs & KVM_MAP_GPA_RANGE_ENCRYPTED ?
				CONV_TO_PRIVATE : CONV_TO_SHARED, 0);
	if (st < 0) {
		vm_request_stop(v->vm, CVMM_EXIT_FAIL, "stopped: a failed conversion could not be undone");
		return EXIT_STOP;
	}
	run->hypercall.ret = st == CONV_OK ? 0 : (uint64_t)-KVM_EINVAL;
	return EXIT_HANDLED;
}

static enum exit_action sw_handle_exit(struct vcpu *v, struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_MEMORY_FAULT:
		return memory_fault(v, run);
	case KVM_EXIT_HYPERCALL:
		if (run->hypercall.nr == KVM_HC_MAP_GPA_RANGE)
			return map_gpa_range(v, run);
		break;
	}
	return EXIT_UNHANDLED;
}

static void sw_destroy(struct vm *vm)
{
	struct sw_state *sw = vm->plat_data;

	if (!sw)
		return;
	if (vm->mem.attrs)
		cvmm_verbose("sw platform: the guest converted %llu pages in %llu conversions",
			     (unsigned long long)vm->mem.converted_pages,
			     (unsigned long long)vm->mem.conversions);
	free(sw->pieces);
	free(sw->last_fault);
	free(sw);
	vm->plat_data = NULL;
}

const struct platform_ops platform_sw = {
	.name = "sw",
	.id = PLATFORM_SW,
	.has_private_memory = true,
	.uses_supported_cpuid = true,
	.build_plan = platform_direct_plan,
	.dry_run = platform_print_plan,
	.lazy_memslots = sw_lazy_memslots,
	.host_ok = sw_host_ok,
	.vm_type = sw_vm_type,
	.init_vm = sw_init_vm,
	.backing = sw_backing,
	.add_piece = sw_add_piece,
	.init_vcpu = platform_direct_vcpu,
	.finalize = sw_finalize,
	.handle_exit = sw_handle_exit,
	.destroy = sw_destroy,
};
