/*
 * The fake host behind the recorder: answers like a host that has
 * everything, and refuses what upstream KVM (and the TDX module or SEV
 * firmware behind it) refuses, so that a launch the recorder accepts is one
 * a real host accepts as far as the rules below go. Every refusal leaves
 * its rule in r->refused (the dry run prints the call as failed; tests
 * read the rule). Sources of the rules, torvalds/linux:
 *   virt/kvm/kvm_main.c, guest_memfd.c   memslots, guest_memfd, attributes
 *   arch/x86/kvm/x86.c, cpuid.c          vCPUs, CPUID lookup, protected state
 *   arch/x86/kvm/vmx/tdx.c               TDX (setup_tdparams_cpuids & co.)
 *   arch/x86/kvm/svm/sev.c, svm.c        SNP, the VMSA (sev_es_sync_vmsa)
 *   Documentation/virt/kvm/x86/intel-tdx.rst   SET_CPUID2 vs TDX_GET_CPUID
 * Interrupts, the TSC and KVM_RUN (the scripted guest): vmm/kvm/fake_host_irq.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/fake_host.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX
#define refuse kb_fake_refuse
#define PAGE 4096ULL

void kb_fake_host_default(struct kb_fake_host *h)
{
	*h = (struct kb_fake_host){
		.vm_types = 1u << KVM_X86_DEFAULT_VM | 1u << KVM_X86_SNP_VM | 1u << KVM_X86_TDX_VM,
		.guest_memfd = true, .user_memory2 = true, .memory_fault_info = true,
		.mem_attrs = KVM_MEMORY_ATTRIBUTE_PRIVATE,
		.exit_hypercall = 1ULL << KVM_HC_MAP_GPA_RANGE,
		.has_sev_attrs = true,
		.vmsa_features = SEV_VMSA_FEAT_DEBUG_SWAP,
		.snp_policy_bits = SNP_POLICY_KNOWN_MASK & ~SNP_POLICY_MIGRATE_MA,
		.tdx_attrs = TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE |
			     TDX_TD_ATTR_PKS | TDX_TD_ATTR_PERFMON,
		.tdx_xfam = 0x2e7,	/* x87 SSE AVX (MPX off) AVX-512 PKRU-less */
		.tdx_user_r11 = 2,	/* SetupEventNotifyInterrupt forwarded */
		.tdx_cpuid_nent = 14,
		.cpuid_reject_leaf = -1,
		.tsc_khz = 2100000,	/* 84 x 25 MHz: a TD gets exactly this */
	};
}

/*
 * KVM_GET_SUPPORTED_CPUID of an AVX-512 host, as KVM reports it: indexed
 * leaves (4, 7, 0xb, 0xd, 0x1f) one entry per sub-leaf with the
 * significant-index flag. 0xD.0 EBX/ECX: the XSAVE size of every permitted
 * feature (x87/SSE 0x240 + AVX 0x100 + AVX-512 0x640).
 */
static const struct kvm_cpuid_entry2 fake_cpuid[] = {
	{ .function = 0x0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	{ .function = 0x1, .eax = 0x806f8, .ebx = 0x800, .ecx = 0xf7fa3223, .edx = 0x078bfbff },
	{ .function = 0x4, .index = 0, .flags = SIG, .eax = 0x121, .ebx = 0x2c0003f, .ecx = 0x3f },
	{ .function = 0x4, .index = 1, .flags = SIG, .eax = 0x122, .ebx = 0x1c0003f, .ecx = 0x3f },
	{ .function = 0x4, .index = 2, .flags = SIG, .eax = 0x143, .ebx = 0x3c0003f, .ecx = 0x7ff },
	{ .function = 0x4, .index = 3, .flags = SIG, .eax = 0x163, .ebx = 0x3c0003f, .ecx = 0xdfff },
	{ .function = 0x7, .index = 0, .flags = SIG, .eax = 0x1,
	  .ebx = 0xf1bf07ab, .ecx = 0x1b415f6e, .edx = 0xfc1c4432 },
	{ .function = 0x7, .index = 1, .flags = SIG, .eax = 0x1c30 },
	{ .function = 0xb, .index = 0, .flags = SIG, .eax = 0x1, .ebx = 0x1, .ecx = 0x100 },
	{ .function = 0xb, .index = 1, .flags = SIG, .eax = 0x7, .ebx = 0x1, .ecx = 0x201 },
	{ .function = 0xd, .index = 0, .flags = SIG, .eax = 0xe7, .ebx = 0x980, .ecx = 0x980 },
	{ .function = 0xd, .index = 1, .flags = SIG, .eax = 0xf, .ebx = 0x980 },
	{ .function = 0xd, .index = 2, .flags = SIG, .eax = 0x100, .ebx = 0x240 },
	{ .function = 0xd, .index = 5, .flags = SIG, .eax = 0x40, .ebx = 0x440 },
	{ .function = 0xd, .index = 6, .flags = SIG, .eax = 0x200, .ebx = 0x480 },
	{ .function = 0xd, .index = 7, .flags = SIG, .eax = 0x400, .ebx = 0x680 },
	{ .function = 0x1f, .index = 0, .flags = SIG, .eax = 0x1, .ebx = 0x1, .ecx = 0x100 },
	{ .function = 0x1f, .index = 1, .flags = SIG, .eax = 0x7, .ebx = 0x1, .ecx = 0x201 },
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b, .ecx = 0x564b4d56,
	  .edx = 0x4d },
	/* kvmclock, async PF, steal time, PV EOI, ... (KVM_FEATURE_* 0-15) */
	{ .function = 0x40000001, .eax = 0x0100fefb },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800 },
	{ .function = 0x80000008, .eax = 0x3934 },
};
#define N_FAKE_CPUID (sizeof(fake_cpuid) / sizeof(fake_cpuid[0]))

/*
 * KVM_TDX_CAPABILITIES' configurable list as a TDX module with topology
 * enumeration reports it: several leaves with sub-leaves, and, as KVM
 * reports them, no flags (td_init_cpuid_entry2 sets function and index only).
 */
