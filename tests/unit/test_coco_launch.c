/*
 * The SNP and TDX launches as `cvmm run` performs them: vm_boot(), the one
 * launch, against the recorder (the strict fake host of vmm/kvm/fake_host.c)
 * or a failing wrapper, never a second recipe. Transcripts against the
 * sequences of kvm-coco-abi.md 9a/9b and the ordering rules of 7.9/8.9,
 * the run's transcript against --dry-run's, measured pages and the VMSAs
 * KVM makes of the registers `run` sets against `cvmm measure`'s digest,
 * partial progress, the CPUID-page rejection and retry, every ioctl
 * failing in turn (one line, every fd closed), and the host checks.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attest/measure/measure.h"
#include "loader/plan_coco.h"
#include "loader/boot/vmsa.h"
#include "capture.h"
#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm_boot.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/platform.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/platform_coco.h"
#include "tests/support/kb_failing.h"

/* ---- hand-built plans (firmware and direct boot, n vCPUs) ------------------ */

static uint8_t *pattern(struct launch_plan *p, uint64_t len, uint8_t seed)
{
	uint8_t *b = plan_own(p, malloc(len));

	for (uint64_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 12));
	return b;
}

static void piece(struct launch_plan *p, uint64_t gpa, uint64_t len, const uint8_t *data,
		  uint64_t dlen, enum piece_type t, bool measured, const char *what)
{
	struct plan_piece pc = {
		.gpa = gpa, .len = len, .data = data, .data_len = dlen, .type = t,
		.measured = measured, .what = what,
	};

	ck_assert_int_eq(plan_add(p, &pc), 0);
}

/* What loader/plan_snp.c does: the reset state, BSP at the reset vector, APs at ap_eip. */
static void vmsas(struct launch_plan *p, int n)
{
	p->coco.vmsa = plan_own(p, calloc(n, sizeof(*p->coco.vmsa)));
	for (int i = 0; i < n; i++) {
		struct vmsa_params vp = { .eip = i ? p->coco.ap_eip : VMSA_BSP_EIP,
					  .sev_features = p->coco.sev_features,
					  .vcpu_sig = p->coco.vcpu_sig };

		p->coco.vmsa[i] = plan_own(p, malloc(VMSA_SIZE));
		vmsa_build(p->coco.vmsa[i], &vp);
	}
}

/* SNP from firmware: OVMF-like image and metadata pages. */
static void plan_snp_fw(struct launch_plan *p, int cpus)
{
	plan_init(p, 64ULL << 20);
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){ .platform = PLATFORM_SNP, .n_vcpus = cpus, .sev_features = 1,
				      .policy = 0x30000, .vcpu_sig = 0xa00f11, .ap_eip = 0x80b004,
				      .fw_gpa = 0xffff0000, .fw_size = 0x10000 };
	piece(p, 0xffff0000, 0x10000, pattern(p, 0x10000, 1), 0x10000, PIECE_NORMAL, true, "firmware");
	piece(p, 0x800000, 0x3000, NULL, 0, PIECE_ZERO, false, "SEC_MEM");
	piece(p, 0x803000, 0x1000, NULL, 0, PIECE_SECRETS, false, "secrets page");
	piece(p, 0x804000, 0x1000, NULL, 0, PIECE_CPUID, false, "CPUID page");
	vmsas(p, cpus);
}

/*
 * SNP direct boot as loader/plan_shim.c lays it out: the boot shim entered
 * in 32-bit flat mode (BSP at the shim, APs at its park loop), secrets and
 * CPUID pages, kernel, a shared memory map; RAM above 4 GiB too.
 */
static void plan_snp_direct(struct launch_plan *p, int cpus)
{
	plan_init(p, 8ULL << 30);
	p->boot = (struct vcpu_boot){ .mode = CPU_MODE_FLAT32, .rip = 0x800000, .rsi = 0x7000 };
	p->coco = (struct coco_plan){ .platform = PLATFORM_SNP, .n_vcpus = cpus, .sev_features = 0x21,
				      .policy = 0x30000, .vcpu_sig = 0xa00f11 };
	piece(p, 0x800000, 0x4000, pattern(p, 0x4000, 2), 0x4000, PIECE_NORMAL, true, "shim");
	piece(p, 0x805000, 0x1000, NULL, 0, PIECE_SECRETS, false, "secrets page");
	piece(p, 0x806000, 0x1000, NULL, 0, PIECE_CPUID, false, "CPUID page");
	piece(p, 0x7000, 0x1000, pattern(p, 0x200, 3), 0x200, PIECE_NORMAL, true, "boot_params");
	piece(p, 0x1000000, 0x5000, pattern(p, 0x4abc, 4), 0x4abc, PIECE_NORMAL, true, "kernel");
	piece(p, 0x9f000, 0x1000, pattern(p, 0x40, 5), 0x40, PIECE_SHARED, false, "memory map");
	p->coco.vmsa = plan_own(p, calloc(cpus, sizeof(*p->coco.vmsa)));
	for (int i = 0; i < cpus; i++) {
		struct vmsa_params vp = { .eip = i ? 0x800010 : 0x800000, .flat32 = true,
					  .rsi = 0x7000, .sev_features = p->coco.sev_features,
					  .vcpu_sig = p->coco.vcpu_sig };

		p->coco.vmsa[i] = plan_own(p, malloc(VMSA_SIZE));
		vmsa_build(p->coco.vmsa[i], &vp);
	}
}

/* TDX from firmware: TDVF-like BFV (extended), CFV, TD HOB, TempMem. */
static void plan_tdx_fw(struct launch_plan *p, int cpus)
{
	plan_init(p, 128ULL << 20);
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){ .platform = PLATFORM_TDX, .n_vcpus = cpus, .td_hob_gpa = 0x809000,
				      .fw_gpa = 0xfffd0000, .fw_size = 0x30000 };
	piece(p, 0xfffe0000, 0x20000, pattern(p, 0x20000, 6), 0x20000, PIECE_NORMAL, true, "BFV");
	piece(p, 0xfffd0000, 0x10000, pattern(p, 0x10000, 7), 0x10000, PIECE_NORMAL, false, "CFV");
	piece(p, 0x809000, 0x1000, pattern(p, 0x300, 8), 0x300, PIECE_TD_HOB, false, "TD_HOB");
	piece(p, 0x80a000, 0x4000, NULL, 0, PIECE_TEMP_MEM, false, "TempMem");
}

/* TDX "direct": a reset-vector stub plus a kernel and its data in RAM. */
static void plan_tdx_direct(struct launch_plan *p, int cpus)
{
	plan_init(p, 6ULL << 30);
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){ .platform = PLATFORM_TDX, .n_vcpus = cpus };
	piece(p, 0xfffff000, 0x1000, pattern(p, 0x1000, 9), 0x1000, PIECE_NORMAL, true, "stub");
	piece(p, 0x100000, 0x3000, pattern(p, 0x2100, 10), 0x2100, PIECE_NORMAL, true, "kernel");
	piece(p, 0x20000, 0x1000, pattern(p, 0x80, 11), 0x80, PIECE_NORMAL, false, "cmdline");
	piece(p, 0x100000000ULL, 0x2000, NULL, 0, PIECE_TEMP_MEM, false, "high scratch");
}

typedef void (*plan_fn)(struct launch_plan *p, int cpus);

/* ---- helpers -------------------------------------------------------------- */

static struct launch_opts opts;

static void setup(void)
{
	launch_opts_init(&opts);
	cvmm_verbosity = LOG_NORMAL;
}

/* A backend that passes calls to a recorder and keeps what the vCPUs' CPUID says of leaves 1, 0x15. */
struct cpuid_spy { struct kvm_backend ops; struct kvm_backend *inner;
		   struct kvm_cpuid_entry2 l15; int seen; uint32_t l1_ecx; };

/* The recorder behind kb (itself, or what a failing wrapper or the spy passes calls to). */
static const struct kb_recorder *recorder_of(struct kvm_backend *kb)
{
	if (!strcmp(kb->name, "failing"))
		kb = ((struct kb_failing *)kb)->inner;
	if (!strcmp(kb->name, "spy"))
		kb = ((struct cpuid_spy *)kb)->inner;
	return (const struct kb_recorder *)kb;
}

/*
 * `cvmm run`'s launch through kb: /dev/kvm opened through it and probed
 * (what kvm_host_open() reads of the fake host), vm_boot().
 * waitset NULL: sealed and torn down (what --dry-run does); else run.
 */
static int boot(struct kvm_backend *kb, const struct launch_plan *p, const sigset_t *waitset)
{
	struct kvm_host h = { .fd = -1 };
	int st;

	opts.platform = p->coco.platform;
	opts.cpus = p->coco.n_vcpus;
	/* cmd_run's order: the plan's inputs checked, then the launch */
	if (coco_check_inputs(&opts, p))
		return -1;
	h.fd = kb->open_dev(kb, "/dev/kvm");
	if (h.fd < 0) {
		cvmm_err("/dev/kvm: %s", strerror(errno));
		return -1;
	}
	kb_fake_host_probe(recorder_of(kb), &h);
	st = vm_boot(&opts, platform_by_id(opts.platform), &h, p, kb, waitset);
	kb->close(kb, h.fd);
	return st == CVMM_EXIT_OK ? 0 : -1;
}

static int launch(struct kb_recorder *rec, struct kvm_backend *kb, const struct launch_plan *p)
{
	return boot(kb ? kb : &rec->ops, p, NULL);
}

/* The signals cmd_run blocks before vm_boot (only the main thread takes them). */
static void run_signals(sigset_t *w)
{
	sigemptyset(w);
	sigaddset(w, SIGINT);
	sigaddset(w, SIGTERM);
	sigaddset(w, SIGUSR2);
	sigaddset(w, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, w, NULL);
	sigdelset(w, SIGUSR1);
	vcpu_signals_init();
}

