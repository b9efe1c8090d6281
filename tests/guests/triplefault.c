/* Loads an empty IDT and takes a page fault: the CPU shuts down. */
#include "guest_io.h"

GUEST_MAIN(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = { 0, 0 };

	guest_puts("about to triple fault\n");
	__asm__ volatile("lidt %0" : : "m"(idt));
	(void)*(volatile uint64_t *)0x200000000000UL;	/* #PF, no IDT: shutdown */
	guest_exit(42);	/* not reached */
}
