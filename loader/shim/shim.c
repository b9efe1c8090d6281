/*
 * cvmm's boot shim, 64-bit part: checks the memory map the VMM handed over
 * (not measured, so not trusted), makes the RAM usable for the kernel
 * (SNP: page-state change + PVALIDATE; TDX: TDG.MEM.PAGE.ACCEPT), writes the
 * e820 table into the measured boot_params and enters the kernel's 64-bit
 * entry with rsi = boot_params. On a plain VM the TDX/SNP instructions are
 * skipped, so the same code is tested end to end on any KVM. On TDX (and
 * plain) the APs accept their share of RAM (struct shim_job) before they
 * park on the mailbox.
 *
 * Freestanding, position independent (RIP-relative only: it runs at 4 GiB
 * minus its size under TDX/SNP and in low RAM on plain VMs), no writable
 * globals.
 */
#include "shim_abi.h"

#define BP_E820_ENTRIES		0x1e8
#define BP_CODE32_START		0x214
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define ENTRY64_OFFSET		0x200
#define PAGE			0x1000ull
#define HUGE			0x200000ull
#define LOW_4G			0x100000000ull

#define MSR_GHCB		0xc0010130u
#define PVALIDATE_FAIL_SIZEMISMATCH	6u

#define TDG_VP_INFO		1ull
#define TDG_MEM_PAGE_ACCEPT	6ull
#define TDX_ALREADY_ACCEPTED	0x00000b0aull	/* status class in bits 63:32 */

void shim_main(uint32_t plat) __attribute__((noreturn, used));
void shim_ap_accept(uint32_t index) __attribute__((used));

_Static_assert(__builtin_offsetof(struct shim_job, vcpus) == SHIM_JOB_VCPUS &&
	       __builtin_offsetof(struct shim_job, posted) == SHIM_JOB_POSTED &&
	       __builtin_offsetof(struct shim_job, workers) == SHIM_JOB_WORKERS &&
	       __builtin_offsetof(struct shim_job, done) == SHIM_JOB_DONE &&
	       __builtin_offsetof(struct shim_job, idt_limit) == SHIM_JOB_IDTR &&
	       __builtin_offsetof(struct shim_job, idt_base) == SHIM_JOB_IDTR + 2 &&
	       sizeof(struct shim_job) <= 0x800, "entry.S's job offsets, in the firmware half");
_Static_assert(SHIM_STACK + (SHIM_WORKERS_MAX - 1) * SHIM_AP_STACK_SLOT + 0x4000 <= SHIM_STACK_TOP,
	       "the AP stack slots leave the BSP 16 KiB of stack");

/*
 * The job area and the memory map at their fixed addresses; the host test
 * (tests/unit/test_shim.c) points them at its own, and runs APs as threads.
 */
#ifdef SHIM_HOST_TEST
extern struct shim_job *shim_test_job;
extern const struct shim_memmap *shim_test_memmap;
#define JOB()		shim_test_job
#define MEMMAP()	shim_test_memmap
#else
#define JOB()		((struct shim_job *)(uintptr_t)SHIM_JOB)
#define MEMMAP()	((const struct shim_memmap *)(uintptr_t)SHIM_MEMMAP)
#endif
void shim_jump(uint64_t entry, uint64_t boot_params) __attribute__((noreturn));

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define TDVMCALL_REPORT_FATAL_ERROR	0x10003ull

/* TDG.VP.VMCALL<ReportFatalError>, error code 0, the reason as its message. */
static __attribute__((noreturn)) void tdx_report_fatal(const char *why)
{
	uint64_t m[8];

	shim_tdx_fatal_text("cvmm shim: ", why, m);
	for (;;) {	/* it never returns; if it did, ask again */
		register uint64_t r8 __asm__("r8") = m[5], r9 __asm__("r9") = m[6];
		register uint64_t r10 __asm__("r10") = 0, r11 __asm__("r11") = TDVMCALL_REPORT_FATAL_ERROR;
		register uint64_t r12 __asm__("r12") = 0, r13 __asm__("r13") = 0;
		register uint64_t r14 __asm__("r14") = m[0], r15 __asm__("r15") = m[1];
		uint64_t rax = 0, rcx = SHIM_TDX_EXPOSE_REGS, rbx = m[2], rdi = m[3], rsi = m[4], rdx = m[7];

		__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcc"	/* tdcall */
				 : "+a"(rax), "+c"(rcx), "+b"(rbx), "+D"(rdi), "+S"(rsi), "+d"(rdx),
				   "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13),
				   "+r"(r14), "+r"(r15) : : "memory");
	}
}

