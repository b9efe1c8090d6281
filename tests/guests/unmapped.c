/*
 * Reads guest-physical addresses nothing backs: the 32-bit MMIO hole (no
 * device there) must read as all ones and the guest keeps running; unknown
 * ports read 0xff. Then, with "fault" on the command line, touches an
 * address outside the identity map, which with no IDT is a triple fault.
 */
#include "guest_io.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint32_t hole = *(volatile uint32_t *)0xe0000000UL;
	uint8_t port = inb(0x80);

	guest_puts("mmio hole reads 0x");
	guest_put_hex(hole);
	guest_puts(", port 0x80 reads 0x");
	guest_put_hex(port);
	guest_puts("\n");
	if (guest_cmdline(bp)[0] == 'f') {
		guest_puts("touching 0x200000000000\n");
		(void)*(volatile uint64_t *)0x200000000000UL;
	}
	guest_exit(hole == 0xffffffffu && port == 0xff ? 0 : 5);
}
