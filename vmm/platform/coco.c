#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/mem/convert.h"
#include "vmm/mem/mem.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/platform/qgs.h"

void coco_init(struct coco *c, const struct coco_ops *ops, struct kvm_backend *kb,
	       const struct launch_opts *opts)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->kb = kb;
	c->opts = opts;
	c->kvm_fd = c->sev_fd = c->vm_fd = -1;
	pthread_mutex_init(&c->quote_lock, NULL);
}

const struct coco_ops *coco_ops_by_id(enum platform_id id)
{
	return id == PLATFORM_SNP ? &coco_snp_ops : id == PLATFORM_TDX ? &coco_tdx_ops : NULL;
}

static bool is_tdx(const struct coco *c)
{
	return c->ops->vm_type == KVM_X86_TDX_VM;
}

int coco_ioctl(struct coco *c, int fd, unsigned long req, void *arg, const char *step)
{
	int r = c->kb->ioctl(c->kb, fd, req, arg);

	if (r < 0) {
		int e = errno;
		char args[320];

		kb_describe(args, sizeof(args), req, arg, is_tdx(c));
		cvmm_err("%s: %s%s%s failed: %s", step, kb_ioctl_name(req, arg, is_tdx(c)),
			 args[0] ? " " : "", args, strerror(e));
		errno = e;
	}
	return r;
}

void coco_report_enc(struct coco *c, void *cmd, const char *step)
{
	int e = errno;
	char args[320], fw[64] = "";

	kb_describe(args, sizeof(args), KVM_MEMORY_ENCRYPT_OP, cmd, is_tdx(c));
	if (is_tdx(c) && ((struct kvm_tdx_cmd *)cmd)->hw_error)
		snprintf(fw, sizeof(fw), " (TDX module status 0x%llx)",
			 U(((struct kvm_tdx_cmd *)cmd)->hw_error));
	else if (!is_tdx(c) && ((struct kvm_sev_cmd *)cmd)->error)
		snprintf(fw, sizeof(fw), " (firmware error 0x%x)",
			 ((struct kvm_sev_cmd *)cmd)->error);
	cvmm_err("%s: %s %s failed: %s%s", step,
		 kb_ioctl_name(KVM_MEMORY_ENCRYPT_OP, cmd, is_tdx(c)), args, strerror(e), fw);
	errno = e;
}

int coco_enc_op(struct coco *c, int fd, void *cmd, const char *step)
{
	int r = c->kb->ioctl(c->kb, fd, KVM_MEMORY_ENCRYPT_OP, cmd);

	if (r < 0)
		coco_report_enc(c, cmd, step);
	return r;
}

/* ---- VM and per-VM checks ----------------------------------------------- */

/* The per-VM answers are the ones that count (kvm-coco-abi.md 2). */
int coco_check_vm(struct coco *c)
{
	static const struct { long cap; uint64_t need; const char *what; } need[] = {
		{ KVM_CAP_GUEST_MEMFD, 1, "guest_memfd (KVM_CAP_GUEST_MEMFD)" },
		{ KVM_CAP_USER_MEMORY2, 1, "KVM_SET_USER_MEMORY_REGION2 (KVM_CAP_USER_MEMORY2)" },
		{ KVM_CAP_MEMORY_ATTRIBUTES, KVM_MEMORY_ATTRIBUTE_PRIVATE,
		  "private memory attributes (KVM_CAP_MEMORY_ATTRIBUTES & 0x8)" },
		{ KVM_CAP_EXIT_HYPERCALL, 1ULL << KVM_HC_MAP_GPA_RANGE,
		  "MAP_GPA_RANGE exits (KVM_CAP_EXIT_HYPERCALL & 0x1000)" },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int r = c->kb->ioctl(c->kb, c->vm_fd, KVM_CHECK_EXTENSION,
				     (void *)(uintptr_t)need[i].cap);

		if (r < 0 || ((uint64_t)r & need[i].need) != need[i].need) {
			cvmm_err("%s VM: this kernel lacks %s", c->ops->name, need[i].what);
			return -1;
		}
	}
	return 0;
}

