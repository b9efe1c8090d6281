/*
 * Intel TDX launch (kvm-coco-abi.md 8 and 9b): KVM_X86_TDX_VM, the
 * capabilities, INIT_VM with attributes, XFAM, the MR* values and the CPUID
 * the module lets us configure, vCPUs (all before FINALIZE), INIT_VCPU with
 * the TD HOB address, every plan piece through INIT_MEM_REGION (MEASURE
 * where the piece is measured), FINALIZE_VM. A TD always starts at the
 * reset vector with RCX = TD HOB; its registers are never ours to set.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/core/cpuid.h"
#include "vmm/platform/platform_coco.h"

#define TDX_RETRIES	1000	/* -EAGAIN/-EINTR/-EBUSY answers before giving up */
#define TDX_IOAPIC_PINS	24	/* routes of the split irqchip (QEMU: 24) */
#define TDX_APIC_BUS_NS	40	/* 25 MHz, what TDX virtualises (QEMU: 40) */
#define TDX_GPAW	48	/* 4-level EPT: shared bit = GPA bit 47 */

static int tdx_prepare(struct coco *c, const struct launch_plan *p)
{
	const struct launch_opts *o = c->opts;

	if (p->boot.mode != CPU_MODE_RESET) {
		cvmm_err("TDX: a TD starts at the reset vector; this launch plan enters in "
			 "64-bit mode (boot TDX through firmware: --firmware)");
		return -1;
	}
	c->td_attributes = o && o->td_attributes_set ? o->td_attributes : OPTS_TD_ATTRS_DEFAULT;
	/* KVM extends each page right after adding it (8.5): single pass only */
	if (p->coco.mrtd_two_pass)
		cvmm_warn("--mrtd-order two-pass predicts older QEMU trees; KVM measures page by "
			  "page, so this TD's MRTD is the single-pass one");
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];

		switch (pc->type) {
		case PIECE_NORMAL: case PIECE_ZERO: case PIECE_UNMEASURED:
		case PIECE_TD_HOB: case PIECE_TEMP_MEM: case PIECE_SHARED:
			break;
		default:
			cvmm_err("TDX launch plan: %s is an SNP piece (%s)", pc->what,
				 piece_type_name(pc->type));
			return -1;
		}
		if (pc->type != PIECE_SHARED && !PAGE_ALIGNED(pc->gpa)) {
			cvmm_err("TDX launch plan: %s at 0x%llx is not page aligned", pc->what,
				 U(pc->gpa));
			return -1;
		}
	}
	return 0;
}

static int tdx_cmd(struct coco *c, int fd, uint32_t id, uint32_t flags, uint64_t data,
		   const char *step)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };

	return coco_enc_op(c, fd, &cmd, step) < 0 ? -1 : 0;
}

/* KVM_TDX_CAPABILITIES, growing the CPUID list on -E2BIG (it keeps nent). */
struct kvm_tdx_capabilities *tdx_get_caps(struct coco *c)
{
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_CAPABILITIES };
	const struct kb_list_call lc = {
		.req = KVM_MEMORY_ENCRYPT_OP, .head = sizeof(struct kvm_tdx_capabilities),
		.entry = sizeof(struct kvm_cpuid_entry2),
		.nent_off = offsetof(struct kvm_tdx_capabilities, cpuid.nent), .first = 64,
		.cmd = &cmd, .data = &cmd.data,
	};
	struct kvm_tdx_capabilities *caps = kb_ioctl_list(c->kb, c->vm_fd, &lc, NULL);

	if (!caps && errno == E2BIG)
		cvmm_err("TDX capabilities: more than %d CPUID entries", KB_LIST_MAX);
	else if (!caps)
		cvmm_err("TDX capabilities: KVM_TDX_CAPABILITIES failed: %s", strerror(errno));
	return caps;
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *c, uint32_t fn,
						 uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* Does the list hold more than one sub-leaf of fn? */
static bool indexed(const struct kvm_cpuid2 *c, uint32_t fn)
{
	int n = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		n += c->entries[i].function == fn;
	return n > 1;
}

/*
 * INIT_VM's CPUID: the host's leaves masked by what the module lets us
 * configure, leaves it does not list dropped; 0x80000008 carries the guest
 * physical address width (kvm-coco-abi.md 8.3).
 */
