/*
 * Shared by the test_coco_* unit tests: hand-built SNP and TDX plans, and
 * the launch as `cvmm run` performs it: vm_boot(), the one launch, against
 * the recorder (the strict fake host of vmm/kvm/fake_host.c), a failing
 * wrapper or a spy, never a second recipe.
 */
#ifndef CVMM_TEST_COCO_LAUNCH_H
#define CVMM_TEST_COCO_LAUNCH_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "check_compat.h"
#include "loader/boot/vmsa.h"
#include "loader/plan.h"
#include "vmm/cli/opts.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm_boot.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/platform.h"
#include "vmm/platform/platform_coco.h"
#include "tests/support/kb_failing.h"

/* ---- hand-built plans (firmware and direct boot, n vCPUs) ------------------ */

static inline uint8_t *pattern(struct launch_plan *p, uint64_t len, uint8_t seed)
{
	uint8_t *b = plan_own(p, malloc(len));

	for (uint64_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 12));
	return b;
}

static inline void piece(struct launch_plan *p, uint64_t gpa, uint64_t len, const uint8_t *data,
		  uint64_t dlen, enum piece_type t, bool measured, const char *what)
{
	struct plan_piece pc = {
		.gpa = gpa, .len = len, .data = data, .data_len = dlen, .type = t,
		.measured = measured, .what = what,
	};

	ck_assert_int_eq(plan_add(p, &pc), 0);
}

/* What loader/plan_snp.c does: the reset state, BSP at the reset vector, APs at ap_eip. */
static inline void vmsas(struct launch_plan *p, int n)
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
static inline void plan_snp_fw(struct launch_plan *p, int cpus)
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
static inline void plan_snp_direct(struct launch_plan *p, int cpus)
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
static inline void plan_tdx_fw(struct launch_plan *p, int cpus)
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
static inline void plan_tdx_direct(struct launch_plan *p, int cpus)
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

static inline void setup(void)
{
	launch_opts_init(&opts);
	cvmm_verbosity = LOG_NORMAL;
}

/* A backend that passes calls to a recorder and keeps what the vCPUs' CPUID says of leaves 1, 0x15. */
struct cpuid_spy { struct kvm_backend ops; struct kvm_backend *inner;
		   struct kvm_cpuid_entry2 l15; int seen; uint32_t l1_ecx; };

/* The recorder behind kb (itself, or what a failing wrapper or the spy passes calls to). */
static inline const struct kb_recorder *recorder_of(struct kvm_backend *kb)
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
static inline int boot(struct kvm_backend *kb, const struct launch_plan *p, const sigset_t *waitset)
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

static inline int launch(struct kb_recorder *rec, struct kvm_backend *kb, const struct launch_plan *p)
{
	return boot(kb ? kb : &rec->ops, p, NULL);
}

/* The signals cmd_run blocks before vm_boot (only the main thread takes them). */
static inline void run_signals(sigset_t *w)
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

/*
 * Runs fn with stderr captured; returns the number of lines, text in buf.
 * Not inlined: at a call site GCC weighs buf's size against capture.h's
 * 32 KiB and warns of the truncation snprintf is there for.
 */
__attribute__((noinline, unused))
static int capture_stderr(char *buf, size_t n, int (*fn)(void *), void *arg, int *ret)
{
	capture_begin();
	*ret = fn(arg);
	snprintf(buf, n, "%s", capture_end());
	return count_lines(buf);
}

/* The first (or last) call to cmd on fd (any fd: NULL) in r's transcript; -1 if none. */
static inline int find(const struct kb_recorder *r, const char *fd, const char *cmd, bool last)
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

/* ---- measured pages: the recorder's view rebuilt as a plan ------------------- */

/* What the recorder saw measured: the pages, and the VMSAs KVM made at FINISH. */
struct seen { struct launch_plan plan; uint8_t *vmsa[KB_FAKE_VCPUS]; int n_vmsa; };

static inline void on_measure(void *opaque, int kind, uint64_t gpa, const uint8_t *page, uint32_t what)
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

struct run_arg { struct kb_recorder *rec; struct kvm_backend *kb; struct launch_plan *p; };
static inline int run_launch(void *a)
{
	struct run_arg *r = a;

	return launch(r->rec, r->kb, r->p);
}

/* What --dry-run prints of the plan. */
static inline char *dry_run_text(const struct launch_plan *p)
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


#endif
