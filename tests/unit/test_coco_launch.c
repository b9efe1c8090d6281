/*
 * The SNP and TDX launches, proven up to the ioctl boundary: transcripts
 * against the sequences of kvm-coco-abi.md 9a/9b and the ordering rules of
 * 7.9/8.9, measured pages against `cvmm measure`'s digest, partial progress,
 * the CPUID-page rejection, every ioctl failing in turn (one line, every fd
 * closed), and the host checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/measure/measure.h"
#include "loader/plan_coco.h"
#include "loader/boot/vmsa.h"
#include "capture.h"
#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/platform_coco.h"

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
	p->coco = (struct coco_plan){ .platform = "snp", .n_vcpus = cpus, .sev_features = 1,
				      .policy = 0x30000, .vcpu_sig = 0xa00f11, .ap_eip = 0x80b004,
				      .fw_gpa = 0xffff0000, .fw_size = 0x10000 };
	piece(p, 0xffff0000, 0x10000, pattern(p, 0x10000, 1), 0x10000, PIECE_NORMAL, true, "firmware");
	piece(p, 0x800000, 0x3000, NULL, 0, PIECE_ZERO, false, "SEC_MEM");
	piece(p, 0x803000, 0x1000, NULL, 0, PIECE_SECRETS, false, "secrets page");
	piece(p, 0x804000, 0x1000, NULL, 0, PIECE_CPUID, false, "CPUID page");
	vmsas(p, cpus);
}

/* SNP direct boot: identity map, boot_params, kernel; entered in 64-bit mode. */
static void plan_snp_direct(struct launch_plan *p, int cpus)
{
	plan_init(p, 8ULL << 30);	/* RAM above 4 GiB too: two slots */
	p->boot = (struct vcpu_boot){ .mode = CPU_MODE_LONG64, .rip = 0x100000, .rsp = 0x8f000,
				      .rsi = 0x7000, .cr3 = 0x1000, .gdt_base = 0x500,
				      .gdt_limit = 0x17 };
	p->coco = (struct coco_plan){ .platform = "snp", .n_vcpus = cpus, .sev_features = 0x21,
				      .policy = 0x30000, .vcpu_sig = 0xa00f11 };
	piece(p, 0x1000, 0x6000, pattern(p, 0x6000, 2), 0x6000, PIECE_NORMAL, true, "page tables");
	piece(p, 0x7000, 0x1000, pattern(p, 0x200, 3), 0x200, PIECE_NORMAL, true, "boot_params");
	piece(p, 0x100000, 0x5000, pattern(p, 0x4abc, 4), 0x4abc, PIECE_NORMAL, true, "kernel");
	piece(p, 0x9f000, 0x1000, pattern(p, 0x40, 5), 0x40, PIECE_SHARED, false, "memory map");
	vmsas(p, cpus);
}

/* TDX from firmware: TDVF-like BFV (extended), CFV, TD HOB, TempMem. */
static void plan_tdx_fw(struct launch_plan *p, int cpus)
{
	plan_init(p, 128ULL << 20);
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){ .platform = "tdx", .n_vcpus = cpus, .td_hob_gpa = 0x809000,
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
	p->coco = (struct coco_plan){ .platform = "tdx", .n_vcpus = cpus };
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

static int launch(struct kb_recorder *rec, struct kvm_backend *kb, const struct launch_plan *p)
{
	struct coco c;
	int r;

	coco_init(&c, coco_ops_by_name(p->coco.platform), kb ? kb : &rec->ops, &opts);
	r = coco_launch(&c, p);
	coco_destroy(&c);
	return r;
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
 * RAM as the direct-boot layout has it, one guest_memfd per region and one
 * KVM slot per 256 MiB (as vmm/mem.c registers it), all made private; then
 * the plan's region outside RAM (the firmware) the same way.
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

static void expect_slots(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	uint64_t low = p->mem_size < LAYOUT_LOW_RAM_MAX ? p->mem_size : LAYOUT_LOW_RAM_MAX;
	uint32_t slot = 0, rom_slot = 32000;

	expect_gmem(low);
	if (p->mem_size > low)
		expect_gmem(p->mem_size - low);
	expect_region(0, low, &slot);
	if (p->mem_size > low)
		expect_region(LAYOUT_HIGH_RAM, p->mem_size - low, &slot);
	expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x0 size=0x%llx attributes=0x8}",
	       (unsigned long long)low);
	if (p->mem_size > low)
		expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x100000000 size=0x%llx "
		       "attributes=0x8}", (unsigned long long)(p->mem_size - low));
	if (!rom_size)
		return;
	expect_gmem(rom_size);
	expect_region(rom_gpa, rom_size, &rom_slot);
	expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x%llx size=0x%llx attributes=0x8}",
	       (unsigned long long)rom_gpa, (unsigned long long)rom_size);
}