/* Runs fn with stderr captured; returns the number of lines, text in buf. */
static int capture_stderr(char *buf, size_t n, int (*fn)(void *), void *arg, int *ret)
{
	capture_begin();
	*ret = fn(arg);
	snprintf(buf, n, "%s", capture_end());
	return count_lines(buf);
}

/* ---- the expected sequences (kvm-coco-abi.md 9a, 9b) ------------------------ */

struct want { const char *fd, *cmd, *args; };
static struct want want[512];
static int n_want;
static char strs[512][96];

static void expect(const char *fd, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void expect(const char *fd, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	ck_assert_int_lt(n_want, 512);
	va_start(ap, fmt);
	vsnprintf(strs[n_want], sizeof(strs[0]), fmt, ap);
	va_end(ap);
	want[n_want] = (struct want){ fd, cmd, strs[n_want] };
	n_want++;
}

static const char *vcpu_name(int i)
{
	static char names[8][12];

	snprintf(names[i % 8], sizeof(names[0]), "vcpu%d", i);
	return names[i % 8];
}

/*
 * vm_boot's memory: a guest_memfd per RAM region (below the hole, above
 * 4 GiB) and per region outside RAM the plan fills, one KVM slot per
 * 256 MiB in that order, then (before the first piece) all of it PRIVATE.
 */
static void expect_gmem(uint64_t size)
{
	expect("vm", "KVM_CREATE_GUEST_MEMFD", "{size=0x%llx flags=0x0}", (unsigned long long)size);
}

static void expect_region(uint64_t gpa, uint64_t size, uint32_t *slot)
{
	for (uint64_t off = 0; off < size; off += 256ULL << 20)
		expect("vm", "KVM_SET_USER_MEMORY_REGION2", "{slot=%u flags=0x4 gpa=0x%llx size=0x%llx "
		       "guest_memfd_offset=0x%llx}", (*slot)++, (unsigned long long)(gpa + off),
		       (unsigned long long)(size - off < (256ULL << 20) ? size - off : 256ULL << 20),
		       (unsigned long long)off);
}

static void expect_private(uint64_t gpa, uint64_t size)
{
	expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x%llx size=0x%llx attributes=0x8}",
	       (unsigned long long)gpa, (unsigned long long)size);
}

static void expect_memory(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	uint64_t low = p->mem_size < LAYOUT_LOW_RAM_MAX ? p->mem_size : LAYOUT_LOW_RAM_MAX;
	uint32_t slot = 0;

	expect_gmem(low);
	if (p->mem_size > low)
		expect_gmem(p->mem_size - low);
	if (rom_size)
		expect_gmem(rom_size);
	expect_region(0, low, &slot);
	if (p->mem_size > low)
		expect_region(LAYOUT_HIGH_RAM, p->mem_size - low, &slot);
	if (rom_size)
		expect_region(rom_gpa, rom_size, &slot);
	expect_private(0, low);
	if (p->mem_size > low)
		expect_private(LAYOUT_HIGH_RAM, p->mem_size - low);
	if (rom_size)
		expect_private(rom_gpa, rom_size);
	for (size_t i = 0; i < p->n_pieces; i++)
		if (p->pieces[i].type == PIECE_SHARED)
			expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x%llx size=0x1000 "
			       "attributes=0x0}", (unsigned long long)p->pieces[i].gpa);
}

static void expect_vm(unsigned type)
{
	expect("-", "open", "/dev/kvm");
	expect("kvm", "KVM_GET_VCPU_MMAP_SIZE", "%s", "");
	expect("kvm", "KVM_CREATE_VM", "type=%u", type);		/* 9a.3, 9b.1 */
	if (type == KVM_X86_SNP_VM)
		expect("-", "open", "/dev/sev");			/* 9a.1 */
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_GUEST_MEMFD(234)");	/* 9a.8 */
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_USER_MEMORY2(231)");
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_MEMORY_ATTRIBUTES(233)");
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_EXIT_HYPERCALL(201)");
}

static uint64_t vmsa_u64(const uint8_t *v, unsigned off)
{
	uint64_t x;

	memcpy(&x, v + off, 8);
	return x;
}

static void expect_snp(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	n_want = 0;
	expect_vm(KVM_X86_SNP_VM);
	expect("kvm", "KVM_GET_DEVICE_ATTR", "{group=1 attr=0}");	/* 9a.4 */
	expect("kvm", "KVM_GET_DEVICE_ATTR", "{group=1 attr=1}");
	expect("vm", "KVM_SEV_INIT2", "{vmsa_features=0x%llx flags=0 ghcb_version=0}",
	       (unsigned long long)(p->coco.sev_features & ~1ULL));	/* 9a.5 */
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_EXIT_HYPERCALL(201) args[0]=0x1000}");
	expect("vm", "KVM_SEV_SNP_LAUNCH_START", "{policy=0x30000 flags=0}");	/* 9a.7 */
	expect("kvm", "KVM_GET_SUPPORTED_CPUID", "%s", "");
	expect_memory(p, rom_gpa, rom_size);				/* 9a.10 */
	for (size_t i = 0; i < p->n_pieces; i++) {			/* 9a.12 */
		const struct plan_piece *pc = &p->pieces[i];

		if (pc->type == PIECE_SHARED)
			continue;
		expect("vm", "KVM_SEV_SNP_LAUNCH_UPDATE", "{gfn_start=0x%llx len=0x%llx type=%d}",
		       (unsigned long long)pc->gpa >> 12,
		       (unsigned long long)((pc->len + 4095) & ~4095ULL), (int)pc->type);
	}
	/* vCPUs after the pieces (7.9 allows it): FINISH captures them all */
	for (int i = 0; i < p->coco.n_vcpus; i++) {			/* 9a.9, 9a.11 */
		const uint8_t *v = p->coco.vmsa[i];
		uint16_t cs;

		memcpy(&cs, v + 0x10, 2);
		expect("vm", "KVM_CREATE_VCPU", "id=%d", i);
		expect(vcpu_name(i), "KVM_SET_CPUID2", "%s", "");
		/* the state of the plan's VMSA, every register of it */
		expect(vcpu_name(i), "KVM_GET_SREGS", "%s", "");
		expect(vcpu_name(i), "KVM_SET_SREGS", "{cs=0x%x/0x%llx cr0=0x%llx ", cs,
		       (unsigned long long)vmsa_u64(v, 0x18), (unsigned long long)vmsa_u64(v, 0x158));
		expect(vcpu_name(i), "KVM_SET_REGS", "{rip=0x%llx rsp=0x0 rsi=0x%llx rdx=0x%x}",
		       (unsigned long long)vmsa_u64(v, 0x178), (unsigned long long)vmsa_u64(v, 0x330),
		       p->coco.vcpu_sig);
	}
	expect("vm", "KVM_SEV_SNP_LAUNCH_FINISH", "{id_block_en=0");	/* 9a.13 */
}

static void expect_tdx(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	n_want = 0;
	expect_vm(KVM_X86_TDX_VM);
	expect("vm", "KVM_TDX_CAPABILITIES", "flags=0x0 {cpuid.nent=64}");	/* 9b.2 */
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_EXIT_HYPERCALL(201) args[0]=0x1000}");
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_SPLIT_IRQCHIP(121) args[0]=0x18}");
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_X86_APIC_BUS_CYCLES_NS(237) args[0]=0x28}");
	expect("kvm", "KVM_GET_SUPPORTED_CPUID", "%s", "");
	expect("vm", "KVM_TDX_INIT_VM", "{attributes=0x10000000 xfam=0x2e7 mrconfigid=0");
	expect_memory(p, rom_gpa, rom_size);				/* 9b.7 */
	for (int i = 0; i < p->coco.n_vcpus; i++) {			/* 9b.6 */
		expect("vm", "KVM_CREATE_VCPU", "id=%d", i);
		if (i == 0)	/* what INIT_VM made of the CPUID: every vCPU's table */
			expect("vcpu0", "KVM_TDX_GET_CPUID", "{nent=64}");
		expect(vcpu_name(i), "KVM_SET_CPUID2", "%s", "");
	}
	for (int i = 0; i < p->coco.n_vcpus; i++)			/* 9b.8 */
		expect(vcpu_name(i), "KVM_TDX_INIT_VCPU", "data(rcx)=0x%llx",
		       (unsigned long long)p->coco.td_hob_gpa);
	for (size_t i = 0; i < p->n_pieces; i++) {			/* 9b.9 */
		const struct plan_piece *pc = &p->pieces[i];

		expect("vcpu0", "KVM_TDX_INIT_MEM_REGION", "{gpa=0x%llx nr_pages=%llu}%s",
		       (unsigned long long)pc->gpa, (unsigned long long)(pc->len + 4095) >> 12,
		       pc->measured ? " MEASURE" : "");
	}
	expect("vm", "KVM_TDX_FINALIZE_VM", "%s", "");			/* 9b.11 */
}

static void check_transcript(const struct kb_recorder *r)
{
	for (size_t i = 0; i < r->n_calls || (int)i < n_want; i++) {
		ck_assert_msg(i < r->n_calls, "transcript ends at %zu; want %s %s", i,
			      want[i].fd, want[i].cmd);
		ck_assert_msg((int)i < n_want, "unexpected call %zu: %s %s %s", i + 1,
			      r->calls[i].fd_name, r->calls[i].cmd, r->calls[i].args);
		const struct kb_call *c = &r->calls[i];

		ck_assert_msg(!strcmp(c->fd_name, want[i].fd) && !strcmp(c->cmd, want[i].cmd) &&
			      strstr(c->args, want[i].args) && c->ret >= 0,
			      "call %zu: got %s %s %s (ret %d), want %s %s %s", i + 1, c->fd_name,
			      c->cmd, c->args, c->ret, want[i].fd, want[i].cmd, want[i].args);
	}
}

/* The kernel's ordering rules, checked on a transcript (7.9 and 8.9). */
static int find(const struct kb_recorder *r, const char *fd, const char *cmd, bool last)
{
	int at = -1;

	for (size_t i = 0; i < r->n_calls; i++)
		if ((!fd || !strcmp(r->calls[i].fd_name, fd)) && !strcmp(r->calls[i].cmd, cmd)) {
			at = (int)i;
			if (!last)
				break;
		}
	return at;
}

