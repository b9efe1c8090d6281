/*
 * The demo guest linked into cvmm: what `cvmm` runs without --kernel or
 * --firmware. It proves the whole path (64-bit entry, UART, milestones, the
 * exit port) in a few hundred guest instructions, which matters on hosts that
 * emulate guest code at 1-2 MIPS.
 */
#include "guest_io.h"

GUEST_MAIN(void)
{
	guest_milestone(GUEST_MILESTONE_ENTERED);
	guest_puts("Hello from the cvmm demo guest: 64-bit mode, COM1, exit port 0xf4.\n");
	guest_milestone(GUEST_MILESTONE_READY);
	guest_exit(0);
}