int coco_open_devices(struct coco *c)
{
	if (c->ops->vm_type != KVM_X86_TDX_VM && c->sev_fd < 0) {
		/* every SEV command that reaches the firmware needs it */
		c->sev_fd = c->kb->open_dev(c->kb, "/dev/sev");
		if (c->sev_fd < 0) {
			cvmm_err("/dev/sev: %s (is the ccp module loaded with SNP enabled?)",
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

struct kvm_cpuid2 *coco_supported_cpuid(struct coco *c)
{
	static const struct kb_list_call lc = {
		.req = KVM_GET_SUPPORTED_CPUID, .head = sizeof(struct kvm_cpuid2),
		.entry = sizeof(struct kvm_cpuid_entry2),
		.nent_off = offsetof(struct kvm_cpuid2, nent), .first = 64,
	};
	struct kvm_cpuid2 *cp = kb_ioctl_list(c->kb, c->kvm_fd, &lc, NULL);

	if (!cp && errno == E2BIG)
		cvmm_err("KVM_GET_SUPPORTED_CPUID: more than %d leaves", KB_LIST_MAX);
	else if (!cp)
		cvmm_err("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(errno));
	return cp;
}

/* ---- memory ----------------------------------------------------------------- */

/* Host-provided pages the guest reads as shared stay shared. */
int coco_share_pieces(struct coco *c, const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];
		uint64_t start = pc->gpa & ~(PAGE_SIZE - 1);
		uint64_t end = PAGE_UP(pc->gpa + pc->len);
		uint8_t *dst = coco_launch_ptr(c, pc->gpa, pc->len);

		if (pc->type != PIECE_SHARED)
			continue;
		if (!dst) {
			cvmm_err("launch plan: %s at 0x%llx is outside guest memory", pc->what,
				 U(pc->gpa));
			return -1;
		}
		int st = gm_convert(c->mem, start, (end - start) / PAGE_SIZE, CONV_TO_SHARED,
				    CONV_F_LAUNCH);

		if (st) {
			if (st > 0)
				cvmm_err("cannot make %s [0x%llx, 0x%llx) shared at launch: %s (%s)",
					 pc->what, U(start), U(end), conv_status_str(st),
					 strerror(errno));
			return -1;
		}
		if (pc->data)
			memcpy(dst, pc->data, pc->data_len);
	}
	return 0;
}

uint8_t *coco_launch_ptr(struct coco *c, uint64_t gpa, uint64_t len)
{
	return c->mem ? gm_launch_ptr(c->mem, gpa, len) : NULL;
}

/* ---- the whole launch, and teardown ------------------------------------------ */

int coco_check_inputs(const struct launch_opts *o, const struct launch_plan *p)
{
	const struct coco_ops *ops = coco_ops_by_id(p->coco.platform != PLATFORM_PLAIN ?
						     p->coco.platform : o->platform);
	struct coco c;
	int r;

	if (!ops) {
		cvmm_err("--%s is not a confidential platform", platform_name(o->platform));
		return -1;
	}
	coco_init(&c, ops, &kb_real, o);
	r = ops->prepare(&c, p);
	coco_destroy(&c);
	return r;
}

void coco_destroy(struct coco *c)
{
	/* the VM, its vCPUs and memory belong to struct vm: only ours here;
	 * first the GetQuotes still writing into guest memory */
	tdx_quotes_wait(c);
	if (c->sev_fd >= 0)
		c->kb->close(c->kb, c->sev_fd);
	c->sev_fd = -1;
	c->n_vcpus = 0;
	free(c->cpuid);
	free(c->caps);
	free(c->id_block);
	free(c->id_auth);
	c->cpuid = NULL;
	c->caps = NULL;
	c->id_block = c->id_auth = NULL;
}
