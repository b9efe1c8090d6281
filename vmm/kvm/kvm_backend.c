#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"

/* ---- the kernel ------------------------------------------------------------ */

static int real_open(struct kvm_backend *b, const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

static int real_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static int real_close(struct kvm_backend *b, int fd)
{
	return close(fd);
}

struct kvm_backend kb_real = {
	.name = "kvm", .open_dev = real_open, .ioctl = real_ioctl, .close = real_close,
};

/* ---- the recorder ---------------------------------------------------------- */

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
		.tdx_cpuid_nent = 4,
		.cpuid_reject_leaf = -1,
	};
}

/* The fake host's CPUID: KVM_GET_SUPPORTED_CPUID and the TDX-configurable list. */
static const struct kvm_cpuid_entry2 fake_cpuid[] = {
	{ .function = 0x0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	{ .function = 0x1, .eax = 0x806f8, .ebx = 0x800, .ecx = 0xf7fa3223, .edx = 0x078bfbff },
	{ .function = 0x7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0xf1bf07ab, .ecx = 0x1b415f6e, .edx = 0xfc1c4432 },
	{ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x2e7, .ebx = 0x2b00, .ecx = 0x2b00 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000008, .eax = 0x3934 },
};
#define N_FAKE_CPUID (sizeof(fake_cpuid) / sizeof(fake_cpuid[0]))
/* What TDX lets the VMM configure: leaves 1, 7, 0xd and 0x80000008 only. */
static const struct kvm_cpuid_entry2 fake_tdx_cfg[] = {
	{ .function = 0x1, .eax = ~0u, .ebx = ~0u, .ecx = 0xffdfffff, .edx = ~0u },
	{ .function = 0x7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0xfffffffe, .ecx = ~0u, .edx = ~0u },
	{ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = ~0u, .ecx = ~0u },
	{ .function = 0x80000008, .eax = 0xffffff },
};

static struct kb_recorder *rec_of(struct kvm_backend *b)
{
	return (struct kb_recorder *)b;
}

static int rec_fd_index(struct kb_recorder *r, int fd)
{
	for (int i = 0; i < r->n_fds; i++)
		if (r->fds[i].fd == fd)
			return i;
	return -1;
}

static int rec_new_fd(struct kb_recorder *r, const char *name, int vm_type)
{
	if (r->n_fds == (int)(sizeof(r->fds) / sizeof(r->fds[0]))) {
		errno = EMFILE;
		return -1;
	}
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -1;
	r->fds[r->n_fds].fd = fd;
	r->fds[r->n_fds].vm_type = vm_type;
	snprintf(r->fds[r->n_fds].name, sizeof(r->fds[0].name), "%s", name);
	r->n_fds++;
	return fd;
}

static struct kb_call *rec_push(struct kb_recorder *r)
{
	if (r->n_calls == r->cap_calls) {
		size_t cap = r->cap_calls ? r->cap_calls * 2 : 64;
		struct kb_call *c = realloc(r->calls, cap * sizeof(*c));

		if (!c)
			return NULL;
		r->calls = c;
		r->cap_calls = cap;
	}
	struct kb_call *c = &r->calls[r->n_calls++];

	memset(c, 0, sizeof(*c));
	return c;
}

static int rec_open(struct kvm_backend *b, const char *path)
{
	struct kb_recorder *r = rec_of(b);
	struct kb_call *c = rec_push(r);
	const char *base = strrchr(path, '/');
	int fd = rec_new_fd(r, base ? base + 1 : path, -1);

	if (c) {
		snprintf(c->fd_name, sizeof(c->fd_name), "-");
		snprintf(c->cmd, sizeof(c->cmd), "open");
		snprintf(c->args, sizeof(c->args), "%s", path);
		c->ret = fd;
		c->err = fd < 0 ? errno : 0;
	}
	return fd;
}

static int fail(int e)
{
	errno = e;
	return -1;
}

static void rec_measure(struct kb_recorder *r, int kind, uint64_t gpa, const void *src,
			uint32_t what)
{
	static const uint8_t zero[4096];

	if (r->on_measure)
		r->on_measure(r->measure_opaque, kind, gpa, src ? src : zero, what);
}

static bool cpuid_allowed(const struct kvm_cpuid_entry2 *e)
{
	for (size_t i = 0; i < sizeof(fake_tdx_cfg) / sizeof(fake_tdx_cfg[0]); i++) {
		const struct kvm_cpuid_entry2 *c = &fake_tdx_cfg[i];

		if (c->function == e->function && c->index == e->index)
			return !(e->eax & ~c->eax) && !(e->ebx & ~c->ebx) &&
			       !(e->ecx & ~c->ecx) && !(e->edx & ~c->edx);
	}
	return false;
}

static int sim_tdx(struct kb_recorder *r, struct kvm_tdx_cmd *c)
{
	void *d = (void *)(uintptr_t)c->data;

	if (c->hw_error)
		return fail(EINVAL);
	switch (c->id) {
	case KVM_TDX_CAPABILITIES: {
		struct kvm_tdx_capabilities *caps = d;
		uint32_t n = r->host.tdx_cpuid_nent;

		if (n > sizeof(fake_tdx_cfg) / sizeof(fake_tdx_cfg[0]))
			n = sizeof(fake_tdx_cfg) / sizeof(fake_tdx_cfg[0]);
		if (caps->cpuid.nent < n)
			return fail(E2BIG);
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
		/* The kernel's checks (8.3), so that tests see a bad INIT_VM. */
		struct kvm_tdx_init_vm *v = d;
		bool gpaw = false;

		if (v->attributes & ~r->host.tdx_attrs || v->xfam & ~r->host.tdx_xfam ||
		    v->cpuid.nent > 256 || v->cpuid.padding)
			return fail(EINVAL);
		for (int i = 0; i < 12; i++)
			if (v->reserved[i])
				return fail(EINVAL);
		for (uint32_t i = 0; i < v->cpuid.nent; i++) {
			const struct kvm_cpuid_entry2 *e = &v->cpuid.entries[i];

			if (!cpuid_allowed(e))
				return fail(EINVAL);
			if (e->function == 0x80000008) {
				unsigned w = (e->eax >> 16) & 0xff;

				gpaw = w == 48 || w == 52;
			}
		}
		return gpaw ? 0 : fail(EINVAL);
	}
	case KVM_TDX_INIT_MEM_REGION: {
		struct kvm_tdx_init_mem_region *m = d;
		uint64_t n = m->nr_pages;

		if (!n || m->gpa & 0xfff || m->source_addr & 0xfff || c->flags & ~1u)
			return fail(EINVAL);
		if (r->host.max_pages_per_call && n > r->host.max_pages_per_call)
			n = r->host.max_pages_per_call;
		for (uint64_t i = 0; i < n; i++) {
			rec_measure(r, KB_MEASURE_TDX, m->gpa,
				    (const void *)(uintptr_t)m->source_addr, c->flags);
			m->gpa += 4096;
			m->source_addr += 4096;
			m->nr_pages--;
		}
		return m->nr_pages ? fail(EINTR) : 0;
	}
	case KVM_TDX_INIT_VCPU:
	case KVM_TDX_FINALIZE_VM:
		return 0;
	}
	return fail(EINVAL);
}

/* SNP CPUID page: count at 0, entries of 48 bytes from offset 16 (ebx at +28). */
static void corrupt_cpuid_leaf(uint8_t *page, int leaf)
{
	uint32_t v;

	memcpy(&v, page + 16 + leaf * 48 + 28, 4);
	v ^= 0x10;
	memcpy(page + 16 + leaf * 48 + 28, &v, 4);
}

static int sim_sev(struct kb_recorder *r, struct kvm_sev_cmd *c)
{
	void *d = (void *)(uintptr_t)c->data;

	switch (c->id) {
	case KVM_SEV_INIT2:
		return 0;
	case KVM_SEV_SNP_LAUNCH_START: {
		const struct kvm_sev_snp_launch_start *s = d;

		if (!(s->policy & SNP_POLICY_RSVD_MBO) ||
		    (s->policy & ~0xffffULL & ~r->host.snp_policy_bits) || s->flags)
			return fail(EINVAL);
		return 0;
	}
	case KVM_SEV_SNP_LAUNCH_UPDATE: {
		struct kvm_sev_snp_launch_update *u = d;
		uint64_t n = u->len / 4096;

		if (!u->len || u->len & 0xfff || u->flags || (u->type != KVM_SEV_SNP_PAGE_TYPE_ZERO &&
							   u->uaddr & 0xfff))
			return fail(EINVAL);
		if (u->type == KVM_SEV_SNP_PAGE_TYPE_CPUID && r->host.cpuid_reject_leaf >= 0 &&
		    !r->cpuid_rejected) {
			corrupt_cpuid_leaf((uint8_t *)(uintptr_t)u->uaddr, r->host.cpuid_reject_leaf);
			r->cpuid_rejected = 1;
			c->error = SEV_RET_INVALID_PARAM;
			return fail(EIO);
		}
		if (r->host.max_pages_per_call && n > r->host.max_pages_per_call)
			n = r->host.max_pages_per_call;
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
		return 0;
	}
	return fail(EINVAL);
}

static int sim(struct kb_recorder *r, int idx, unsigned long req, void *arg)
{
	unsigned long v = (unsigned long)(uintptr_t)arg;
	const struct kb_fake_host *h = &r->host;
	char name[12];

	switch (req) {
	case KVM_CREATE_VM:
		if (v >= 32 || !(h->vm_types & (1u << v)))
			return fail(EINVAL);
		return rec_new_fd(r, "vm", (int)v);
	case KVM_CHECK_EXTENSION:
		switch (v) {
		case KVM_CAP_VM_TYPES:		return (int)h->vm_types;
		case KVM_CAP_GUEST_MEMFD:	return h->guest_memfd;
		case KVM_CAP_USER_MEMORY2:	return h->user_memory2;
		case KVM_CAP_MEMORY_FAULT_INFO:	return h->memory_fault_info;
		case KVM_CAP_MEMORY_ATTRIBUTES:	return (int)h->mem_attrs;
		case KVM_CAP_EXIT_HYPERCALL:	return (int)h->exit_hypercall;
		case KVM_CAP_SPLIT_IRQCHIP:	return 1;
		case KVM_CAP_MAX_VCPUS:		return 1024;
		}
		return 0;
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

		if (c->nent < N_FAKE_CPUID)
			return fail(E2BIG);
		c->nent = N_FAKE_CPUID;
		memcpy(c->entries, fake_cpuid, sizeof(fake_cpuid));
		return 0;
	}
	case KVM_CREATE_VCPU:
		snprintf(name, sizeof(name), "vcpu%lu", v);
		r->n_vcpus++;
		return rec_new_fd(r, name, r->fds[idx].vm_type);
	case KVM_CREATE_GUEST_MEMFD:
		snprintf(name, sizeof(name), "gmem%d", r->n_gmem++);
		return rec_new_fd(r, name, r->fds[idx].vm_type);
	case KVM_GET_SREGS: {
		/* the architectural reset state, as KVM reports it */
		struct kvm_sregs *s = arg;
		struct kvm_segment d = { .limit = 0xffff, .type = 3, .s = 1, .present = 1 };

		memset(s, 0, sizeof(*s));
		s->ds = s->es = s->fs = s->gs = s->ss = d;
		s->cs = d;
		s->cs.type = 0xb;
		s->cs.selector = 0xf000;
		s->cs.base = 0xffff0000;
		s->cr0 = 0x60000010;
		return 0;
	}
	case KVM_GET_REGS:
		memset(arg, 0, sizeof(struct kvm_regs));
		return 0;
	case KVM_MEMORY_ENCRYPT_OP:
		if (!arg)
			return 0;
		return r->fds[idx].vm_type == KVM_X86_TDX_VM ? sim_tdx(r, arg) : sim_sev(r, arg);
	}
	return 0;
}

static int rec_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct kb_recorder *r = rec_of(b);
	int idx = rec_fd_index(r, fd);

	if (idx < 0)
		return fail(EBADF);
	bool tdx = r->fds[idx].vm_type == KVM_X86_TDX_VM;
	struct kb_call *c = rec_push(r);

	if (c) {
		snprintf(c->fd_name, sizeof(c->fd_name), "%s", r->fds[idx].name);
		snprintf(c->cmd, sizeof(c->cmd), "%s", kb_ioctl_name(req, arg, tdx));
		kb_describe(c->args, sizeof(c->args), req, arg, tdx);
		c->size = kb_ioctl_size(req, arg, tdx);
		c->req = req;
	}
	int ret = sim(r, idx, req, arg);

	if (c) {
		/* sim() may have grown the array: find the entry again */
		c = &r->calls[r->n_calls - 1];
		c->ret = ret;
		c->err = ret < 0 ? errno : 0;
	}
	return ret;
}