static const struct kvm_cpuid_entry2 fake_tdx_cfg[] = {
	{ .function = 0x1, .eax = ~0u, .ebx = ~0u, .ecx = 0x7fdfffff, .edx = ~0u },
	{ .function = 0x4, .index = 0, .eax = 0xfc00c000 },
	{ .function = 0x4, .index = 1, .eax = 0xfc00c000 },
	{ .function = 0x4, .index = 2, .eax = 0xfc00c000 },
	{ .function = 0x4, .index = 3, .eax = 0xfc00c000 },
	{ .function = 0x7, .index = 0, .ebx = 0xfffffffe, .ecx = ~0u, .edx = ~0u },
	{ .function = 0x7, .index = 1, .eax = 0x1c30 },
	{ .function = 0xb, .index = 0, .eax = 0x1f, .ebx = 0xffff },
	{ .function = 0xb, .index = 1, .eax = 0x1f, .ebx = 0xffff },
	{ .function = 0xd, .index = 0, .eax = ~0u, .ecx = ~0u },
	{ .function = 0xd, .index = 1, .eax = 0xf },
	{ .function = 0x1f, .index = 0, .eax = 0x1f, .ebx = 0xffff },
	{ .function = 0x1f, .index = 1, .eax = 0x1f, .ebx = 0xffff },
	{ .function = 0x80000008, .eax = 0xffffff },
};
#define N_TDX_CFG (sizeof(fake_tdx_cfg) / sizeof(fake_tdx_cfg[0]))

/* What TDX KVM emulates of the KVM PV leaf (QEMU's TDX_SUPPORTED_KVM_FEATURES). */
#define TDX_KVM_FEATURES (1u << 1 | 1u << 7 | 1u << 9 | 1u << 11 | 1u << 12 | 1u << 13 | 1u << 15)

static int fail(int e)
{
	errno = e;
	return -1;
}

int kb_fake_refuse(struct kb_recorder *r, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->refused, sizeof(r->refused), fmt, ap);
	va_end(ap);
	return fail(e);
}

static void rec_measure(struct kb_recorder *r, int kind, uint64_t gpa, const void *src,
			uint32_t what)
{
	static const uint8_t zero[4096];

	if (r->on_measure)
		r->on_measure(r->measure_opaque, kind, gpa, src ? src : zero, what);
}

static struct kb_fake_vcpu *vcpu_of(struct kb_recorder *r, int idx)
{
	int id = r->fds[idx].vcpu_id;

	return id >= 0 && id < KB_FAKE_VCPUS ? &r->vm.vcpu[id] : NULL;
}

/* ---- memory: slots and attributes ----------------------------------------- */

static bool in_gmem_slot(const struct kb_fake_vm *vm, uint64_t gpa)
{
	for (int i = 0; i < vm->n_gmem_slots; i++)
		if (gpa >= vm->gmem_slots[i].gpa && gpa - vm->gmem_slots[i].gpa < vm->gmem_slots[i].size)
			return true;
	return false;
}

static bool is_private(const struct kb_fake_vm *vm, uint64_t gpa)
{
	for (int i = 0; i < vm->n_priv; i++)
		if (gpa >= vm->priv[i].gpa && gpa - vm->priv[i].gpa < vm->priv[i].size)
			return true;
	return false;
}

/* [gpa, +size) set to private or shared: the private list keeps disjoint ranges. */
static int set_private(struct kb_recorder *r, uint64_t gpa, uint64_t size, bool priv)
{
	struct kb_fake_vm *vm = &r->vm;
	uint64_t end = gpa + size;

	for (int i = 0; i < vm->n_priv; i++) {
		uint64_t s = vm->priv[i].gpa, e = s + vm->priv[i].size;

		if (e <= gpa || s >= end)
			continue;
		/* cut [gpa, end) out of [s, e): keep what lies either side */
		vm->priv[i] = vm->priv[--vm->n_priv];
		i--;
		if (s < gpa) {
			if (vm->n_priv == KB_FAKE_RANGES)
				return refuse(r, ENOMEM, "fake host: too many attribute ranges");
			vm->priv[vm->n_priv++] = (typeof(vm->priv[0])){ s, gpa - s };
		}
		if (e > end) {
			if (vm->n_priv == KB_FAKE_RANGES)
				return refuse(r, ENOMEM, "fake host: too many attribute ranges");
			vm->priv[vm->n_priv++] = (typeof(vm->priv[0])){ end, e - end };
		}
	}
	if (priv) {
		if (vm->n_priv == KB_FAKE_RANGES)
			return refuse(r, ENOMEM, "fake host: too many attribute ranges");
		vm->priv[vm->n_priv++] = (typeof(vm->priv[0])){ gpa, size };
	}
	return 0;
}

/*
 * kvm_gmem_populate(): every page a measured copy fills must be in a
 * guest_memfd slot and PRIVATE (else -EINVAL).
 */
static int check_populate(struct kb_recorder *r, uint64_t gpa, uint64_t pages, const char *what)
{
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t a = gpa + i * PAGE;

		if (!in_gmem_slot(&r->vm, a))
			return refuse(r, EINVAL, "%s: GPA 0x%llx is in no guest_memfd memslot", what,
				      (unsigned long long)a);
		if (!is_private(&r->vm, a))
			return refuse(r, EINVAL, "%s: GPA 0x%llx is not PRIVATE "
				      "(KVM_SET_MEMORY_ATTRIBUTES first)", what, (unsigned long long)a);
	}
	return 0;
}

