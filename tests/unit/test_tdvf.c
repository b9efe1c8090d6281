/*
 * The TD HOB cvmm hands a TDVF firmware (loader/td_hob.c), decoded here
 * independently per the UEFI PI HOB layout: a PHIT first, resource
 * descriptors that cover exactly the guest RAM (accepted where the plan
 * adds pages, unaccepted elsewhere), an end-of-list HOB, PHIT pointing at
 * that end (QEMU's convention: the address right after the end HOB).
 */
#include <string.h>

#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan_coco.h"
#include "loader/td_hob.h"
#include "vmm/log.h"
#include "vmm/opts.h"

static uint64_t u64(const uint8_t *b, size_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }
static uint32_t u32(const uint8_t *b, size_t off) { uint32_t v; memcpy(&v, b + off, 4); return v; }
static uint16_t u16(const uint8_t *b, size_t off) { uint16_t v; memcpy(&v, b + off, 2); return v; }

static void check_hob(uint64_t mem)
{
	struct run_opts o;
	struct launch_plan p;
	const struct plan_piece *hob = NULL;
	uint64_t ram = 0, accepted = 0, prev_end = 0;
	size_t off;

	run_opts_init(&o);
	o.platform = "tdx";
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

Suite *make_suite(void)
{
	Suite *s = suite_create("tdvf");
	TCase *tc = tcase_create("tdvf");

	tcase_add_test(tc, td_hob_256m);
	tcase_add_test(tc, td_hob_8g);
	tcase_add_test(tc, td_hob_too_small);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
