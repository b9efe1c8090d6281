/*
 * The guest side of cvmm's guest-facing contract (design.md), for the tiny
 * freestanding guests: the demo guest linked into cvmm and the test guests.
 * Header-only so each guest is one translation unit.
 */
#ifndef CVMM_GUEST_IO_H
#define CVMM_GUEST_IO_H

#include <stdint.h>

#define GUEST_COM1		0x3f8
#define GUEST_EXIT_PORT		0xf4
#define GUEST_CONV_PORT		0x600
#define GUEST_MILESTONE_PORT	0x610
#define GUEST_MILESTONE_ENTERED	1
#define GUEST_MILESTONE_READY	2

/*
 * Entry point. cvmm sets rsp to a per-vCPU stack, rdi to the vCPU index and
 * rsi to boot_params, so a guest may take them as arguments:
 *   GUEST_MAIN(uint64_t cpu, const uint8_t *boot_params) { ... }
 */
#define GUEST_MAIN __attribute__((section(".text.start"), used, noreturn)) void _start
#define GUEST_ENTRY GUEST_MAIN(void)

/* The kernel command line cvmm placed (boot_params.hdr.cmd_line_ptr). */
static inline const char *guest_cmdline(const uint8_t *boot_params)
{
	uint32_t lo = *(const volatile uint32_t *)(boot_params + 0x228);
	uint32_t hi = *(const volatile uint32_t *)(boot_params + 0x0c8);

	return (const char *)(uintptr_t)(((uint64_t)hi << 32) | lo);
}

/* Is the first word of s (up to a space or the end) exactly w? */
static inline int guest_word_is(const char *s, const char *w)
{
	while (*s && *s != ' ' && *s == *w)
		s++, w++;
	return (*s == 0 || *s == ' ') && *w == 0;
}

/* Leading decimal number of s (0 if none). */
static inline uint64_t guest_atou(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}


static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void guest_putc(char c)
{
	/* Wait for THR empty (LSR bit 5); cvmm's UART is always ready. */
	while (!(inb(GUEST_COM1 + 5) & 0x20))
		;
	outb(GUEST_COM1, (uint8_t)c);
}

static inline void guest_puts(const char *s)
{
	while (*s)
		guest_putc(*s++);
}

static inline void guest_put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (; buf[i]; i++)
		guest_putc(buf[i]);
}

static inline void guest_put_hex(uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 60; i >= 0; i -= 4)
		guest_putc(digits[(v >> i) & 0xf]);
}

static inline void guest_milestone(uint8_t m)
{
	outb(GUEST_MILESTONE_PORT, m);
}

static inline __attribute__((noreturn)) void guest_exit(uint8_t code)
{
	for (;;) {
		outb(GUEST_EXIT_PORT, code);
		__asm__ volatile("hlt");
	}
}

/* Conversion port: returns the status the VMM reports (0 ok). */
static inline uint32_t guest_convert(uint64_t gpa, uint32_t pages, uint32_t op)
{
	outl(GUEST_CONV_PORT + 0, (uint32_t)gpa);
	outl(GUEST_CONV_PORT + 4, (uint32_t)(gpa >> 32));
	outl(GUEST_CONV_PORT + 8, pages);
	outl(GUEST_CONV_PORT + 12, op);
	return inl(GUEST_CONV_PORT + 12);
}
#define GUEST_CONV_TO_PRIVATE 1
#define GUEST_CONV_TO_SHARED  2

#endif
