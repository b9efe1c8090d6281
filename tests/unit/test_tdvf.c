/*
 * The TD HOB cvmm hands a TDVF firmware (loader/td_hob.c), decoded here
 * independently per the UEFI PI HOB layout: a PHIT first, resource
 * descriptors that cover exactly the guest RAM (accepted where the plan
 * adds pages, unaccepted elsewhere), an end-of-list HOB, PHIT pointing at
 * that end (QEMU's convention: the address right after the end HOB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"
#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/image/ovmf.h"
#include "loader/plan_coco.h"
#include "loader/boot/td_hob.h"
#include "loader/image/tdvf.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"

static uint64_t u64(const uint8_t *b, size_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }
static uint32_t u32(const uint8_t *b, size_t off) { uint32_t v; memcpy(&v, b + off, 4); return v; }
static uint16_t u16(const uint8_t *b, size_t off) { uint16_t v; memcpy(&v, b + off, 2); return v; }

static void check_hob(uint64_t mem)
{
	struct launch_opts o;
	struct launch_plan p;
	const struct plan_piece *hob = NULL;
	uint64_t ram = 0, accepted = 0, prev_end = 0;
	size_t off;

	launch_opts_init(&o);
	o.platform = PLATFORM_TDX;
	o.firmware = "/usr/share/ovmf/OVMF.fd";
	o.mem = mem;
	ck_assert_int_eq(plan_build_tdx(&p, &o), 0);
	for (size_t i = 0; i < p.n_pieces; i++)
		if (p.pieces[i].type == PIECE_TD_HOB)
			hob = &p.pieces[i];
	ck_assert_ptr_nonnull(hob);
	ck_assert_uint_eq(hob->gpa, p.coco.td_hob_gpa);
	ck_assert_uint_eq(u16(hob->data, 0), HOB_TYPE_HANDOFF);
	ck_assert_uint_eq(u16(hob->data, 2), 56);
	ck_assert_uint_eq(u64(hob->data, 24), hob->gpa);		/* EfiMemoryBottom */
	for (off = 56;; ) {
		uint16_t type = u16(hob->data, off), len = u16(hob->data, off + 2);

		ck_assert_uint_ge(len, 8);
		ck_assert_uint_le(off + len, hob->len);
		if (type == HOB_TYPE_END)
			break;
		ck_assert_uint_eq(type, HOB_TYPE_RESOURCE_DESC);
		ck_assert_uint_eq(len, 48);
		{
			uint32_t rtype = u32(hob->data, off + 24);
			uint64_t start = u64(hob->data, off + 32), size = u64(hob->data, off + 40);

			ck_assert(rtype == HOB_RESOURCE_SYSTEM_MEMORY ||
				  rtype == HOB_RESOURCE_MEMORY_UNACCEPTED);
			ck_assert_uint_ge(start, prev_end);	/* sorted, disjoint */
			ck_assert(plan_range_in_ram(&p, start, size));
			prev_end = start + size;
			ram += size;
			if (rtype == HOB_RESOURCE_SYSTEM_MEMORY)
				accepted += size;
		}
		off += len;
	}
	/* EfiEndOfHobList: just past the end HOB, as QEMU fills it in. */
	ck_assert_uint_eq(u64(hob->data, 48), hob->gpa + off + 8);
	ck_assert_uint_eq(ram, mem);
	/* Debian OVMF.fd: TempMem 0x10000 + 0x2000 + 0x6000 and TD_HOB 0x2000 lie in RAM. */
	ck_assert_uint_eq(accepted, 0x10000 + 0x2000 + 0x6000 + 0x2000);
	plan_free(&p);
}

START_TEST(td_hob_256m) { check_hob(256ULL << 20); }
END_TEST
START_TEST(td_hob_8g) { check_hob(8ULL << 30); }
END_TEST

START_TEST(td_hob_too_small)
{
	struct launch_plan p;
	uint8_t buf[100];

	cvmm_verbosity = LOG_QUIET;
	plan_init(&p, 1ULL << 30);
	ck_assert_int_eq(td_hob_build(buf, sizeof(buf), 0x809000, &p), -1);
	ck_assert_int_eq(td_hob_build(buf, 40, 0x809000, &p), -1);
	plan_free(&p);
}
END_TEST

/*
 * A TD_HOB section far outside guest RAM is refused for what it is, before
 * cvmm allocates a buffer of the size the file claims (here 16 TiB).
 */
static int build_quiet(struct launch_plan *p, struct launch_opts *o, char *err, size_t n)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), rc;

	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = plan_build_tdx(p, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	err[fread(err, 1, n - 1, tmp)] = '\0';
	fclose(tmp);
	return rc;
}

/* plan_build_tdx() on OVMF.fd with the first section of a type moved/resized. */
static int build_patched(uint32_t type, uint64_t gpa, uint64_t size, char *err, size_t n)
{
	char path[] = "/tmp/cvmm-test-tdvf-XXXXXX";
	const char *src = "/usr/share/ovmf/OVMF.fd";
	struct ovmf_info fw;
	struct tdvf_info td;
	struct launch_opts o;
	struct launch_plan p;
	uint8_t *img;
	size_t len;
	int fd, rc;

	ck_assert_int_eq(file_read_all(src, "firmware", &img, &len), 0);
	ck_assert_int_eq(ovmf_parse(img, len, src, &fw), 0);
	ck_assert_int_eq(tdvf_parse(img, len, &fw, src, &td), 0);
	for (size_t i = 0; i < td.n_sec; i++) {
		uint8_t *d = img + td.desc_off + 16 + 32 * i;

		if (td.sec[i].type != type)
			continue;
		if (gpa)
			memcpy(d + 8, &gpa, 8);
		memcpy(d + 16, &size, 8);
		break;
	}
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
	close(fd);
	free(img);
	launch_opts_init(&o);
	o.platform = PLATFORM_TDX;
	o.firmware = path;
	cvmm_verbosity = LOG_NORMAL;
	rc = build_quiet(&p, &o, err, n);
	if (!rc)
		plan_free(&p);
	unlink(path);
	return rc;
}

/*
 * A TD_HOB section far outside guest RAM is refused for what it is, before
 * cvmm allocates a buffer of the size the file claims (here 16 TiB).
 */
START_TEST(td_hob_outside_ram_refused_before_alloc)
{
	char err[512];

	ck_assert_int_eq(build_patched(TDVF_TD_HOB, 1ULL << 48, 1ULL << 44, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "TD_HOB") && strstr(err, "outside"), "%s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
}
END_TEST

/*
 * A section with file data (BFV) claiming 1 TiB of memory: neither RAM nor
 * the firmware's range holds it, and adding and hashing 2^28 pages would
 * take hours. Refused at once; alarm() turns a hang into a failure.
 */
START_TEST(data_section_outside_ram_and_firmware_refused)
{
	char err[512];

	alarm(30);
	ck_assert_int_eq(build_patched(TDVF_BFV, 0, 1ULL << 40, err, sizeof(err)), -1);
	alarm(0);
	ck_assert_msg(strstr(err, "BFV") && strstr(err, "outside"), "%s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("tdvf");
	TCase *tc = tcase_create("tdvf");

	tcase_add_test(tc, td_hob_256m);
	tcase_add_test(tc, td_hob_8g);
	tcase_add_test(tc, td_hob_too_small);
	tcase_add_test(tc, td_hob_outside_ram_refused_before_alloc);
	tcase_add_test(tc, data_section_outside_ram_and_firmware_refused);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