static void expect_vm_checks(void)
{
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_GUEST_MEMFD(234)");
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_USER_MEMORY2(231)");
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_MEMORY_ATTRIBUTES(233)");
	expect("vm", "KVM_CHECK_EXTENSION", "KVM_CAP_EXIT_HYPERCALL(201)");
}

static void expect_snp(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	n_want = 0;
	expect("-", "open", "/dev/kvm");
	expect("-", "open", "/dev/sev");				/* 9a.1 */
	expect("kvm", "KVM_CREATE_VM", "type=4");			/* 9a.3 */
	expect_vm_checks();						/* 9a.8 */
	expect("kvm", "KVM_GET_DEVICE_ATTR", "{group=1 attr=0}");	/* 9a.4 */
	expect("kvm", "KVM_GET_DEVICE_ATTR", "{group=1 attr=1}");
	expect("vm", "KVM_SEV_INIT2", "{vmsa_features=0x%llx flags=0 ghcb_version=0}",
	       (unsigned long long)(p->coco.sev_features & ~1ULL));	/* 9a.5 */
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_EXIT_HYPERCALL(201) args[0]=0x1000}");
	expect("vm", "KVM_SEV_SNP_LAUNCH_START", "{policy=0x30000 flags=0}");	/* 9a.7 */
	expect("kvm", "KVM_GET_SUPPORTED_CPUID", "%s", "");
	expect_slots(p, rom_gpa, rom_size);				/* 9a.10 */
	for (size_t i = 0; i < p->n_pieces; i++)
		if (p->pieces[i].type == PIECE_SHARED)
			expect("vm", "KVM_SET_MEMORY_ATTRIBUTES", "{address=0x%llx size=0x1000 attributes=0x0}",
			       (unsigned long long)p->pieces[i].gpa);
	for (size_t i = 0; i < p->n_pieces; i++) {			/* 9a.12 */
		const struct plan_piece *pc = &p->pieces[i];

		if (pc->type == PIECE_SHARED)
			continue;
		expect("vm", "KVM_SEV_SNP_LAUNCH_UPDATE", "{gfn_start=0x%llx len=0x%llx type=%d}",
		       (unsigned long long)pc->gpa >> 12,
		       (unsigned long long)((pc->len + 4095) & ~4095ULL), (int)pc->type);
	}
	/* vCPUs after the pieces (7.9 allows it): FINISH captures them all */
	for (int i = 0; i < p->coco.n_vcpus; i++) {			/* 9a.9 */
		expect("vm", "KVM_CREATE_VCPU", "id=%d", i);
		expect(vcpu_name(i), "KVM_SET_CPUID2", "%s", "");
		if (i == 0 && p->boot.mode == CPU_MODE_LONG64) {	/* 9a.11 */
			expect("vcpu0", "KVM_GET_SREGS", "%s", "");
			expect("vcpu0", "KVM_SET_SREGS", "cr3=0x%llx", (unsigned long long)p->boot.cr3);
			expect("vcpu0", "KVM_SET_REGS", "{rip=0x%llx", (unsigned long long)p->boot.rip);
		} else if (p->boot.mode != CPU_MODE_LONG64) {
			/* the state the plan's VMSA holds: BSP at the reset vector, APs at ap_eip */
			uint32_t eip = i ? p->coco.ap_eip : VMSA_BSP_EIP;

			expect(vcpu_name(i), "KVM_GET_SREGS", "%s", "");
			expect(vcpu_name(i), "KVM_SET_SREGS", "{cs=0xf000/0x%x cr0=0x60000010 ",
			       eip & 0xffff0000u);
			expect(vcpu_name(i), "KVM_GET_REGS", "%s", "");
			expect(vcpu_name(i), "KVM_SET_REGS", "{rip=0x%x rsp=0x0 rsi=0x0 rdx=0x%x}",
			       eip & 0xffff, p->coco.vcpu_sig);
		}
	}
	expect("vm", "KVM_SEV_SNP_LAUNCH_FINISH", "{id_block_en=0");	/* 9a.13 */
}

