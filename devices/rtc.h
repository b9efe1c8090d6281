/*
 * The CMOS real-time clock (MC146818 subset) at ports 0x70/0x71: the
 * register model, split from the port handler so the unit test can drive
 * it with a host time of its choosing (devices/rtc.c).
 */
#ifndef CVMM_RTC_H
#define CVMM_RTC_H

#include <stdint.h>

#include "loader/acpi/acpi.h"

#define RTC_INDEX_PORT	ACPI_RTC_PORT	/* bit 7: NMI mask on a PC, ignored here */
#define RTC_CENTURY	ACPI_RTC_CENTURY	/* the FADT's CENTURY field names it */

/* A civil UTC time: full year, month 1-12, day of week 0 = Sunday. */
struct rtc_time {
	int year, mon, mday, hour, min, sec, wday;
};

struct rtc_regs {
	uint8_t ram[128];	/* CMOS RAM; status A/B live here too */
	int64_t offset;		/* guest time - host CLOCK_REALTIME, seconds */
	/* status B's SET bit is on: time reads and writes use 'held' */
	int holding;
	struct rtc_time held;
};

void rtc_regs_init(struct rtc_regs *r);
/* Register idx (0-127) at host UTC time 'now' (seconds since 1970). */
uint8_t rtc_regs_read(struct rtc_regs *r, unsigned idx, int64_t now);
void rtc_regs_write(struct rtc_regs *r, unsigned idx, uint8_t v, int64_t now);

#endif