static void check_rules(const struct kb_recorder *r, bool tdx, int cpus)
{
	int first_vcpu = find(r, NULL, "KVM_CREATE_VCPU", false);
	int last_vcpu = find(r, NULL, "KVM_CREATE_VCPU", true);
	int first_gmem_use = find(r, NULL, tdx ? "KVM_TDX_INIT_MEM_REGION" :
				  "KVM_SEV_SNP_LAUNCH_UPDATE", false);
	int last_attr = find(r, "vm", "KVM_SET_MEMORY_ATTRIBUTES", true);
	int fin = find(r, "vm", tdx ? "KVM_TDX_FINALIZE_VM" : "KVM_SEV_SNP_LAUNCH_FINISH", false);

	ck_assert_int_ge(first_vcpu, 0);
	ck_assert_int_eq(fin, (int)r->n_calls - 1);	/* sealed last */
	ck_assert_int_gt(fin, last_vcpu);		/* every vCPU exists before */
	ck_assert_int_gt(first_gmem_use, last_attr);	/* memory private before it is filled */
	ck_assert_int_lt(find(r, "vm", "KVM_ENABLE_CAP", false), first_vcpu);
	if (tdx) {
		ck_assert_int_lt(find(r, "vm", "KVM_TDX_INIT_VM", false), first_vcpu);
		for (int i = 0; i < cpus; i++) {
			const char *v = vcpu_name(i);

			ck_assert_int_lt(find(r, v, "KVM_SET_CPUID2", false),
					 find(r, v, "KVM_TDX_INIT_VCPU", false));
			ck_assert_int_lt(find(r, v, "KVM_TDX_INIT_VCPU", false), first_gmem_use);
		}
	} else {
		int start = find(r, "vm", "KVM_SEV_SNP_LAUNCH_START", false);

		ck_assert_int_lt(find(r, "vm", "KVM_SEV_INIT2", false), first_vcpu);
		ck_assert_int_lt(find(r, "vm", "KVM_SEV_INIT2", false), start);
		ck_assert_int_lt(start, first_gmem_use);
		/* register state is final before FINISH captures it */
		ck_assert_int_lt(find(r, NULL, "KVM_SET_CPUID2", true), fin);
	}
}

/* ---- measured pages: the recorder's view rebuilt as a plan ------------------- */

/* What the recorder saw measured: the pages, and the VMSAs KVM made at FINISH. */
struct seen { struct launch_plan plan; uint8_t *vmsa[KB_FAKE_VCPUS]; int n_vmsa; };

static void on_measure(void *opaque, int kind, uint64_t gpa, const uint8_t *page, uint32_t what)
{
	struct seen *s = opaque;
	uint8_t *copy = plan_own(&s->plan, malloc(4096));
	struct plan_piece pc = { .gpa = gpa, .len = 4096, .data = copy, .data_len = 4096,
				 .what = "recorded" };

	memcpy(copy, page, 4096);
	if (kind == KB_MEASURE_SNP_VMSA) {
		ck_assert_uint_lt(gpa, KB_FAKE_VCPUS);
		s->vmsa[gpa] = copy;
		if ((int)gpa >= s->n_vmsa)
			s->n_vmsa = (int)gpa + 1;
		return;
	}
	if (kind == KB_MEASURE_TDX) {
		pc.type = PIECE_NORMAL;
		pc.measured = what & KVM_TDX_MEASURE_MEMORY_REGION;
	} else {
		pc.type = (enum piece_type)what;	/* SNP page types are the plan's values */
		pc.measured = what == KVM_SEV_SNP_PAGE_TYPE_NORMAL;
		if (what != KVM_SEV_SNP_PAGE_TYPE_NORMAL)
			pc.data = NULL, pc.data_len = 0;
	}
	plan_add(&s->plan, &pc);
}

static void check_digest(const struct launch_plan *p, struct seen *s)
{
	uint8_t want_d[48], got_d[48];
	bool tdx = p->coco.platform == PLATFORM_TDX;

	s->plan.coco = p->coco;
	s->plan.mem_size = p->mem_size;
	if (!tdx) {
		/* the VMSAs KVM built from the registers the launch set, not the plan's */
		ck_assert_int_eq(s->n_vmsa, p->coco.n_vcpus);
		s->plan.coco.vmsa = s->vmsa;
	}
	if (tdx) {
		ck_assert_int_eq(measure_tdx_plan(p, want_d, NULL), 0);
		ck_assert_int_eq(measure_tdx_plan(&s->plan, got_d, NULL), 0);
	} else {
		ck_assert_int_eq(measure_snp_plan(p, want_d, NULL), 0);
		ck_assert_int_eq(measure_snp_plan(&s->plan, got_d, NULL), 0);
	}
	ck_assert_msg(!memcmp(want_d, got_d, 48), "the issued pages do not hash to the plan's digest");
}

static void transcript_case(plan_fn build, int cpus, uint64_t rom_gpa, uint64_t rom_size,
			    uint64_t max_pages)
{
	struct launch_plan p;
	struct kb_recorder rec;
	struct seen s;
	int fds = count_fds();

	build(&p, cpus);
	bool tdx = p.coco.platform == PLATFORM_TDX;

	memset(&s, 0, sizeof(s));
	plan_init(&s.plan, p.mem_size);
	kb_recorder_init(&rec);
	rec.host.max_pages_per_call = max_pages;
	rec.on_measure = on_measure;
	rec.measure_opaque = &s;
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	if (!max_pages) {
		if (tdx)
			expect_tdx(&p, rom_gpa, rom_size);
		else
			expect_snp(&p, rom_gpa, rom_size);
		check_transcript(&rec);
	}
	check_rules(&rec, tdx, cpus);
	check_digest(&p, &s);
	kb_recorder_free(&rec);
	plan_free(&s.plan);
	plan_free(&p);
	ck_assert_int_eq(count_fds(), fds);
}

START_TEST(snp_firmware_1_and_4) { transcript_case(plan_snp_fw, 1, 0xffff0000, 0x10000, 0);
				    transcript_case(plan_snp_fw, 4, 0xffff0000, 0x10000, 0); }
END_TEST
START_TEST(snp_direct_1_and_4) { transcript_case(plan_snp_direct, 1, 0, 0, 0);
				  transcript_case(plan_snp_direct, 4, 0, 0, 0); }
END_TEST
START_TEST(tdx_firmware_1_and_4) { transcript_case(plan_tdx_fw, 1, 0xfffd0000, 0x30000, 0);
				    transcript_case(plan_tdx_fw, 4, 0xfffd0000, 0x30000, 0); }
END_TEST
START_TEST(tdx_direct_1_and_4) { transcript_case(plan_tdx_direct, 1, 0xfffff000, 0x1000, 0);
				  transcript_case(plan_tdx_direct, 4, 0xfffff000, 0x1000, 0); }
END_TEST

/* The kernel may stop early (a signal, the end of a memslot): every page still goes in once. */
START_TEST(partial_progress)
{
	plan_fn plans[] = { plan_snp_fw, plan_snp_direct, plan_tdx_fw, plan_tdx_direct };

	for (size_t i = 0; i < 4; i++)
		transcript_case(plans[i], 2, 0, 0, 3);
}
END_TEST

START_TEST(partial_progress_is_retried_in_transcript)
{
	struct launch_plan p;
	struct kb_recorder rec;
	int updates = 0;
	uint64_t next = 0xffff0000 >> 12;

	plan_snp_fw(&p, 1);
	kb_recorder_init(&rec);
	rec.host.max_pages_per_call = 5;
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	for (size_t i = 0; i < rec.n_calls; i++) {
		char want_s[64];

		if (strcmp(rec.calls[i].cmd, "KVM_SEV_SNP_LAUNCH_UPDATE") || updates >= 4)
			continue;
		/* 16 firmware pages: 5 + 5 + 5 + 1, each call resuming where KVM stopped */
		snprintf(want_s, sizeof(want_s), "{gfn_start=0x%llx len=0x%llx", (unsigned long long)next,
			 (unsigned long long)(0x10000 - updates * 5 * 4096));
		ck_assert_msg(strstr(rec.calls[i].args, want_s), "%s lacks %s", rec.calls[i].args, want_s);
		next += 5;
		updates++;
	}
	ck_assert_int_eq(updates, 4);
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

struct run_arg { struct kb_recorder *rec; struct kvm_backend *kb; struct launch_plan *p; };
static int run_launch(void *a)
{
	struct run_arg *r = a;

	return launch(r->rec, r->kb, r->p);
}

/* ---- `run` issues what --dry-run prints ---------------------------------------- */

static char *dry_run_text(const struct launch_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	opts.platform = p->coco.platform;
	opts.cpus = p->coco.n_vcpus;
	ck_assert_int_eq(coco_dry_run_plan(&opts, p, f), 0);
	fclose(f);
	return buf;
}

/*
 * The transcript vm_boot() issues when it runs the VM (through the
 * recorder, whose guest powers off at once) is, ioctl for ioctl, the one
 * --dry-run prints, followed by nothing but the vCPUs' KVM_RUNs.
 */
static void run_equals_dry_run(plan_fn build, int cpus)
{
	struct launch_plan p;
	struct kb_recorder rec;
	sigset_t w;
	char *dry, *run = NULL;
	size_t len = 0;

	build(&p, cpus);
	dry = dry_run_text(&p);
	kb_recorder_init(&rec);
	run_signals(&w);
	ck_assert_int_eq(boot(&rec.ops, &p, &w), 0);
	FILE *f = open_memstream(&run, &len);

	kb_recorder_print(&rec, f);
	fclose(f);
	/* the dry run's transcript: everything after its header line */
	const char *t = strstr(dry, "none issued: --dry-run):\n");

	ck_assert_ptr_nonnull(t);
	t = strchr(t, '\n') + 1;
	ck_assert_msg(!strncmp(run, t, strlen(t)), "%s %d vCPU(s): run and dry run differ:\n"
		      "--- dry run\n%s--- run\n%s", platform_name(p.coco.platform), cpus, t, run);
	int runs = 0;

	for (const char *l = run + strlen(t); *l; l = strchr(l, '\n') + 1, runs++)
		ck_assert_msg(!strncmp(strchr(l, 'v'), "vcpu", 4) && strstr(l, " KVM_RUN ") &&
			      strchr(l, '\n') && !strstr(l, " = -"), "after the seal: %s", l);
	ck_assert_int_ge(runs, 1);
	free(dry);
	free(run);
	kb_recorder_free(&rec);
	plan_free(&p);
}

START_TEST(run_transcript_is_dry_run_transcript)
{
	plan_fn plans[] = { plan_snp_fw, plan_snp_direct, plan_tdx_fw, plan_tdx_direct };

	for (size_t i = 0; i < 4; i++) {
		run_equals_dry_run(plans[i], 1);
		run_equals_dry_run(plans[i], 4);
	}
}
END_TEST

/* ---- the CPUID the vCPUs and the CPUID page get -------------------------------------- */

/* A leaf of the SNP CPUID page as the launch handed it to the firmware. */
struct page_leaf { uint32_t fn, idx; uint64_t xcr0_in, xss_in; uint32_t r[4]; };
static struct page_leaf page_leaves[64];
static uint32_t n_page_leaves;

static void on_cpuid_page(void *opaque, int kind, uint64_t gpa, const uint8_t *page, uint32_t what)
{
	if (kind != KB_MEASURE_SNP || what != KVM_SEV_SNP_PAGE_TYPE_CPUID)
		return;
	memcpy(&n_page_leaves, page, 4);
	ck_assert_uint_le(n_page_leaves, 64);
	for (uint32_t i = 0; i < n_page_leaves; i++) {
		const uint8_t *e = page + 16 + i * 48;

		memcpy(&page_leaves[i].fn, e, 4);
		memcpy(&page_leaves[i].idx, e + 4, 4);
		memcpy(&page_leaves[i].xcr0_in, e + 8, 8);
		memcpy(&page_leaves[i].xss_in, e + 16, 8);
		memcpy(page_leaves[i].r, e + 24, 16);
	}
}

static const struct page_leaf *page_leaf(uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < n_page_leaves; i++)
		if (page_leaves[i].fn == fn && page_leaves[i].idx == idx)
			return &page_leaves[i];
	return NULL;
}

