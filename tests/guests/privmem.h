/* Shared by the private-memory test guests: the e820 map and the port. */
#ifndef PRIVMEM_GUEST_H
#define PRIVMEM_GUEST_H

#include "guest_io.h"

#define PG		4096ULL
#define E820_RAM	1
#define E820_RESERVED	2
#define CONV_PROBE	3	/* host reads through the device accessor */
#define CONV_PROBE_VIEW	4	/* host reads its device view directly */

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static inline const struct e820 *e820_entry(const uint8_t *bp, unsigned i)
{
	return (const struct e820 *)(bp + 0x2d0 + 20 * i);
}

static inline unsigned e820_count(const uint8_t *bp)
{
	return bp[0x1e8];
}

/* The shared window: the reserved entry at or above 1 MiB (size 0: none). */
static inline struct e820 shared_window(const uint8_t *bp)
{
	for (unsigned i = 0; i < e820_count(bp); i++) {
		const struct e820 *e = e820_entry(bp, i);

		if (e->type == E820_RESERVED && e->addr >= 0x100000)
			return *e;
	}
	return (struct e820){ 0, 0, 0 };
}

/* End of the RAM entry that starts at or below addr and covers it. */
static inline uint64_t ram_end_from(const uint8_t *bp, uint64_t addr)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < e820_count(bp); i++) {
		const struct e820 *e = e820_entry(bp, i);

		if (e->addr <= addr && addr < e->addr + e->size)
			end = e->addr + e->size;
	}
	return end;
}

/* The highest end of any entry (RAM or the window) starting below limit. */
static inline uint64_t ram_top_below(const uint8_t *bp, uint64_t limit)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < e820_count(bp); i++) {
		const struct e820 *e = e820_entry(bp, i);

		if (e->addr < limit && e->addr + e->size > top)
			top = e->addr + e->size;
	}
	return top;
}

static inline uint64_t ram_top(const uint8_t *bp)
{
	return ram_top_below(bp, ~0ULL);
}

/* Probe ops: status, and the byte the host read (0x608) on success. */
static inline uint32_t probe(uint64_t gpa, uint32_t op, uint32_t *byte)
{
	uint32_t st = guest_convert(gpa, 0, op);

	*byte = inl(GUEST_CONV_PORT + 8);
	return st;
}

static int failures;

static inline void expect(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return;
	failures++;
	guest_puts("FAIL ");
	guest_puts(what);
	guest_puts(": got 0x");
	guest_put_hex(got);
	guest_puts(", want 0x");
	guest_put_hex(want);
	guest_puts("\n");
}

static inline __attribute__((noreturn)) void finish(const char *name)
{
	guest_puts(name);
	guest_puts(failures ? ": FAILED\n" : ": ok\n");
	guest_exit(failures ? 1 : 0);
}

#endif
