/*
 * AMD SEV-SNP launch (kvm-coco-abi.md 7 and 9a): KVM_X86_SNP_VM, INIT2,
 * SNP_LAUNCH_START with the guest policy, every plan piece copied into
 * private memory with SNP_LAUNCH_UPDATE and its page type, LAUNCH_FINISH.
 * The VMSAs are not pieces: KVM encrypts and measures each existing vCPU's
 * state at LAUNCH_FINISH, so every vCPU exists and is set up before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/boot/snp_cpu.h"
#include "loader/boot/vmsa.h"
#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/core/cpuid.h"
#include "vmm/platform/platform_coco.h"

#define ENC_RETRIES 1000	/* -EAGAIN / no-progress answers before giving up */

static const char *const policy_bit_names[26] = {
	[16] = "SMT", [17] = "reserved (must be 1)", [18] = "MIGRATE_MA", [19] = "DEBUG",
	[20] = "SINGLE_SOCKET", [21] = "CXL_ALLOW", [22] = "MEM_AES_256_XTS",
	[23] = "RAPL_DIS", [24] = "CIPHERTEXT_HIDING_DRAM", [25] = "PAGE_SWAP_DISABLE",
};

int snp_policy_check(uint64_t policy, uint64_t allowed, bool have_allowed)
{
	if (!(policy & SNP_POLICY_RSVD_MBO)) {
		cvmm_err("--policy 0x%llx: bit 17 is reserved and must be 1 (e.g. 0x%llx)",
			 U(policy), U(policy | SNP_POLICY_RSVD_MBO));
		return -1;
	}
	if (policy & ~SNP_POLICY_KNOWN_MASK) {
		cvmm_err("--policy 0x%llx: bits 0x%llx are not defined by the SNP firmware ABI",
			 U(policy), U(policy & ~SNP_POLICY_KNOWN_MASK));
		return -1;
	}
	if (policy & SNP_POLICY_MIGRATE_MA) {
		cvmm_err("--policy 0x%llx: bit 18 (migration agent) is never allowed by KVM",
			 U(policy));
		return -1;
	}
	/* bits 15:0 are the minimum firmware version, not features */
	uint64_t bad = have_allowed ? policy & ~0xffffULL & ~allowed : 0;

	if (bad) {
		int b = __builtin_ctzll(bad);

		cvmm_err("--policy 0x%llx: this host does not allow bit %d (%s; allowed: 0x%llx)",
			 U(policy), b, b < 26 && policy_bit_names[b] ? policy_bit_names[b] : "?",
			 U(allowed));
		return -1;
	}
	return 0;
}