/*
 * The page's XSAVE leaves are for XCR0_IN = x87|SSE with that size (what the
 * Linux guest looks up, and the firmware checks), the signature is the
 * model's, and the vCPUs got the same signature and their own APIC IDs.
 */
START_TEST(snp_cpuid_page_is_the_vcpus_cpuid)
{
	struct launch_plan p;
	struct kb_recorder rec;

	plan_snp_fw(&p, 4);
	kb_recorder_init(&rec);
	rec.on_measure = on_cpuid_page;
	n_page_leaves = 0;
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	ck_assert_uint_gt(n_page_leaves, 10);
	for (uint32_t idx = 0; idx <= 1; idx++) {
		const struct page_leaf *l = page_leaf(0xd, idx);

		ck_assert_ptr_nonnull(l);
		ck_assert_uint_eq(l->xcr0_in, 1);
		ck_assert_uint_eq(l->xss_in, 0);
		ck_assert_uint_eq(l->r[1], 0x240);	/* legacy area + header: XCR0 = x87|SSE */
	}
	ck_assert_uint_eq(page_leaf(0xd, 2)->xcr0_in, 0);
	ck_assert_uint_eq(page_leaf(1, 0)->r[0], p.coco.vcpu_sig);
	/* sub-leaves are all there, one entry each */
	ck_assert_ptr_nonnull(page_leaf(0x4, 3));
	ck_assert_ptr_nonnull(page_leaf(0x1f, 1));
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(rec.vm.vcpu[i].sig, p.coco.vcpu_sig);
		ck_assert_uint_eq(rec.vm.vcpu[i].apic_id, i);
		ck_assert_uint_eq(rec.vm.vcpu[i].x2apic_id, i);
	}
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

/* More leaves than the page holds: one line, not a silently shortened page. */
START_TEST(snp_cpuid_over_64_leaves_refused)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[2048];
	int ret;

	plan_snp_fw(&p, 1);
	kb_recorder_init(&rec);
	rec.host.extra_leaves = 64;
	struct run_arg a = { &rec, NULL, &p };

	ck_assert_int_eq(capture_stderr(err, sizeof(err), run_launch, &a, &ret), 1);
	ck_assert_int_eq(ret, -1);
	ck_assert_msg(strstr(err, "CPUID has 87 leaves; the CPUID page holds 64"), "%s", err);
	ck_assert_int_eq(find(&rec, NULL, "KVM_SEV_SNP_LAUNCH_FINISH", false), -1);
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

/* TDX: the vCPUs' table is the TD's (KVM_TDX_GET_CPUID), the PV leaf masked. */
START_TEST(tdx_vcpus_get_the_td_cpuid)
{
	struct launch_plan p;
	struct kb_recorder rec;

	plan_tdx_fw(&p, 4);
	kb_recorder_init(&rec);
	/* the fake host refuses a table that differs from the TD's, or a KVM
	 * feature TDX does not emulate (vmm/kvm/fake_host.c tdx_set_cpuid) */
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	ck_assert_int_ge(find(&rec, "vcpu0", "KVM_TDX_GET_CPUID", false), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert(rec.vm.vcpu[i].x2apic);
		ck_assert_uint_eq(rec.vm.vcpu[i].apic_id, i);
		ck_assert_uint_eq(rec.vm.vcpu[i].x2apic_id, i);
	}
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

/* ---- the fake host refuses what KVM refuses ------------------------------------------ */

static int rec_ioctl(struct kb_recorder *r, int fd, unsigned long req, void *arg)
{
	return r->ops.ioctl(&r->ops, fd, req, arg);
}

/* The last call failed with errno e, and the fake host named a rule containing why. */
static void refused(const struct kb_recorder *r, int ret, int e, const char *why)
{
	const struct kb_call *c = &r->calls[r->n_calls - 1];

	ck_assert_int_eq(ret, -1);
	ck_assert_msg(c->err == e && strstr(c->why, why), "%s: errno %d (%s), want %d (%s)",
		      c->cmd, c->err, c->why, e, why);
}

START_TEST(fake_host_is_as_strict_as_kvm)
{
	struct kb_recorder r;
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[3]; } cp = { .h.nent = 2 };
	struct { struct kvm_tdx_init_vm v; struct kvm_cpuid_entry2 e[3]; } iv = { 0 };
	struct kvm_tdx_cmd tc = { .id = KVM_TDX_INIT_VM, .data = (uint64_t)(uintptr_t)&iv };
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	int kvm, vm, ret;

	kb_recorder_init(&r);
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_TDX_VM);
	/* a TD's vCPUs: after INIT_VM, after the split irqchip */
	ret = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, ret, EIO, "KVM_TDX_INIT_VM first");
	/* 0xd.0 and 0xd.1 without KVM_CPUID_FLAG_SIGNIFCANT_INDEX: KVM's lookup
	 * gives the 0xd.1 slot sub-leaf 0's values, which the module refuses */
	iv.v.cpuid.nent = 3;
	iv.e[0] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0, .eax = 0xe7 };
	iv.e[1] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .eax = 0x1 };
	iv.e[2] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 48 << 16 };
	ret = rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc);
	refused(&r, ret, EINVAL, "0xd.1 (from the entry for 0xd.0) sets bits");
	iv.e[0].flags = iv.e[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	/* the TD's TSC: the VM's default at INIT_VM, which the module takes from 100 MHz */
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)50000UL), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc), EINVAL, "TSC 50000 kHz outside");
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)2500000UL), 0);
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc), 0);
	ret = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, ret, EINVAL, "KVM_CAP_SPLIT_IRQCHIP first");
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), 0);
	int vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);

	ck_assert_int_ge(vcpu, 0);
	ret = rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split);
	refused(&r, ret, EEXIST, "an irqchip already");
	/* ...and, vCPUs made, the TSC is fixed: not on the VM, not on a TD vCPU */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)2000000UL), EINVAL, "after vCPUs exist");
	refused(&r, rec_ioctl(&r, vcpu, KVM_SET_TSC_KHZ, (void *)2000000UL), EINVAL, "protected");
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_GET_TSC_KHZ, NULL), 2500000);
	/* a TD vCPU's registers are protected; KVM_GET_REGS fails */
	struct kvm_regs regs;

	ret = rec_ioctl(&r, vcpu, KVM_GET_REGS, &regs);
	refused(&r, ret, EINVAL, "protected");
	/* sub-leaves without the flag in KVM_SET_CPUID2 */
	cp.e[0] = (struct kvm_cpuid_entry2){ .function = 0x4, .index = 0 };
	cp.e[1] = (struct kvm_cpuid_entry2){ .function = 0x4, .index = 1 };
	ret = rec_ioctl(&r, vcpu, KVM_SET_CPUID2, &cp);
	refused(&r, ret, EINVAL, "not KVM_CPUID_FLAG_SIGNIFCANT_INDEX");
	/* guest memory: aligned slots; a measured copy only into PRIVATE guest_memfd */
	struct kvm_create_guest_memfd g = { .size = 1 << 20 };
	int gfd = rec_ioctl(&r, vm, KVM_CREATE_GUEST_MEMFD, &g);
	void *shared = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region2 m = {
		.slot = 0, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = 0x800,
		.memory_size = 1 << 20, .userspace_addr = (uint64_t)(uintptr_t)shared,
		.guest_memfd = (uint32_t)gfd,
	};

	ck_assert_int_ge(gfd, 0);
	ret = rec_ioctl(&r, vm, KVM_SET_USER_MEMORY_REGION2, &m);
	refused(&r, ret, EINVAL, "not page aligned");
	m.guest_phys_addr = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_USER_MEMORY_REGION2, &m), 0);
	cp.h.nent = 1;
	cp.e[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 1u << 21 };
	refused(&r, rec_ioctl(&r, vcpu, KVM_SET_CPUID2, &cp), EINVAL, "differs from KVM_TDX_GET_CPUID");
	struct kvm_tdx_init_mem_region mr = { .source_addr = (uint64_t)(uintptr_t)shared,
					      .gpa = 0x1000, .nr_pages = 1 };
	struct kvm_tdx_cmd add = { .id = KVM_TDX_INIT_MEM_REGION, .data = (uint64_t)(uintptr_t)&mr };

	ret = rec_ioctl(&r, vcpu, KVM_MEMORY_ENCRYPT_OP, &add);
	refused(&r, ret, EINVAL, "before INIT_VCPU");
	munmap(shared, 1 << 20);
	kb_recorder_free(&r);
}
END_TEST

