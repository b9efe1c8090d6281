/*
 * The SNP and TDX launch transcripts: what vm_boot() issues against the
 * recorder for hand-built plans (firmware and direct boot, 1 and 4 vCPUs),
 * against the sequences of kvm-coco-abi.md 9a/9b and the ordering rules of
 * 7.9/8.9, the measured pages and the VMSAs KVM makes of the registers
 * `run` sets against the plan's digest, partial progress, the run's
 * transcript against --dry-run's, and the values that reach the kernel.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/measure/measure.h"
#include "coco_launch.h"
#include "loader/layout.h"

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

/* ---- `run` issues what --dry-run prints ---------------------------------------- */

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

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_launch");
	TCase *tc = tcase_create("coco_launch");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, snp_firmware_1_and_4);
	tcase_add_test(tc, snp_direct_1_and_4);
	tcase_add_test(tc, tdx_firmware_1_and_4);
	tcase_add_test(tc, tdx_direct_1_and_4);
	tcase_add_test(tc, partial_progress);
	tcase_add_test(tc, partial_progress_is_retried_in_transcript);
	tcase_add_test(tc, run_transcript_is_dry_run_transcript);
	tcase_add_test(tc, tdx_mr_values_and_host_data_reach_the_kernel);
	tcase_add_test(tc, dry_run_prints_plan_and_transcript);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