struct kvm_cpuid2 *tdx_filter_cpuid(const struct kvm_cpuid2 *host,
				    const struct kvm_tdx_capabilities *caps)
{
	const struct kvm_cpuid2 *cfg = &caps->cpuid;
	struct kvm_cpuid2 *out = calloc(1, sizeof(*out) + cfg->nent * sizeof(out->entries[0]));
	bool gpaw = false;

	if (!out) {
		cvmm_err("out of memory for the TD CPUID");
		return NULL;
	}
	for (uint32_t i = 0; i < cfg->nent; i++) {
		const struct kvm_cpuid_entry2 *m = &cfg->entries[i];
		const struct kvm_cpuid_entry2 *h = cpuid_find(host, m->function, m->index);
		struct kvm_cpuid_entry2 e = *m;

		if (m->function == 0x80000008) {
			if (!((m->eax >> 16 & 0xff) & TDX_GPAW)) {
				cvmm_err("TDX: the module does not let cvmm set the guest physical "
					 "address width (CPUID 0x80000008.EAX[23:16])");
				free(out);
				return NULL;
			}
			e.eax = (h ? h->eax & m->eax & ~0xff0000u : 0) | TDX_GPAW << 16;
			gpaw = true;
		} else if (!h) {
			continue;
		} else {
			e.eax = h->eax & m->eax;
			e.ebx = h->ebx & m->ebx;
			e.ecx = h->ecx & m->ecx;
			e.edx = h->edx & m->edx;
		}
		/*
		 * KVM finds each configurable slot's value with
		 * kvm_find_cpuid_entry2(), which ignores the index of an entry
		 * without KVM_CPUID_FLAG_SIGNIFCANT_INDEX: every sub-leaf slot
		 * would take sub-leaf 0's values. The capabilities carry no
		 * flags; the host's table and the list itself say which leaves
		 * are indexed.
		 */
		e.flags = indexed(cfg, m->function) || (h && h->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ?
			  KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		memset(e.padding, 0, sizeof(e.padding));
		out->entries[out->nent++] = e;
	}
	if (!gpaw) {
		cvmm_err("TDX: the module's CPUID list lacks leaf 0x80000008 (guest physical "
			 "address width), which INIT_VM requires");
		free(out);
		return NULL;
	}
	return out;
}

/*
 * What TDX KVM implements of the KVM paravirtual leaf: it emulates one KVM
 * MSR for a TD (tdx_has_emulated_msr: MSR_KVM_POLL_CONTROL), so kvmclock,
 * steal time, async PF and PV EOI must not be offered. QEMU's list
 * (target/i386/kvm/tdx.c, TDX_SUPPORTED_KVM_FEATURES).
 */
#define TDX_KVM_FEATURES (1u << KVM_FEATURE_NOP_IO_DELAY | 1u << KVM_FEATURE_PV_UNHALT | \
			  1u << KVM_FEATURE_PV_TLB_FLUSH | 1u << KVM_FEATURE_PV_SEND_IPI | \
			  1u << KVM_FEATURE_POLL_CONTROL | 1u << KVM_FEATURE_PV_SCHED_YIELD | \
			  1u << KVM_FEATURE_MSI_EXT_DEST_ID)

/* The host's KVM leaves 0x40000000/0x40000001, the features masked for a TD. */
static struct kvm_cpuid2 *tdx_pv_leaves(const struct kvm_cpuid2 *host)
{
	struct kvm_cpuid2 *out = calloc(1, sizeof(*out) + 2 * sizeof(out->entries[0]));

	if (!out) {
		cvmm_err("out of memory for the TD CPUID");
		return NULL;
	}
	for (uint32_t i = 0; i < host->nent && out->nent < 2; i++) {
		struct kvm_cpuid_entry2 e = host->entries[i];

		if (e.function != 0x40000000 && e.function != 0x40000001)
			continue;
		if (e.function == 0x40000001) {
			e.eax &= TDX_KVM_FEATURES;
			e.edx = 0;	/* KVM_HINTS_REALTIME: not for a TD */
		}
		out->entries[out->nent++] = e;
	}
	return out;
}

static int enable_cap(struct coco *c, uint32_t cap, uint64_t arg, const char *step)
{
	struct kvm_enable_cap ec = { .cap = cap, .args[0] = arg };

	return coco_ioctl(c, c->vm_fd, KVM_ENABLE_CAP, &ec, step) < 0 ? -1 : 0;
}