static void expect_tdx(const struct launch_plan *p, uint64_t rom_gpa, uint64_t rom_size)
{
	n_want = 0;
	expect("-", "open", "/dev/kvm");
	expect("kvm", "KVM_CREATE_VM", "type=5");			/* 9b.1 */
	expect_vm_checks();
	expect("vm", "KVM_TDX_CAPABILITIES", "flags=0x0 {cpuid.nent=6}");	/* 9b.2 */
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_EXIT_HYPERCALL(201) args[0]=0x1000}");
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_SPLIT_IRQCHIP(121) args[0]=0x18}");
	expect("vm", "KVM_ENABLE_CAP", "{cap=KVM_CAP_X86_APIC_BUS_CYCLES_NS(237) args[0]=0x28}");
	expect("kvm", "KVM_GET_SUPPORTED_CPUID", "%s", "");
	expect("vm", "KVM_TDX_INIT_VM", "{attributes=0x10000000 xfam=0x2e7 mrconfigid=0");
	expect_slots(p, rom_gpa, rom_size);				/* 9b.7 */
	for (int i = 0; i < p->coco.n_vcpus; i++) {			/* 9b.6 */
		expect("vm", "KVM_CREATE_VCPU", "id=%d", i);
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

struct seen { struct launch_plan plan; };

static void on_measure(void *opaque, int kind, uint64_t gpa, const uint8_t *page, uint32_t what)
{
	struct seen *s = opaque;
	uint8_t *copy = plan_own(&s->plan, malloc(4096));
	struct plan_piece pc = { .gpa = gpa, .len = 4096, .data = copy, .data_len = 4096,
				 .what = "recorded" };

	memcpy(copy, page, 4096);
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
	bool tdx = !strcmp(p->coco.platform, "tdx");

	s->plan.coco = p->coco;	/* the VMSAs: KVM measures them itself at FINISH */
	s->plan.mem_size = p->mem_size;
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
	int fds = coco_count_fds();

	build(&p, cpus);
	bool tdx = !strcmp(p.coco.platform, "tdx");

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
	ck_assert_int_eq(coco_count_fds(), fds);
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

/* ---- the CPUID page rejected by the firmware ----------------------------------- */

struct run_arg { struct kb_recorder *rec; struct kvm_backend *kb; struct launch_plan *p; };
static int run_launch(void *a)
{
	struct run_arg *r = a;

	return launch(r->rec, r->kb, r->p);
}

START_TEST(cpuid_page_rejected)
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
	ck_assert_int_eq(ret, -1);
	ck_assert_int_eq(lines, 1);
	/* the fake firmware flipped bit 4 of leaf #1's EBX: that leaf is named */
	ck_assert_msg(strstr(err, "CPUID page") && strstr(err, "1 leaf(s)") &&
		      strstr(err, "0x1.0 ebx 0x800->0x810"), "%s", err);
	kb_recorder_free(&rec);
	plan_free(&p);
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
		int ret, lines, fds = coco_count_fds();

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
		ck_assert_msg(coco_count_fds() == fds, "call %d (%s): %d fds leaked", k,
			      f.failed_what, coco_count_fds() - fds);
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

	ck_assert(!coco_host_ok(&h, "tdx", why, sizeof(why)));
	ck_assert_msg(strstr(why, "cannot run TDX guests: KVM offers no KVM_X86_TDX_VM") &&
		      strstr(why, "(KVM_CAP_VM_TYPES = 0x1 lacks KVM_X86_TDX_VM = 5)") &&
		      strstr(why, "cvmm measure --tdx") && strstr(why, "cvmm --tdx --dry-run"), "%s", why);
	ck_assert(!strchr(why, '\n'));
	ck_assert(!coco_host_ok(&h, "snp", why, sizeof(why)));
	ck_assert_msg(strstr(why, "KVM_X86_SNP_VM = 4"), "%s", why);

	h.vm_types = 1u << 5 | 1u << 4 | 1;
	h.guest_memfd = false;
	ck_assert(!coco_host_ok(&h, "tdx", why, sizeof(why)));
	ck_assert_msg(strstr(why, "no guest_memfd (KVM_CAP_GUEST_MEMFD)"), "%s", why);
	h.guest_memfd = true;
	ck_assert(!coco_host_ok(&h, "snp", why, sizeof(why)));
	ck_assert_msg(strstr(why, "private memory attributes"), "%s", why);
	h.mem_attrs = 8;
	ck_assert(!coco_host_ok(&h, "snp", why, sizeof(why)));
	ck_assert_msg(strstr(why, "MAP_GPA_RANGE exits"), "%s", why);
	h.exit_hypercall = 0x1000;
	ck_assert(!coco_host_ok(&h, "tdx", why, sizeof(why)));
	ck_assert_msg(strstr(why, "memory-fault exits"), "%s", why);
	h.memory_fault_info = true;
	ck_assert(coco_host_ok(&h, "tdx", why, sizeof(why)));
	ck_assert(coco_host_ok(&h, "snp", why, sizeof(why)));
}
END_TEST

/* A kernel that lacks a per-VM capability: one line, and nothing left open. */
START_TEST(vm_lacks_capability)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[1024];
	int ret, fds = coco_count_fds();

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
	ck_assert_int_eq(coco_count_fds(), fds);
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
	coco_info_print_with(f, &h, &rec.ops);
	fclose(f);
	ck_assert_msg(strstr(buf, "snp: not available: this host cannot run SEV-SNP guests") &&
		      strstr(buf, "tdx: available") &&
		      strstr(buf, "tdx: supported TD attributes 0x8000000050000001, XFAM 0x2e7") &&
		      strstr(buf, "(SetupEventNotifyInterrupt)") &&
		      strstr(buf, "4 configurable CPUID leaves: 0x1.0 0x7.0 0xd.0 0x80000008.0"),
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
static void measure_case(const char *platform, const char *fw, const char *kernel, int cpus)
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
	if (fw)
		ck_assert_msg(access(fw, R_OK) == 0, "%s missing: install Debian's ovmf (make deps)", fw);
	if (kernel)
		ck_assert_msg(access(kernel, R_OK) == 0, "%s missing: run make test-build", kernel);
	ck_assert_int_eq(measure_from_opts(&o, &m, NULL), 0);
	ck_assert_int_eq(plan_build_coco(&p, &o), 0);
	plan_init(&s.plan, p.mem_size);
	kb_recorder_init(&rec);
	rec.host.max_pages_per_call = 7;	/* and with partial progress on top */
	rec.on_measure = on_measure;
	rec.measure_opaque = &s;
	struct coco c;

	coco_init(&c, coco_ops_by_name(platform), &rec.ops, &o);
	ck_assert_int_eq(coco_launch(&c, &p), 0);
	coco_destroy(&c);
	s.plan.coco = p.coco;
	if (!strcmp(platform, "tdx"))
		ck_assert_int_eq(measure_tdx_plan(&s.plan, got, NULL), 0);
	else
		ck_assert_int_eq(measure_snp_plan(&s.plan, got, NULL), 0);
	ck_assert_msg(!memcmp(got, m.digest, 48), "%s: the issued pages do not reproduce "
		      "`cvmm measure`", platform);
	kb_recorder_free(&rec);
	plan_free(&s.plan);
	plan_free(&p);
}

START_TEST(digest_matches_cvmm_measure)
{
	measure_case("snp", "/usr/share/OVMF/OVMF_CODE.fd", NULL, 1);
	measure_case("snp", "/usr/share/OVMF/OVMF_CODE.fd", NULL, 4);
	measure_case("tdx", "/usr/share/ovmf/OVMF.fd", NULL, 1);
	measure_case("tdx", "/usr/share/ovmf/OVMF.fd", NULL, 4);
	/* direct boot through cvmm's boot shim (measure's builders) */
	measure_case("snp", NULL, "build/guests/hello.bzImage", 1);
	measure_case("snp", NULL, "build/guests/hello.bzImage", 4);
	measure_case("tdx", NULL, "build/guests/hello.bzImage", 1);
	measure_case("tdx", NULL, "build/guests/hello.bzImage", 4);
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
	tcase_add_test(tc, cpuid_page_rejected);
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
