/*
 * The launch against `cvmm measure`: for the plans `cvmm measure` builds
 * (Debian's OVMF, cvmm's boot shim, with and without devices), the pages
 * vm_boot() hands the recorder, and the VMSAs KVM makes of the registers
 * `run` sets, hash to the digest `cvmm measure` prints.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/measure/measure.h"
#include "coco_launch.h"
#include "loader/plan_coco.h"

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
	Suite *s = suite_create("coco_measure");
	TCase *tc = tcase_create("coco_measure");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, digest_matches_cvmm_measure);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