static int tdx_init_vm(struct coco *c, const struct launch_plan *p)
{
	const struct launch_opts *o = c->opts;
	struct kvm_cpuid2 *host = NULL, *filtered = NULL;
	struct kvm_tdx_init_vm *iv = NULL;
	int ret = -1, tries = 0;

	c->caps = tdx_get_caps(c);
	if (!c->caps)
		return -1;
	if (c->td_attributes & ~c->caps->supported_attrs) {
		cvmm_err("--td-attributes 0x%llx: bits 0x%llx are not supported by this TDX "
			 "module (supported: 0x%llx)", U(c->td_attributes),
			 U(c->td_attributes & ~c->caps->supported_attrs),
			 U(c->caps->supported_attrs));
		return -1;
	}
	c->xfam = o && o->xfam_set ? o->xfam : c->caps->supported_xfam;
	if (c->xfam & ~c->caps->supported_xfam) {
		cvmm_err("--xfam 0x%llx: bits 0x%llx are not supported by this TDX module "
			 "(supported: 0x%llx)", U(c->xfam), U(c->xfam & ~c->caps->supported_xfam),
			 U(c->caps->supported_xfam));
		return -1;
	}
	if (enable_cap(c, KVM_CAP_EXIT_HYPERCALL, 1ULL << KVM_HC_MAP_GPA_RANGE, "TDX MapGPA exits") ||
	    enable_cap(c, KVM_CAP_SPLIT_IRQCHIP, TDX_IOAPIC_PINS, "TDX split irqchip") ||
	    enable_cap(c, KVM_CAP_X86_APIC_BUS_CYCLES_NS, TDX_APIC_BUS_NS, "TDX APIC bus"))
		return -1;
	c->split_irqchip = true;	/* issued once: the I/O APIC leaves it (devices/ioapic.c) */
	host = coco_supported_cpuid(c);
	if (!host)
		return -1;
	filtered = tdx_filter_cpuid(host, c->caps);
	if (!filtered)
		goto out;
	iv = calloc(1, sizeof(*iv) + filtered->nent * sizeof(iv->cpuid.entries[0]));
	if (!iv) {
		cvmm_err("out of memory for TDX INIT_VM");
		goto out;
	}
	iv->attributes = c->td_attributes;
	iv->xfam = c->xfam;
	if (o) {
		memcpy(iv->mrconfigid, o->mrconfigid, sizeof(iv->mrconfigid));
		memcpy(iv->mrowner, o->mrowner, sizeof(iv->mrowner));
		memcpy(iv->mrownerconfig, o->mrownerconfig, sizeof(iv->mrownerconfig));
	}
	iv->cpuid.nent = filtered->nent;
	memcpy(iv->cpuid.entries, filtered->entries, filtered->nent * sizeof(iv->cpuid.entries[0]));
	for (;;) {
		struct kvm_tdx_cmd cmd = { .id = KVM_TDX_INIT_VM, .data = (uint64_t)(uintptr_t)iv };

		/* -EAGAIN: the module ran out of entropy for the TD keys */
		if (c->kb->ioctl(c->kb, c->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd) == 0)
			break;
		if (errno == EAGAIN && ++tries < TDX_RETRIES)
			continue;
		coco_report_enc(c, &cmd, "TDX init");
		goto out;
	}
	/* the KVM PV leaves, kept for the vCPUs' tables (the module has none) */
	c->cpuid = tdx_pv_leaves(host);
	ret = c->cpuid ? 0 : -1;
out:
	free(host);
	free(filtered);
	free(iv);
	return ret;
}

/*
 * The TD's CPUID as the module configured it at INIT_VM (KVM_TDX_GET_CPUID
 * on the first vCPU, which only needs the TD initialised), plus the KVM
 * leaves in c->cpuid: what every vCPU's KVM_SET_CPUID2 must agree with
 * (intel-tdx.rst: "KVM may have wrong idea of vCPUIDs" otherwise).
 */
static int tdx_vcpu_cpuid(struct coco *c)
{
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_GET_CPUID };
	/* room for the KVM leaves appended below */
	const struct kb_list_call lc = {
		.req = KVM_MEMORY_ENCRYPT_OP, .head = sizeof(struct kvm_cpuid2),
		.entry = sizeof(struct kvm_cpuid_entry2),
		.nent_off = offsetof(struct kvm_cpuid2, nent), .first = 64,
		.spare = c->cpuid->nent, .cmd = &cmd, .data = &cmd.data,
	};
	void *failed;
	struct kvm_cpuid2 *td = kb_ioctl_list(c->kb, c->vcpu_fds[0], &lc, &failed);

	if (!td) {
		if (failed)		/* described while cmd still points at it */
			coco_report_enc(c, &cmd, "TDX vCPU CPUID");
		else if (errno == E2BIG)
			cvmm_err("TDX vCPU CPUID: KVM_TDX_GET_CPUID: more than %d leaves", KB_LIST_MAX);
		else
			cvmm_err("TDX vCPU CPUID: %s", strerror(errno));
		free(failed);
		return -1;
	}
	memcpy(&td->entries[td->nent], c->cpuid->entries, c->cpuid->nent * sizeof(td->entries[0]));
	td->nent += c->cpuid->nent;
	/* INIT_VCPU puts the vCPU in x2APIC mode, which needs the bit */
	for (uint32_t i = 0; i < td->nent; i++)
		if (td->entries[i].function == 1)
			td->entries[i].ecx |= 1u << 21;
	free(c->cpuid);
	c->cpuid = td;
	return 0;
}