/* ---- the CPUID page rejected by the firmware ----------------------------------- */

/*
 * KVM copies the firmware's corrected page back: the launch says which
 * leaves changed and goes on with them once; a second refusal ends it.
 */
START_TEST(cpuid_page_rejected_is_retried_once)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[2048];
	int ret, lines;

	plan_snp_fw(&p, 1);
	kb_recorder_init(&rec);
	rec.host.cpuid_reject_leaf = 1;
	struct run_arg a = { &rec, NULL, &p };

	lines = capture_stderr(err, sizeof(err), run_launch, &a, &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(lines, 1);
	/* the fake firmware flipped bit 4 of leaf #1's EBX: that leaf is named */
	ck_assert_msg(strstr(err, "warning") && strstr(err, "corrected 1 CPUID leaf(s)") &&
		      strstr(err, "0x1.0 ebx 0x800->0x810"), "%s", err);
	/* ...and the vCPUs' CPUID follows the firmware (APIC ID 0 in EBX[31:24]) */
	ck_assert_int_ge(find(&rec, NULL, "KVM_SEV_SNP_LAUNCH_FINISH", false), 0);
	kb_recorder_free(&rec);

	kb_recorder_init(&rec);
	rec.host.cpuid_reject_leaf = 1;
	rec.host.cpuid_reject_times = 2;
	a.rec = &rec;
	lines = capture_stderr(err, sizeof(err), run_launch, &a, &ret);
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(lines, 2);	/* the warning, then the failure */
	ck_assert_msg(strstr(err, "rejected the CPUID page at 0x804000 twice"), "%s", err);
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

/* ---- what is said about a protected vCPU that fails -------------------------------- */

/* KVM refuses KVM_GET_REGS of a sealed SNP or TD vCPU: no invented rip. */
START_TEST(protected_vcpu_failure_names_no_rip)
{
	plan_fn plans[] = { plan_snp_fw, plan_tdx_fw };

	for (size_t i = 0; i < 2; i++) {
		struct launch_plan p;
		struct kb_recorder rec;
		sigset_t w;
		int ret;

		plans[i](&p, 1);
		kb_recorder_init(&rec);
		rec.host.run_exit = KVM_EXIT_SHUTDOWN;
		run_signals(&w);
		capture_begin();
		ret = boot(&rec.ops, &p, &w);
		const char *err = capture_end();

		ck_assert_int_eq(ret, -1);
		ck_assert_msg(strstr(err, "guest triple fault (shutdown) on vCPU 0\n") &&
			      !strstr(err, "rip 0x"), "%s", err);
		kb_recorder_free(&rec);
		plan_free(&p);
	}
}
END_TEST

/* ---- interrupts, idle and power-off on a TD and an SNP guest --------------------- */

/*
 * The fake host refuses what KVM refuses of the split irqchip, GSI routes,
 * MSIs and irqfds (x86.c, irq.c, irqchip.c, eventfd.c), and keeps an HLT
 * to itself where it has the VM's LAPICs (__kvm_emulate_halt).
 */
START_TEST(fake_host_interrupt_rules)
{
	struct kb_recorder r;
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	struct { struct kvm_irq_routing h; struct kvm_irq_routing_entry e[2]; } rt = { .h.nr = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x31 };
	struct kvm_irqfd fd = { .gsi = 4 };
	const struct kb_run_step halt_then_write[] = {
		{ .kind = KB_STEP_HLT },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = 0xfec00000, .len = 4, .data = 0x10 },
	};
	int kvm, vm, vcpu, efd;

	kb_recorder_init(&r);
	r.host.script = halt_then_write;
	r.host.n_script = 2;
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_DEFAULT_VM);
	rt.e[0] = (struct kvm_irq_routing_entry){ .gsi = 4, .type = KVM_IRQ_ROUTING_MSI,
						  .u.msi = { .address_lo = 0xfee00000, .data = 0x31 } };
	/* no irqchip yet: no routes, no MSIs, no irqfds */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "no irqchip");
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EINVAL, "no irqchip");
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	fd.fd = (uint32_t)efd;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "no irqchip");
	/* KVM_CAP_SPLIT_IRQCHIP: at most 48 routes, no flags, once */
	split.args[0] = 49;
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EINVAL, "at most 48");
	split.args[0] = 24;
	split.flags = 1;
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EINVAL, "flags");
	split.flags = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EEXIST, "an irqchip already");
	/* KVM_SET_GSI_ROUTING */
	rt.h.nr = 4097;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "at most 4096");
	rt.h.nr = 1;
	rt.h.flags = 1;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "flags 0x1");
	rt.h.flags = 0;
	rt.e[0].gsi = 4096;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4096");
	rt.e[0].gsi = 4;
	rt.e[0].flags = 2;	/* only KVM_MSI_VALID_DEVID is an MSI route's flag */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4: flags 0x2");
	rt.e[0].flags = 0;
	rt.e[1] = (struct kvm_irq_routing_entry){ .gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
						  .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 5 } };
	rt.h.nr = 2;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "irqchip route on a split");
	rt.e[1].type = 99;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 5: type 99");
	rt.e[1] = rt.e[0];
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4 routed twice");
	rt.e[1].gsi = 5;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), 0);
	/* KVM_SIGNAL_MSI: the vCPUs it reached, -1/EPERM for none */
	msi.flags = 2;
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EINVAL, "flags 0x2");
	msi.flags = 0;
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EPERM, "no vCPU has APIC ID 0");
	vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	ck_assert_int_ge(vcpu, 0);
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), 1);
	msi.address_lo = 0xfee05000;	/* physical destination APIC ID 5 */
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EPERM, "no vCPU has APIC ID 5");
	/* KVM_IRQFD: known flags, no resampling on a split irqchip, eventfds, each once */
	fd.flags = 4;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "flags 0x4");
	fd.flags = KVM_IRQFD_FLAG_RESAMPLE;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "full in-kernel irqchip");
	fd.flags = 0;
	fd.fd = (uint32_t)open("/dev/null", O_RDONLY | O_CLOEXEC);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "not an eventfd");
	close((int)fd.fd);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EBADF, "not an eventfd");
	fd.fd = (uint32_t)efd;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EBUSY, "assigned already");
	fd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	fd.flags = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	/* KVM's LAPICs: the HLT stays in KVM; the guest's next step is the exit */
	struct kvm_run *run = mmap(NULL, KB_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_RUN, NULL), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_int_eq(r.halts_in_kernel, 1);
	refused(&r, rec_ioctl(&r, vcpu, KVM_RUN, NULL), EIO, "nothing more to run");
	munmap(run, KB_RUN_SIZE);
	close(efd);
	kb_recorder_free(&r);

	/* no irqchip: the HLT exits; and the split irqchip comes before vCPUs or never */
	kb_recorder_init(&r);
	r.host.script = halt_then_write;
	r.host.n_script = 2;
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_DEFAULT_VM);
	vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EEXIST, "after vCPUs exist");
	run = mmap(NULL, KB_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_RUN, NULL), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_HLT);
	ck_assert_int_eq(r.halts_in_kernel, 0);
	munmap(run, KB_RUN_SIZE);
	kb_recorder_free(&r);
}
END_TEST

/* A direct-boot plan as `cvmm run --tdx/--snp --kernel` builds it (one vCPU). */
static void kernel_plan(struct launch_plan *p, enum platform_id plat)
{
	launch_opts_init(&opts);
	opts.platform = plat;
	opts.kernel = "build/guests/hello.bzImage";
	opts.cpus = 1;
	ck_assert_msg(access(opts.kernel, R_OK) == 0, "%s missing: run make test-build", opts.kernel);
	ck_assert_int_eq(plan_build_coco(p, &opts), 0);
	ck_assert(p->wants_irqchip);
}

static uint64_t rd64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }
static uint32_t rd32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }

/*
 * What a guest's ACPI code reads of the plan's tables (RSDP -> XSDT): the
 * MADT's I/O APIC address, the FADT's sleep control port (ACPI 6.5
 * 5.2.9, the GAS at 244) and the SLP_TYP of the DSDT's \_S5 package.
 */
struct guest_acpi { uint64_t ioapic, sleep_port; unsigned s5; };

static struct guest_acpi acpi_of(const struct launch_plan *p)
{
	const struct plan_piece *acpi = NULL;
	struct guest_acpi g = { 0, 0, ~0u };
	const uint8_t *b, *x, *dsdt = NULL;