/* The GHCB MSR protocol's termination request (GHCB spec 2.3.1), reason in set 3. */
static __attribute__((noreturn)) void snp_terminate(uint32_t code)
{
	for (;;) {
		wrmsr(MSR_GHCB, SHIM_GHCB_TERM(code & 0xff));
		__asm__ volatile("rep; vmmcall" ::: "memory");	/* VMGEXIT */
	}
}

/*
 * Says why the shim stops, the way each platform can: plain VMs on the UART
 * and exit; a TD by ReportFatalError; an SNP guest by a termination request.
 */
static __attribute__((noreturn)) void shim_fail(uint32_t plat, uint32_t code, const char *why)
{
	if (plat == SHIM_PLAT_TDX)
		tdx_report_fatal(why);
	if (plat == SHIM_PLAT_SNP)
		snp_terminate(code);
	for (const char *s = "cvmm shim: "; *s; s++)
		outb(0x3f8, (uint8_t)*s);
	for (; *why; why++)
		outb(0x3f8, (uint8_t)*why);
	outb(0x3f8, '\n');
	outb(0xf4, 70);
	for (;;)
		__asm__ volatile("hlt");
}

/*
 * The BSP's IDT, in shim_main's frame: SHIM_IDT_VECTORS interrupt gates to
 * the 8-byte stubs in entry.S (each pushes its vector), code selector 0x10,
 * and the platform code right behind the gates, where the handler finds it
 * through SIDT (no writable globals). Without it any fault is a triple fault.
 */
#define IDT_BYTES	(SHIM_IDT_VECTORS * 16)
extern const uint8_t shim_exc_stubs[];
void shim_exception(uint64_t vector) __attribute__((noreturn, used));

static void idt_build(uint8_t *idt, uint32_t plat, uint64_t stubs)
{
	for (int v = 0; v < SHIM_IDT_VECTORS; v++) {
		uint64_t h = stubs + 8 * (uint64_t)v;
		uint8_t *g = idt + 16 * v;

		for (int i = 0; i < 16; i++)
			g[i] = 0;
		g[0] = (uint8_t)h;
		g[1] = (uint8_t)(h >> 8);
		g[2] = 0x10;			/* selector: the 64-bit code segment */
		g[5] = 0x8e;			/* present, DPL 0, 64-bit interrupt gate */
		for (int i = 0; i < 6; i++)
			g[6 + i] = (uint8_t)(h >> (16 + 8 * i));
	}
	for (int i = 0; i < 4; i++)
		idt[IDT_BYTES + i] = (uint8_t)(plat >> (8 * i));
}

void shim_exception(uint64_t vector)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d;
	const uint8_t *idt;
	uint32_t plat = 0;
	char why[] = "CPU exception 00";

	__asm__ volatile("sidt %0" : "=m"(d));
	idt = (const uint8_t *)(uintptr_t)d.base;
	for (int i = 0; i < 4; i++)
		plat |= (uint32_t)idt[IDT_BYTES + i] << (8 * i);
	why[14] = (char)('0' + vector / 10 % 10);
	why[15] = (char)('0' + vector % 10);
	shim_fail(plat, SHIM_ERR_EXCEPTION | (uint32_t)(vector & 0x7f), why);
}

static uint64_t tdcall(uint64_t leaf, uint64_t rcx, uint64_t *r9)
{
	register uint64_t r9_out __asm__("r9");
	uint64_t rax = leaf;

	__asm__ volatile(".byte 0x66, 0x0f, 0x01, 0xcc"	/* tdcall */
			 : "+a"(rax), "+c"(rcx), "=r"(r9_out)
			 : : "rdx", "r8", "r10", "r11", "memory");
	if (r9)
		*r9 = r9_out;
	return rax;
}

/*
 * The two instructions that make RAM usable, one page each: TDX's
 * TDG.MEM.PAGE.ACCEPT (level 0: 4 KiB, 1: 2 MiB; the TDX status) and SNP's
 * PVALIDATE (the page's linear address = its GPA on the identity map; rc).
 * tests/unit/test_shim.c defines SHIM_HOST_TEST and plays the host behind
 * them, so the walks below are what the acceptance cost is counted on.
 */
#ifdef SHIM_HOST_TEST
uint64_t shim_tdx_accept_page(uint64_t gpa, int level);
uint32_t shim_snp_pvalidate(uint64_t va, int huge);
#else
static uint64_t shim_tdx_accept_page(uint64_t gpa, int level)
{
	return tdcall(TDG_MEM_PAGE_ACCEPT, gpa | (uint64_t)level, 0);
}

