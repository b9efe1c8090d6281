/*
 * Private memory on --sw, from the guest's side: cmdline picks the test.
 *   roundtrip  data written while private is gone after private->shared,
 *              and shared data is gone after shared->private; the host's
 *              accessor and its device view refuse private pages
 *   zroundtrip the same at 1 GiB + 64 KiB, in a chunk no launch piece
 *              touches: on the sw fallback the guest's first touch (of a
 *              private page) registers it (lazy memslots); needs >= 2 GiB
 *   bad        bad requests get error statuses and the VM keeps running
 *   pages      single pages inside a large private run; the whole of RAM
 *   window     the shared window starts shared, the rest private
 *   lain       (l for --plain) nothing is private: conversions are refused
 *   xforbidden asks the conversion port's test hook (test builds) to make a
 *              system call no seccomp filter allows, from the device path
 *   alternate  converts every other page of 1 GiB to shared, one page a
 *              conversion (a guest fragmenting memory at will: the host must
 *              not run out of mappings), then checks the private pages kept
 *              their contents; needs --mem 2G
 *   secret     writes a marker into private pages and spins, so that a test
 *              can look for it from outside (/proc/PID/mem, a core dump)
 * Few bytes per page: guests here run at 1-2 MIPS.
 */
#include "privmem.h"

#define T	0x1000000ULL	/* 16 MiB: far from the image and the window */
#define TP	64		/* pages */

#define LAZY_T	0x40010000ULL	/* 1 GiB + 64 KiB: the fifth 256 MiB chunk */

static __attribute__((noreturn)) void roundtrip(uint64_t base, const char *name)
{
	volatile uint8_t *t = (volatile uint8_t *)base;
	uint32_t b;

	for (uint64_t p = 0; p < TP; p++) {	/* private: the guest's secret */
		t[p * PG] = 0xa5;
		t[p * PG + PG - 1] = 0x5a;
	}
	expect("accessor on private page", probe(base, CONV_PROBE, &b), 3);
	expect("device view of private page", probe(base + 5 * PG, CONV_PROBE_VIEW, &b), 3);
	expect("to shared", guest_convert(base, TP, GUEST_CONV_TO_SHARED), 0);
	for (uint64_t p = 0; p < TP; p += 7) {
		expect("secret gone (first byte)", t[p * PG], 0);
		expect("secret gone (last byte)", t[p * PG + PG - 1], 0);
	}
	t[3 * PG + 9] = 0x3c;
	expect("accessor on shared page", probe(base + 3 * PG, CONV_PROBE, &b), 0);
	expect("host reads what the guest wrote", b, 0);
	/* its 2 MiB view block still holds private pages: revoked whole, the door serves it */
	expect("view block of a shared page beside private ones", probe(base + 3 * PG, CONV_PROBE_VIEW, &b), 3);
	t[3 * PG] = 0x77;
	expect("accessor sees the guest's byte", probe(base + 3 * PG, CONV_PROBE, &b), 0);
	expect("byte the host read", b, 0x77);
	expect("to private", guest_convert(base, TP, GUEST_CONV_TO_PRIVATE), 0);
	expect("shared data gone", t[3 * PG] | t[3 * PG + 9], 0);
	expect("accessor refuses again", probe(base + 3 * PG, CONV_PROBE, &b), 3);
	expect("view revoked again", probe(base + 63 * PG, CONV_PROBE_VIEW, &b), 3);
	expect("back to shared", guest_convert(base, TP, GUEST_CONV_TO_SHARED), 0);
	expect("accessor again", probe(base + 63 * PG, CONV_PROBE, &b), 0);
	finish(name);
}

static __attribute__((noreturn)) void bad(const uint8_t *bp)
{
	uint64_t top = ram_top(bp);

	expect("unaligned", guest_convert(T + 1, 1, GUEST_CONV_TO_SHARED), 1);
	expect("zero pages", guest_convert(T, 0, GUEST_CONV_TO_SHARED), 1);
	expect("wraps", guest_convert(0xfffffffffffff000ULL, 2, GUEST_CONV_TO_SHARED), 1);
	expect("unknown op", guest_convert(T, 1, 9), 1);
	expect("beyond RAM", guest_convert(top, 1, GUEST_CONV_TO_PRIVATE), 2);
	expect("straddles the end", guest_convert(top - PG, 2, GUEST_CONV_TO_SHARED), 2);
	expect("MMIO hole", guest_convert(0xd0000000ULL, 1, GUEST_CONV_TO_SHARED), 2);
	expect("huge count", guest_convert(T, 0xffffffffu, GUEST_CONV_TO_SHARED), 2);
	expect("far above RAM", guest_convert(1ULL << 50, 1, GUEST_CONV_TO_PRIVATE), 2);
	/* the VM is still here, and a good request still works */
	expect("good one after", guest_convert(T, 1, GUEST_CONV_TO_SHARED), 0);
	expect("and back", guest_convert(T, 1, GUEST_CONV_TO_PRIVATE), 0);
	finish("bad");
}

