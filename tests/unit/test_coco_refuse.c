/*
 * What a launch refuses and how it fails: every ioctl failing in turn
 * (one line, every fd closed), the policy, plan and option checks before
 * anything is created, a host or VM that lacks what a platform needs,
 * and what `cvmm info` says of the host that can run it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coco_launch.h"

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

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_refuse");
	TCase *tc = tcase_create("coco_refuse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, snp_each_call_fails);
	tcase_add_test(tc, tdx_each_call_fails);
	tcase_add_test(tc, snp_policy_rules);
	tcase_add_test(tc, refused_before_anything_exists);
	tcase_add_test(tc, host_lacks_exactly_what_it_lacks);
	tcase_add_test(tc, vm_lacks_capability);
	tcase_add_test(tc, info_shows_tdx_capabilities);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
