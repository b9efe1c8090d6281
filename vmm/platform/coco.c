#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

#define U(x) ((unsigned long long)(x))

void coco_init(struct coco *c, const struct coco_ops *ops, struct kvm_backend *kb,
	       const struct launch_opts *opts)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->kb = kb;
	c->opts = opts;
	c->kvm_fd = c->sev_fd = c->vm_fd = -1;
}

const struct coco_ops *coco_ops_by_name(const char *name)
{
	if (name && !strcmp(name, "snp"))
		return &coco_snp_ops;
	if (name && !strcmp(name, "tdx"))
		return &coco_tdx_ops;
	return NULL;
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

int coco_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;	/* ".", ".." and the directory's own fd */
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
	if (c->kvm_fd < 0) {
		c->kvm_fd = c->kb->open_dev(c->kb, "/dev/kvm");
		if (c->kvm_fd < 0) {
			cvmm_err("/dev/kvm: %s", strerror(errno));
			return -1;
		}
	}
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

int coco_create_vm(struct coco *c)
{
	if (coco_open_devices(c))
		return -1;
	c->vm_fd = coco_ioctl(c, c->kvm_fd, KVM_CREATE_VM, (void *)(uintptr_t)c->ops->vm_type,
			      "create VM");
	if (c->vm_fd < 0)
		return -1;
	return coco_check_vm(c);
}

struct kvm_cpuid2 *coco_supported_cpuid(struct coco *c)
{
	for (uint32_t n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *cp = calloc(1, sizeof(*cp) + n * sizeof(cp->entries[0]));

		if (!cp) {
			cvmm_err("out of memory for the CPUID list");
			return NULL;
		}
		cp->nent = n;
		if (c->kb->ioctl(c->kb, c->kvm_fd, KVM_GET_SUPPORTED_CPUID, cp) == 0)
			return cp;
		int e = errno;

		free(cp);
		if (e != E2BIG) {
			cvmm_err("KVM_GET_SUPPORTED_CPUID failed: %s", strerror(e));
			return NULL;
		}
	}
	cvmm_err("KVM_GET_SUPPORTED_CPUID: more than 4096 leaves");
	return NULL;
}

/* ---- vCPUs ---------------------------------------------------------------- */

int coco_create_vcpus(struct coco *c, const struct launch_plan *p)
{
	int n = p->coco.n_vcpus > 0 ? p->coco.n_vcpus : c->opts && c->opts->cpus > 0 ?
		c->opts->cpus : 1;

	if (n > COCO_MAX_VCPUS) {
		cvmm_err("%d vCPUs: cvmm supports at most %d", n, COCO_MAX_VCPUS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char step[32];
		int fd;

		snprintf(step, sizeof(step), "vCPU %d", i);
		fd = coco_ioctl(c, c->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)i, step);
		if (fd < 0)
			return -1;
		c->vcpu_fds[c->n_vcpus++] = fd;
		if (c->ops->setup_vcpu(c, i, p))
			return -1;
	}
	return 0;
}

/* ---- memory ----------------------------------------------------------------- */

static int add_slot(struct coco *c, uint64_t gpa, uint64_t size, bool ram)
{
	if (c->n_slots == COCO_MAX_SLOTS) {
		cvmm_err("launch plan needs more than %d memory regions", COCO_MAX_SLOTS);
		return -1;
	}
	c->slots[c->n_slots++] = (struct coco_slot){
		.gpa = gpa, .size = size, .gmem_fd = -1, .ram = ram,
	};
	return 0;
}

static const struct coco_slot *slot_of(const struct coco *c, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (int i = 0; i < c->n_slots; i++)
		if (gpa >= c->slots[i].gpa && end <= c->slots[i].gpa + c->slots[i].size)
			return &c->slots[i];
	return NULL;
}

uint8_t *coco_shared_ptr(struct coco *c, uint64_t gpa, uint64_t len)
{
	if (c->ram_ptr) {
		uint8_t *p = c->ram_ptr(c->ram_opaque, gpa, len);

		if (p)
			return p;
	}
	const struct coco_slot *s = slot_of(c, gpa, len);

	return s && s->shared ? s->shared + (gpa - s->gpa) : NULL;
}

/*
 * RAM as the direct-boot layout has it, plus one region for each run of
 * pieces outside RAM (the firmware below 4 GiB): KVM only measures into
 * guest_memfd-backed slots.
 */
static int plan_slots(struct coco *c, const struct launch_plan *p)
{
	uint64_t low = layout_low_ram(p->mem_size);

	if (!p->mem_size || p->mem_size & (PAGE_SIZE - 1)) {
		cvmm_err("guest RAM of %llu bytes: not a whole number of pages", U(p->mem_size));
		return -1;
	}
	if (add_slot(c, 0, low, true))
		return -1;
	if (p->mem_size > low && add_slot(c, LAYOUT_HIGH_RAM, p->mem_size - low, true))
		return -1;
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];
		uint64_t start = pc->gpa & ~(PAGE_SIZE - 1), end;

		if (__builtin_add_overflow(pc->gpa, pc->len, &end) ||
		    __builtin_add_overflow(end, PAGE_SIZE - 1, &end)) {
			cvmm_err("launch plan: %s at 0x%llx wraps", pc->what, U(pc->gpa));
			return -1;
		}
		end &= ~(PAGE_SIZE - 1);
		if (slot_of(c, start, end - start))
			continue;
		/* grow an adjacent non-RAM region, or open a new one */
		bool merged = false;

		for (int s = 0; s < c->n_slots && !merged; s++) {
			struct coco_slot *sl = &c->slots[s];

			if (sl->ram || start > sl->gpa + sl->size || end < sl->gpa)
				continue;
			uint64_t ns = start < sl->gpa ? start : sl->gpa;
			uint64_t ne = end > sl->gpa + sl->size ? end : sl->gpa + sl->size;

			sl->gpa = ns;
			sl->size = ne - ns;
			merged = true;
		}
		if (merged)
			continue;
		for (int s = 0; s < c->n_slots; s++)
			if (start < c->slots[s].gpa + c->slots[s].size && c->slots[s].gpa < end) {
				cvmm_err("launch plan: %s [0x%llx, 0x%llx) straddles guest RAM",
					 pc->what, U(pc->gpa), U(pc->gpa + pc->len));
				return -1;
			}
		if (add_slot(c, start, end - start, false))
			return -1;
	}
	return 0;
}