static uint32_t shim_snp_pvalidate(uint64_t va, int huge)
{
	uint32_t rc;
	uint8_t unchanged;

	__asm__ volatile(".byte 0xf2, 0x0f, 0x01, 0xff"	/* pvalidate */
			 "\n\tsetc %1"
			 : "=a"(rc), "=r"(unchanged)
			 : "a"(va), "c"(huge), "d"(1) : "memory", "cc");
	/* Pages the launch already validated report "no change": fine. */
	(void)unchanged;
	return rc;
}
#endif

/*
 * 2 MiB where the range is aligned (the TDX module and the RMP may refuse:
 * 4 KiB then). *pages counts the 4 KiB pages done.
 */
static int tdx_accept(uint64_t gpa, uint64_t size, uint64_t *pages)
{
	for (uint64_t a = gpa; a < gpa + size;) {
		uint64_t st;

		if (!(a & (HUGE - 1)) && gpa + size - a >= HUGE) {
			st = shim_tdx_accept_page(a, 1);
			if (st == 0 || st >> 32 == TDX_ALREADY_ACCEPTED) {
				a += HUGE;
				*pages += HUGE / PAGE;
				continue;
			}
			/* KVM maps TD memory 4 KiB-wise (or the launch added some): page by page. */
		}
		st = shim_tdx_accept_page(a, 0);
		if (st != 0 && st >> 32 != TDX_ALREADY_ACCEPTED)
			return -1;
		a += PAGE;
		++*pages;
	}
	return 0;
}

/*
 * No page-state change first: cvmm made all RAM private at launch, so a
 * PVALIDATE of an unpopulated page is a nested page fault KVM serves from
 * guest_memfd in the kernel, not one userspace round trip per 4 KiB page
 * (the GHCB MSR protocol's PSC is one page per exit). A host that left a
 * page shared gets a memory-fault exit there instead, and PVALIDATE fails
 * or validates: it can stall the boot, never hand over an unvalidated page.
 */
static int snp_validate(uint64_t gpa, uint64_t size, uint64_t *pages)
{
	for (uint64_t a = gpa; a < gpa + size;) {
		uint32_t rc;

		if (!(a & (HUGE - 1)) && gpa + size - a >= HUGE) {
			rc = shim_snp_pvalidate(a, 1);
			if (rc == 0) {
				a += HUGE;
				*pages += HUGE / PAGE;
				continue;
			}
			if (rc != PVALIDATE_FAIL_SIZEMISMATCH)
				return -1;
			/* The RMP holds these 4 KiB-wise: page by page. */
		}
		if (shim_snp_pvalidate(a, 0) != 0)
			return -1;
		a += PAGE;
		++*pages;
	}
	return 0;
}

/*
 * The memory map comes from the host: sorted, non-overlapping, page
 * aligned, inside the guest physical address space, RAM covering what the
 * shim and the kernel use, never over the shim itself nor (SNP) over the
 * secrets and CPUID pages, which the kernel must not reuse.
 */
/* Whether one entry of that type holds all of [a, b). */
static int covers(const struct shim_memmap *m, uint64_t a, uint64_t b, uint32_t type)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (m->r[i].type == type && m->r[i].addr <= a && b <= m->r[i].addr + m->r[i].size)
			return 1;
	return 0;
}

static int ram_covers(const struct shim_memmap *m, uint64_t a, uint64_t b)
{
	return covers(m, a, b, SHIM_MEM_RAM);
}

