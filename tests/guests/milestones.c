/* Floods the milestone port: cvmm must keep its own boot-trace phases. */
#include "guest_io.h"

GUEST_MAIN(void)
{
	for (int i = 0; i < 200; i++)
		guest_milestone((uint8_t)(i + 3));
	guest_exit(0);
}