static int set_attrs(struct coco *c, uint64_t gpa, uint64_t size, uint64_t attrs,
		     const char *step)
{
	struct kvm_memory_attributes a = { .address = gpa, .size = size, .attributes = attrs };

	return coco_ioctl(c, c->vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a, step) < 0 ? -1 : 0;
}

static int slot_create(struct coco *c, struct coco_slot *s)
{
	/* flags 0: SNP/TDX refuse INIT_SHARED, and MMAP would make the slot
	 * guest_memfd-only (kvm-coco-abi.md 3.2) */
	struct kvm_create_guest_memfd g = { .size = s->size, .flags = 0 };
	char step[48];

	snprintf(step, sizeof(step), "memory at 0x%llx", U(s->gpa));
	s->shared = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->shared == MAP_FAILED) {
		s->shared = NULL;
		cvmm_err("%s: cannot map %llu MiB: %s", step, U(s->size >> 20), strerror(errno));
		return -1;
	}
	s->gmem_fd = coco_ioctl(c, c->vm_fd, KVM_CREATE_GUEST_MEMFD, &g, step);
	if (s->gmem_fd < 0)
		return -1;
	fcntl(s->gmem_fd, F_SETFD, FD_CLOEXEC);	/* the kernel does not */
	return 0;
}

/* One KVM slot per 256 MiB, as vmm/mem.c registers RAM; returns the next id. */
static int slot_register(struct coco *c, struct coco_slot *s, uint32_t *id)
{
	for (uint64_t off = 0; off < s->size; off += COCO_CHUNK_SIZE) {
		struct kvm_userspace_memory_region2 m = {
			.slot = (*id)++,
			.flags = KVM_MEM_GUEST_MEMFD,
			.guest_phys_addr = s->gpa + off,
			.memory_size = s->size - off < COCO_CHUNK_SIZE ? s->size - off :
				       COCO_CHUNK_SIZE,
			.userspace_addr = (uint64_t)(uintptr_t)(s->shared + off),
			.guest_memfd_offset = off,
			.guest_memfd = (uint32_t)s->gmem_fd,
		};

		if (coco_ioctl(c, c->vm_fd, KVM_SET_USER_MEMORY_REGION2, &m, "memory slot") < 0)
			return -1;
	}
	return 0;
}

