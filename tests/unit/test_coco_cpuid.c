/*
 * The CPUID the launch hands out: the SNP CPUID page against the vCPUs'
 * CPUID, a page over 64 leaves refused, the firmware's rejection retried
 * once, a TD's vCPUs given the TD's table, and INIT_VM's table filtered by
 * the module's capabilities.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coco_launch.h"

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

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_cpuid");
	TCase *tc = tcase_create("coco_cpuid");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, snp_cpuid_page_is_the_vcpus_cpuid);
	tcase_add_test(tc, snp_cpuid_over_64_leaves_refused);
	tcase_add_test(tc, tdx_vcpus_get_the_td_cpuid);
	tcase_add_test(tc, cpuid_page_rejected_is_retried_once);
	tcase_add_test(tc, tdx_cpuid_filtered_by_caps);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
