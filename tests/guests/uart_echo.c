/*
 * Reads COM1 by polling LSR and echoes each line it receives as
 * "uart: ...", other bytes than printable ASCII as <hh>; a line is ended by
 * CR or LF. Exits 0 after a line that holds 'q'.
 */
#include <stdbool.h>

#include "guest_io.h"

#define LSR_DR	0x01

static void put_byte(uint8_t c)
{
	if (c >= 0x20 && c < 0x7f) {
		guest_putc((char)c);
		return;
	}
	guest_putc('<');
	guest_putc("0123456789abcdef"[c >> 4]);
	guest_putc("0123456789abcdef"[c & 15]);
	guest_putc('>');
}

GUEST_ENTRY
{
	bool quit = false;
	bool line = false;

	guest_puts("uart_echo: ready\n");
	for (;;) {
		uint8_t c;

		while (!(inb(GUEST_COM1 + 5) & LSR_DR))
			__asm__ volatile("pause");
		c = inb(GUEST_COM1);
		if (!line) {
			guest_puts("uart: ");
			line = true;
		}
		put_byte(c);
		if (c == 'q')
			quit = true;
		if (c == '\r' || c == '\n') {
			guest_puts("\n");
			line = false;
			if (quit)
				guest_exit(0);
		}
	}
}