static __attribute__((noreturn)) void pages(const uint8_t *bp)
{
	struct e820 w = shared_window(bp);
	uint64_t low_end = ram_end_from(bp, T);	/* RAM below the window */
	uint64_t top = ram_top(bp);
	uint32_t b;

	/* one page at a time, inside the big private run [T, window) */
	for (uint64_t p = T; p + 2 * PG < low_end; p += (low_end - T) / 8 & ~(PG - 1)) {
		uint64_t x = p + PG;

		expect("one page to shared", guest_convert(x, 1, GUEST_CONV_TO_SHARED), 0);
		expect("it is visible", probe(x, CONV_PROBE, &b), 0);
		expect("left neighbour stays private", probe(x - PG, CONV_PROBE_VIEW, &b), 3);
		expect("right neighbour stays private", probe(x + PG, CONV_PROBE, &b), 3);
		expect("and back", guest_convert(x, 1, GUEST_CONV_TO_PRIVATE), 0);
		expect("private again", probe(x, CONV_PROBE, &b), 3);
	}
	/* the view opens per 2 MiB block: only once every page of the block is shared */
	uint64_t blk = (T + 0x400000) & ~0x1fffffULL;

	expect("a whole block to shared", guest_convert(blk, 512, GUEST_CONV_TO_SHARED), 0);
	expect("its view opens", probe(blk + 7 * PG, CONV_PROBE_VIEW, &b), 0);
	expect("one page of it back", guest_convert(blk + 9 * PG, 1, GUEST_CONV_TO_PRIVATE), 0);
	expect("the block's view revoked", probe(blk + 7 * PG, CONV_PROBE_VIEW, &b), 3);
	expect("its shared pages still reached by the accessor", probe(blk + 7 * PG, CONV_PROBE, &b), 0);
	expect("the private one refused", probe(blk + 9 * PG, CONV_PROBE, &b), 3);
	expect("the block private again", guest_convert(blk, 512, GUEST_CONV_TO_PRIVATE), 0);
	/* the whole of RAM below the hole: private (the window too), then the window back */
	uint64_t low = ram_top_below(bp, 0x100000000ULL);

	expect("RAM across the hole", guest_convert(0, (uint32_t)(top / PG), GUEST_CONV_TO_PRIVATE),
	       top > 0x100000000ULL ? 2 : 0);
	expect("all low RAM private", guest_convert(0, (uint32_t)(low / PG), GUEST_CONV_TO_PRIVATE), 0);
	if (w.size) {
		expect("window now private", probe(w.addr, CONV_PROBE, &b), 3);
		expect("window back", guest_convert(w.addr, (uint32_t)(w.size / PG),
						    GUEST_CONV_TO_SHARED), 0);
		expect("window shared", probe(w.addr + w.size - PG, CONV_PROBE, &b), 0);
	}
	/* RAM above 4 GiB (not in the guest's identity map: converted only) */
	if (top > 0x100000000ULL) {
		uint32_t n = (uint32_t)((top - 0x100000000ULL) / PG);

		expect("high RAM to shared", guest_convert(0x100000000ULL, n, GUEST_CONV_TO_SHARED), 0);
		expect("high RAM visible", probe(top - PG, CONV_PROBE_VIEW, &b), 0);
		expect("high RAM private", guest_convert(0x100000000ULL, n, GUEST_CONV_TO_PRIVATE), 0);
		expect("high RAM hidden", probe(0x100000000ULL, CONV_PROBE_VIEW, &b), 3);
	}
	/* a large run below the window to shared and back */
	expect("big run shared", guest_convert(T, (uint32_t)((low_end - T) / PG), GUEST_CONV_TO_SHARED), 0);
	expect("big run end visible", probe(low_end - PG, CONV_PROBE_VIEW, &b), 0);
	expect("big run private", guest_convert(T, (uint32_t)((low_end - T) / PG), GUEST_CONV_TO_PRIVATE), 0);
	finish("pages");
}

static __attribute__((noreturn)) void window(const uint8_t *bp)
{
	struct e820 w = shared_window(bp);
	uint32_t b;

	guest_puts("window 0x");
	guest_put_hex(w.addr);
	guest_puts(" size 0x");
	guest_put_hex(w.size);
	guest_puts("\n");
	if (w.size) {
		expect("window start shared", probe(w.addr, CONV_PROBE, &b), 0);
		expect("window end shared", probe(w.addr + w.size - PG, CONV_PROBE_VIEW, &b), 0);
		expect("below the window private", probe(w.addr - PG, CONV_PROBE_VIEW, &b), 3);
	}
	expect("image private", probe(0x100000, CONV_PROBE, &b), 3);
	expect("boot_params private", probe((uint64_t)(uintptr_t)bp, CONV_PROBE, &b), 3);
	finish("window");
}