static int read_exact(const char *path, const char *what, uint8_t **out, size_t n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t got;
	int extra;

	if (!f) {
		cvmm_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	buf = calloc(1, n);
	got = buf ? fread(buf, 1, n, f) : 0;
	extra = fgetc(f);
	fclose(f);
	if (!buf || got != n || extra != EOF) {
		cvmm_err("%s %s: must be exactly %zu bytes", what, path, n);
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* Before any KVM object exists: everything a user or a file can get wrong. */
static int snp_prepare(struct coco *c, const struct launch_plan *p)
{
	const struct launch_opts *o = c->opts;

	c->policy = p->coco.policy;	/* the plan builder's: launch_snp_policy() */
	if (snp_policy_check(c->policy, 0, false))
		return -1;
	/* KVM sets SNPActive itself and refuses it in vmsa_features */
	c->vmsa_features = p->coco.sev_features & ~SEV_VMSA_FEAT_SNP_ACTIVE;
	c->plan_vcpu_sig = p->coco.vcpu_sig;
	if (o && (o->id_block || o->id_auth)) {
		if (!o->id_block || !o->id_auth) {
			cvmm_err("--id-block and --id-auth go together");
			return -1;
		}
		if (read_exact(o->id_block, "--id-block", &c->id_block, KVM_SEV_SNP_ID_BLOCK_SIZE) ||
		    read_exact(o->id_auth, "--id-auth", &c->id_auth, KVM_SEV_SNP_ID_AUTH_SIZE))
			return -1;
	} else if (o && o->author_key) {
		cvmm_err("--author-key needs --id-block and --id-auth");
		return -1;
	}
	if (o)
		memcpy(c->host_data, o->host_data, sizeof(c->host_data));
	/* KVM encrypts the vCPUs' state: the plan must say what it is */
	if (!p->coco.vmsa || p->coco.n_vcpus < 1) {
		cvmm_err("SNP launch plan: no initial VMSAs for its %s entry",
			 p->boot.mode == CPU_MODE_RESET ? "reset-vector" :
			 p->boot.mode == CPU_MODE_FLAT32 ? "32-bit" : "64-bit");
		return -1;
	}
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];

		if (pc->type == PIECE_TD_HOB || pc->type == PIECE_TEMP_MEM) {
			cvmm_err("SNP launch plan: %s is a TDX piece (%s)", pc->what,
				 piece_type_name(pc->type));
			return -1;
		}
		if (pc->type != PIECE_SHARED && !PAGE_ALIGNED(pc->gpa)) {
			cvmm_err("SNP launch plan: %s at 0x%llx is not page aligned", pc->what,
				 U(pc->gpa));
			return -1;
		}
		/* LAUNCH_UPDATE twice on one GFN fails: pieces must not share pages */
		for (size_t j = 0; j < i; j++) {
			const struct plan_piece *q = &p->pieces[j];
			uint64_t a0 = pc->gpa >> 12, a1 = (pc->gpa + pc->len - 1) >> 12;
			uint64_t b0 = q->gpa >> 12, b1 = (q->gpa + q->len - 1) >> 12;

			if (a0 <= b1 && b0 <= a1 && pc->type != PIECE_SHARED &&
			    q->type != PIECE_SHARED) {
				cvmm_err("SNP launch plan: %s and %s share the page at 0x%llx",
					 pc->what, q->what, U((a0 > b0 ? a0 : b0) << 12));
				return -1;
			}
		}
	}
	return 0;
}

static int get_sev_attr(struct coco *c, uint64_t attr, uint64_t *val)
{
	struct kvm_device_attr a = {
		.group = KVM_X86_GRP_SEV, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return c->kb->ioctl(c->kb, c->kvm_fd, KVM_GET_DEVICE_ATTR, &a);
}

static int sev_cmd(struct coco *c, uint32_t id, void *data, const char *step)
{
	struct kvm_sev_cmd cmd = {
		.id = id, .data = (uint64_t)(uintptr_t)data, .sev_fd = (uint32_t)c->sev_fd,
	};

	return coco_enc_op(c, c->vm_fd, &cmd, step) < 0 ? -1 : 0;
}

/*
 * The vCPUs' CPUID, one table for KVM_SET_CPUID2 and the CPUID page alike:
 * KVM's supported set with the model's signature in leaf 1, and 0xD.0/0xD.1
 * EBX the XSAVE size for XCR0 = x87|SSE (what the VMSA starts with; KVM
 * reports the size for every feature, which the firmware refuses for that
 * XCR0_IN; QEMU writes 0x240 there too).
 */
static struct kvm_cpuid2 *snp_vcpu_cpuid(const struct kvm_cpuid2 *host, uint32_t sig)
{
	size_t sz = sizeof(*host) + host->nent * sizeof(host->entries[0]);
	struct kvm_cpuid2 *cp = malloc(sz);

	if (!cp) {
		cvmm_err("out of memory for the vCPU CPUID");
		return NULL;
	}
	memcpy(cp, host, sz);
	for (uint32_t i = 0; i < cp->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cp->entries[i];

		if (e->function == 1 && sig)
			e->eax = sig;
		if (e->function == 0xd && e->index <= 1)
			e->ebx = SNP_XSAVE_LEGACY_SIZE;
	}
	return cp;
}

static int snp_init_vm(struct coco *c, const struct launch_plan *p)
{
	uint64_t features = 0, allowed = 0;

	if (get_sev_attr(c, KVM_X86_SEV_VMSA_FEATURES, &features) < 0) {
		cvmm_err("SNP: this kernel has no KVM_X86_SEV_VMSA_FEATURES attribute, so no "
			 "KVM_SEV_INIT2 (%s)", strerror(errno));
		return -1;
	}
	if (c->vmsa_features & ~features) {
		cvmm_err("SNP: SEV features 0x%llx not offered by this host (offered: 0x%llx)",
			 U(c->vmsa_features), U(features));
		return -1;
	}
	/* Older kernels lack the attribute; then LAUNCH_START is the judge. */
	bool have = get_sev_attr(c, KVM_X86_SNP_POLICY_BITS, &allowed) == 0;

	if (snp_policy_check(c->policy, allowed, have))
		return -1;

	struct kvm_sev_init init = { .vmsa_features = c->vmsa_features, .ghcb_version = 0 };

	if (sev_cmd(c, KVM_SEV_INIT2, &init, "SNP init"))
		return -1;

	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL, .args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
	};

	if (coco_ioctl(c, c->vm_fd, KVM_ENABLE_CAP, &cap, "SNP page-state exits") < 0)
		return -1;

	struct kvm_sev_snp_launch_start start = { .policy = c->policy };

	if (sev_cmd(c, KVM_SEV_SNP_LAUNCH_START, &start, "SNP launch start"))
		return -1;
	struct kvm_cpuid2 *host = coco_supported_cpuid(c);

	if (!host)
		return -1;
	c->cpuid = snp_vcpu_cpuid(host, c->plan_vcpu_sig);
	free(host);
	return c->cpuid ? 0 : -1;
}

/*
 * VMSA save-area offsets (AMD APM vol. 2, table B-4) beyond those
 * loader/boot/vmsa.h names: the segment and descriptor-table registers
 * (selector, attributes, limit, base: 16 bytes each), control registers
 * and every general-purpose register the save area carries.
 */
enum {
	VMSA_ES = 0x000, VMSA_GDTR = 0x060, VMSA_LDTR = 0x070, VMSA_IDTR = 0x080,
	VMSA_TR = 0x090, VMSA_EFER = 0x0d0, VMSA_CR4 = 0x148, VMSA_CR3 = 0x150,
	VMSA_CR0 = 0x158, VMSA_RFLAGS = 0x170, VMSA_RSP = 0x1d8, VMSA_RAX = 0x1f8,
	VMSA_RCX = 0x308, VMSA_RBX = 0x318, VMSA_RBP = 0x328, VMSA_RDI = 0x338,
	VMSA_R8 = 0x340,	/* r8..r15, 8 bytes apart */
};
#define EFER_SVME	(1ULL << 12)
#define CR4_MCE		(1ULL << 6)

static uint64_t vmsa64(const uint8_t *v, unsigned off)
{
	uint64_t x;

	memcpy(&x, v + off, 8);
	return x;
}

/* A VMSA segment (selector, attributes, limit, base) as KVM takes it. */
static void vmsa_seg(const uint8_t *v, unsigned off, struct kvm_segment *s)
{
	const uint8_t *p = v + off;
	uint16_t sel, attr;
	uint32_t limit;

	memcpy(&sel, p, 2);
	memcpy(&attr, p + 2, 2);
	memcpy(&limit, p + 4, 4);
	*s = (struct kvm_segment){
		.base = vmsa64(p, 8), .limit = limit, .selector = sel, .type = attr & 0xf,
		.s = (attr >> 4) & 1, .dpl = (attr >> 5) & 3, .present = (attr >> 7) & 1,
		.avl = (attr >> 8) & 1, .l = (attr >> 9) & 1, .db = (attr >> 10) & 1,
		.g = (attr >> 11) & 1, .unusable = !((attr >> 7) & 1),
	};
}

static void vmsa_dtable(const uint8_t *v, unsigned off, struct kvm_dtable *d)
{
	uint32_t limit;

	memcpy(&limit, v + off + 4, 4);
	*d = (struct kvm_dtable){ .base = vmsa64(v, off + 8), .limit = (uint16_t)limit };
}

/*
 * The state KVM encrypts into this vCPU's VMSA at LAUNCH_FINISH is the
 * vCPU's register state (sev_es_sync_vmsa copies the save area). Every
 * register of the VMSA the plan's digest was computed over is set here,
 * none left to KVM's reset values (whose TR differs from QEMU's, for one),
 * so the launch and the prediction agree by construction. Not ours to set,
 * and so masked: EFER.SVME and the host's CR4.MCE, which KVM adds itself.
 * DR6/DR7, PAT, XCR0 and the x87/SSE control words are KVM's reset values,
 * which the VMSA models (loader/boot/vmsa.c).
 */
static int set_from_vmsa(struct coco *c, int idx, const uint8_t *v)
{
	static const unsigned seg_off[6] = { 0x00, 0x10, 0x20, 0x30, 0x40, 0x50 };
	int fd = c->vcpu_fds[idx];
	struct kvm_sregs s;
	char step[32];

	snprintf(step, sizeof(step), "vCPU %d registers", idx);
	if (coco_ioctl(c, fd, KVM_GET_SREGS, &s, step) < 0)
		return -1;
	struct kvm_segment *segs[6] = { &s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs };

	for (unsigned i = 0; i < 6; i++)
		vmsa_seg(v, VMSA_ES + seg_off[i], segs[i]);
	vmsa_seg(v, VMSA_LDTR, &s.ldt);
	vmsa_seg(v, VMSA_TR, &s.tr);
	vmsa_dtable(v, VMSA_GDTR, &s.gdt);
	vmsa_dtable(v, VMSA_IDTR, &s.idt);
	s.cr0 = vmsa64(v, VMSA_CR0);
	s.cr2 = 0;
	s.cr3 = vmsa64(v, VMSA_CR3);
	s.cr4 = vmsa64(v, VMSA_CR4) & ~CR4_MCE;
	s.efer = vmsa64(v, VMSA_EFER) & ~EFER_SVME;
	if (coco_ioctl(c, fd, KVM_SET_SREGS, &s, step) < 0)
		return -1;

	struct kvm_regs r = {
		.rax = vmsa64(v, VMSA_RAX), .rbx = vmsa64(v, VMSA_RBX),
		.rcx = vmsa64(v, VMSA_RCX), .rdx = vmsa64(v, VMSA_OFF_RDX),
		.rsi = vmsa64(v, VMSA_OFF_RSI), .rdi = vmsa64(v, VMSA_RDI),
		.rsp = vmsa64(v, VMSA_RSP), .rbp = vmsa64(v, VMSA_RBP),
		.r8 = vmsa64(v, VMSA_R8), .r9 = vmsa64(v, VMSA_R8 + 8),
		.r10 = vmsa64(v, VMSA_R8 + 16), .r11 = vmsa64(v, VMSA_R8 + 24),
		.r12 = vmsa64(v, VMSA_R8 + 32), .r13 = vmsa64(v, VMSA_R8 + 40),
		.r14 = vmsa64(v, VMSA_R8 + 48), .r15 = vmsa64(v, VMSA_R8 + 56),
		.rip = vmsa64(v, VMSA_OFF_RIP), .rflags = vmsa64(v, VMSA_RFLAGS),
	};

	return coco_ioctl(c, fd, KVM_SET_REGS, &r, step) < 0 ? -1 : 0;
}

static int snp_setup_vcpu(struct coco *c, int idx, const struct launch_plan *p)
{
	char step[32];

	/* the guest takes its initial APIC ID from KVM's CPUID (sev-shared.c) */
	cpuid_set_apic_id(c->cpuid, idx);
	snprintf(step, sizeof(step), "vCPU %d CPUID", idx);
	if (coco_ioctl(c, c->vcpu_fds[idx], KVM_SET_CPUID2, c->cpuid, step) < 0)
		return -1;
	if (idx >= p->coco.n_vcpus || !p->coco.vmsa[idx]) {
		cvmm_err("SNP launch plan: no initial VMSA for vCPU %d (the plan has %d)", idx,
			 p->coco.n_vcpus);
		return -1;
	}
	return set_from_vmsa(c, idx, p->coco.vmsa[idx]);
}

static uint8_t snp_page_type(enum piece_type t)
{
	switch (t) {
	case PIECE_NORMAL:	return KVM_SEV_SNP_PAGE_TYPE_NORMAL;
	case PIECE_ZERO:	return KVM_SEV_SNP_PAGE_TYPE_ZERO;
	case PIECE_UNMEASURED:	return KVM_SEV_SNP_PAGE_TYPE_UNMEASURED;
	case PIECE_SECRETS:	return KVM_SEV_SNP_PAGE_TYPE_SECRETS;
	case PIECE_CPUID:	return KVM_SEV_SNP_PAGE_TYPE_CPUID;
	default:		return KVM_SEV_PAGE_TYPE_INVALID;
	}
}

/*
 * The firmware rejected the CPUID page and KVM copied its corrected version
 * back into our buffer (kvm-coco-abi.md 7.5): every leaf it changed, named
 * in msg; the number of changed leaves.
 */
static int cpuid_page_diff(const uint8_t *sent, const uint8_t *fixed, char *msg, size_t n)
{
	static const char *const reg[4] = { "eax", "ebx", "ecx", "edx" };
	int o = 0, n_changed = 0;
	uint32_t count;

	msg[0] = '\0';
	memcpy(&count, sent, 4);
	if (count > SNP_CPUID_MAX_LEAVES)
		count = SNP_CPUID_MAX_LEAVES;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *a = sent + 16 + i * 48, *b = fixed + 16 + i * 48;
		uint32_t fn, idx;

		if (!memcmp(a, b, 48))
			continue;
		n_changed++;
		memcpy(&fn, a, 4);
		memcpy(&idx, a + 4, 4);
		for (int r = 0; r < 4 && o < (int)n - 1; r++) {
			uint32_t x, y;

			memcpy(&x, a + 24 + 4 * r, 4);
			memcpy(&y, b + 24 + 4 * r, 4);
			if (x != y)
				o += snprintf(msg + o, n - o, "%s0x%x.%u %s 0x%x->0x%x",
					      o ? ", " : "", fn, idx, reg[r], x, y);
		}
	}
	if (!n_changed)
		snprintf(msg, n, "(no diff seen)");
	return n_changed;
}