static int rec_close(struct kvm_backend *b, int fd)
{
	struct kb_recorder *r = rec_of(b);
	int idx = rec_fd_index(r, fd);

	if (idx >= 0) {
		r->fds[idx] = r->fds[r->n_fds - 1];
		r->n_fds--;
	}
	return close(fd);
}

void kb_recorder_init(struct kb_recorder *r)
{
	memset(r, 0, sizeof(*r));
	r->ops = (struct kvm_backend){
		.name = "dry-run", .open_dev = rec_open, .ioctl = rec_ioctl, .close = rec_close,
	};
	kb_fake_host_default(&r->host);
}

void kb_recorder_free(struct kb_recorder *r)
{
	while (r->n_fds)
		rec_close(&r->ops, r->fds[0].fd);
	free(r->calls);
	r->calls = NULL;
	r->n_calls = r->cap_calls = 0;
}

void kb_recorder_print(const struct kb_recorder *r, FILE *f)
{
	for (size_t i = 0; i < r->n_calls; i++) {
		const struct kb_call *c = &r->calls[i];

		fprintf(f, "%4zu %-6s %-28s %s", i + 1, c->fd_name, c->cmd, c->args);
		if (c->size)
			fprintf(f, " [%u B]", c->size);
		if (c->ret < 0)
			fprintf(f, " = -%s", strerrorname_np(c->err) ? strerrorname_np(c->err) : "?");
		fputc('\n', f);
	}
}

