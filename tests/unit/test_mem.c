/*
 * Guest memory and its one door, without KVM: layout around the 32-bit hole,
 * overflow-safe bounds, laziness of large guests.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"
#include "loader/layout.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"
#include "tests/support/gm_test.h"

#define GiB (1ULL << 30)

static long rss_pages(void)
{
	long size, rss;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &rss), 2);
	fclose(f);
	return rss;
}

START_TEST(layout_around_the_hole)
{
	struct guest_mem gm;

	ck_assert_int_eq(gm_init(&gm, 8 * GiB, -1, false), 0);
	ck_assert_int_eq(gm.n_regions, 2);
	ck_assert_uint_eq(gm.regions[0].gpa, 0);
	ck_assert_uint_eq(gm.regions[0].size, LAYOUT_LOW_RAM_MAX);
	ck_assert_uint_eq(gm.regions[1].gpa, LAYOUT_HIGH_RAM);
	ck_assert_uint_eq(gm.regions[1].size, 8 * GiB - LAYOUT_LOW_RAM_MAX);
	gm_destroy(&gm);
	gm_destroy(&gm);	/* idempotent */

	ck_assert_int_eq(gm_init(&gm, 64ULL << 20, -1, false), 0);
	ck_assert_int_eq(gm.n_regions, 1);
	ck_assert_uint_eq(gm.regions[0].size, 64ULL << 20);
	gm_destroy(&gm);
}
END_TEST

START_TEST(bounds_are_overflow_safe)
{
	struct guest_mem gm;
	uint64_t hi_end = LAYOUT_HIGH_RAM + 8 * GiB - LAYOUT_LOW_RAM_MAX;

	ck_assert_int_eq(gm_init(&gm, 8 * GiB, -1, false), 0);
	ck_assert_ptr_nonnull(gm_region_of(&gm, 0, 1));
	ck_assert_ptr_nonnull(gm_region_of(&gm, 0, LAYOUT_LOW_RAM_MAX));
	ck_assert_ptr_null(gm_region_of(&gm, 0, 0));				/* empty */
	ck_assert_ptr_null(gm_region_of(&gm, LAYOUT_LOW_RAM_MAX - 1, 2));	/* into the hole */
	ck_assert_ptr_null(gm_region_of(&gm, LAYOUT_MMIO_BASE, 4));		/* the hole */
	ck_assert_ptr_null(gm_region_of(&gm, LAYOUT_LOW_RAM_MAX - 8, 16 + GiB));	/* across it */
	ck_assert_ptr_nonnull(gm_region_of(&gm, hi_end - 8, 8));
	ck_assert_ptr_null(gm_region_of(&gm, hi_end - 8, 9));			/* past the end */
	ck_assert_ptr_null(gm_region_of(&gm, ~0ULL - 3, 8));			/* wraps */
	ck_assert_ptr_null(gm_region_of(&gm, 8, ~0ULL));			/* wraps */
	ck_assert_ptr_null(gm_region_of(&gm, ~0ULL, 1));
	ck_assert_ptr_null(gm_launch_ptr(&gm, LAYOUT_LOW_RAM_MAX, 1));
	ck_assert_ptr_nonnull(gm_launch_ptr(&gm, LAYOUT_HIGH_RAM, 4096));
	gm_destroy(&gm);
}
END_TEST

START_TEST(read_write_through_the_door)
{
	struct guest_mem gm;
	struct gm_view v;
	uint8_t in[64], out[64];

	ck_assert_int_eq(gm_init(&gm, 5 * GiB, -1, false), 0);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(gm_write(&gm, LAYOUT_HIGH_RAM + 0x1234, in, sizeof(in)), GM_OK);
	ck_assert_int_eq(gm_read(&gm, LAYOUT_HIGH_RAM + 0x1234, out, sizeof(out)), GM_OK);
	ck_assert_mem_eq(in, out, sizeof(in));
	/* the launch mapping and the device view are the same bytes here */
	ck_assert_mem_eq(gm_launch_ptr(&gm, LAYOUT_HIGH_RAM + 0x1234, 64), in, sizeof(in));

	ck_assert_int_eq(gm_read(&gm, LAYOUT_LOW_RAM_MAX - 32, out, 64), GM_E_RANGE);
	ck_assert_int_eq(gm_write(&gm, ~0ULL - 8, in, 64), GM_E_RANGE);
	ck_assert_int_eq(gm_read(&gm, 0, out, 0), GM_E_RANGE);
	ck_assert_int_eq(gm_view_begin(&gm, LAYOUT_MMIO_BASE, 8, &v), GM_E_RANGE);
	ck_assert_ptr_null(v.hva);
	ck_assert_int_eq(gm_view_begin(&gm, 0x1000, 8, &v), GM_OK);
	ck_assert_ptr_nonnull(v.hva);
	ck_assert_uint_eq(v.gpa, 0x1000);
	ck_assert_uint_eq(v.len, 8);
	gm_view_end(&v);
	ck_assert_ptr_null(v.hva);
	ck_assert_str_eq(gm_strerror(GM_E_RANGE), "not guest RAM");
	gm_destroy(&gm);
}
END_TEST

START_TEST(sixty_four_gib_costs_nothing_up_front)
{
	struct guest_mem gm;
	long before = rss_pages();

	ck_assert_int_eq(gm_init(&gm, 64 * GiB, -1, false), 0);
	/* a few pages of bookkeeping at most, never the RAM itself */
	ck_assert_int_lt(rss_pages() - before, 64);
	gm_destroy(&gm);
}
END_TEST

START_TEST(bad_requests)
{
	struct guest_mem gm;

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(gm_init(&gm, 0, -1, false), -1);
	ck_assert_int_eq(gm_init(&gm, 4097, -1, false), -1);
	gm_destroy(&gm);	/* safe after a failed init */
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("mem");

	tcase_add_test(tc, layout_around_the_hole);
	tcase_add_test(tc, bounds_are_overflow_safe);
	tcase_add_test(tc, read_write_through_the_door);
	tcase_add_test(tc, sixty_four_gib_costs_nothing_up_front);
	tcase_add_test(tc, bad_requests);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
