/*
 * Leaves the way a Linux kernel does, chosen by the command line, with the
 * port numbers the FADT advertises (written out here, not taken from cvmm):
 *   s5     sleep control 0x620 = SLP_TYP 5 << 2 | SLP_EN   (ACPI poweroff)
 *   s3     sleep control with SLP_TYP 3 (not offered: ignored), then exit 7
 *   cf9    reset control 0xcf9 = 0x06                        (ACPI reset register)
 *   cf9s   0xcf9 = 0x02 (selects hard reset, starts none), then exit 8
 *   kbd    i8042 command 0xfe                                (keyboard-controller reset)
 *   panic  pvpanic 0x505: reads PANICKED (bit 0) offered, writes it     (Linux's pvpanic driver)
 *   kdump  pvpanic 0x505 = CRASH_LOADED only (a kdump kernel goes on), then exit 10
 * Anything that does not end the VM falls through to exit status 9.
 */
#include "guest_io.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *cmd = guest_cmdline(bp);

	(void)cpu;
	if (guest_word_is(cmd, "s5"))
		outb(0x620, 5 << 2 | 0x20);
	if (guest_word_is(cmd, "s3")) {
		outb(0x620, 3 << 2 | 0x20);
		guest_exit(7);
	}
	if (guest_word_is(cmd, "cf9"))
		outb(0xcf9, 0x06);
	if (guest_word_is(cmd, "cf9s")) {
		outb(0xcf9, 0x02);
		guest_exit(8);
	}
	if (guest_word_is(cmd, "kbd")) {
		while (inb(0x64) & 0x02)	/* input buffer full: wait, as Linux does */
			;
		outb(0x64, 0xfe);
	}
	if (guest_word_is(cmd, "panic") && (inb(0x505) & 0x01))
		outb(0x505, 0x01);
	if (guest_word_is(cmd, "kdump")) {
		outb(0x505, 0x02);
		guest_exit(10);
	}
	guest_exit(9);
}