/* ---- the failing wrapper ------------------------------------------------- */

static bool fail_now(struct kb_failing *f)
{
	f->calls++;
	if (f->fail_at && f->calls == f->fail_at) {
		f->failed = true;
		errno = f->err;
		return true;
	}
	return false;
}

static int fail_open(struct kvm_backend *b, const char *path)
{
	struct kb_failing *f = (struct kb_failing *)b;

	if (fail_now(f)) {
		snprintf(f->failed_what, sizeof(f->failed_what), "open %s", path);
		return -1;
	}
	return f->inner->open_dev(f->inner, path);
}

static int fail_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct kb_failing *f = (struct kb_failing *)b;

	if (fail_now(f)) {
		snprintf(f->failed_what, sizeof(f->failed_what), "%s",
			 kb_ioctl_name(req, NULL, false));
		return -1;
	}
	return f->inner->ioctl(f->inner, fd, req, arg);
}

static int fail_close(struct kvm_backend *b, int fd)
{
	struct kb_failing *f = (struct kb_failing *)b;

	return f->inner->close(f->inner, fd);
}

void kb_failing_init(struct kb_failing *f, struct kvm_backend *inner, int fail_at, int err)
{
	memset(f, 0, sizeof(*f));
	f->ops = (struct kvm_backend){
		.name = "failing", .open_dev = fail_open, .ioctl = fail_ioctl, .close = fail_close,
	};
	f->inner = inner;
	f->fail_at = fail_at;
	f->err = err;
}
