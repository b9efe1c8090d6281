/* The demo guest (loader/guest/demo.c), linked into cvmm as an ELF image. */
	.section .rodata
	.balign 16
	.globl demo_guest_elf, demo_guest_elf_end
demo_guest_elf:
	.incbin "build/gen/demo_guest.elf"
demo_guest_elf_end:
	.section .note.GNU-stack, "", @progbits