/* The firmware's corrections go into the vCPUs' CPUID too: one view of the CPU. */
static void cpuid_take_page(struct kvm_cpuid2 *cp, const uint8_t *page)
{
	uint32_t count;

	memcpy(&count, page, 4);
	for (uint32_t i = 0; i < count && i < SNP_CPUID_MAX_LEAVES; i++) {
		const uint8_t *e = page + 16 + i * 48;
		uint32_t fn, idx;

		memcpy(&fn, e, 4);
		memcpy(&idx, e + 4, 4);
		for (uint32_t k = 0; k < cp->nent; k++)
			if (cp->entries[k].function == fn && cp->entries[k].index == idx)
				memcpy(&cp->entries[k].eax, e + 24, 16);
	}
}

/*
 * The CPUID page from the vCPUs' own CPUID table (c->cpuid, what
 * KVM_SET_CPUID2 gets): 0xD.0 and 0xD.1 for XCR0_IN = x87|SSE, the XCR0 the
 * VMSA starts with; the Linux guest ignores 0xD.0/0xD.1 entries with any
 * other XCR0_IN and then fails its first CPUID(0xD,1) (sev-shared.c).
 */
static int cpuid_page_build(struct coco *c, uint8_t *page)
{
	struct cpuid_leaf leaves[SNP_CPUID_MAX_LEAVES];

	if (c->cpuid->nent > SNP_CPUID_MAX_LEAVES) {
		cvmm_err("SNP: the vCPU's CPUID has %u leaves; the CPUID page holds %d "
			 "(QEMU refuses this too)", c->cpuid->nent, SNP_CPUID_MAX_LEAVES);
		return -1;
	}
	for (uint32_t i = 0; i < c->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->cpuid->entries[i];

		leaves[i] = (struct cpuid_leaf){
			.function = e->function, .index = e->index,
			.eax = e->eax, .ebx = e->ebx, .ecx = e->ecx, .edx = e->edx,
			.xcr0_in = e->function == 0xd && e->index <= 1 ? SNP_XCR0_RESET : 0,
		};
	}
	return snp_cpuid_page_build(page, leaves, c->cpuid->nent, c->plan_vcpu_sig);
}

