/*
 * CMOS real-time clock, the MC146818 subset a PC guest reads its wall time
 * from: index port 0x70, data port 0x71 (devices/rtc.h).
 *
 * Why: on plain KVM Linux takes wall time from kvmclock, but a TDX guest
 * has no kvmclock and boots believing it is 1970, which breaks every TLS
 * certificate and attestation-collateral date check it makes. Linux's
 * boot-time wallclock (mach_get_cmos_time) and its rtc_cmos driver both
 * read these registers.
 *
 *   0x00 0x02 0x04  seconds, minutes, hours   (0x80 in hours: PM in 12h mode)
 *   0x06-0x09       day of week (Sunday 1), day, month, year (00-99)
 *   0x32            century (the FADT's CENTURY field points here)
 *   0x0a status A   divider 0x26 as a PC's reads after reset; UIP always 0:
 *                   the time is computed whole at each read, never mid-update
 *   0x0b status B   bit 1 24h, bit 2 binary, bit 7 SET: honoured; the
 *                   interrupt enables are stored and do nothing
 *   0x0c status C   0: no interrupt flag ever rises
 *   0x0d status D   0x80: the battery is good (RAM and time valid)
 *   the rest        plain CMOS RAM, zero at start, the guest's to keep
 *
 * No alarm, periodic or update-ended interrupts: nothing drives IRQ 8, and
 * the DSDT's PNP0B00 names no IRQ, so Linux's rtc_cmos runs without one
 * (on a hardware-reduced ACPI platform it has no legacy PIC to assume IRQ 8
 * on) and hwclock polls instead of waiting for an update interrupt.
 *
 * The time is the host's CLOCK_REALTIME in UTC at each read, plus an offset
 * that a guest's write of the time registers sets: a guest that runs
 * 'hwclock -w' (or an NTP client syncing the RTC) reads back what it wrote,
 * advancing, for the life of the VM, as it would on a PC; the host's clock
 * is never touched, and a new VM starts from host time again.
 *
 * A malicious guest reaches only this: any index 0-127 and any value. A
 * garbage time (BCD nibbles above 9, month 0 or 200) becomes some date in
 * years 0-9999 by plain arithmetic, not undefined behaviour, and only its
 * own clock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/devices.h"
#include "devices/rtc.h"
#include "vmm/log.h"
#include "vmm/core/vm.h"

#define REG_SEC		0x00
#define REG_MIN		0x02
#define REG_HOUR	0x04
#define REG_WDAY	0x06
#define REG_MDAY	0x07
#define REG_MON		0x08
#define REG_YEAR	0x09
#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d

#define A_UIP		0x80
#define A_RESET		0x26	/* 32.768 kHz time base, 1024 Hz rate */
#define B_SET		0x80
#define B_DM_BINARY	0x04
#define B_24H		0x02
#define B_RESET		B_24H	/* BCD, 24-hour: what a PC firmware leaves */
#define D_VRT		0x80
#define HOUR_PM		0x80

