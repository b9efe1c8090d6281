/*
 * What Linux reads first to find it runs on KVM: CPUID.1:ECX bit 31 (the
 * hypervisor bit, Intel SDM / AMD APM: reserved for hypervisors, 0 on
 * hardware) and, only where it is set, leaf 0x40000000's signature
 * (KVM's is "KVMKVMKVM\0\0\0"). Prints both and exits 0.
 */
#include "guest_io.h"

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint32_t r[4];

	(void)cpu;
	(void)bp;
	cpuid(1, r);
	guest_puts("cpuid: hypervisor bit ");
	guest_put_dec(r[2] >> 31);
	cpuid(0x40000000, r);
	guest_puts(", signature '");
	for (int i = 1; i <= 3; i++)
		for (int b = 0; b < 4; b++) {
			char c = (char)(r[i] >> (8 * b));

			guest_putc(c >= 0x20 && c < 0x7f ? c : '.');
		}
	guest_puts("'\n");
	guest_exit(0);
}