static const char *check_memmap(const struct shim_memmap *m, uint64_t kernel, uint32_t plat)
{
	uint64_t prev_end = 0;

	if (m->magic != SHIM_MEMMAP_MAGIC)
		return "memory map: bad magic";
	if (m->count == 0 || m->count > SHIM_MEMMAP_MAX || m->count > BP_E820_MAX)
		return "memory map: bad entry count";
	for (uint32_t i = 0; i < m->count; i++) {
		const struct shim_mem_range *r = &m->r[i];
		uint64_t end = r->addr + r->size;

		if (r->size == 0 || (r->addr | r->size) & (PAGE - 1) || end < r->addr ||
		    end > (1ull << 52))
			return "memory map: empty, unaligned or out-of-range entry";
		if (r->type < SHIM_MEM_RAM || r->type > SHIM_MEM_NVS)
			return "memory map: unknown entry type";
		if (i && r->addr < prev_end)
			return "memory map: entries overlap or are not sorted";
		prev_end = end;
		if (r->type != SHIM_MEM_RAM)
			continue;
		if (r->addr < LOW_4G && end > SHIM_BASE)
			return "memory map: RAM over the shim";
		/* The mailbox, the AP page tables and code, the ACPI tables. */
		if (r->addr < SHIM_LOW_END && end > SHIM_HOLE)
			return "memory map: RAM in the BIOS hole [0x9f000, 1 MiB)";
		if (plat == SHIM_PLAT_SNP && r->addr < SHIM_SNP_CPUID + PAGE && end > SHIM_SNP_SECRETS)
			return "memory map: RAM over the SNP secrets or CPUID page";
	}
	/* What the shim and the kernel already use must be RAM. */
	if (!ram_covers(m, 0, SHIM_SNP_SECRETS) || !ram_covers(m, SHIM_STACK, SHIM_STACK_TOP))
		return "memory map: no RAM under boot_params, the memory map or the stack";
	if (!ram_covers(m, kernel, kernel + PAGE))
		return "memory map: no RAM at the kernel";
	/*
	 * The types Linux maps these by (a TD maps reserved memory shared):
	 * the ACPI tables must be ACPI, the mailbox NVS (SNP has no mailbox).
	 */
	if (!covers(m, SHIM_ACPI, SHIM_ACPI_END, SHIM_MEM_ACPI))
		return "memory map: the ACPI tables are not e820 ACPI";
	if (plat != SHIM_PLAT_SNP && !covers(m, SHIM_MAILBOX, SHIM_MAILBOX + PAGE, SHIM_MEM_NVS))
		return "memory map: the MP wakeup mailbox is not e820 NVS";
	return 0;
}

/*
 * TDX: accepts RAM and the BIOS hole, whatever its type: Linux reads the
 * legacy ROM range [0xc0000, 1 MiB) through its private direct map
 * (probe_roms), and a TD touching an unaccepted private page is killed; the
 * pieces cvmm added there answer "already accepted". SNP: validates RAM.
 * Plain: the TD's ranges, counted and not accepted, so a plain VM runs the
 * TD's split over its vCPUs.
 */
static int walked(const struct shim_mem_range *r, uint32_t plat)
{
	return r->type == SHIM_MEM_RAM || (plat != SHIM_PLAT_SNP && r->addr < SHIM_LOW_END);
}

static uint64_t walked_pages(const struct shim_memmap *m, uint32_t plat)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < m->count; i++)
		if (walked(&m->r[i], plat))
			n += m->r[i].size / PAGE;
	return n;
}

/* Part k of n of every range (shim_part): 0, or -1 when the platform refused a page. */
static int accept_part(const struct shim_memmap *m, uint32_t plat, uint32_t k, uint32_t n,
		       uint64_t *pages)
{
	*pages = 0;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct shim_mem_range *r = &m->r[i];
		uint64_t a, e;

		if (!walked(r, plat))
			continue;
		shim_part(r->addr, r->addr + r->size, k, n, &a, &e);
		if (plat == SHIM_PLAT_TDX && tdx_accept(a, e - a, pages))
			return -1;
		if (plat == SHIM_PLAT_SNP && snp_validate(a, e - a, pages))
			return -1;
		if (plat == SHIM_PLAT_PLAIN)
			*pages += (e - a) / PAGE;
	}
	return 0;
}

/*
 * An AP's part, on its own stack slot (entry.S), once the job is posted:
 * entry.S increments done after this returned, when the AP no longer uses
 * the slot. The memory map is the one the BSP checked: private on TDX since
 * the launch (added, not extended), so no host changed it since.
 */
