/* Prints a line and exits with the status given on the command line. */
#include "guest_io.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *cmd = guest_cmdline(bp);

	guest_puts("hello from a tiny guest, cmdline '");
	guest_puts(cmd);
	guest_puts("'\n");
	guest_exit((uint8_t)guest_atou(cmd));
}