static int tdx_setup_vcpu(struct coco *c, int idx, const struct launch_plan *p)
{
	char step[32];

	if (idx == 0 && tdx_vcpu_cpuid(c))
		return -1;
	cpuid_set_apic_id(c->cpuid, idx);
	snprintf(step, sizeof(step), "vCPU %d CPUID", idx);
	return coco_ioctl(c, c->vcpu_fds[idx], KVM_SET_CPUID2, c->cpuid, step) < 0 ? -1 : 0;
}

static uint64_t td_hob_gpa(const struct launch_plan *p)
{
	if (p->coco.td_hob_gpa)
		return p->coco.td_hob_gpa;
	for (size_t i = 0; i < p->n_pieces; i++)
		if (p->pieces[i].type == PIECE_TD_HOB)
			return p->pieces[i].gpa;
	return 0;
}

static int init_mem_region(struct coco *c, const struct plan_piece *pc)
{
	uint64_t len = PAGE_UP(pc->len);
	uint8_t *src = coco_launch_ptr(c, pc->gpa, len);
	uint32_t flags = pc->measured ? KVM_TDX_MEASURE_MEMORY_REGION : 0;
	struct kvm_tdx_init_mem_region r = {
		.source_addr = (uint64_t)(uintptr_t)src, .gpa = pc->gpa, .nr_pages = len >> 12,
	};
	int tries = 0;

	if (!src) {
		cvmm_err("TDX: %s at 0x%llx is outside guest memory", pc->what, U(pc->gpa));
		return -1;
	}
	/* The source is the slot's shared half: the module copies it in. */
	memset(src, 0, len);
	if (pc->data)
		memcpy(src, pc->data, pc->data_len);
	while (r.nr_pages) {
		uint64_t before = r.nr_pages;
		struct kvm_tdx_cmd cmd = {
			.id = KVM_TDX_INIT_MEM_REGION, .flags = flags,
			.data = (uint64_t)(uintptr_t)&r,
		};

		/* KVM copies the advanced struct back on every return */
		if (c->kb->ioctl(c->kb, c->vcpu_fds[0], KVM_MEMORY_ENCRYPT_OP, &cmd) == 0)
			continue;
		if ((errno == EAGAIN || errno == EINTR || errno == EBUSY) &&
		    (r.nr_pages < before || ++tries < TDX_RETRIES))
			continue;
		char step[80];

		snprintf(step, sizeof(step), "TDX add %s", pc->what);
		coco_report_enc(c, &cmd, step);
		return -1;
	}
	/* Its contents now live in private memory: free the shared copy
	 * (MADV_REMOVE for memfd-backed RAM, DONTNEED for anonymous memory). */
	if (madvise(src, len, MADV_REMOVE))
		madvise(src, len, MADV_DONTNEED);
	return 0;
}

static int tdx_load(struct coco *c, const struct launch_plan *p)
{
	uint64_t hob = td_hob_gpa(p);

	for (int i = 0; i < c->n_vcpus; i++) {
		char step[32];

		snprintf(step, sizeof(step), "vCPU %d TDX init", i);
		if (tdx_cmd(c, c->vcpu_fds[i], KVM_TDX_INIT_VCPU, 0, hob, step))
			return -1;
	}
	for (size_t i = 0; i < p->n_pieces; i++) {
		if (p->pieces[i].type == PIECE_SHARED)
			continue;
		if (init_mem_region(c, &p->pieces[i]))
			return -1;
	}
	return 0;
}

static int tdx_finalize(struct coco *c)
{
	for (int tries = 0;; tries++) {
		struct kvm_tdx_cmd cmd = { .id = KVM_TDX_FINALIZE_VM };

		if (c->kb->ioctl(c->kb, c->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd) == 0)
			return 0;
		if (errno == EBUSY && tries < TDX_RETRIES)
			continue;
		coco_report_enc(c, &cmd, "TDX finalize");
		return -1;
	}
}

const struct coco_ops coco_tdx_ops = {
	.name = "tdx",
	.vm_type = KVM_X86_TDX_VM,
	.prepare = tdx_prepare,
	.init_vm = tdx_init_vm,
	.setup_vcpu = tdx_setup_vcpu,
	.load = tdx_load,
	.finalize = tdx_finalize,
	.load_after_vcpus = true,
};