void shim_ap_accept(uint32_t index)
{
	struct shim_job *job = JOB();
	uint64_t pages = 0;
	int bad = accept_part(MEMMAP(), job->plat, index, job->workers, &pages);

	job->pages[index] = pages;
	job->status[index] = bad ? SHIM_PART_FAILED : SHIM_PART_OK;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * The BSP: posts the job (plain, TDX), does part 0, waits for every AP
 * worker to finish and leave its stack slot (the kernel reuses those pages),
 * and refuses to go on unless every part was done and the parts add up to
 * every page meant. SNP: the BSP alone (its APs park in 32-bit mode without
 * C-bit page tables, and Linux replaces them by AP creation; there is no
 * mailbox page). A worker that never comes stalls the boot: only the host
 * can keep a vCPU from running, and it can stall a guest anyway.
 */
static const char *make_ram_usable(const struct shim_memmap *m, uint32_t plat, struct shim_job *job)
{
	const char *op = plat == SHIM_PLAT_SNP ? "PVALIDATE failed" : "TDG.MEM.PAGE.ACCEPT failed";
	uint64_t total = walked_pages(m, plat), sum = 0, pages = 0;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
	uint32_t n;

	if (plat == SHIM_PLAT_SNP) {
		if (accept_part(m, plat, 0, 1, &pages))
			return op;
		return pages == total ? 0 : "PVALIDATE: the walk missed pages";
	}
	n = shim_workers(job->vcpus);
	__asm__ volatile("sidt %0" : "=m"(idtr));
	job->workers = n;
	job->plat = plat;
	job->done = 0;
	job->idt_limit = idtr.limit;
	job->idt_base = idtr.base;
	job->total_pages = total;
	for (uint32_t i = 0; i < SHIM_WORKERS_MAX; i++) {
		job->status[i] = 0;
		job->pages[i] = 0;
	}
	__atomic_store_n(&job->posted, SHIM_JOB_MAGIC, __ATOMIC_RELEASE);
	job->status[0] = accept_part(m, plat, 0, n, &job->pages[0]) ? SHIM_PART_FAILED : SHIM_PART_OK;
	while (__atomic_load_n(&job->done, __ATOMIC_ACQUIRE) < n - 1)
		cpu_relax();
	for (uint32_t i = 0; i < n; i++) {
		if (job->status[i] == SHIM_PART_FAILED)
			return op;
		if (job->status[i] != SHIM_PART_OK)
			return "acceptance: a vCPU's part was not done";
		sum += job->pages[i];
	}
	return sum == total ? 0 : "acceptance: the vCPUs' parts do not add up to all RAM";
}

static void put(uint8_t *b, uint32_t off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

void shim_main(uint32_t plat)
{
	const struct shim_memmap *m = MEMMAP();
	uint8_t *bp = (uint8_t *)(uintptr_t)SHIM_BOOT_PARAMS;
	uint64_t kernel = (uint64_t)bp[BP_CODE32_START] | (uint64_t)bp[BP_CODE32_START + 1] << 8 |
			  (uint64_t)bp[BP_CODE32_START + 2] << 16 |
			  (uint64_t)bp[BP_CODE32_START + 3] << 24;
	const char *why;
	uint64_t idx = 0;
	uint8_t idt[IDT_BYTES + 8] __attribute__((aligned(16)));
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
		.limit = IDT_BYTES - 1, .base = (uint64_t)(uintptr_t)idt,
	};

	idt_build(idt, plat, (uint64_t)(uintptr_t)shim_exc_stubs);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
	/* The entry code sent every AP to the mailbox; this must be vCPU 0. */
	if (plat == SHIM_PLAT_TDX && (tdcall(TDG_VP_INFO, 0, &idx) || (uint32_t)idx != 0))
		shim_fail(plat, SHIM_ERR_AP, "an AP reached the BSP's path");
	why = check_memmap(m, kernel, plat);
	if (why)
		shim_fail(plat, SHIM_ERR_MEMMAP, why);
	why = make_ram_usable(m, plat, JOB());
	if (why)
		shim_fail(plat, SHIM_ERR_ACCEPT, why);
	/*
	 * Plain: read the last byte of every RAM range the map the 32-bit door
	 * built covers (above 4 GiB where the CPU has 1 GiB pages: PDPT[4]
	 * present), the map SNP's PVALIDATE relies on: a hole in it faults,
	 * and the IDT says so on COM1.
	 */
	for (uint32_t i = 0; plat == SHIM_PLAT_PLAIN && i < m->count; i++) {
		uint64_t last = m->r[i].addr + m->r[i].size - 1;
		int high = *(volatile const uint64_t *)(uintptr_t)(SHIM_PT + 0x1000 + 4 * 8) & 1;

		if (m->r[i].type != SHIM_MEM_RAM)
			continue;
		if (last >= LOW_4G && (!high || last >= 1ull << 39))
			break;		/* not mapped here: say nothing */
		(void)*(volatile const uint8_t *)(uintptr_t)last;
		if (i + 1 == m->count)
			outb(SHIM_MILESTONE_PORT, SHIM_MILESTONE_RAM_READ);
	}
	for (uint32_t i = 0; i < m->count; i++) {
		put(bp, BP_E820_TABLE + 20 * i, m->r[i].addr, 8);
		put(bp, BP_E820_TABLE + 20 * i + 8, m->r[i].size, 8);
		put(bp, BP_E820_TABLE + 20 * i + 16, m->r[i].type, 4);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)m->count;
	shim_jump(kernel + ENTRY64_OFFSET, SHIM_BOOT_PARAMS);
}