	for (size_t i = 0; i < p->n_pieces; i++)
		if (!strcmp(p->pieces[i].what, "ACPI tables"))
			acpi = &p->pieces[i];
	ck_assert_ptr_nonnull(acpi);
	b = acpi->data;
	ck_assert_mem_eq(b, "RSD PTR ", 8);
	x = b + (rd64(b + 24) - acpi->gpa);
	ck_assert_mem_eq(x, "XSDT", 4);
	for (uint32_t o = 36; o < rd32(x + 4); o += 8) {
		const uint8_t *t = b + (rd64(x + o) - acpi->gpa);

		if (!memcmp(t, "FACP", 4)) {
			g.sleep_port = rd64(t + 244 + 4);
			dsdt = b + (rd64(t + 140) - acpi->gpa);
		}
		if (!memcmp(t, "APIC", 4))
			for (uint32_t e = 44; e < rd32(t + 4); e += t[e + 1])
				if (t[e] == 1)		/* I/O APIC structure */
					g.ioapic = rd32(t + e + 4);
	}
	ck_assert_ptr_nonnull(dsdt);
	for (uint32_t o = 36; o + 8 < rd32(dsdt + 4); o++) {
		const uint8_t *n = dsdt + o;

		/* Name(_S5_, Package(){ SLP_TYPa, ... }): PackageOp, PkgLength, count, first */
		if (memcmp(n, "_S5_", 4) || n[4] != 0x12)
			continue;
		n += 7;
		g.s5 = n[0] == 0x0a ? n[1] : n[0] <= 1 ? n[0] : ~0u;	/* BytePrefix, Zero, One */
	}
	ck_assert_uint_ne(g.s5, ~0u);
	return g;
}

/* Runs the plan's VM on the recorder: vm_boot()'s status. */
static int run_status(struct kb_recorder *rec, const struct launch_plan *p, char *err, size_t n)
{
	struct kvm_host h = { .fd = -1 };
	sigset_t w;
	int st;

	run_signals(&w);
	ck_assert_int_eq(coco_check_inputs(&opts, p), 0);
	h.fd = rec->ops.open_dev(&rec->ops, "/dev/kvm");
	kb_fake_host_probe(rec, &h);
	capture_begin();
	st = vm_boot(&opts, platform_by_id(opts.platform), &h, p, &rec->ops, &w);
	snprintf(err, n, "%s", capture_end());
	rec->ops.close(&rec->ops, h.fd);
	return st;
}

static int count_calls_named(const struct kb_recorder *r, const char *cmd, const char *args)
{
	int n = 0;

	for (size_t i = 0; i < r->n_calls; i++)
		n += !strcmp(r->calls[i].cmd, cmd) && (!args || strstr(r->calls[i].args, args));
	return n;
}

static void no_call_failed(const struct kb_recorder *r)
{
	for (size_t i = 0; i < r->n_calls; i++)
		ck_assert_msg(r->calls[i].ret >= 0 || !strcmp(r->calls[i].cmd, "KVM_RUN"),
			      "call %zu %s %s failed: %s", i + 1, r->calls[i].cmd, r->calls[i].args,
			      r->calls[i].why);
}

/*
 * A guest on a real --tdx/--snp --kernel plan, as Linux goes: it programs
 * the I/O APIC the MADT names (COM1's pin 4 to vector 0x31) and reads the
 * entry back, idles (HLT, which KVM keeps: the TD's split irqchip, the
 * SNP guest's I/O APIC), then powers off through the FADT's sleep control
 * port with the DSDT's \_S5 type. The VM ends powered off, status 0, as
 * on a plain VM; the route reached KVM; the split irqchip was made once.
 */
static void ioapic_idle_poweroff(enum platform_id plat)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[1024];
	bool tdx = plat == PLATFORM_TDX;

	kernel_plan(&p, plat);
	struct guest_acpi a = acpi_of(&p);
	/* Linux maps a TD's MMIO shared: the GPA carries the shared bit (GPAW 48) */
	uint64_t io = a.ioapic | (tdx ? 1ULL << 47 : 0);
	const struct kb_run_step guest[] = {
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io + 0x10, .len = 4, .data = 0x31 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 + 1 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io + 0x10, .len = 4, .data = 0 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 },
		{ .kind = KB_STEP_MMIO_READ, .addr = io + 0x10, .len = 4 },
		{ .kind = KB_STEP_HLT },
		{ .kind = KB_STEP_PIO_OUT, .addr = a.sleep_port, .len = 1,
		  .data = a.s5 << 2 | 1u << 5 /* SLP_EN */ },
	};

	ck_assert_uint_eq(a.ioapic, 0xfec00000);
	kb_recorder_init(&rec);
	rec.host.script = guest;
	rec.host.n_script = sizeof(guest) / sizeof(guest[0]);
	ck_assert_int_eq(run_status(&rec, &p, err, sizeof(err)), CVMM_EXIT_OK);
	ck_assert_msg(!strstr(err, "error") && !strstr(err, "warning"), "%s", err);
	ck_assert_uint_eq(rec.script_at, rec.host.n_script);	/* it got as far as the power-off */
	ck_assert_int_eq(rec.halts_in_kernel, 1);
	ck_assert_uint_eq(rec.script_read[5], 0x31);		/* unmasked, edge, vector 0x31 */
	ck_assert_int_eq(count_calls_named(&rec, "KVM_SET_GSI_ROUTING", "4:0xfee00000/0x31"), 1);
	ck_assert_int_eq(count_calls_named(&rec, "KVM_ENABLE_CAP", "KVM_CAP_SPLIT_IRQCHIP"), 1);
	ck_assert_int_lt(find(&rec, "vm", "KVM_ENABLE_CAP", false), find(&rec, NULL, "KVM_CREATE_VCPU", false));
	no_call_failed(&rec);
	kb_recorder_free(&rec);
	plan_free(&p);
}

START_TEST(td_ioapic_idle_and_poweroff) { ioapic_idle_poweroff(PLATFORM_TDX); }
END_TEST
START_TEST(snp_ioapic_idle_and_poweroff) { ioapic_idle_poweroff(PLATFORM_SNP); }
END_TEST

/*
 * A TD that only idles has not finished: with the script done after its
 * HLT, KVM_RUN fails and cvmm says so, status 1. The same when an HLT exit
 * reaches userspace although KVM has the LAPICs (no upstream KVM sends
 * one): back into KVM_RUN, not "guest halted".
 */
START_TEST(td_idle_is_not_finished)
{
	const struct kb_run_step idle[] = { { .kind = KB_STEP_HLT } };
	const struct kb_run_step hlt_exit[] = { { .kind = KB_STEP_EXIT, .exit_reason = KVM_EXIT_HLT } };
	const struct kb_run_step *scripts[] = { idle, hlt_exit };
	enum platform_id plats[] = { PLATFORM_TDX, PLATFORM_SNP };

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < 2; i++) {
			struct launch_plan p;
			struct kb_recorder rec;
			char err[1024];

			kernel_plan(&p, plats[k]);
			kb_recorder_init(&rec);
			rec.host.script = scripts[i];
			rec.host.n_script = 1;
			ck_assert_int_eq(run_status(&rec, &p, err, sizeof(err)), CVMM_EXIT_FAIL);
			ck_assert_msg(strstr(err, "vCPU 0: KVM_RUN: Input/output error") &&
				      !strstr(err, "halted"), "%s", err);
			ck_assert_uint_eq(rec.script_at, 1);
			kb_recorder_free(&rec);
			plan_free(&p);
		}
}
END_TEST

/*
 * --dry-run launches on the host `run` would have probed: a TD's and an
 * SNP guest's --kernel plan get their I/O APIC, and the transcript shows
 * the split irqchip made once (the TD's by the launch, which the I/O APIC
 * and --virtio-irq's lines leave: KVM answers a second one -EEXIST),
 * before the vCPUs, nothing failed.
 */
START_TEST(dry_run_has_the_split_irqchip_once)
{
	enum platform_id plats[] = { PLATFORM_TDX, PLATFORM_SNP };

	for (size_t i = 0; i < 4; i++) {
		struct launch_plan p;
		char *t;

		kernel_plan(&p, plats[i % 2]);
		if (i >= 2) {	/* --rng --virtio-irq: the lines' split irqchip, no I/O APIC */
			plan_free(&p);
			opts.rng = opts.virtio_irq = true;
			ck_assert_int_eq(plan_build_coco(&p, &opts), 0);
		}
		t = dry_run_text(&p);
		const char *cap = strstr(t, "KVM_CAP_SPLIT_IRQCHIP");

		ck_assert_msg(cap && !strstr(cap + 1, "KVM_CAP_SPLIT_IRQCHIP") &&
			      cap < strstr(t, "KVM_CREATE_VCPU") && !strstr(t, " = -"), "%s", t);
		free(t);
		plan_free(&p);
	}
}
END_TEST

/* ---- the TD's TSC ----------------------------------------------------------------- */


static int spy_open(struct kvm_backend *b, const char *path)
{
	return ((struct cpuid_spy *)b)->inner->open_dev(((struct cpuid_spy *)b)->inner, path);
}

static int spy_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct cpuid_spy *s = (struct cpuid_spy *)b;

	if (req == KVM_SET_CPUID2) {
		const struct kvm_cpuid2 *c = arg;

		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x15) {
				s->l15 = c->entries[i];
				s->seen++;
			} else if (c->entries[i].function == 1) {
				s->l1_ecx = c->entries[i].ecx;
			}
	}
	return s->inner->ioctl(s->inner, fd, req, arg);
}

static int spy_close(struct kvm_backend *b, int fd)
{
	return ((struct cpuid_spy *)b)->inner->close(((struct cpuid_spy *)b)->inner, fd);
}

/*
 * The TD's TSC frequency is fixed when INIT_VM makes the TD (the VM's
 * default, the host's TSC, in the module's 25 MHz units) and the guest
 * reads it from CPUID 0x15: TSC Hz = ECX * EBX / EAX. The vCPUs' CPUID
 * cvmm hands KVM carries that leaf and the host's TSC-deadline timer
 * (CPUID.1:ECX[24]), and cvmm issues no KVM_SET_TSC_KHZ,
 * which KVM refuses on a TD vCPU and on a VM whose vCPUs exist
 * (fake_host_is_as_strict_as_kvm).
 */
