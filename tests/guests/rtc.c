/*
 * Reads the CMOS RTC (devices/rtc.c) the way Linux's mc146818_get_time
 * does: index to 0x70, data from 0x71, BCD unless status B says binary,
 * and prints the year:
 *   rtc: year YYYY b 0xBB d 0xDD ram 0x5a
 * The test compares YYYY with the host's `date -u +%Y`. With cmdline
 * "set" it then writes 2099-12-31 23:59:00 the way hwclock -w does (SET,
 * the fields, SET cleared) and prints the year the clock reads next:
 *   rtc: after write YYYY
 */
#include "guest_io.h"

static uint8_t cmos_read(uint8_t idx)
{
	outb(0x70, idx);
	return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
	outb(0x70, idx);
	outb(0x71, v);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

static unsigned year(void)
{
	uint8_t b = cmos_read(0x0b);

	while (cmos_read(0x0a) & 0x80)	/* update in progress: wait, as Linux does */
		;
	if (b & 0x04)
		return cmos_read(0x32) * 100u + cmos_read(0x09);
	return bcd(cmos_read(0x32)) * 100 + bcd(cmos_read(0x09));
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *cmd = guest_cmdline(bp);
	uint8_t b;

	(void)cpu;
	cmos_write(0x50, 0x5a);			/* plain CMOS RAM keeps what is written */
	guest_puts("rtc: year ");
	guest_put_dec(year());
	guest_puts(" b 0x");
	guest_put_hex(cmos_read(0x0b));
	guest_puts(" d 0x");
	guest_put_hex(cmos_read(0x0d));
	guest_puts(" ram 0x");
	guest_put_hex(cmos_read(0x50));
	guest_puts("\n");
	if (guest_word_is(cmd, "set")) {
		b = cmos_read(0x0b);
		cmos_write(0x0b, b | 0x80);	/* SET: hold the clock while writing */
		cmos_write(0x00, 0x00);
		cmos_write(0x02, 0x59);
		cmos_write(0x04, 0x23);
		cmos_write(0x07, 0x31);
		cmos_write(0x08, 0x12);
		cmos_write(0x09, 0x99);
		cmos_write(0x32, 0x20);
		cmos_write(0x0b, b & ~0x80);
		guest_puts("rtc: after write ");
		guest_put_dec(year());
		guest_puts("\n");
	}
	guest_exit(0);
}