static __attribute__((noreturn)) void plain(void)
{
	uint32_t b;

	*(volatile uint8_t *)T = 0x42;
	expect("conversion refused", guest_convert(T, 1, GUEST_CONV_TO_PRIVATE), 3);
	expect("still readable by the host", probe(T, CONV_PROBE, &b), 0);
	expect("the guest's byte", b, 0x42);
	expect("bad range still bad", guest_convert(T + 1, 1, GUEST_CONV_TO_PRIVATE), 1);
	finish("plain");
}

/*
 * The marker is stored XORed with 0x5a, so that the image (which cvmm holds
 * in its launch plan, outside guest memory) never contains it in clear: only
 * the guest's private pages do. tests/kvm/test_privmem.sh looks for it.
 */
static const char secret_xored[] = {
	'C' ^ 0x5a, 'V' ^ 0x5a, 'M' ^ 0x5a, 'M' ^ 0x5a, '-' ^ 0x5a, 'P' ^ 0x5a, 'R' ^ 0x5a,
	'I' ^ 0x5a, 'V' ^ 0x5a, 'A' ^ 0x5a, 'T' ^ 0x5a, 'E' ^ 0x5a, '-' ^ 0x5a, 'M' ^ 0x5a,
	'A' ^ 0x5a, 'R' ^ 0x5a, 'K' ^ 0x5a, 'E' ^ 0x5a, 'R' ^ 0x5a, '-' ^ 0x5a, '7' ^ 0x5a,
	'f' ^ 0x5a, '3' ^ 0x5a, 'a' ^ 0x5a,
};

static __attribute__((noreturn)) void secret(void)
{
	volatile char *t = (volatile char *)T;
	uint32_t b;

	for (uint64_t p = 0; p < TP; p++)
		for (unsigned i = 0; i < sizeof(secret_xored); i++)
			t[p * PG + i] = secret_xored[i] ^ 0x5a;
	expect("marker page private", probe(T, CONV_PROBE, &b), 3);
	guest_puts(failures ? "secret: FAILED\n" : "secret: ready\n");
	for (;;)
		__asm__ volatile("pause");
}

#define ALT_BASE	0x10000000ULL	/* 256 MiB, just above the default window */
#define ALT_PAGES	(1ULL << 18)	/* 1 GiB */

static __attribute__((noreturn)) void alternate(void)
{
	uint64_t refused = 0, first = 0;
	uint32_t b;

	for (uint64_t p = 1; p < ALT_PAGES; p += 4096)	/* odd pages: they stay private */
		*(volatile uint64_t *)(ALT_BASE + p * PG) = 0xc0ffee0000000000ULL + p;
	for (uint64_t p = 0; p < ALT_PAGES; p += 2) {
		if (guest_convert(ALT_BASE + p * PG, 1, GUEST_CONV_TO_SHARED) != 0 && !refused++)
			first = p;
	}
	expect("conversions refused", refused, 0);
	if (refused)
		expect("first refused page", first, 0);
	for (uint64_t p = 1; p < ALT_PAGES; p += 4096) {
		expect("private page kept its contents", *(volatile uint64_t *)(ALT_BASE + p * PG),
		       0xc0ffee0000000000ULL + p);
		expect("and is still private", probe(ALT_BASE + p * PG, CONV_PROBE, &b), 3);
	}
	expect("a shared one reads", probe(ALT_BASE + (ALT_PAGES - 2) * PG, CONV_PROBE, &b), 0);
	expect("all back in one go", guest_convert(ALT_BASE, (uint32_t)ALT_PAGES, GUEST_CONV_TO_PRIVATE), 0);
	finish("alternate");
}

static __attribute__((noreturn)) void forbidden(void)
{
	uint32_t st = guest_convert(0, 0, 0x7e);	/* CONVPORT_TEST_FORBIDDEN */

	if (st == 1) {		/* an unknown op: a build without test hooks */
		guest_puts("forbidden: no test hook in this build\n");
		guest_exit(4);
	}
	guest_puts("forbidden: the call went through\n");
	guest_exit(0);
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	const char *c = guest_cmdline(bp);

	switch (c[0]) {
	case 'r': roundtrip(T, "roundtrip");
	case 'z': roundtrip(LAZY_T, "zroundtrip");
	case 'b': bad(bp);
	case 'p': pages(bp);
	case 'w': window(bp);
	case 'l': plain();
	case 's': secret();
	case 'x': forbidden();
	case 'a': alternate();
	}
	guest_puts("privmem: unknown test\n");
	guest_exit(3);
}