static int sim_memory_region2(struct kb_recorder *r, const struct kvm_userspace_memory_region2 *m)
{
	struct kb_fake_vm *vm = &r->vm;

	/* kvm_set_memory_region(): everything page aligned */
	if (m->guest_phys_addr & (PAGE - 1) || m->memory_size & (PAGE - 1) ||
	    m->userspace_addr & (PAGE - 1) || m->guest_memfd_offset & (PAGE - 1))
		return refuse(r, EINVAL, "memslot %u: address, size or offset not page aligned",
			      m->slot);
	if (!(m->flags & KVM_MEM_GUEST_MEMFD) || !m->memory_size)
		return 0;
	int g = -1;

	for (int i = 0; i < r->n_fds; i++)
		if (r->fds[i].fd == (int)m->guest_memfd && r->fds[i].gmem)
			g = i;
	if (g < 0)
		return refuse(r, EINVAL, "memslot %u: fd %u is not a guest_memfd", m->slot,
			      m->guest_memfd);
	if (m->guest_memfd_offset + m->memory_size > r->fds[g].size)
		return refuse(r, EINVAL, "memslot %u: beyond the end of its guest_memfd", m->slot);
	if (vm->n_gmem_slots == KB_FAKE_RANGES)
		return refuse(r, ENOMEM, "fake host: too many memslots");
	vm->gmem_slots[vm->n_gmem_slots++] = (typeof(vm->gmem_slots[0])){
		m->guest_phys_addr, m->memory_size };
	return 0;
}

/* ---- CPUID ------------------------------------------------------------------ */

/* kvm_find_cpuid_entry2(): the index counts only where the entry says so. */
static const struct kvm_cpuid_entry2 *find_entry(const struct kvm_cpuid_entry2 *e, uint32_t n,
						 uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].function == fn && (!(e[i].flags & SIG) || e[i].index == idx))
			return &e[i];
	return NULL;
}

/*
 * Two entries of one leaf without the significant-index flag: KVM serves
 * every sub-leaf from the first one, so the others are lost.
 */
static int check_indexed(struct kb_recorder *r, const struct kvm_cpuid_entry2 *e, uint32_t n,
			 const char *what)
{
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = i + 1; j < n; j++)
			if (e[i].function == e[j].function &&
			    (!(e[i].flags & SIG) || !(e[j].flags & SIG)))
				return refuse(r, EINVAL, "%s: leaf 0x%x has sub-leaves %u and %u but "
					      "not KVM_CPUID_FLAG_SIGNIFCANT_INDEX", what,
					      e[i].function, e[i].index, e[j].index);
	return 0;
}

/* setup_tdparams_cpuids() and setup_tdparams_eptp_controls() of KVM's tdx.c. */
static int tdx_init_vm_cpuid(struct kb_recorder *r, const struct kvm_cpuid2 *c)
{
	uint32_t n = r->host.tdx_cpuid_nent < N_TDX_CFG ? r->host.tdx_cpuid_nent : N_TDX_CFG;
	const struct kvm_cpuid_entry2 *e = find_entry(c->entries, c->nent, 0x80000008, 0);
	uint32_t copied = 0;

	if (!e || (((e->eax >> 16) & 0xff) != 48 && ((e->eax >> 16) & 0xff) != 52))
		return refuse(r, EINVAL, "TDX INIT_VM: CPUID 0x80000008.EAX[23:16] must be 48 or 52");
	for (uint32_t i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *m = &fake_tdx_cfg[i];

		e = find_entry(c->entries, c->nent, m->function, m->index);
		if (!e)
			continue;
		copied++;
		/* the module refuses bits it does not let the VMM configure */
		if (e->eax & ~m->eax || e->ebx & ~m->ebx || e->ecx & ~m->ecx || e->edx & ~m->edx)
			return refuse(r, EINVAL, "TDX INIT_VM: CPUID 0x%x.%u (from the entry for "
				      "0x%x.%u) sets bits the module does not allow",
				      m->function, m->index, e->function, e->index);
		r->vm.tdx_cfg[i] = *e;
		r->vm.tdx_cfg_set[i] = true;
	}
	if (copied != c->nent)
		return refuse(r, EINVAL, "TDX INIT_VM: %u CPUID entries, %u of them in a "
			      "configurable slot", c->nent, copied);
	return 0;
}

/*
 * What the TD's CPUID is after INIT_VM (KVM_TDX_GET_CPUID): the module's
 * native values (here: the host's), configured slots replaced by what
 * INIT_VM gave, x2APIC forced on, 0x15 the TSC INIT_VM fixed; leaves
 * 0..0x1f and 0x80000000.. only.
 */
static uint32_t td_cpuid(const struct kb_recorder *r, struct kvm_cpuid_entry2 *out, uint32_t max)
{
	uint32_t n = 0;

	for (size_t i = 0; i < N_FAKE_CPUID && n < max; i++) {
		struct kvm_cpuid_entry2 e = fake_cpuid[i];

		if ((e.function & 0xf0000000) == 0x40000000)
			continue;
		for (size_t j = 0; j < N_TDX_CFG; j++) {
			const struct kvm_cpuid_entry2 *m = &fake_tdx_cfg[j];

			if (m->function != e.function || m->index != e.index)
				continue;
			const struct kvm_cpuid_entry2 *v = r->vm.tdx_cfg_set[j] ? &r->vm.tdx_cfg[j] : NULL;

			e.eax = (e.eax & ~m->eax) | (v ? v->eax & m->eax : 0);
			e.ebx = (e.ebx & ~m->ebx) | (v ? v->ebx & m->ebx : 0);
			e.ecx = (e.ecx & ~m->ecx) | (v ? v->ecx & m->ecx : 0);
			e.edx = (e.edx & ~m->edx) | (v ? v->edx & m->edx : 0);
		}
		if (e.function == 1)
			e.ecx |= 1u << 21 | 1u << 31;	/* x2APIC, hypervisor: fixed 1 */
		if (e.function == 0x80000008)
			e.eax = (e.eax & ~0xff0000u) | 48u << 16;
		e.flags &= SIG;
		out[n++] = e;
	}
	if (n < max && kb_fake_td_leaf_15(r, &out[n]))	/* the TSC the module gives the TD */
		n++;
	return n;
}

/* Fields that differ per vCPU (the initial APIC ID): not compared. */
static bool same_td_leaf(const struct kvm_cpuid_entry2 *a, const struct kvm_cpuid_entry2 *b)
{
	uint32_t ebx_mask = a->function == 1 ? 0x00ffffffu : ~0u;
	bool edx = a->function == 0xb || a->function == 0x1f;

	return a->eax == b->eax && !((a->ebx ^ b->ebx) & ebx_mask) && a->ecx == b->ecx &&
	       (edx || a->edx == b->edx);
}

