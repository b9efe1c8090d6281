/*
 * Prints on COM1 without end (every vCPU, when given several), so that a
 * test can fill a pipe nobody reads and check that a signal still stops
 * cvmm.
 */
#include "guest_io.h"

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	for (;;)
		guest_puts("spew spew spew spew spew spew spew spew spew spew spew\n");
}
