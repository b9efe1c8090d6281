/*
 * ioctl names, argument sizes and one-line argument decodings for the
 * commands the confidential launch issues: the dry-run transcript and the
 * error lines both use them, so a failure names exactly what was asked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"

static const char *cap_name(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_EXIT_HYPERCALL:		return "KVM_CAP_EXIT_HYPERCALL";
	case KVM_CAP_SPLIT_IRQCHIP:		return "KVM_CAP_SPLIT_IRQCHIP";
	case KVM_CAP_USER_MEMORY2:		return "KVM_CAP_USER_MEMORY2";
	case KVM_CAP_MEMORY_FAULT_INFO:		return "KVM_CAP_MEMORY_FAULT_INFO";
	case KVM_CAP_MEMORY_ATTRIBUTES:		return "KVM_CAP_MEMORY_ATTRIBUTES";
	case KVM_CAP_GUEST_MEMFD:		return "KVM_CAP_GUEST_MEMFD";
	case KVM_CAP_VM_TYPES:			return "KVM_CAP_VM_TYPES";
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:	return "KVM_CAP_X86_APIC_BUS_CYCLES_NS";
	case KVM_CAP_MAX_VCPUS:			return "KVM_CAP_MAX_VCPUS";
	}
	return "cap";
}

static const char *sev_cmd_name(uint32_t id)
{
	switch (id) {
	case KVM_SEV_INIT2:			return "KVM_SEV_INIT2";
	case KVM_SEV_SNP_LAUNCH_START:		return "KVM_SEV_SNP_LAUNCH_START";
	case KVM_SEV_SNP_LAUNCH_UPDATE:		return "KVM_SEV_SNP_LAUNCH_UPDATE";
	case KVM_SEV_SNP_LAUNCH_FINISH:		return "KVM_SEV_SNP_LAUNCH_FINISH";
	case KVM_SEV_SNP_ENABLE_REQ_CERTS:	return "KVM_SEV_SNP_ENABLE_REQ_CERTS";
	}
	return "KVM_SEV_?";
}

static const char *tdx_cmd_name(uint32_t id)
{
	switch (id) {
	case KVM_TDX_CAPABILITIES:	return "KVM_TDX_CAPABILITIES";
	case KVM_TDX_INIT_VM:		return "KVM_TDX_INIT_VM";
	case KVM_TDX_INIT_VCPU:		return "KVM_TDX_INIT_VCPU";
	case KVM_TDX_INIT_MEM_REGION:	return "KVM_TDX_INIT_MEM_REGION";
	case KVM_TDX_FINALIZE_VM:	return "KVM_TDX_FINALIZE_VM";
	case KVM_TDX_GET_CPUID:		return "KVM_TDX_GET_CPUID";
	}
	return "KVM_TDX_?";
}

const char *kb_ioctl_name(unsigned long req, const void *arg, bool tdx)
{
	switch (req) {
	case KVM_CREATE_VM:			return "KVM_CREATE_VM";
	case KVM_CHECK_EXTENSION:		return "KVM_CHECK_EXTENSION";
	case KVM_GET_SUPPORTED_CPUID:		return "KVM_GET_SUPPORTED_CPUID";
	case KVM_CREATE_VCPU:			return "KVM_CREATE_VCPU";
	case KVM_SET_USER_MEMORY_REGION2:	return "KVM_SET_USER_MEMORY_REGION2";
	case KVM_SET_MEMORY_ATTRIBUTES:		return "KVM_SET_MEMORY_ATTRIBUTES";
	case KVM_CREATE_GUEST_MEMFD:		return "KVM_CREATE_GUEST_MEMFD";
	case KVM_ENABLE_CAP:			return "KVM_ENABLE_CAP";
	case KVM_GET_DEVICE_ATTR:		return "KVM_GET_DEVICE_ATTR";
	case KVM_SET_TSC_KHZ:			return "KVM_SET_TSC_KHZ";
	case KVM_SET_CPUID2:			return "KVM_SET_CPUID2";
	case KVM_GET_SREGS:			return "KVM_GET_SREGS";
	case KVM_SET_SREGS:			return "KVM_SET_SREGS";
	case KVM_SET_REGS:			return "KVM_SET_REGS";
	case KVM_GET_REGS:			return "KVM_GET_REGS";
	case KVM_GET_VCPU_MMAP_SIZE:		return "KVM_GET_VCPU_MMAP_SIZE";
	case KVM_RUN:				return "KVM_RUN";
	case KVM_SIGNAL_MSI:			return "KVM_SIGNAL_MSI";
	case KVM_SET_GSI_ROUTING:		return "KVM_SET_GSI_ROUTING";
	case KVM_IRQFD:				return "KVM_IRQFD";
	case KVM_GET_TSC_KHZ:			return "KVM_GET_TSC_KHZ";
	case KVM_GET_MP_STATE:			return "KVM_GET_MP_STATE";
	case KVM_MEMORY_ENCRYPT_OP:
		if (!arg)
			return "KVM_MEMORY_ENCRYPT_OP";
		return tdx ? tdx_cmd_name(((const struct kvm_tdx_cmd *)arg)->id)
			   : sev_cmd_name(((const struct kvm_sev_cmd *)arg)->id);
	}
	return "ioctl";
}

uint32_t kb_ioctl_size(unsigned long req, const void *arg, bool tdx)
{
	uint32_t sz = _IOC_SIZE(req);

	if (req == KVM_MEMORY_ENCRYPT_OP && arg) {
		if (tdx) {
			const struct kvm_tdx_cmd *c = arg;
			const void *d = (const void *)(uintptr_t)c->data;

			switch (c->id) {
			case KVM_TDX_CAPABILITIES:
				return sizeof(*c) + sizeof(struct kvm_tdx_capabilities) +
				       ((const struct kvm_tdx_capabilities *)d)->cpuid.nent *
				       (uint32_t)sizeof(struct kvm_cpuid_entry2);
			case KVM_TDX_INIT_VM:
				return sizeof(*c) + sizeof(struct kvm_tdx_init_vm) +
				       ((const struct kvm_tdx_init_vm *)d)->cpuid.nent *
				       (uint32_t)sizeof(struct kvm_cpuid_entry2);
			case KVM_TDX_INIT_MEM_REGION:
				return sizeof(*c) + sizeof(struct kvm_tdx_init_mem_region);
			case KVM_TDX_GET_CPUID:
				return sizeof(*c) + sizeof(struct kvm_cpuid2) +
				       ((const struct kvm_cpuid2 *)d)->nent *
				       (uint32_t)sizeof(struct kvm_cpuid_entry2);
			}
			return sizeof(*c);
		}
		const struct kvm_sev_cmd *c = arg;

		switch (c->id) {
		case KVM_SEV_INIT2:	return sizeof(*c) + sizeof(struct kvm_sev_init);
		case KVM_SEV_SNP_LAUNCH_START:
			return sizeof(*c) + sizeof(struct kvm_sev_snp_launch_start);
		case KVM_SEV_SNP_LAUNCH_UPDATE:
			return sizeof(*c) + sizeof(struct kvm_sev_snp_launch_update);
		case KVM_SEV_SNP_LAUNCH_FINISH:
			return sizeof(*c) + sizeof(struct kvm_sev_snp_launch_finish);
		}
		return sizeof(*c);
	}
	if ((req == KVM_SET_CPUID2 || req == KVM_GET_SUPPORTED_CPUID) && arg)
		return sz + ((const struct kvm_cpuid2 *)arg)->nent *
		       (uint32_t)sizeof(struct kvm_cpuid_entry2);
	if (req == KVM_SET_GSI_ROUTING && arg)
		return sz + ((const struct kvm_irq_routing *)arg)->nr *
		       (uint32_t)sizeof(struct kvm_irq_routing_entry);
	return sz;
}

static int hex_or_zero(char *b, size_t n, const void *v, size_t len)
{
	const uint8_t *p = v;
	bool zero = true;
	int o = 0;

	for (size_t i = 0; i < len; i++)
		zero &= p[i] == 0;
	if (zero)
		return snprintf(b, n, "0");
	for (size_t i = 0; i < len && (size_t)o < n; i++)
		o += snprintf(b + o, n - o, "%02x", p[i]);
	return o;
}

static void describe_tdx(char *b, size_t n, const struct kvm_tdx_cmd *c)
{
	const void *d = (const void *)(uintptr_t)c->data;
	int o = snprintf(b, n, "flags=0x%x ", c->flags);

	if ((size_t)o >= n)
		return;
	b += o; n -= o;
	switch (c->id) {
	case KVM_TDX_CAPABILITIES:
		snprintf(b, n, "{cpuid.nent=%u}", ((const struct kvm_tdx_capabilities *)d)->cpuid.nent);
		break;
	case KVM_TDX_INIT_VM: {
		const struct kvm_tdx_init_vm *v = d;
		char mc[100], mo[100], moc[100];

		hex_or_zero(mc, sizeof(mc), v->mrconfigid, 48);
		hex_or_zero(mo, sizeof(mo), v->mrowner, 48);
		hex_or_zero(moc, sizeof(moc), v->mrownerconfig, 48);
		snprintf(b, n, "{attributes=0x%llx xfam=0x%llx mrconfigid=%s mrowner=%s "
			 "mrownerconfig=%s cpuid.nent=%u}", U(v->attributes), U(v->xfam),
			 mc, mo, moc, v->cpuid.nent);
		break;
	}
	case KVM_TDX_INIT_VCPU:
		snprintf(b, n, "data(rcx)=0x%llx", U(c->data));
		break;
	case KVM_TDX_GET_CPUID:
		snprintf(b, n, "{nent=%u}", ((const struct kvm_cpuid2 *)d)->nent);
		break;
	case KVM_TDX_INIT_MEM_REGION: {
		const struct kvm_tdx_init_mem_region *r = d;

		snprintf(b, n, "{gpa=0x%llx nr_pages=%llu}%s", U(r->gpa), U(r->nr_pages),
			 c->flags & KVM_TDX_MEASURE_MEMORY_REGION ? " MEASURE" : "");
		break;
	}
	default:
		snprintf(b, n, "data=0x%llx", U(c->data));
	}
}

static void describe_sev(char *b, size_t n, const struct kvm_sev_cmd *c)
{
	const void *d = (const void *)(uintptr_t)c->data;

	switch (c->id) {
	case KVM_SEV_INIT2: {
		const struct kvm_sev_init *i = d;

		snprintf(b, n, "{vmsa_features=0x%llx flags=%u ghcb_version=%u}",
			 U(i->vmsa_features), i->flags, i->ghcb_version);
		break;
	}
	case KVM_SEV_SNP_LAUNCH_START: {
		const struct kvm_sev_snp_launch_start *s = d;

		snprintf(b, n, "{policy=0x%llx flags=%u}", U(s->policy), s->flags);
		break;
	}
	case KVM_SEV_SNP_LAUNCH_UPDATE: {
		const struct kvm_sev_snp_launch_update *u = d;

		snprintf(b, n, "{gfn_start=0x%llx len=0x%llx type=%u}",
			 U(u->gfn_start), U(u->len), u->type);
		break;
	}
	case KVM_SEV_SNP_LAUNCH_FINISH: {
		const struct kvm_sev_snp_launch_finish *f = d;
		char hd[80];

		hex_or_zero(hd, sizeof(hd), f->host_data, sizeof(f->host_data));
		snprintf(b, n, "{id_block_en=%u auth_key_en=%u host_data=%s}",
			 f->id_block_en, f->auth_key_en, hd);
		break;
	}
	default:
		snprintf(b, n, "data=0x%llx", U(c->data));
	}
}

void kb_describe(char *b, size_t n, unsigned long req, const void *arg, bool tdx)
{
	unsigned long v = (unsigned long)(uintptr_t)arg;

	b[0] = '\0';
	switch (req) {
	case KVM_CREATE_VM:
		snprintf(b, n, "type=%lu", v);
		break;
	case KVM_CHECK_EXTENSION:
		snprintf(b, n, "%s(%lu)", cap_name(v), v);
		break;
	case KVM_CREATE_VCPU:
		snprintf(b, n, "id=%lu", v);
		break;
	case KVM_SET_TSC_KHZ:
		snprintf(b, n, "khz=%lu", v);
		break;
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *c = arg;

		snprintf(b, n, "{cap=%s(%u) args[0]=0x%llx}", cap_name(c->cap), c->cap,
			 U(c->args[0]));
		break;
	}
	case KVM_GET_DEVICE_ATTR: {
		const struct kvm_device_attr *a = arg;

		snprintf(b, n, "{group=%u attr=%llu}", a->group, U(a->attr));
		break;
	}
	case KVM_CREATE_GUEST_MEMFD: {
		const struct kvm_create_guest_memfd *g = arg;

		snprintf(b, n, "{size=0x%llx flags=0x%llx}", U(g->size), U(g->flags));
		break;
	}
	case KVM_SET_USER_MEMORY_REGION2: {
		const struct kvm_userspace_memory_region2 *m = arg;

		snprintf(b, n, "{slot=%u flags=0x%x gpa=0x%llx size=0x%llx "
			 "guest_memfd_offset=0x%llx}", m->slot, m->flags,
			 U(m->guest_phys_addr), U(m->memory_size), U(m->guest_memfd_offset));
		break;
	}
	case KVM_SET_MEMORY_ATTRIBUTES: {
		const struct kvm_memory_attributes *a = arg;

		snprintf(b, n, "{address=0x%llx size=0x%llx attributes=0x%llx}",
			 U(a->address), U(a->size), U(a->attributes));
		break;
	}
	case KVM_SET_CPUID2:
	case KVM_GET_SUPPORTED_CPUID:
		snprintf(b, n, "{nent=%u}", ((const struct kvm_cpuid2 *)arg)->nent);
		break;
	case KVM_SET_REGS: {
		const struct kvm_regs *r = arg;

		snprintf(b, n, "{rip=0x%llx rsp=0x%llx rsi=0x%llx rdx=0x%llx}", U(r->rip), U(r->rsp),
			 U(r->rsi), U(r->rdx));
		break;
	}
	case KVM_SET_SREGS: {
		const struct kvm_sregs *s = arg;

		snprintf(b, n, "{cs=0x%x/0x%llx cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx}",
			 s->cs.selector, U(s->cs.base), U(s->cr0), U(s->cr3), U(s->cr4), U(s->efer));
		break;
	}
	case KVM_SIGNAL_MSI: {
		const struct kvm_msi *m = arg;

		snprintf(b, n, "{address_lo=0x%x data=0x%x}", m->address_lo, m->data);
		break;
	}
	case KVM_SET_GSI_ROUTING: {
		const struct kvm_irq_routing *rt = arg;
		size_t at = (size_t)snprintf(b, n, "{nr=%u", rt->nr);

		/* the routes (MSI address/data), as many as fit; none past KVM's limit,
		 * where KVM reads none either */
		for (uint32_t i = 0; rt->nr <= 4096 && i < rt->nr && at + 40 < n; i++)
			at += (size_t)snprintf(b + at, n - at, " %u:0x%x/0x%x", rt->entries[i].gsi,
					       rt->entries[i].u.msi.address_lo,
					       rt->entries[i].u.msi.data);
		snprintf(b + at, n - at, "}");
		break;
	}
	case KVM_IRQFD: {
		const struct kvm_irqfd *f = arg;

		snprintf(b, n, "{gsi=%u flags=0x%x}", f->gsi, f->flags);
		break;
	}
	case KVM_MEMORY_ENCRYPT_OP:
		if (tdx)
			describe_tdx(b, n, arg);
		else
			describe_sev(b, n, arg);
		break;
	}
}