START_TEST(td_tsc_frequency_is_the_hosts)
{
	/* host TSC kHz -> the TD's: whole 25 MHz steps */
	static const uint32_t host_khz[][2] = { { 2100000, 2100000 }, { 2112345, 2100000 },
						{ 3000000, 3000000 } };

	for (size_t i = 0; i < 3; i++) {
		struct launch_plan p;
		struct kb_recorder rec;
		struct cpuid_spy spy = { .ops = { .name = "spy", .open_dev = spy_open,
						  .ioctl = spy_ioctl, .close = spy_close } };

		kernel_plan(&p, PLATFORM_TDX);
		opts.cpus = p.coco.n_vcpus = 2;
		kb_recorder_init(&rec);
		rec.host.tsc_khz = host_khz[i][0];
		spy.inner = &rec.ops;
		ck_assert_int_eq(boot(&spy.ops, &p, NULL), 0);
		ck_assert_int_eq(spy.seen, 2);			/* every vCPU */
		ck_assert_uint_ne(spy.l15.eax, 0);
		ck_assert_uint_eq((uint64_t)spy.l15.ecx * spy.l15.ebx / spy.l15.eax,
				  (uint64_t)host_khz[i][1] * 1000);
		ck_assert_int_eq(count_calls_named(&rec, "KVM_SET_TSC_KHZ", NULL), 0);
		ck_assert_uint_ne(spy.l1_ecx & 1u << 24, 0);	/* the TSC-deadline timer kept */
		no_call_failed(&rec);
		kb_recorder_free(&rec);
		plan_free(&p);
	}
}
END_TEST

/* ---- every ioctl failing in turn ---------------------------------------------- */

static void fail_each(plan_fn build, int cpus)
{
	struct launch_plan p;
	struct kb_recorder rec;
	int total;

	cvmm_verbosity = LOG_NORMAL;
	build(&p, cpus);
	kb_recorder_init(&rec);
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	total = (int)rec.n_calls;
	ck_assert_int_gt(total, 20);	/* open ... seal: every one of them fails once */
	kb_recorder_free(&rec);
	for (int k = 1; k <= total; k++) {
		struct kb_failing f;
		char err[2048];
		int ret, lines, fds = count_fds();

		kb_recorder_init(&rec);
		kb_failing_init(&f, &rec.ops, k, EIO);
		struct run_arg a = { &rec, &f.ops, &p };

		lines = capture_stderr(err, sizeof(err), run_launch, &a, &ret);
		ck_assert_msg(f.failed, "call %d never issued", k);
		if (ret == 0) {
			/* only the optional policy-bits query may fail harmlessly */
			ck_assert_msg(!strcmp(f.failed_what, "KVM_GET_DEVICE_ATTR") && lines == 0,
				      "call %d (%s) failed but the launch went on: %s", k,
				      f.failed_what, err);
		} else {
			ck_assert_msg(lines == 1 && !strncmp(err, "cvmm: ", 6),
				      "call %d (%s): %d lines: %s", k, f.failed_what, lines, err);
			ck_assert_msg(strstr(err, "Input/output error") || strstr(err, "lacks") ||
				      strstr(err, "/dev/"), "call %d: %s", k, err);
		}
		kb_recorder_free(&rec);
		ck_assert_msg(count_fds() == fds, "call %d (%s): %d fds leaked", k,
			      f.failed_what, count_fds() - fds);
	}
	plan_free(&p);
}

START_TEST(snp_each_call_fails) { fail_each(plan_snp_fw, 2); fail_each(plan_snp_direct, 1); }
END_TEST
START_TEST(tdx_each_call_fails) { fail_each(plan_tdx_fw, 2); fail_each(plan_tdx_direct, 1); }
END_TEST

/* ---- policy, plan and option checks before anything is created ------------------ */

START_TEST(snp_policy_rules)
{
	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(snp_policy_check(0x30000, 0, false), 0);
	ck_assert_int_eq(snp_policy_check(0x10000, 0, false), -1);		/* bit 17 clear */
	ck_assert_int_eq(snp_policy_check(0x70000, 0, false), -1);		/* MIGRATE_MA */
	ck_assert_int_eq(snp_policy_check(0x4020000, 0, false), -1);	/* bit 26: undefined */
	ck_assert_int_eq(snp_policy_check(0xb0000, 0x3fffff & ~(1ULL << 19), true), -1); /* DEBUG */
	ck_assert_int_eq(snp_policy_check(0x30000, 0x20000, true), -1);	/* SMT not allowed */
	ck_assert_int_eq(snp_policy_check(0x2001f, 0x20000, true), 0);	/* API version bits */
}
END_TEST

static int count_calls(plan_fn build, void (*tweak)(struct launch_plan *, struct kb_recorder *),
		       char *err, size_t n)
{
	struct launch_plan p;
	struct kb_recorder rec;
	int ret, calls;

	build(&p, 1);
	kb_recorder_init(&rec);
	tweak(&p, &rec);
	struct run_arg a = { &rec, NULL, &p };

	ck_assert_int_eq(capture_stderr(err, n, run_launch, &a, &ret), 1);
	ck_assert_int_eq(ret, -1);
	calls = (int)rec.n_calls;
	kb_recorder_free(&rec);
	plan_free(&p);
	return calls;
}

static void bad_policy(struct launch_plan *p, struct kb_recorder *r) { p->coco.policy = 0x10000; }
static void tdx_long_mode(struct launch_plan *p, struct kb_recorder *r)
{
	p->boot.mode = CPU_MODE_LONG64;
}
static void snp_gets_td_hob(struct launch_plan *p, struct kb_recorder *r)
{
	piece(p, 0x900000, 0x1000, NULL, 0, PIECE_TD_HOB, false, "TD_HOB");
}
static void host_no_smt(struct launch_plan *p, struct kb_recorder *r)
{
	r->host.snp_policy_bits &= ~SNP_POLICY_SMT;
}
static void tdx_debug_unsupported(struct launch_plan *p, struct kb_recorder *r)
{
	opts.td_attributes = TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE;
	opts.td_attributes_set = true;
	r->host.tdx_attrs &= ~TDX_TD_ATTR_DEBUG;
}

START_TEST(refused_before_anything_exists)
{
	char err[1024];

	ck_assert_int_eq(count_calls(plan_snp_fw, bad_policy, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "bit 17"), "%s", err);
	ck_assert_int_eq(count_calls(plan_tdx_fw, tdx_long_mode, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "reset vector"), "%s", err);
	ck_assert_int_eq(count_calls(plan_snp_fw, snp_gets_td_hob, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "TDX piece"), "%s", err);
	/* the host's policy bits are known only once /dev/kvm answers */
	ck_assert_int_gt(count_calls(plan_snp_fw, host_no_smt, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "bit 16 (SMT"), "%s", err);
	ck_assert_int_gt(count_calls(plan_tdx_fw, tdx_debug_unsupported, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "--td-attributes 0x10000001: bits 0x1"), "%s", err);
}
END_TEST

START_TEST(tdx_mr_values_and_host_data_reach_the_kernel)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char want_s[120];

	memset(opts.mrconfigid, 0xab, 48);
	memset(opts.host_data, 0x5c, 32);
	plan_tdx_fw(&p, 1);
	kb_recorder_init(&rec);
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	memset(want_s, 0, sizeof(want_s));
	strcpy(want_s, "mrconfigid=");
	for (int i = 0; i < 48; i++)
		strcat(want_s, "ab");
	ck_assert(strstr(rec.calls[find(&rec, "vm", "KVM_TDX_INIT_VM", false)].args, want_s));
	kb_recorder_free(&rec);
	plan_free(&p);

	plan_snp_fw(&p, 1);
	kb_recorder_init(&rec);
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	ck_assert(strstr(rec.calls[rec.n_calls - 1].args,
			 "host_data=5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c"));
	kb_recorder_free(&rec);
	plan_free(&p);
}
END_TEST

/* INIT_VM's CPUID is the host's masked by the module; the recorder checks it like KVM. */
START_TEST(tdx_cpuid_filtered_by_caps)
{
	struct kvm_cpuid2 *host = calloc(1, sizeof(*host) + 3 * sizeof(host->entries[0]));
	struct kvm_tdx_capabilities *caps = calloc(1, sizeof(*caps) + 2 * sizeof(caps->cpuid.entries[0]));
	struct kvm_cpuid2 *f;

	host->nent = 3;
	host->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 0xffffffff, .edx = 0xf0 };
	host->entries[1] = (struct kvm_cpuid_entry2){ .function = 0x40000000, .eax = 7 };
	host->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 0x3934 };
	caps->cpuid.nent = 2;
	caps->cpuid.entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 0x0000ff00, .edx = 0x30 };
	caps->cpuid.entries[1] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 0xffffff };
	f = tdx_filter_cpuid(host, caps);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->nent, 2);		/* the hypervisor leaf is dropped */
	ck_assert_uint_eq(f->entries[0].ecx, 0xff00);
	ck_assert_uint_eq(f->entries[0].edx, 0x30);
	ck_assert_uint_eq(f->entries[1].eax, 0x303934);	/* GPAW 48 in EAX[23:16] */
	free(f);
	caps->cpuid.nent = 1;			/* no 0x80000008: INIT_VM would fail */
	cvmm_verbosity = LOG_QUIET;
	ck_assert_ptr_null(tdx_filter_cpuid(host, caps));
	free(host);
	free(caps);
}
END_TEST

/* ---- host checks ------------------------------------------------------------------ */