/*
 * KVM_SET_CPUID2 of a TD vCPU: intel-tdx.rst asks for consistency with
 * what KVM_TDX_GET_CPUID reports ("If it doesn't, KVM may have wrong idea
 * of vCPUIDs"), and TDX KVM emulates only part of the PV leaf
 * (tdx_has_emulated_msr), which QEMU masks: both checked here.
 */
static int tdx_set_cpuid(struct kb_recorder *r, const struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 td[64];
	uint32_t n = td_cpuid(r, td, 64);

	for (uint32_t i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *e = find_entry(c->entries, c->nent, td[i].function,
							      td[i].index);

		if (!e || !same_td_leaf(&td[i], e))
			return refuse(r, EINVAL, "TD vCPU CPUID 0x%x.%u differs from KVM_TDX_GET_CPUID "
				      "(intel-tdx.rst: keep KVM_SET_CPUID2 consistent with it)",
				      td[i].function, td[i].index);
	}
	const struct kvm_cpuid_entry2 *pv = find_entry(c->entries, c->nent, 0x40000001, 0);

	if (pv && pv->eax & ~TDX_KVM_FEATURES)
		return refuse(r, EINVAL, "TD vCPU CPUID 0x40000001.EAX 0x%x: KVM features 0x%x are "
			      "not emulated for TDX", pv->eax, pv->eax & ~TDX_KVM_FEATURES);
	return 0;
}

/* ---- TDX ------------------------------------------------------------------------ */

static int sim_tdx_vm(struct kb_recorder *r, struct kvm_tdx_cmd *c)
{
	void *d = (void *)(uintptr_t)c->data;
	struct kb_fake_vm *vm = &r->vm;

	switch (c->id) {
	case KVM_TDX_CAPABILITIES: {
		struct kvm_tdx_capabilities *caps = d;
		uint32_t n = r->host.tdx_cpuid_nent < N_TDX_CFG ? r->host.tdx_cpuid_nent : N_TDX_CFG;

		if (caps->cpuid.nent < n) {
			caps->cpuid.nent = n;
			return fail(E2BIG);
		}
		caps->supported_attrs = r->host.tdx_attrs;
		caps->supported_xfam = r->host.tdx_xfam;
		caps->user_tdvmcallinfo_1_r11 = r->host.tdx_user_r11;
		caps->kernel_tdvmcallinfo_1_r11 = r->host.tdx_kernel_r11;
		caps->kernel_tdvmcallinfo_1_r12 = r->host.tdx_kernel_r12;
		caps->cpuid.nent = n;
		memcpy(caps->cpuid.entries, fake_tdx_cfg, n * sizeof(fake_tdx_cfg[0]));
		return 0;
	}
	case KVM_TDX_INIT_VM: {
		const struct kvm_tdx_init_vm *v = d;

		if (vm->tdx_init_vm || c->flags)
			return refuse(r, EINVAL, "TDX INIT_VM: issued twice, or with flags");
		if (vm->n_vcpus)
			return refuse(r, EBUSY, "TDX INIT_VM: vCPUs exist already");
		if (v->attributes & ~r->host.tdx_attrs || v->xfam & ~r->host.tdx_xfam)
			return refuse(r, EINVAL, "TDX INIT_VM: attributes or XFAM not supported");
		if (v->cpuid.nent > 256)
			return fail(E2BIG);
		if (v->cpuid.padding)
			return refuse(r, EINVAL, "TDX INIT_VM: cpuid.padding set");
		for (int i = 0; i < 12; i++)
			if (v->reserved[i])
				return refuse(r, EINVAL, "TDX INIT_VM: reserved bytes set");
		if (tdx_init_vm_cpuid(r, &v->cpuid) || kb_fake_td_tsc(r))
			return -1;
		vm->tdx_init_vm = true;
		vm->protected_state = !(v->attributes & TDX_TD_ATTR_DEBUG);
		return 0;
	}
	case KVM_TDX_FINALIZE_VM:
		if (!vm->tdx_init_vm || vm->sealed)
			return refuse(r, EINVAL, "TDX FINALIZE_VM: TD not initialised, or final");
		vm->sealed = true;
		return 0;
	}
	return fail(EINVAL);
}

static int sim_tdx_vcpu(struct kb_recorder *r, int idx, struct kvm_tdx_cmd *c)
{
	void *d = (void *)(uintptr_t)c->data;
	struct kb_fake_vcpu *v = vcpu_of(r, idx);

	/* tdx_vcpu_ioctl(): nothing once the TD runs */
	if (!r->vm.tdx_init_vm || r->vm.sealed || !v)
		return refuse(r, EINVAL, "TDX vCPU command: TD not initialised, or final");
	switch (c->id) {
	case KVM_TDX_INIT_VCPU:
		if (c->flags || v->tdx_init)
			return refuse(r, EINVAL, "TDX INIT_VCPU: flags set, or issued twice");
		/* KVM sets x2APIC mode, which needs CPUID.1:ECX[21] */
		if (!v->x2apic)
			return refuse(r, EINVAL, "TDX INIT_VCPU: the vCPU's CPUID lacks x2APIC "
				      "(KVM_SET_CPUID2 with CPUID.1:ECX[21] first)");
		v->tdx_init = true;
		return 0;
	case KVM_TDX_GET_CPUID: {
		struct kvm_cpuid2 *out = d;
		struct kvm_cpuid_entry2 td[64];
		uint32_t n = td_cpuid(r, td, 64);

		if (out->nent < n) {
			out->nent = n;
			return fail(E2BIG);
		}
		out->nent = n;
		memcpy(out->entries, td, n * sizeof(td[0]));
		return 0;
	}
	case KVM_TDX_INIT_MEM_REGION: {
		struct kvm_tdx_init_mem_region *m = d;
		uint64_t n = m->nr_pages;

		if (!v->tdx_init)
			return refuse(r, EINVAL, "TDX INIT_MEM_REGION: on a vCPU before INIT_VCPU");
		if (!n || m->gpa & 0xfff || m->source_addr & 0xfff || c->flags & ~1u)
			return refuse(r, EINVAL, "TDX INIT_MEM_REGION: unaligned, empty or bad flags");
		if (r->host.max_pages_per_call && n > r->host.max_pages_per_call)
			n = r->host.max_pages_per_call;
		if (check_populate(r, m->gpa, n, "TDX INIT_MEM_REGION"))
			return -1;
		for (uint64_t i = 0; i < n; i++) {
			rec_measure(r, KB_MEASURE_TDX, m->gpa,
				    (const void *)(uintptr_t)m->source_addr, c->flags);
			m->gpa += 4096;
			m->source_addr += 4096;
			m->nr_pages--;
		}
		return m->nr_pages ? fail(EINTR) : 0;
	}
	}
	return fail(EINVAL);
}