static int launch_update(struct coco *c, const struct plan_piece *pc)
{
	uint64_t start = pc->gpa, len = PAGE_UP(pc->len);
	uint8_t *src = coco_launch_ptr(c, start, len);
	uint8_t type = snp_page_type(pc->type);
	uint8_t sent_cpuid[4096];
	struct kvm_sev_snp_launch_update u = {
		.gfn_start = start >> 12, .uaddr = (uint64_t)(uintptr_t)src, .len = len,
		.type = type,
	};
	int stuck = 0;
	bool retried = false;

	if (!src) {
		cvmm_err("SNP: %s at 0x%llx is outside guest memory", pc->what, U(start));
		return -1;
	}
	memset(src, 0, len);
	if (pc->type == PIECE_CPUID && !pc->data) {
		if (cpuid_page_build(c, src))
			return -1;
	} else if (pc->data) {
		memcpy(src, pc->data, pc->data_len);
	}
	if (pc->type == PIECE_CPUID)
		memcpy(sent_cpuid, src, sizeof(sent_cpuid));
	while (u.len) {
		uint64_t before = u.len;
		struct kvm_sev_cmd cmd = {
			.id = KVM_SEV_SNP_LAUNCH_UPDATE, .data = (uint64_t)(uintptr_t)&u,
			.sev_fd = (uint32_t)c->sev_fd,
		};
		int r = c->kb->ioctl(c->kb, c->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);

		if (r < 0 && errno == EAGAIN && ++stuck < ENC_RETRIES)
			continue;
		if (r < 0 && pc->type == PIECE_CPUID && cmd.error == SEV_RET_INVALID_PARAM) {
			char msg[512];
			int n = cpuid_page_diff(sent_cpuid, src, msg, sizeof(msg));

			/*
			 * KVM left the GFN unpopulated: once more with the page
			 * the firmware corrected (QEMU does the same), and the
			 * vCPUs get its values.
			 */
			if (!retried && n) {
				cvmm_warn("SNP: the firmware corrected %d CPUID leaf(s) at 0x%llx: %s; "
					  "launching with its values", n, U(start), msg);
				cpuid_take_page(c->cpuid, src);
				memcpy(sent_cpuid, src, sizeof(sent_cpuid));
				retried = true;
				continue;
			}
			cvmm_err("SNP: the firmware rejected the CPUID page at 0x%llx%s; %d leaf(s) "
				 "differ from what it allows: %s", U(start),
				 retried ? " twice" : "", n, msg);
			return -1;
		}
		if (r < 0) {
			int e = errno;
			char fw[40] = "";

			if (cmd.error)
				snprintf(fw, sizeof(fw), " (firmware error 0x%x)", cmd.error);
			cvmm_err("SNP launch update of %s: KVM_SEV_SNP_LAUNCH_UPDATE {gfn_start=0x%llx "
				 "len=0x%llx type=%u} failed: %s%s", pc->what, U(u.gfn_start),
				 U(u.len), u.type, strerror(e), fw);
			return -1;
		}
		if (u.len == before && ++stuck >= ENC_RETRIES) {
			cvmm_err("SNP launch update of %s: no progress at gfn 0x%llx", pc->what,
				 U(u.gfn_start));
			return -1;
		}
	}
	if (u.gfn_start << 12 != start + len) {
		cvmm_err("SNP launch update of %s: KVM stopped at 0x%llx, expected 0x%llx",
			 pc->what, U(u.gfn_start << 12), U(start + len));
		return -1;
	}
	return 0;
}