START_TEST(host_lacks_exactly_what_it_lacks)
{
	/* what this build machine's KVM looks like: default VMs only */
	struct kvm_host h = { .fd = -1, .vm_types = 1, .guest_memfd = true, .user_memory2 = true };
	char why[400];

	ck_assert(!coco_host_ok(&h, PLATFORM_TDX, why, sizeof(why)));
	ck_assert_msg(strstr(why, "cannot run TDX guests: KVM offers no KVM_X86_TDX_VM") &&
		      strstr(why, "(KVM_CAP_VM_TYPES = 0x1 lacks KVM_X86_TDX_VM = 5)") &&
		      strstr(why, "cvmm measure --tdx") && strstr(why, "cvmm --tdx --dry-run"), "%s", why);
	ck_assert(!strchr(why, '\n'));
	ck_assert(!coco_host_ok(&h, PLATFORM_SNP, why, sizeof(why)));
	ck_assert_msg(strstr(why, "KVM_X86_SNP_VM = 4"), "%s", why);

	h.vm_types = 1u << 5 | 1u << 4 | 1;
	h.guest_memfd = false;
	ck_assert(!coco_host_ok(&h, PLATFORM_TDX, why, sizeof(why)));
	ck_assert_msg(strstr(why, "no guest_memfd (KVM_CAP_GUEST_MEMFD)"), "%s", why);
	h.guest_memfd = true;
	ck_assert(!coco_host_ok(&h, PLATFORM_SNP, why, sizeof(why)));
	ck_assert_msg(strstr(why, "private memory attributes"), "%s", why);
	h.mem_attrs = 8;
	ck_assert(!coco_host_ok(&h, PLATFORM_SNP, why, sizeof(why)));
	ck_assert_msg(strstr(why, "MAP_GPA_RANGE exits"), "%s", why);
	h.exit_hypercall = 0x1000;
	ck_assert(!coco_host_ok(&h, PLATFORM_TDX, why, sizeof(why)));
	ck_assert_msg(strstr(why, "memory-fault exits"), "%s", why);
	h.memory_fault_info = true;
	ck_assert(coco_host_ok(&h, PLATFORM_TDX, why, sizeof(why)));
	ck_assert(coco_host_ok(&h, PLATFORM_SNP, why, sizeof(why)));
}
END_TEST

/* A kernel that lacks a per-VM capability: one line, and nothing left open. */
START_TEST(vm_lacks_capability)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[1024];
	int ret, fds = count_fds();

	plan_tdx_fw(&p, 1);
	kb_recorder_init(&rec);
	rec.host.mem_attrs = 0;
	struct run_arg a = { &rec, NULL, &p };

	ck_assert_int_eq(capture_stderr(err, sizeof(err), run_launch, &a, &ret), 1);
	ck_assert_int_eq(ret, -1);
	ck_assert_msg(strstr(err, "tdx VM: this kernel lacks private memory attributes"), "%s", err);
	ck_assert_int_eq(find(&rec, NULL, "KVM_CREATE_VCPU", false), -1);
	kb_recorder_free(&rec);
	plan_free(&p);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(info_shows_tdx_capabilities)
{
	struct kb_recorder rec;
	struct kvm_host h = { .vm_types = 1u << 5 | 1, .guest_memfd = true, .user_memory2 = true,
			      .mem_attrs = 8, .exit_hypercall = 0x1000, .memory_fault_info = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	kb_recorder_init(&rec);
	h.fd = rec.ops.open_dev(&rec.ops, "/dev/kvm");
	coco_info_details(f, &h, &rec.ops);
	fclose(f);
	/* only the platform this host can run has details: SNP's stay unasked */
	ck_assert_msg(!strstr(buf, "snp:") &&
		      strstr(buf, "tdx: supported TD attributes 0x8000000050000001, XFAM 0x2e7") &&
		      strstr(buf, "(SetupEventNotifyInterrupt)") &&
		      strstr(buf, "14 configurable CPUID leaves: 0x1.0 0x4.0 0x4.1 0x4.2 0x4.3 "
			     "0x7.0 0x7.1 0xb.0 0xb.1 0xd.0 0xd.1 0x1f.0 0x1f.1 0x80000008.0"),
		      "%s", buf);
	free(buf);
	kb_recorder_free(&rec);
}
END_TEST

START_TEST(dry_run_prints_plan_and_transcript)
{
	struct launch_plan p;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plan_tdx_fw(&p, 2);
	opts.cpus = 2;
	ck_assert_int_eq(coco_dry_run_plan(&opts, &p, f), 0);
	fclose(f);
	ck_assert_msg(strstr(buf, "launch plan (tdx): 4 pieces, 128 MiB RAM, 2 vCPU(s)") &&
		      strstr(buf, "[0x0000fffe0000, 0x000100000000) normal     measured BFV") &&
		      strstr(buf, "none issued: --dry-run") &&
		      strstr(buf, "vcpu1  KVM_TDX_INIT_VCPU") &&
		      strstr(buf, "KVM_TDX_INIT_MEM_REGION      flags=0x1 {gpa=0xfffe0000 nr_pages=32} "
			     "MEASURE [48 B]"), "%s", buf);
	free(buf);
	plan_free(&p);
}
END_TEST

/*
 * The plan `cvmm measure` builds from Debian's OVMF (a build dependency):
 * the pages the launch hands to KVM, in the order it hands them, hash to
 * the digest `cvmm measure` prints for the same options.
 */
static void measure_case(const char *platform, const char *fw, const char *kernel, int cpus,
			 bool devices)
{
	struct launch_opts o;
	struct launch_plan p;
	struct measurement m;
	struct kb_recorder rec;
	struct seen s;
	uint8_t got[48];

	launch_opts_init(&o);
	ck_assert_int_eq(platform_from_name(platform, &o.platform), 0);
	o.firmware = fw;
	o.kernel = kernel;
	o.cpus = cpus;
	char disk[] = "/tmp/cvmm-test-disk-XXXXXX";

	if (devices) {	/* the shim's DSDT names them: measured; the run opens the disk */
		int fd = mkstemp(disk);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
		close(fd);
		o.console_virtio = o.rng = true;
		o.disk = disk;
	}
	if (fw)
		ck_assert_msg(access(fw, R_OK) == 0, "%s missing: install Debian's ovmf (make deps)", fw);
	if (kernel)
		ck_assert_msg(access(kernel, R_OK) == 0, "%s missing: run make test-build", kernel);
	ck_assert_int_eq(measure_from_opts(&o, &m, NULL), 0);
	ck_assert_int_eq(plan_build_coco(&p, &o), 0);
	memset(&s, 0, sizeof(s));
	plan_init(&s.plan, p.mem_size);
	kb_recorder_init(&rec);
	rec.host.max_pages_per_call = 7;	/* and with partial progress on top */
	rec.on_measure = on_measure;
	rec.measure_opaque = &s;
	opts = o;
	ck_assert_int_eq(launch(&rec, NULL, &p), 0);
	s.plan.coco = p.coco;
	if (!strcmp(platform, "snp")) {
		/* KVM's VMSAs of the registers `run` set: the prediction's by construction */
		ck_assert_int_eq(s.n_vmsa, cpus);
		s.plan.coco.vmsa = s.vmsa;
	}
	if (!strcmp(platform, "tdx"))
		ck_assert_int_eq(measure_tdx_plan(&s.plan, got, NULL), 0);
	else
		ck_assert_int_eq(measure_snp_plan(&s.plan, got, NULL), 0);
	ck_assert_msg(!memcmp(got, m.digest, 48), "%s: the issued pages do not reproduce "
		      "`cvmm measure`", platform);
	kb_recorder_free(&rec);
	plan_free(&s.plan);
	plan_free(&p);
	if (devices)
		unlink(disk);
}

START_TEST(digest_matches_cvmm_measure)
{
	measure_case("snp", "/usr/share/OVMF/OVMF_CODE.fd", NULL, 1, false);
	measure_case("snp", "/usr/share/OVMF/OVMF_CODE.fd", NULL, 4, false);
	measure_case("tdx", "/usr/share/ovmf/OVMF.fd", NULL, 1, false);
	measure_case("tdx", "/usr/share/ovmf/OVMF.fd", NULL, 4, false);
	/* direct boot through cvmm's boot shim (measure's builders) */
	measure_case("snp", NULL, "build/guests/hello.bzImage", 1, false);
	measure_case("snp", NULL, "build/guests/hello.bzImage", 4, false);
	measure_case("tdx", NULL, "build/guests/hello.bzImage", 1, false);
	measure_case("tdx", NULL, "build/guests/hello.bzImage", 4, false);
	/* with the three virtio devices in the shim's DSDT */
	measure_case("snp", NULL, "build/guests/hello.bzImage", 4, true);
	measure_case("tdx", NULL, "build/guests/hello.bzImage", 4, true);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_launch");
	TCase *tc = tcase_create("launch");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, snp_firmware_1_and_4);
	tcase_add_test(tc, snp_direct_1_and_4);
	tcase_add_test(tc, tdx_firmware_1_and_4);
	tcase_add_test(tc, tdx_direct_1_and_4);
	tcase_add_test(tc, partial_progress);
	tcase_add_test(tc, partial_progress_is_retried_in_transcript);
	tcase_add_test(tc, run_transcript_is_dry_run_transcript);
	tcase_add_test(tc, fake_host_is_as_strict_as_kvm);
	tcase_add_test(tc, snp_cpuid_page_is_the_vcpus_cpuid);
	tcase_add_test(tc, snp_cpuid_over_64_leaves_refused);
	tcase_add_test(tc, tdx_vcpus_get_the_td_cpuid);
	tcase_add_test(tc, cpuid_page_rejected_is_retried_once);
	tcase_add_test(tc, protected_vcpu_failure_names_no_rip);
	tcase_add_test(tc, fake_host_interrupt_rules);
	tcase_add_test(tc, td_ioapic_idle_and_poweroff);
	tcase_add_test(tc, snp_ioapic_idle_and_poweroff);
	tcase_add_test(tc, td_idle_is_not_finished);
	tcase_add_test(tc, td_tsc_frequency_is_the_hosts);
	tcase_add_test(tc, dry_run_has_the_split_irqchip_once);
	tcase_add_test(tc, snp_each_call_fails);
	tcase_add_test(tc, tdx_each_call_fails);
	tcase_add_test(tc, snp_policy_rules);
	tcase_add_test(tc, refused_before_anything_exists);
	tcase_add_test(tc, tdx_mr_values_and_host_data_reach_the_kernel);
	tcase_add_test(tc, tdx_cpuid_filtered_by_caps);
	tcase_add_test(tc, host_lacks_exactly_what_it_lacks);
	tcase_add_test(tc, vm_lacks_capability);
	tcase_add_test(tc, info_shows_tdx_capabilities);
	tcase_add_test(tc, dry_run_prints_plan_and_transcript);
	tcase_add_test(tc, digest_matches_cvmm_measure);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
