/*
 * Conversion throughput through the port, for bench/convport.sh: cmdline
 * "N" converts N single pages to shared and back, "N 2m" N 2 MiB-aligned
 * runs of 512 pages. Milestones 1 and 2 bracket the loop, so --boot-trace
 * times exactly the conversions. Each page's first byte is written while
 * private, so every conversion really discards a page.
 */
#include "privmem.h"

#define BASE	0x1000000ULL	/* 16 MiB, 2 MiB aligned */
#define SPAN	(64ULL << 20)	/* cycle through 64 MiB */

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *c = guest_cmdline(bp);
	uint64_t n = guest_atou(c), run = 1;

	while (*c && *c != ' ')
		c++;
	if (*c == ' ' && c[1] == '2')
		run = 512;
	guest_milestone(GUEST_MILESTONE_ENTERED);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t gpa = BASE + (i * run * PG) % SPAN;

		*(volatile uint8_t *)gpa = 1;
		if (guest_convert(gpa, (uint32_t)run, GUEST_CONV_TO_SHARED) ||
		    guest_convert(gpa, (uint32_t)run, GUEST_CONV_TO_PRIVATE))
			guest_exit(1);
	}
	guest_milestone(GUEST_MILESTONE_READY);
	guest_exit(0);
}
