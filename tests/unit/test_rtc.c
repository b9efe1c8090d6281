/*
 * The CMOS RTC's registers (devices/rtc.c) against dates worked out by
 * hand: host time 1700000000 is 19675 days + 80000 s after 1970-01-01,
 * i.e. Tuesday 2023-11-14 22:13:20 UTC (2023-01-01 is day 19358 = 53 * 365
 * + 13 leap days; day 317 of 2023 is November 14; (19675 + 4) % 7 = 2, as
 * 1970-01-01 was a Thursday).
 */
#include "check_compat.h"
#include "devices/rtc.h"

#define NOW	1700000000LL
#define MIDNIGHT (NOW - 80000)	/* 2023-11-14 00:00:00 */

enum { SEC = 0, MIN = 2, HOUR = 4, WDAY = 6, MDAY = 7, MON = 8, YEAR = 9,
       A = 0x0a, B = 0x0b, C = 0x0c, D = 0x0d, CENT = 0x32 };

static struct rtc_regs r;

static void setup(void)
{
	rtc_regs_init(&r);
}

/* The seven date/time registers and the century at host time t. */
static void want(int64_t t, uint8_t sec, uint8_t min, uint8_t hour, uint8_t wday, uint8_t mday,
		 uint8_t mon, uint8_t year, uint8_t cent)
{
	ck_assert_uint_eq(rtc_regs_read(&r, SEC, t), sec);
	ck_assert_uint_eq(rtc_regs_read(&r, MIN, t), min);
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, t), hour);
	ck_assert_uint_eq(rtc_regs_read(&r, WDAY, t), wday);
	ck_assert_uint_eq(rtc_regs_read(&r, MDAY, t), mday);
	ck_assert_uint_eq(rtc_regs_read(&r, MON, t), mon);
	ck_assert_uint_eq(rtc_regs_read(&r, YEAR, t), year);
	ck_assert_uint_eq(rtc_regs_read(&r, CENT, t), cent);
}

START_TEST(reset_state_is_bcd_24h_host_time)
{
	ck_assert_uint_eq(rtc_regs_read(&r, B, NOW), 0x02);
	want(NOW, 0x20, 0x13, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20);
	ck_assert_uint_eq(rtc_regs_read(&r, A, NOW), 0x26);
	ck_assert_uint_eq(rtc_regs_read(&r, C, NOW), 0x00);
	ck_assert_uint_eq(rtc_regs_read(&r, D, NOW), 0x80);
	/* the clock runs with the host's: 65 s later */
	want(NOW + 65, 0x25, 0x14, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20);
}
END_TEST

START_TEST(binary_mode)
{
	rtc_regs_write(&r, B, 0x06, NOW);
	want(NOW, 20, 13, 22, 3, 14, 11, 23, 20);
}
END_TEST

START_TEST(twelve_hour_mode)
{
	rtc_regs_write(&r, B, 0x00, NOW);			/* BCD, 12h */
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, NOW), 0x90);		/* 10 PM */
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, MIDNIGHT), 0x12);	/* 12 AM */
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, MIDNIGHT + 43200), 0x92);	/* 12 PM */
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, MIDNIGHT + 3600), 0x01);	/* 1 AM */
	rtc_regs_write(&r, B, 0x04, NOW);			/* binary, 12h */
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, NOW), 0x8a);
	/* a write in 12h mode: 1 PM is hour 13 */
	rtc_regs_write(&r, B, 0x00, NOW);
	rtc_regs_write(&r, HOUR, 0x81, NOW);
	rtc_regs_write(&r, B, 0x06, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, NOW), 13);
	/* 12 AM written is hour 0 */
	rtc_regs_write(&r, B, 0x00, NOW);
	rtc_regs_write(&r, HOUR, 0x12, NOW);
	rtc_regs_write(&r, B, 0x06, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, HOUR, NOW), 0);
}
END_TEST

/* What Linux's mc146818_set_time does: SET, every field, SET cleared. */
START_TEST(set_holds_then_offset_sticks)
{
	rtc_regs_write(&r, B, 0x82, NOW);
	rtc_regs_write(&r, SEC, 0x00, NOW);
	rtc_regs_write(&r, MIN, 0x00, NOW);
	rtc_regs_write(&r, HOUR, 0x00, NOW + 1);
	rtc_regs_write(&r, MDAY, 0x01, NOW + 1);
	rtc_regs_write(&r, MON, 0x01, NOW + 2);
	rtc_regs_write(&r, YEAR, 0x30, NOW + 2);
	/* held while SET is on: 2030-01-01 00:00:00, a Tuesday */
	want(NOW + 5, 0x00, 0x00, 0x00, 0x03, 0x01, 0x01, 0x30, 0x20);
	rtc_regs_write(&r, B, 0x02, NOW + 10);
	/* running from there: 100 s later it is 00:01:40 */
	want(NOW + 110, 0x40, 0x01, 0x00, 0x03, 0x01, 0x01, 0x30, 0x20);
}
END_TEST

START_TEST(one_field_write_moves_the_clock)
{
	rtc_regs_write(&r, MIN, 0x45, NOW);		/* 22:45:20 */
	want(NOW + 10, 0x30, 0x45, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20);
	/* century: 2123-11-14 was a Sunday (100 years = 36524 days, 36524 % 7 = 5) */
	rtc_regs_write(&r, CENT, 0x21, NOW);
	want(NOW, 0x20, 0x45, 0x22, 0x01, 0x14, 0x11, 0x23, 0x21);
}
END_TEST