/* ---- SNP --------------------------------------------------------------------------- */

/* The XSAVE (standard format) size of the features in xcr0, from the host's 0xD.n. */
static uint32_t xsave_size(uint64_t xcr0)
{
	uint32_t size = 0x240;	/* legacy area and header */

	for (int f = 2; f < 32; f++) {
		const struct kvm_cpuid_entry2 *e = find_entry(fake_cpuid, N_FAKE_CPUID, 0xd, f);

		if (xcr0 & (1ULL << f) && e && e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

/*
 * The firmware's CPUID check (SNP firmware ABI, CPUID page): every leaf
 * within what the host has, 0xD.0/0xD.1 sized for their XCR0_IN/XSS_IN.
 * A failing page is corrected in place (KVM copies the firmware's version
 * back to userspace) and refused with INVALID_PARAM.
 */
static bool firmware_fixes_cpuid(struct kb_recorder *r, uint8_t *page)
{
	uint32_t count;
	bool bad = false;

	memcpy(&count, page, 4);
	if (count > 64)
		return true;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *e = page + 16 + i * 48;
		uint32_t fn, idx, reg[4];
		uint64_t xcr0_in, xss_in;

		memcpy(&fn, e, 4);
		memcpy(&idx, e + 4, 4);
		memcpy(&xcr0_in, e + 8, 8);
		memcpy(&xss_in, e + 16, 8);
		memcpy(reg, e + 24, 16);
		const struct kvm_cpuid_entry2 *h = find_entry(fake_cpuid, N_FAKE_CPUID, fn, idx);
		uint32_t fixed[4] = { reg[0], reg[1], reg[2], reg[3] };

		if (fn == 0xd && idx <= 1) {
			fixed[1] = xsave_size(xcr0_in | (idx ? xss_in : 0));
		} else if (h && fn != 1 && fn != 0xb && fn != 0x1f) {
			fixed[0] &= h->eax;	/* leaf 1 EAX/EBX and topology: the model's */
			fixed[1] &= h->ebx;
			fixed[2] &= h->ecx;
			fixed[3] &= h->edx;
		}
		if (r->host.cpuid_reject_leaf == (int)i &&
		    r->cpuid_rejected < (r->host.cpuid_reject_times ? r->host.cpuid_reject_times : 1)) {
			fixed[1] ^= 0x10;	/* the test knob: one more leaf the firmware changes */
			r->cpuid_rejected++;
		}
		if (memcmp(fixed, reg, 16)) {
			memcpy(e + 24, fixed, 16);
			bad = true;
		}
	}
	return bad;
}

static int sim_sev(struct kb_recorder *r, struct kvm_sev_cmd *c)
{
	void *d = (void *)(uintptr_t)c->data;
	struct kb_fake_vm *vm = &r->vm;

	switch (c->id) {
	case KVM_SEV_INIT2: {
		const struct kvm_sev_init *in = d;

		/* sev_guest_init(): before any vCPU, once, known features only */
		if (vm->sev_init || vm->n_vcpus)
			return refuse(r, EINVAL, "SEV INIT2: issued twice or after vCPUs exist");
		if (in->vmsa_features & ~r->host.vmsa_features || in->flags || in->ghcb_version > 2)
			return refuse(r, EINVAL, "SEV INIT2: features 0x%llx, flags or GHCB version "
				      "not supported", (unsigned long long)in->vmsa_features);
		vm->sev_init = true;
		vm->protected_state = true;
		vm->vmsa_features = in->vmsa_features;
		return 0;
	}
	case KVM_SEV_SNP_LAUNCH_START: {
		const struct kvm_sev_snp_launch_start *s = d;

		if (!vm->sev_init || vm->snp_started)
			return refuse(r, EINVAL, "SNP LAUNCH_START: before INIT2, or twice");
		if (!(s->policy & SNP_POLICY_RSVD_MBO) ||
		    (s->policy & ~0xffffULL & ~r->host.snp_policy_bits) || s->flags)
			return refuse(r, EINVAL, "SNP LAUNCH_START: policy 0x%llx not allowed",
				      (unsigned long long)s->policy);
		vm->snp_started = true;
		return 0;
	}
	case KVM_SEV_SNP_LAUNCH_UPDATE: {
		struct kvm_sev_snp_launch_update *u = d;
		uint64_t n = u->len / 4096;

		if (!vm->snp_started || vm->sealed)
			return refuse(r, EINVAL, "SNP LAUNCH_UPDATE: before LAUNCH_START, or after "
				      "LAUNCH_FINISH");
		if (!u->len || u->len & 0xfff || u->flags ||
		    (u->type != KVM_SEV_SNP_PAGE_TYPE_ZERO && u->uaddr & 0xfff))
			return refuse(r, EINVAL, "SNP LAUNCH_UPDATE: unaligned, empty or flags set");
		if (r->host.max_pages_per_call && n > r->host.max_pages_per_call)
			n = r->host.max_pages_per_call;
		if (check_populate(r, u->gfn_start << 12, n, "SNP LAUNCH_UPDATE"))
			return -1;
		if (u->type == KVM_SEV_SNP_PAGE_TYPE_CPUID &&
		    firmware_fixes_cpuid(r, (uint8_t *)(uintptr_t)u->uaddr)) {
			c->error = SEV_RET_INVALID_PARAM;
			snprintf(r->refused, sizeof(r->refused), "SNP firmware: CPUID page invalid");
			return fail(EIO);
		}
		for (uint64_t i = 0; i < n; i++) {
			rec_measure(r, KB_MEASURE_SNP, u->gfn_start << 12,
				    u->type == KVM_SEV_SNP_PAGE_TYPE_ZERO ? NULL :
				    (const void *)(uintptr_t)u->uaddr, u->type);
			u->gfn_start++;
			u->len -= 4096;
			if (u->type != KVM_SEV_SNP_PAGE_TYPE_ZERO)
				u->uaddr += 4096;
		}
		return 0;
	}
	case KVM_SEV_SNP_LAUNCH_FINISH:
		if (!vm->snp_started || vm->sealed)
			return refuse(r, EINVAL, "SNP LAUNCH_FINISH: before LAUNCH_START, or twice");
		if (!vm->n_vcpus)
			return refuse(r, EINVAL, "SNP LAUNCH_FINISH: no vCPUs");
		vm->sealed = true;
		/* the VMSA of every vCPU, as KVM builds and the PSP measures it */
		for (int i = 0; i < vm->n_vcpus && i < KB_FAKE_VCPUS; i++) {
			uint8_t vmsa[4096];

			kb_fake_vmsa(&vm->vcpu[i], vm->vmsa_features, vmsa);
			rec_measure(r, KB_MEASURE_SNP_VMSA, (uint64_t)i, vmsa, 0);
		}
		return 0;
	}
	return fail(EINVAL);
}

/* ---- registers: KVM's reset state, and the VMSA KVM makes of them ------------------ */

/* svm.c init_vmcb() + kvm_vcpu_reset(): what a new vCPU holds. */
static void reset_state(struct kb_fake_vcpu *v, int id)
{
	struct kvm_segment data = { .limit = 0xffff, .type = 3, .s = 1, .present = 1 };

	memset(&v->sregs, 0, sizeof(v->sregs));
	memset(&v->regs, 0, sizeof(v->regs));
	v->sregs.es = v->sregs.ss = v->sregs.ds = v->sregs.fs = v->sregs.gs = data;
	v->sregs.cs = data;
	v->sregs.cs.type = 0xb;
	v->sregs.cs.selector = 0xf000;
	v->sregs.cs.base = 0xffff0000;
	v->sregs.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 2, .present = 1 };
	/* init_sys_seg(&save->tr, SEG_TYPE_BUSY_TSS16) */
	v->sregs.tr = (struct kvm_segment){ .limit = 0xffff, .type = 3, .present = 1 };
	v->sregs.gdt.limit = v->sregs.idt.limit = 0xffff;
	v->sregs.cr0 = 0x60000010;
	v->sregs.apic_base = 0xfee00000 | (id == 0 ? 0x100 : 0);
	v->regs.rip = 0xfff0;
	v->regs.rflags = 2;
	v->regs.rdx = 0x806f8;	/* CPUID(1).EAX */
}

static void put_seg(uint8_t *b, unsigned off, const struct kvm_segment *s)
{
	uint16_t attr = s->unusable ? 0 :
			(s->type | s->s << 4 | s->dpl << 5 | s->present << 7 | s->avl << 8 |
			 s->l << 9 | s->db << 10 | s->g << 11);

	memcpy(b + off, &s->selector, 2);
	memcpy(b + off + 2, &attr, 2);
	memcpy(b + off + 4, &s->limit, 4);
	memcpy(b + off + 8, &s->base, 8);
}

static void put64(uint8_t *b, unsigned off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

/*
 * sev_es_sync_vmsa(): the save area of the VMCB (segments, control
 * registers as svm_set_cr0/cr4/efer left them: CD/NW cleared, the host's
 * MCE and EFER.SVME added), the GPRs, KVM's reset DR6/DR7/PAT/XCR0, the FPU
 * image of a non-default VM type (FCW 0x37f, MXCSR 0x1f80), SEV features.
 * Offsets: AMD APM vol. 2, table B-4. Written apart from loader/boot/vmsa.c
 * on purpose: the tests compare the two.
 */
void kb_fake_vmsa(const struct kb_fake_vcpu *v, uint64_t vmsa_features, uint8_t b[4096])
{
	const struct kvm_sregs *s = &v->sregs;
	const struct kvm_regs *g = &v->regs;
	struct kvm_segment dt;
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	memset(b, 0, 4096);
	put_seg(b, 0x00, &s->es);
	put_seg(b, 0x10, &s->cs);
	put_seg(b, 0x20, &s->ss);
	put_seg(b, 0x30, &s->ds);
	put_seg(b, 0x40, &s->fs);
	put_seg(b, 0x50, &s->gs);
	dt = (struct kvm_segment){ .base = s->gdt.base, .limit = s->gdt.limit, .unusable = 1 };
	put_seg(b, 0x60, &dt);
	put_seg(b, 0x70, &s->ldt);
	dt = (struct kvm_segment){ .base = s->idt.base, .limit = s->idt.limit, .unusable = 1 };
	put_seg(b, 0x80, &dt);
	put_seg(b, 0x90, &s->tr);
	put64(b, 0xd0, s->efer | 1ULL << 12);
	put64(b, 0x148, s->cr4 | 1ULL << 6);
	put64(b, 0x150, s->cr3);
	put64(b, 0x158, s->cr0 & ~0x60000000ULL);
	put64(b, 0x160, 0x400);
	put64(b, 0x168, 0xffff0ff0);
	put64(b, 0x170, g->rflags);
	put64(b, 0x178, g->rip);
	put64(b, 0x1d8, g->rsp);
	put64(b, 0x1f8, g->rax);
	put64(b, 0x268, 0x0007040600070406ULL);
	put64(b, 0x308, g->rcx);
	put64(b, 0x310, g->rdx);
	put64(b, 0x318, g->rbx);
	put64(b, 0x328, g->rbp);
	put64(b, 0x330, g->rsi);
	put64(b, 0x338, g->rdi);
	put64(b, 0x340, g->r8);
	put64(b, 0x348, g->r9);
	put64(b, 0x350, g->r10);
	put64(b, 0x358, g->r11);
	put64(b, 0x360, g->r12);
	put64(b, 0x368, g->r13);
	put64(b, 0x370, g->r14);
	put64(b, 0x378, g->r15);
	put64(b, 0x3b0, vmsa_features | 1);	/* SNPActive: KVM's */
	put64(b, 0x3e8, 1);			/* XCR0: x87 */
	memcpy(b + 0x408, &mxcsr, 4);
	memcpy(b + 0x410, &fcw, 2);
}

/* ---- the ioctls --------------------------------------------------------------------- */

static int sim_vcpu_regs(struct kb_recorder *r, int idx, unsigned long req, void *arg)
{
	struct kb_fake_vcpu *v = vcpu_of(r, idx);

	if (!v)
		return fail(EINVAL);
	/* kvm_arch_vcpu_ioctl_{get,set}_{regs,sregs}: protected state is not ours */
	if (r->vm.protected_state && (r->vm.sealed || r->vm.type == KVM_X86_TDX_VM))
		return refuse(r, EINVAL, "%s: the vCPU's state is protected",
			      kb_ioctl_name(req, arg, false));
	switch (req) {
	case KVM_GET_SREGS: memcpy(arg, &v->sregs, sizeof(v->sregs)); break;
	case KVM_SET_SREGS: memcpy(&v->sregs, arg, sizeof(v->sregs)); break;
	case KVM_GET_REGS:  memcpy(arg, &v->regs, sizeof(v->regs)); break;
	case KVM_SET_REGS:  memcpy(&v->regs, arg, sizeof(v->regs)); break;
	}
	return 0;
}

static int sim_create_vcpu(struct kb_recorder *r, int idx, unsigned long id)
{
	struct kb_fake_vm *vm = &r->vm;
	char name[12];
	int fd;

	if (id >= KB_FAKE_VCPUS || (int)id != vm->n_vcpus)
		return refuse(r, EINVAL, "KVM_CREATE_VCPU %lu: ids in order, fewer than %d", id,
			      KB_FAKE_VCPUS);
	if (vm->sealed)
		return refuse(r, EINVAL, "KVM_CREATE_VCPU after the launch is sealed");
	if (vm->type == KVM_X86_TDX_VM && !vm->tdx_init_vm)
		return refuse(r, EIO, "KVM_CREATE_VCPU: TD not initialised (KVM_TDX_INIT_VM first)");
	/* tdx_vcpu_create(): "Disallow an in-kernel I/O APIC", split irqchip only */
	if (vm->type == KVM_X86_TDX_VM && !vm->split_irqchip)
		return refuse(r, EINVAL, "KVM_CREATE_VCPU: a TD needs KVM_CAP_SPLIT_IRQCHIP first");
	snprintf(name, sizeof(name), "vcpu%lu", id);
	fd = kb_rec_new_fd(r, name, r->fds[idx].vm_type, KB_RUN_SIZE);
	if (fd < 0)
		return -1;
	/* the run area cvmm maps: KVM_RUN answers through it */
	void *run = mmap(NULL, KB_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (run == MAP_FAILED) {
		kb_rec_close_locked(r, fd);
		return -1;
	}
	r->fds[r->n_fds - 1].run = run;
	r->fds[r->n_fds - 1].vcpu_id = (int)id;
	reset_state(&vm->vcpu[id], (int)id);
	vm->n_vcpus++;
	r->n_vcpus++;
	return fd;
}

static int sim_set_cpuid(struct kb_recorder *r, int idx, const struct kvm_cpuid2 *c)
{
	struct kb_fake_vcpu *v = vcpu_of(r, idx);
	const struct kvm_cpuid_entry2 *l1;

	if (!v || c->nent > 256)
		return fail(c->nent > 256 ? E2BIG : EINVAL);
	if (check_indexed(r, c->entries, c->nent, "KVM_SET_CPUID2"))
		return -1;
	if (r->vm.type == KVM_X86_TDX_VM && tdx_set_cpuid(r, c))
		return -1;
	l1 = find_entry(c->entries, c->nent, 1, 0);
	v->x2apic = l1 && l1->ecx & 1u << 21;
	v->apic_id = l1 ? l1->ebx >> 24 : 0;
	v->sig = l1 ? l1->eax : 0;
	const struct kvm_cpuid_entry2 *topo = find_entry(c->entries, c->nent, 0xb, 0);

	v->x2apic_id = topo ? topo->edx : 0;
	v->cpuid = true;
	return 0;
}

static int check_extension(const struct kb_fake_host *h, unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_VM_TYPES:		return (int)h->vm_types;
	case KVM_CAP_GUEST_MEMFD:	return h->guest_memfd;
	case KVM_CAP_USER_MEMORY2:	return h->user_memory2;
	case KVM_CAP_MEMORY_FAULT_INFO:	return h->memory_fault_info;
	case KVM_CAP_MEMORY_ATTRIBUTES:	return (int)h->mem_attrs;
	case KVM_CAP_EXIT_HYPERCALL:	return (int)h->exit_hypercall;
	case KVM_CAP_SPLIT_IRQCHIP:	return 1;
	case KVM_CAP_MAX_VCPUS:		return 1024;
	case KVM_CAP_NR_VCPUS:		return 1024;
	case KVM_CAP_IMMEDIATE_EXIT:	return 1;
	}
	return 0;
}

void kb_fake_host_probe(const struct kb_recorder *r, struct kvm_host *h)
{
	const struct kb_fake_host *f = &r->host;
	int fd = h->fd;

	*h = (struct kvm_host){
		.fd = fd, .api_version = KVM_API_VERSION, .vm_types_cap = true,
		.vm_types = (uint32_t)check_extension(f, KVM_CAP_VM_TYPES),
		.guest_memfd = check_extension(f, KVM_CAP_GUEST_MEMFD) > 0,
		.user_memory2 = check_extension(f, KVM_CAP_USER_MEMORY2) > 0,
		.mem_attrs = (uint64_t)check_extension(f, KVM_CAP_MEMORY_ATTRIBUTES),
		.memory_fault_info = check_extension(f, KVM_CAP_MEMORY_FAULT_INFO) > 0,
		.exit_hypercall = (uint64_t)check_extension(f, KVM_CAP_EXIT_HYPERCALL),
		.max_vcpus = check_extension(f, KVM_CAP_MAX_VCPUS),
		.nr_vcpus = check_extension(f, KVM_CAP_NR_VCPUS),
		.immediate_exit = check_extension(f, KVM_CAP_IMMEDIATE_EXIT) > 0,
		.split_irqchip = check_extension(f, KVM_CAP_SPLIT_IRQCHIP) > 0,
	};
}

int kb_fake_ioctl(struct kb_recorder *r, int idx, unsigned long req, void *arg)
{
	unsigned long v = (unsigned long)(uintptr_t)arg;
	const struct kb_fake_host *h = &r->host;
	struct kb_fake_vm *vm = &r->vm;
	char name[12];
	bool handled;
	int ret = kb_fake_irq_ioctl(r, idx, req, arg, &handled);

	if (handled)
		return ret;

	switch (req) {
	case KVM_CREATE_VM:
		if (v >= 32 || !(h->vm_types & (1u << v)))
			return fail(EINVAL);
		memset(vm, 0, sizeof(*vm));
		vm->type = (int)v;
		return kb_rec_new_fd(r, "vm", (int)v, 0);
	case KVM_GET_VCPU_MMAP_SIZE:
		return KB_RUN_SIZE;
	case KVM_CHECK_EXTENSION:
		return check_extension(h, v);
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *c = arg;

		if (c->flags)
			return refuse(r, EINVAL, "KVM_ENABLE_CAP: flags 0x%x", c->flags);
		if (c->cap == KVM_CAP_SPLIT_IRQCHIP)
			return kb_fake_split_irqchip(r, c);
		if (c->cap == KVM_CAP_EXIT_HYPERCALL) {
			if (c->args[0] & ~h->exit_hypercall)
				return refuse(r, EINVAL, "KVM_CAP_EXIT_HYPERCALL: unsupported hypercalls");
		}
		return 0;
	}
	case KVM_GET_DEVICE_ATTR: {
		struct kvm_device_attr *a = arg;
		uint64_t val;

		if (!h->has_sev_attrs || a->group != KVM_X86_GRP_SEV)
			return fail(ENXIO);
		if (a->attr == KVM_X86_SEV_VMSA_FEATURES)
			val = h->vmsa_features;
		else if (a->attr == KVM_X86_SNP_POLICY_BITS)
			val = h->snp_policy_bits;
		else
			return fail(ENXIO);
		memcpy((void *)(uintptr_t)a->addr, &val, sizeof(val));
		return 0;
	}
	case KVM_GET_SUPPORTED_CPUID: {
		struct kvm_cpuid2 *c = arg;
		uint32_t n = N_FAKE_CPUID + (uint32_t)h->extra_leaves;

		if (c->nent < n)
			return fail(E2BIG);
		c->nent = n;
		memcpy(c->entries, fake_cpuid, sizeof(fake_cpuid));
		for (uint32_t i = N_FAKE_CPUID; i < n; i++)
			c->entries[i] = (struct kvm_cpuid_entry2){ .function = 0x80000100 + i };
		return 0;
	}
	case KVM_CREATE_VCPU:
		return sim_create_vcpu(r, idx, v);
	case KVM_CREATE_GUEST_MEMFD: {
		const struct kvm_create_guest_memfd *g = arg;
		int fd;

		/* kvm_gmem_create(): page-sized; no mmap flags on private VM types */
		if (!g->size || g->size & (PAGE - 1))
			return refuse(r, EINVAL, "KVM_CREATE_GUEST_MEMFD: size not a page multiple");
		if (vm->type != KVM_X86_DEFAULT_VM && g->flags)
			return refuse(r, EINVAL, "KVM_CREATE_GUEST_MEMFD: flags 0x%llx on a %s VM",
				      (unsigned long long)g->flags,
				      vm->type == KVM_X86_TDX_VM ? "TDX" : "SNP");
		snprintf(name, sizeof(name), "gmem%d", r->n_gmem++);
		fd = kb_rec_new_fd(r, name, r->fds[idx].vm_type, g->size);
		if (fd >= 0) {
			r->fds[r->n_fds - 1].size = g->size;
			r->fds[r->n_fds - 1].gmem = true;
		}
		return fd;
	}
	case KVM_SET_USER_MEMORY_REGION2:
		return sim_memory_region2(r, arg);
	case KVM_SET_MEMORY_ATTRIBUTES: {
		const struct kvm_memory_attributes *a = arg;

		if (!a->size || a->address & (PAGE - 1) || a->size & (PAGE - 1) || a->flags ||
		    a->attributes & ~h->mem_attrs || a->address + a->size < a->address)
			return refuse(r, EINVAL, "KVM_SET_MEMORY_ATTRIBUTES: unaligned, empty, "
				      "flags or unsupported attributes");
		return set_private(r, a->address, a->size,
				   a->attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE);
	}
	case KVM_SET_CPUID2:
		return sim_set_cpuid(r, idx, arg);
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
	case KVM_GET_REGS:
	case KVM_SET_REGS:
		return sim_vcpu_regs(r, idx, req, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (!arg)
			return 0;
		if (r->fds[idx].vm_type == KVM_X86_TDX_VM) {
			if (((struct kvm_tdx_cmd *)arg)->hw_error)
				return refuse(r, EINVAL, "TDX command with hw_error set");
			return r->fds[idx].vcpu_id >= 0 ? sim_tdx_vcpu(r, idx, arg) :
							  sim_tdx_vm(r, arg);
		}
		return sim_sev(r, arg);
	}
	return 0;
}
