/*
 * The side-by-side guest: five bytes that write 0 to port 0xf4, valid in
 * 32- and 64-bit mode, so one ELF boots under cvmm (64-bit direct entry at
 * e_entry), QEMU microvm (PVH: the Xen PHYS32_ENTRY note) and the bare runner.
 */
	.code32
	.section .text
	.globl _start
_start:
	movb $0, %al
	outb %al, $0xf4
	hlt
	jmp _start

	.section .note.Xen, "a"
	.balign 4
	.long 4          /* namesz */
	.long 4          /* descsz */
	.long 18         /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start
