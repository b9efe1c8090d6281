/*
 * Every vCPU enters here (rdi = its index). Each one checks in on a shared
 * counter; the BSP waits until the number given on the command line have,
 * then reports and exits. APs halt, which ends only themselves.
 */
#include "guest_io.h"

static volatile uint32_t checked_in;
static volatile uint64_t seen_mask;

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t want = guest_atou(guest_cmdline(bp));

	__atomic_fetch_or(&seen_mask, 1ULL << cpu, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
	if (cpu != 0) {
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	while (checked_in < want)
		__asm__ volatile("pause");
	guest_puts("vCPUs checked in: ");
	guest_put_dec(checked_in);
	guest_puts(", mask 0x");
	guest_put_hex(seen_mask);
	guest_puts("\n");
	guest_exit(checked_in == want ? 0 : 3);
}
