/*
 * The contract between cvmm and its boot shim (loader/shim/): where the shim
 * sits, where it finds its inputs, and the memory-map page cvmm hands it.
 * Included by the freestanding shim and by cvmm, so only fixed-size types.
 *
 * Everything here is at a fixed address and none of it depends on the RAM
 * size: that keeps the direct-boot launch digest independent of --mem (RAM
 * arrives only through the memory-map page, which is not measured and which
 * the shim checks). The vCPU count enters only through the MADT.
 */
#ifndef CVMM_SHIM_ABI_H
#define CVMM_SHIM_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define SHIM_SIZE		0x4000		/* the blob; ends at the reset vector */
/*
 * The blob sits right below 4 GiB (SHIM_BASE) on every platform, outside
 * RAM: its 32-bit code uses absolute addresses, and the APs run its mailbox
 * loop long after the kernel owns all RAM.
 */
#define SHIM_AP64_OFF		0x8		/* 64-bit AP entry (plain APs): cr3 = SHIM_AP_PT, rsi = index */
#define SHIM_ENTRY32_OFF	0x10		/* 32-bit flat entry (SNP VMSA, TDX reset, plain BSP) */

/* Low-memory scratch and inputs, all below 1 MiB. */
#define SHIM_PT			0x1000		/* PML4, PDPT, 4 PDs: built by the shim */
#define SHIM_PT_PAGES		6
#define SHIM_BOOT_PARAMS	0x7000		/* measured; the shim adds the e820 table */
#define SHIM_MEMMAP		0x80000	/* the memory-map page: NOT measured */
#define SHIM_SNP_SECRETS	0x81000
#define SHIM_SNP_CPUID		0x82000
#define SHIM_STACK		0x83000	/* stack pages up to SHIM_STACK_TOP */
#define SHIM_STACK_TOP		0x8f000

/*
 * The BIOS hole [SHIM_HOLE, 1 MiB): never RAM. The ACPI Multiprocessor
 * Wakeup mailbox (ACPI 6.4, 5.2.12.19) is e820 NVS (Linux maps NVS
 * private in a TD, plain reserved shared); the APs' page tables (an
 * identity map of the low 4 GiB built by cvmm, measured) are reserved;
 * the ACPI tables are e820 ACPI.
 */
#define SHIM_HOLE		0x9f000
#define SHIM_MAILBOX		0x9f000
#define SHIM_AP_PT		0xa0000		/* PML4, PDPT, 4 PDs, like SHIM_PT */
/*
 * Below the legacy ROM range [0xc0000, 1 MiB): Linux 6.1 validates that
 * range on SNP (probe_roms -> snp_prep_memory) and stops at a page that is
 * validated already, as measured tables would be.
 */
#define SHIM_ACPI		0xb0000
#define SHIM_ACPI_END		0xc0000
#define SHIM_LOW_END		0x100000

/* The mailbox: command (u16) at 0, APIC ID (u32) at 4, wakeup vector (u64) at 8. */
#define MP_WAKE_CMD		0
#define MP_WAKE_APIC_ID		4
#define MP_WAKE_VECTOR		8
#define MP_WAKE_COMMAND_WAKEUP	1

/* ESI at the 32-bit entry of an SNP launch (the VMSA is measured). */
#define SHIM_SNP_MAGIC		0x20504e53	/* "SNP " */
#define SHIM_SNP_AP_MAGIC	0x61504e53	/* "SNPa": an AP, which parks */

/* Platform codes the entry code hands to shim_main(). */
#define SHIM_PLAT_PLAIN		0
#define SHIM_PLAT_SNP		1
#define SHIM_PLAT_TDX		2

#define SHIM_MEMMAP_MAGIC	0x50414d4d4d564343ULL	/* "CCVMMMAP" */
#define SHIM_MEMMAP_MAX		128
#define SHIM_MEM_RAM		1		/* e820 types */
#define SHIM_MEM_RESERVED	2
#define SHIM_MEM_ACPI		3
#define SHIM_MEM_NVS		4

/*
 * Why the shim stopped, where the platform lets it say so: SNP's GHCB MSR
 * termination request (reason set SHIM_TERM_SET, the code below), TDX's
 * TDG.VP.VMCALL<ReportFatalError> (error code 0, the text in registers),
 * plain VMs on COM1. cvmm prints each (vmm/platform/coco_exit.c).
 */
#define SHIM_TERM_SET		3		/* GHCB reason set: cvmm's boot shim */
#define SHIM_ERR_AP		1		/* an AP reached the BSP's path */
#define SHIM_ERR_MEMMAP		2		/* the memory map was refused */
#define SHIM_ERR_ACCEPT		3		/* ACCEPT / PVALIDATE failed */
#define SHIM_ERR_EXCEPTION	0x80		/* | vector: a CPU exception */
#define SHIM_IDT_VECTORS	32
/* Plain: written to cvmm's milestone port 0x610 once all RAM was read through the shim's map. */
#define SHIM_MILESTONE_PORT	0x610
#define SHIM_MILESTONE_RAM_READ	0x53
#define GHCB_MSR_TERM_REQ	0x100ULL
/* RCX of the shim's TDG.VP.VMCALL: the registers the VMM sees (RDX RBX RSI RDI R8-R15). */
#define SHIM_TDX_EXPOSE_REGS	0xffccULL
#define SHIM_GHCB_TERM(code)	(GHCB_MSR_TERM_REQ | (uint64_t)SHIM_TERM_SET << 12 | (uint64_t)(code) << 16)

#ifndef __ASSEMBLER__
/*
 * The ReportFatalError text: "a" then "b", up to 63 bytes and a NUL, in
 * the GHCI's register order R14 R15 RBX RDI RSI R8 R9 RDX (8 bytes each).
 */
static inline void shim_tdx_fatal_text(const char *a, const char *b, uint64_t r[8])
{
	unsigned n = 0;

	for (int i = 0; i < 8; i++)
		r[i] = 0;
	for (; *a && n < 63; a++, n++)
		r[n / 8] |= (uint64_t)(uint8_t)*a << (8 * (n % 8));
	for (; *b && n < 63; b++, n++)
		r[n / 8] |= (uint64_t)(uint8_t)*b << (8 * (n % 8));
}

#define SHIM_BASE		(0x100000000ULL - SHIM_SIZE)	/* TDX/SNP: right below 4 GiB */

struct shim_mem_range {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* The memory-map page: what RAM the VMM gave the guest. */
struct shim_memmap {
	uint64_t magic;
	uint32_t count, reserved;
	struct shim_mem_range r[SHIM_MEMMAP_MAX];
};
#endif

#endif
