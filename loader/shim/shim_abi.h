/*
 * The contract between cvmm and its boot shim (loader/shim/): where the shim
 * sits, where it finds its inputs, and the memory-map page cvmm hands it.
 * Included by the freestanding shim and by cvmm, so only fixed-size types.
 *
 * Everything here is at a fixed address and none of it depends on the RAM
 * size: that keeps the direct-boot launch digest independent of --mem (RAM
 * arrives only through the memory-map page, which is not measured and which
 * the shim checks). The vCPU count enters through the MADT and the
 * acceptance job's count (below), both measured.
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

/*
 * The acceptance job: the mailbox page's second half, which ACPI 6.4
 * 5.2.12.19 reserves for firmware (Linux writes only the first fields of
 * the OS half). The BSP spreads accepting RAM over vCPUs [0, workers):
 * cvmm writes the vCPU count here as measured launch content (the digest
 * depends on it through the MADT anyway); once the BSP checked the memory
 * map it fills in the rest and posts the job; each AP below SHIM_WORKERS_MAX
 * waits for that before its first store, accepts its part on its own stack
 * slot, writes its status and page count, leaves the slot, then increments
 * done (lock) and parks on the mailbox. The BSP does part 0, waits for
 * every worker and checks that the parts add up to all it meant to accept.
 * cvmm -v reads it back (plain VMs). Offsets for entry.S; the struct for C.
 */
#define SHIM_JOB		(SHIM_MAILBOX + 0x800)
#define SHIM_JOB_VCPUS		0x00		/* u32, cvmm (measured) */
#define SHIM_JOB_POSTED		0x04		/* u32, the BSP: SHIM_JOB_MAGIC once posted */
#define SHIM_JOB_WORKERS	0x08		/* u32 */
#define SHIM_JOB_DONE		0x10		/* u32, each AP worker lock-increments it */
#define SHIM_JOB_IDTR		0x16		/* limit u16 + base u64: the BSP's IDT, for lidt */
#define SHIM_JOB_MAGIC		0x424f4a41	/* "AJOB" */
#define SHIM_WORKERS_MAX	32
/*
 * AP i's stack: [SHIM_STACK + (i - 1) * slot, SHIM_STACK + i * slot), in
 * the stack pages the launch already accepted (TDX: added; SNP: no APs
 * here); the BSP's stack grows down from SHIM_STACK_TOP above all slots.
 * The worker's deepest path, a fault in it reported by ReportFatalError,
 * needs about 400 bytes (gcc -fstack-usage: the worker 32 + 96, the
 * exception frame and handlers 40 + 8 + 120, pushes): under a slot.
 */
#define SHIM_AP_STACK_SLOT	0x400
#define SHIM_PART_OK		1
#define SHIM_PART_FAILED	2

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

/* At SHIM_JOB (above). */
struct shim_job {
	uint32_t vcpus;			/* cvmm: the vCPU count, measured */
	uint32_t posted;		/* the BSP: SHIM_JOB_MAGIC when the rest is set */
	uint32_t workers;		/* vCPUs [0, workers) each accept one part */
	uint32_t plat;			/* SHIM_PLAT_* */
	uint32_t done;			/* AP workers that finished and left their stack */
	uint16_t pad, idt_limit;	/* the BSP's IDT: an AP's fault is reported too */
	uint64_t idt_base;
	uint64_t total_pages;		/* the BSP: 4 KiB pages all parts cover */
	uint32_t status[SHIM_WORKERS_MAX];	/* worker i: SHIM_PART_OK / _FAILED */
	uint64_t pages[SHIM_WORKERS_MAX];	/* worker i: 4 KiB pages it accepted */
};

#define SHIM_2M			0x200000ULL

/* The vCPUs that take a part: all, up to the stack slots (the others just park). */
static inline uint32_t shim_workers(uint32_t vcpus)
{
	return vcpus < 1 ? 1 : vcpus > SHIM_WORKERS_MAX ? SHIM_WORKERS_MAX : vcpus;
}

/*
 * Part k of n of the range [a, e): cut only at 2 MiB boundaries, so the
 * parts together make exactly the 2 MiB operations the whole range would;
 * part 0 takes the unaligned head, the last non-empty part the tail, a
 * range without a whole aligned 2 MiB stays in part 0. Parts are disjoint,
 * in order, and cover [a, e). Shared by the shim and the plan's cost model.
 */
static inline uint64_t shim_part_cut(uint64_t a, uint64_t e, uint32_t j, uint32_t n)
{
	uint64_t h = (a + SHIM_2M - 1) & ~(SHIM_2M - 1), t = e & ~(SHIM_2M - 1);
	uint64_t blocks = t > h ? (t - h) / SHIM_2M : 0, q;

	if (j == 0)
		return a;
	if (j >= n || !blocks)
		return e;
	q = (blocks + n - 1) / n * SHIM_2M;
	return (uint64_t)j * q >= e - h ? e : h + (uint64_t)j * q;
}

static inline void shim_part(uint64_t a, uint64_t e, uint32_t k, uint32_t n,
			     uint64_t *pa, uint64_t *pe)
{
	if (n == 0)
		n = 1;
	*pa = k >= n ? e : shim_part_cut(a, e, k, n);
	*pe = k >= n ? e : shim_part_cut(a, e, k + 1, n);
}
#endif

#endif
