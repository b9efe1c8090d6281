/*
 * Touches guest RAM that cvmm gives to KVM only on first touch (lazy
 * memslots): a plain store, a rep stos, a locked xadd and a load each as the
 * first access to a 256 MiB chunk, then RAM above 4 GiB through page tables
 * of its own. Every value must read back. Command line: RAM size in MiB.
 */
#include "guest_io.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static int failures;

static void check(const char *what, uint64_t addr, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	failures++;
	guest_puts("FAIL ");
	guest_puts(what);
	guest_puts(" at 0x");
	guest_put_hex(addr);
	guest_puts("\n");
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t mem = guest_atou(guest_cmdline(bp)) * MiB;
	uint64_t low = mem < 3 * GiB ? mem : 3 * GiB;
	volatile uint64_t *p;

	/* a fresh chunk reads as zero on a plain load */
	if (low > 512 * MiB) {
		p = (volatile uint64_t *)(512 * MiB + 0x2000);
		check("load", (uint64_t)p, *p, 0);
		*p = 0x1122334455667788ULL;
		check("store after load", (uint64_t)p, *p, 0x1122334455667788ULL);
	}
	/* a plain store as the first touch */
	if (low > 768 * MiB + 0x1000) {
		p = (volatile uint64_t *)(768 * MiB + 0x1008);
		*p = 0xfeedf00dULL;
		check("store", (uint64_t)p, *p, 0xfeedf00dULL);
	}
	/* rep stosq as the first touch: 512 qwords */
	if (low > 1024 * MiB + 0x1000) {
		uint64_t *dst = (uint64_t *)(1024 * MiB);
		uint64_t n = 512, v = 0x5a5a5a5a5a5a5a5aULL;

		__asm__ volatile("rep stosq" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
		check("rep stosq first", 1024 * MiB, *(volatile uint64_t *)(1024 * MiB), v);
		check("rep stosq last", 1024 * MiB + 4088, *(volatile uint64_t *)(1024 * MiB + 4088), v);
	}
	/* a locked read-modify-write as the first touch */
	if (low > 1280 * MiB + 0x1000) {
		volatile uint64_t *c = (volatile uint64_t *)(1280 * MiB + 0x40);
		uint64_t old = __atomic_fetch_add(c, 5, __ATOMIC_SEQ_CST);

		check("xadd old", (uint64_t)c, old, 0);
		check("xadd new", (uint64_t)c, *c, 5);
	}
	/* above 4 GiB: map [4, 8) GiB with page directories placed in a lazy chunk */
	if (mem > 3 * GiB + 4 * MiB) {
		uint64_t *pdpt = (uint64_t *)0x2000;	/* cvmm's PDPT (loader/layout.h) */
		uint64_t *pd = (uint64_t *)(1536 * MiB);
		uint64_t high = mem - 3 * GiB;

		for (uint64_t i = 0; i < 4 * 512; i++)
			pd[i] = (4 * GiB + (i << 21)) | 0x83;	/* present, writable, 2 MiB */
		for (uint64_t i = 0; i < 4; i++)
			pdpt[4 + i] = ((uint64_t)pd + i * 4096) | 0x3;
		__asm__ volatile("mov %%cr3, %%rax; mov %%rax, %%cr3" : : : "rax", "memory");
		for (uint64_t off = 0x1000; off < high && off < 4 * GiB; off += 768 * MiB) {
			p = (volatile uint64_t *)(4 * GiB + off);
			*p = off ^ 0xabcdef;
			check("high store", (uint64_t)p, *p, off ^ 0xabcdef);
		}
	}
	guest_puts(failures ? "memtouch: FAILED\n" : "memtouch: all reads back\n");
	guest_exit(failures ? 1 : 0);
}