int coco_add_memory(struct coco *c, const struct launch_plan *p, bool ram)
{
	uint32_t id = ram ? 0 : COCO_ROM_SLOT_BASE;

	if (!c->n_slots && plan_slots(c, p))
		return -1;
	/* the order vmm/mem.c keeps: every guest_memfd, every slot, then attributes */
	for (int i = 0; i < c->n_slots; i++)
		if (c->slots[i].ram == ram && slot_create(c, &c->slots[i]))
			return -1;
	for (int i = 0; i < c->n_slots; i++)
		if (c->slots[i].ram == ram && slot_register(c, &c->slots[i], &id))
			return -1;
	/* Everything starts private: the launch copies into it and the guest
	 * converts what it shares (QEMU does the same). */
	for (int i = 0; i < c->n_slots; i++)
		if (c->slots[i].ram == ram &&
		    set_attrs(c, c->slots[i].gpa, c->slots[i].size, KVM_MEMORY_ATTRIBUTE_PRIVATE,
			      "private memory"))
			return -1;
	return 0;
}

/* Host-provided pages the guest reads as shared stay shared. */
int coco_share_pieces(struct coco *c, const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *pc = &p->pieces[i];
		uint64_t start = pc->gpa & ~(PAGE_SIZE - 1);
		uint64_t end = (pc->gpa + pc->len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

		if (pc->type != PIECE_SHARED)
			continue;
		if (c->share) {
			if (c->share(c->ram_opaque, start, (end - start) / PAGE_SIZE))
				return -1;
		} else if (set_attrs(c, start, end - start, 0, pc->what)) {
			return -1;
		}
		uint8_t *dst = coco_shared_ptr(c, pc->gpa, pc->len);

		if (!dst) {
			cvmm_err("launch plan: %s at 0x%llx is outside guest memory", pc->what,
				 U(pc->gpa));
			return -1;
		}
		if (pc->data)
			memcpy(dst, pc->data, pc->data_len);
	}
	return 0;
}

/* ---- the whole launch, and teardown ------------------------------------------ */

int coco_check_inputs(const struct launch_opts *o, const struct launch_plan *p)
{
	const struct coco_ops *ops = coco_ops_by_name(p->coco.platform ? p->coco.platform :
						       platform_name(o->platform));
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

int coco_launch(struct coco *c, const struct launch_plan *p)
{
	/* the order vmm/vm.c's recipe follows: VM, memory, pieces, vCPUs, seal */
	if (c->ops->prepare(c, p) || coco_create_vm(c) || c->ops->init_vm(c, p) ||
	    coco_add_memory(c, p, true) || coco_add_memory(c, p, false) ||
	    coco_share_pieces(c, p) ||
	    (!c->ops->load_after_vcpus && c->ops->load(c, p)) ||
	    coco_create_vcpus(c, p) ||
	    (c->ops->load_after_vcpus && c->ops->load(c, p)) || c->ops->finalize(c))
		return -1;
	c->finalized = true;
	return 0;
}

void coco_destroy(struct coco *c)
{
	for (int i = c->n_vcpus - 1; i >= 0 && !c->borrowed_fds; i--)
		c->kb->close(c->kb, c->vcpu_fds[i]);
	c->n_vcpus = 0;
	for (int i = 0; i < c->n_slots; i++) {
		if (c->slots[i].gmem_fd >= 0)
			c->kb->close(c->kb, c->slots[i].gmem_fd);
		if (c->slots[i].shared)
			munmap(c->slots[i].shared, c->slots[i].size);
	}
	c->n_slots = 0;
	if (c->vm_fd >= 0 && !c->borrowed_fds)
		c->kb->close(c->kb, c->vm_fd);
	if (c->sev_fd >= 0)
		c->kb->close(c->kb, c->sev_fd);
	if (c->kvm_fd >= 0 && !c->borrowed_fds)
		c->kb->close(c->kb, c->kvm_fd);
	c->vm_fd = c->sev_fd = c->kvm_fd = -1;
	free(c->cpuid);
	free(c->caps);
	free(c->id_block);
	free(c->id_auth);
	c->cpuid = NULL;
	c->caps = NULL;
	c->id_block = c->id_auth = NULL;
}
