/* cvmm's boot shim (loader/shim/), linked into cvmm as a flat blob. */
	.section .rodata
	.balign 16
	.globl shim_blob, shim_blob_end
shim_blob:
	.incbin "build/gen/shim.bin"
shim_blob_end:
	.section .note.GNU-stack, "", @progbits