START_TEST(leap_days)
{
	rtc_regs_write(&r, B, 0x86, NOW);		/* binary, SET */
	rtc_regs_write(&r, YEAR, 24, NOW);
	rtc_regs_write(&r, MON, 2, NOW);
	rtc_regs_write(&r, MDAY, 29, NOW);
	rtc_regs_write(&r, HOUR, 23, NOW);
	rtc_regs_write(&r, MIN, 59, NOW);
	rtc_regs_write(&r, SEC, 59, NOW);
	rtc_regs_write(&r, B, 0x06, NOW);
	/* 2024-02-29 23:59:59 (Thursday) + 1 s: Friday 2024-03-01 */
	want(NOW, 59, 59, 23, 5, 29, 2, 24, 20);
	want(NOW + 1, 0, 0, 0, 6, 1, 3, 24, 20);
	/* 2100 is not a leap year: 2100-02-28 + 1 day is March 1 */
	rtc_regs_write(&r, B, 0x86, NOW);
	rtc_regs_write(&r, CENT, 21, NOW);
	rtc_regs_write(&r, YEAR, 0, NOW);
	rtc_regs_write(&r, MDAY, 28, NOW);
	rtc_regs_write(&r, B, 0x06, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, MDAY, NOW + 1), 1);
	ck_assert_uint_eq(rtc_regs_read(&r, MON, NOW + 1), 3);
}
END_TEST

START_TEST(out_of_range_fields_carry)
{
	/* month 13 of 2023 is January 2024 */
	rtc_regs_write(&r, B, 0x06, NOW);
	rtc_regs_write(&r, MON, 13, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, MON, NOW), 1);
	ck_assert_uint_eq(rtc_regs_read(&r, YEAR, NOW), 24);
	/* every value at every index: no crash, and the clock still reads */
	for (unsigned i = 0; i < 256; i++)
		for (unsigned v = 0; v < 256; v++)
			rtc_regs_write(&r, i, (uint8_t)v, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, D, NOW), 0x80);
	/*
	 * Century 0, year 0, then month 0 would be December of year -1, and
	 * each month 0 after it a year further back: the clock stops at
	 * 0000-01-01 00:00:00 instead, and every register reads a BCD byte.
	 */
	rtc_regs_write(&r, B, 0x02, NOW);
	rtc_regs_write(&r, CENT, 0x00, NOW);
	rtc_regs_write(&r, YEAR, 0x00, NOW);
	for (int i = 0; i < 30; i++)
		rtc_regs_write(&r, MON, 0x00, NOW);
	for (unsigned i = 0; i < 128; i++) {
		uint8_t v = rtc_regs_read(&r, i, NOW);

		if (i <= YEAR && i % 2 == 0 && i != HOUR)	/* 0, 2, 6, 8: no flag bits */
			ck_assert_msg((v >> 4) <= 9 && (v & 15) <= 9, "register %u: 0x%02x", i, v);
	}
	want(NOW, 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x00);	/* a Saturday (proleptic) */
	/* and at the top: 9999-12-31 23:59:59, then month 13 */
	rtc_regs_write(&r, B, 0x86, NOW);
	rtc_regs_write(&r, CENT, 99, NOW);
	rtc_regs_write(&r, YEAR, 99, NOW);
	rtc_regs_write(&r, MON, 13, NOW);
	rtc_regs_write(&r, B, 0x06, NOW);
	want(NOW, 59, 59, 23, 6, 31, 12, 99, 99);	/* a Friday */
}
END_TEST

START_TEST(status_registers)
{
	rtc_regs_write(&r, A, 0xa6, NOW);		/* UIP is read-only: never set */
	ck_assert_uint_eq(rtc_regs_read(&r, A, NOW), 0x26);
	rtc_regs_write(&r, C, 0xff, NOW);
	rtc_regs_write(&r, D, 0x00, NOW);
	ck_assert_uint_eq(rtc_regs_read(&r, C, NOW), 0x00);
	ck_assert_uint_eq(rtc_regs_read(&r, D, NOW), 0x80);
}
END_TEST

START_TEST(cmos_ram)
{
	ck_assert_uint_eq(rtc_regs_read(&r, 0x40, NOW), 0);
	rtc_regs_write(&r, 0x40, 0xab, NOW);
	rtc_regs_write(&r, 0x7f, 0x5a, NOW);
	rtc_regs_write(&r, 0x01, 0x33, NOW);		/* alarm seconds: plain storage */
	ck_assert_uint_eq(rtc_regs_read(&r, 0x40, NOW), 0xab);
	ck_assert_uint_eq(rtc_regs_read(&r, 0x7f, NOW), 0x5a);
	ck_assert_uint_eq(rtc_regs_read(&r, 0xff, NOW), 0x5a);	/* the index is 7 bits */
	ck_assert_uint_eq(rtc_regs_read(&r, 0x01, NOW), 0x33);
	ck_assert_uint_eq(rtc_regs_read(&r, 0x41, NOW), 0);
	/* RAM writes leave the time alone */
	want(NOW, 0x20, 0x13, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("rtc");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, reset_state_is_bcd_24h_host_time);
	tcase_add_test(tc, binary_mode);
	tcase_add_test(tc, twelve_hour_mode);
	tcase_add_test(tc, set_holds_then_offset_sticks);
	tcase_add_test(tc, one_field_write_moves_the_clock);
	tcase_add_test(tc, leap_days);
	tcase_add_test(tc, out_of_range_fields_carry);
	tcase_add_test(tc, status_registers);
	tcase_add_test(tc, cmos_ram);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
