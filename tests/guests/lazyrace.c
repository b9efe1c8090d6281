/*
 * Several vCPUs make their first touch of the same lazily registered 256 MiB
 * chunk at once: a locked add on one shared counter and a store to a slot of
 * their own. Every update must land. Command line: number of vCPUs (the
 * guest needs --mem of at least 2 GiB).
 */
#include "guest_io.h"

#define MiB (1ULL << 20)

static volatile uint32_t arrived, finished;

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t n = guest_atou(guest_cmdline(bp));
	volatile uint64_t *counter = (volatile uint64_t *)(1280 * MiB + 0x40);
	volatile uint64_t *slot = (volatile uint64_t *)(1280 * MiB + 0x1000);
	int bad = 0;

	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (arrived < n)
		__asm__ volatile("pause");
	__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	slot[cpu * 8] = 0x1000 + cpu;
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
	if (cpu != 0) {
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	while (finished < n)
		__asm__ volatile("pause");
	for (uint64_t i = 0; i < n; i++)
		bad |= slot[i * 8] != 0x1000 + i;
	guest_puts("lazyrace: counter ");
	guest_put_dec(*counter);
	guest_puts(bad ? ", a store was lost\n" : ", every store landed\n");
	guest_exit(*counter == n && !bad ? 0 : 1);
}