int snp_add_piece(struct coco *c, const struct plan_piece *pc)
{
	/* VMSAs come from the vCPUs at LAUNCH_FINISH; shared pages stay shared */
	if (pc->type == PIECE_VMSA || pc->type == PIECE_SHARED)
		return 0;
	return launch_update(c, pc);
}

static int snp_load(struct coco *c, const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_pieces; i++)
		if (snp_add_piece(c, &p->pieces[i]))
			return -1;
	return 0;
}

static int snp_finalize(struct coco *c)
{
	struct kvm_sev_snp_launch_finish f = { 0 };

	if (c->id_block) {
		f.id_block_uaddr = (uint64_t)(uintptr_t)c->id_block;
		f.id_auth_uaddr = (uint64_t)(uintptr_t)c->id_auth;
		f.id_block_en = 1;
		f.auth_key_en = c->opts && c->opts->author_key;
	}
	memcpy(f.host_data, c->host_data, sizeof(f.host_data));
	return sev_cmd(c, KVM_SEV_SNP_LAUNCH_FINISH, &f, "SNP launch finish");
}

const struct coco_ops coco_snp_ops = {
	.name = "snp",
	.vm_type = KVM_X86_SNP_VM,
	.prepare = snp_prepare,
	.init_vm = snp_init_vm,
	.setup_vcpu = snp_setup_vcpu,
	.load = snp_load,
	.finalize = snp_finalize,
};
