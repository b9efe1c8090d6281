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

/* Entry point: cvmm sets rsp to a valid stack and rsi to boot_params. */
#define GUEST_ENTRY __attribute__((section(".text.start"), used)) void _start(void)

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
