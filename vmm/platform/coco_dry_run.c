/*
 * --dry-run for --snp/--tdx: the launch plan, then the launch itself,
 * vm_boot() as `cvmm run` calls it, issued to the recorder, which issues
 * nothing and answers like a host that has everything (and checks what
 * KVM checks); the ioctl transcript it wrote is printed in issue order.
 */
#include <stdio.h>

#include "loader/plan.h"
#include "loader/plan_coco.h"
#include "vmm/core/vm_boot.h"
#include "vmm/kvm/kvm.h"
#include "vmm/log.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/platform.h"
#include "vmm/kvm/kvm_backend.h"
#include "loader/launch_opts.h"
#include "vmm/platform/platform_coco.h"

static void print_plan(const struct launch_plan *p, enum platform_id platform, FILE *out)
{
	fprintf(out, "launch plan (%s): %zu pieces, %llu MiB RAM, %d vCPU(s), %s entry\n",
		platform_name(platform), p->n_pieces, U(p->mem_size >> 20), p->coco.n_vcpus,
		p->boot.mode == CPU_MODE_RESET ? "reset-vector" :
		p->boot.mode == CPU_MODE_FLAT32 ? "32-bit flat" : "64-bit");
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];

		fprintf(out, "  [0x%012llx, 0x%012llx) %-10s %-8s %s\n", U(pc->gpa),
			U(pc->gpa + pc->len), piece_type_name(pc->type),
			pc->measured ? "measured" : "-", pc->what);
	}
	accept_cost_print(&p->accept, out);
}

int coco_dry_run_plan(const struct launch_opts *o, const struct launch_plan *p, FILE *out)
{
	enum platform_id platform = p->coco.platform != PLATFORM_PLAIN ? p->coco.platform :
				    o->platform;
	const struct platform_ops *plat = platform_by_id(platform);
	struct kb_recorder rec;
	struct kvm_host host = { .fd = -1 };
	int ret = -1;

	if (!plat || !coco_ops_by_id(platform)) {
		fprintf(out, "dry run: platform %s has no confidential launch\n",
			platform_name(platform));
		return -1;
	}
	print_plan(p, platform, out);
	/* what `cvmm run` checks while building the plan, before any KVM object */
	if (coco_check_inputs(o, p))
		return -1;
	kb_recorder_init(&rec);
	host.fd = rec.ops.open_dev(&rec.ops, "/dev/kvm");
	/* the host `run` would have probed: its split irqchip gives a TD --kernel its I/O APIC */
	kb_fake_host_probe(&rec, &host);
	if (host.fd >= 0)
		ret = vm_boot(o, plat, &host, p, &rec.ops, NULL) == CVMM_EXIT_OK ? 0 : -1;
	fprintf(out, "ioctl transcript (%zu calls, none issued: --dry-run):\n", rec.n_calls);
	kb_recorder_print(&rec, out);
	kb_recorder_free(&rec);
	return ret;
}
