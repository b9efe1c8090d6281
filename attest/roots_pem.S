/*
 * The built-in trust anchors (attest/roots/README.md), linked into cvmm as
 * PEM text so verify needs no file at run time. Each ends in a NUL byte.
 */
	.section .rodata
	.macro root name, file
	.globl \name, \name\()_end
\name:
	.incbin "\file"
\name\()_end:
	.byte 0
	.endm

	root root_intel_sgx_pem, "attest/roots/intel-sgx-root-ca.pem"
	root root_amd_ark_milan_pem, "attest/roots/amd-ark-milan.pem"
	root root_amd_ark_genoa_pem, "attest/roots/amd-ark-genoa.pem"
	root root_amd_ark_turin_pem, "attest/roots/amd-ark-turin.pem"
	.section .note.GNU-stack, "", @progbits