/* Days since 1970-01-01 of a proleptic Gregorian date; m 1-12, any d. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy + d - 1 - 719468;
}

/* The inverse, into t. */
static void civil_from_seconds(int64_t s, struct rtc_time *t)
{
	int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
	int64_t sod = s - days * 86400, z = days + 719468, era, doe, yoe, doy, mp;

	t->hour = (int)(sod / 3600);
	t->min = (int)(sod / 60 % 60);
	t->sec = (int)(sod % 60);
	t->wday = (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
}

/* Any fields (a guest's garbage included) to seconds, carrying as a clock does. */
static int64_t seconds_of(const struct rtc_time *t)
{
	int64_t m0 = (int64_t)t->mon - 1, y = t->year + (m0 >= 0 ? m0 / 12 : (m0 - 11) / 12);

	m0 -= (y - t->year) * 12;
	return days_from_civil(y, m0 + 1, t->mday) * 86400 + (int64_t)t->hour * 3600 +
	       (int64_t)t->min * 60 + t->sec;
}

static uint8_t encode(const struct rtc_regs *r, int v)
{
	v = (v % 100 + 100) % 100;	/* the held fields are the guest's, unchecked */
	if (r->ram[REG_B] & B_DM_BINARY)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

/* Nibbles above 9 are the guest's mistake: taken at face value. */
static int decode(const struct rtc_regs *r, uint8_t v)
{
	if (r->ram[REG_B] & B_DM_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t encode_hour(const struct rtc_regs *r, int h)
{
	int h12;

	if (r->ram[REG_B] & B_24H)
		return encode(r, h);
	h12 = h % 12 ? h % 12 : 12;		/* 0 -> 12 AM, 12 -> 12 PM */
	return (uint8_t)(encode(r, h12) | (h >= 12 ? HOUR_PM : 0));
}

static int decode_hour(const struct rtc_regs *r, uint8_t v)
{
	int h;

	if (r->ram[REG_B] & B_24H)
		return decode(r, v);
	h = decode(r, v & ~HOUR_PM);
	if (h == 12)
		h = 0;
	return h + (v & HOUR_PM ? 12 : 0);
}

/*
 * The guest's clock from now on reads t. Clamped to years 0-9999 (what the
 * century and year registers can say): otherwise month 0, written again and
 * again, would wind the year back without end.
 */
static void set_time(struct rtc_regs *r, const struct rtc_time *t, int64_t now)
{
	int64_t s = seconds_of(t), lo = days_from_civil(0, 1, 1) * 86400,
		hi = days_from_civil(10000, 1, 1) * 86400 - 1;

	r->offset = (s < lo ? lo : s > hi ? hi : s) - now;
}

static void guest_time(const struct rtc_regs *r, int64_t now, struct rtc_time *t)
{
	if (r->holding)
		*t = r->held;
	else
		civil_from_seconds(now + r->offset, t);
}

void rtc_regs_init(struct rtc_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->ram[REG_A] = A_RESET;
	r->ram[REG_B] = B_RESET;
}

uint8_t rtc_regs_read(struct rtc_regs *r, unsigned idx, int64_t now)
{
	struct rtc_time t;

	idx &= 0x7f;
	guest_time(r, now, &t);
	switch (idx) {
	case REG_SEC: return encode(r, t.sec);
	case REG_MIN: return encode(r, t.min);
	case REG_HOUR: return encode_hour(r, t.hour);
	case REG_WDAY: return encode(r, t.wday + 1);
	case REG_MDAY: return encode(r, t.mday);
	case REG_MON: return encode(r, t.mon);
	case REG_YEAR: return encode(r, t.year % 100);
	case RTC_CENTURY: return encode(r, t.year / 100);
	case REG_A: return r->ram[REG_A] & ~A_UIP;
	case REG_C: return 0;
	case REG_D: return D_VRT;
	default: return r->ram[idx];
	}
}

void rtc_regs_write(struct rtc_regs *r, unsigned idx, uint8_t v, int64_t now)
{
	struct rtc_time t;
	int *field = NULL;

	idx &= 0x7f;
	guest_time(r, now, &t);
	switch (idx) {
	case REG_SEC: field = &t.sec; break;
	case REG_MIN: field = &t.min; break;
	case REG_HOUR: t.hour = decode_hour(r, v); break;
	case REG_MDAY: field = &t.mday; break;
	case REG_MON: field = &t.mon; break;
	case REG_YEAR: t.year = t.year / 100 * 100 + decode(r, v); break;
	case RTC_CENTURY: t.year = decode(r, v) * 100 + t.year % 100; break;
	case REG_WDAY: return;	/* follows from the date; what a guest writes there is moot */
	case REG_C: case REG_D: return;	/* read-only */
	case REG_B:
		/*
		 * SET stops the clock while the guest writes a whole new time
		 * (Linux's mc146818_set_time does): the fields are held, then
		 * the offset is taken from them as SET clears.
		 */
		if ((v & B_SET) && !r->holding) {
			r->held = t;
			r->holding = 1;
		} else if (!(v & B_SET) && r->holding) {
			r->holding = 0;
			set_time(r, &r->held, now);
		}
		r->ram[REG_B] = v;
		return;
	default:
		r->ram[idx] = v;
		return;
	}
	if (field)
		*field = decode(r, v);
	if (r->holding)
		r->held = t;
	else
		set_time(r, &t, now);
}

struct rtc {
	pthread_mutex_t lock;	/* vCPUs reach the index and the registers at once */
	uint8_t index;
	struct rtc_regs regs;
};

static int64_t host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* A wide access is byte accesses to consecutive ports, as the ISA bus splits it. */
static void rtc_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct rtc *c = opaque;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < len; i++) {
		uint64_t port = off + i;

		if (port == 0 && is_write)
			c->index = data[i] & 0x7f;	/* bit 7 masks NMI on a PC: ignored */
		else if (port == 1 && is_write)
			rtc_regs_write(&c->regs, c->index, data[i], host_now());
		else if (port == 1)
			data[i] = rtc_regs_read(&c->regs, c->index, host_now());
		else if (!is_write)
			data[i] = 0xff;			/* the index port is write-only */
	}
	pthread_mutex_unlock(&c->lock);
}

static void rtc_destroy(void *state)
{
	struct rtc *c = state;

	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void *rtc_create(struct vm *vm)
{
	struct rtc *c = calloc(1, sizeof(*c));

	if (!c) {
		cvmm_err("out of memory for the RTC");
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	rtc_regs_init(&c->regs);
	if (bus_register(&vm->pio, RTC_INDEX_PORT, 2, rtc_io, c, "CMOS RTC")) {
		rtc_destroy(c);
		return NULL;
	}
	return c;
}

const struct device_ops dev_rtc = {
	.name = "rtc",
	.create = rtc_create,
	.destroy = rtc_destroy,
};
