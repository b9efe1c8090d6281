#include <stdlib.h>
#include <string.h>

#include "loader/acpi/acpi.h"
#include "loader/boot/boot_params.h"
#include "loader/direct.h"
#include "loader/image/bzimage.h"
#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/plan_coco.h"
#include "loader/plan_shim.h"
#include "loader/shim/shim_abi.h"
#include "loader/boot/snp_cpu.h"
#include "loader/boot/vmsa.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

extern const uint8_t shim_blob[], shim_blob_end[];

/* Linux's struct cc_blob_sev_info (arch/x86/include/asm/sev.h), 40 bytes. */
#define CC_BLOB_MAGIC		0x45444d41	/* "AMDE" */
#define CC_BLOB_LEN		40
#define CC_SETUP_LEN		(8 + CC_BLOB_LEN)	/* u32 cc_blob_address, pad, blob */

void shim_memmap_build(struct shim_memmap *m, uint64_t mem_size, bool snp)
{
	uint64_t low = layout_low_ram(mem_size);
	uint64_t hole = SHIM_HOLE;
	/* SNP: the secrets and CPUID pages stay the firmware's, as OVMF keeps them. */
	uint64_t rs = SHIM_SNP_SECRETS, re = SHIM_SNP_CPUID + PAGE_SIZE;
	/* SNP starts its APs by AP creation: no mailbox, the page stays reserved. */
	uint64_t mb_end = snp ? hole : SHIM_MAILBOX + PAGE_SIZE;
	const struct shim_mem_range r[] = {
		{ 0, snp ? rs : hole, SHIM_MEM_RAM, 0 },
		{ rs, snp ? re - rs : 0, SHIM_MEM_RESERVED, 0 },
		{ re, snp ? hole - re : 0, SHIM_MEM_RAM, 0 },
		{ hole, mb_end - hole, SHIM_MEM_NVS, 0 },
		{ mb_end, SHIM_ACPI - mb_end, SHIM_MEM_RESERVED, 0 },
		{ SHIM_ACPI, SHIM_ACPI_END - SHIM_ACPI, SHIM_MEM_ACPI, 0 },
		{ SHIM_ACPI_END, LAYOUT_KERNEL - SHIM_ACPI_END, SHIM_MEM_RESERVED, 0 },	/* ROMs */
		{ LAYOUT_KERNEL, low - LAYOUT_KERNEL, SHIM_MEM_RAM, 0 },
		{ LAYOUT_HIGH_RAM, mem_size - low, SHIM_MEM_RAM, 0 },
	};

	_Static_assert(SHIM_ACPI_END - SHIM_ACPI == ACPI_TABLES_MAX,
		       "the shim checks the ACPI tables' e820 type where cvmm puts them");
	_Static_assert(SHIM_HOLE == (LAYOUT_EBDA & ~(PAGE_SIZE - 1)), "the hole starts at the EBDA's page");

	memset(m, 0, sizeof(*m));
	m->magic = SHIM_MEMMAP_MAGIC;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (r[i].size)
			m->r[m->count++] = r[i];
}

static int add(struct launch_plan *p, uint64_t gpa, uint64_t len, const void *data,
	       uint64_t data_len, enum piece_type t, bool measured, const char *what)
{
	struct plan_piece q = {
		.gpa = gpa, .len = len, .data = data, .data_len = data_len,
		.type = t, .measured = measured, .what = what,
	};

	return plan_add(p, &q);
}

/* Pages the shim writes before anything else exists: zero, private. */
static int add_scratch(struct launch_plan *p, enum shim_target t, uint64_t gpa, uint64_t len,
		       const char *what)
{
	if (t == SHIM_FOR_PLAIN)	/* fresh RAM is zero; nothing to add */
		return 0;
	return add(p, gpa, len, NULL, 0, t == SHIM_FOR_SNP ? PIECE_ZERO : PIECE_TEMP_MEM,
		   false, what);
}

static struct plan_piece *piece_at(struct launch_plan *p, uint64_t gpa)
{
	for (size_t i = 0; i < p->n_pieces; i++)
		if (p->pieces[i].gpa == gpa)
			return &p->pieces[i];
	return NULL;
}

/*
 * The kernel, initrd, command line and boot_params, placed as if guest RAM
 * ended right after the initrd: bzimage_load() then puts the initrd right
 * behind the kernel's init_size, whatever --mem is. The e820 table it wrote
 * for that pretend size is cleared: the shim writes the real one.
 */
static int add_kernel(struct launch_plan *p, const struct launch_opts *o)
{
	struct bzimage_info bi;
	struct bzimage_in in = { .name = o->kernel, .cmdline = o->cmdline };
	uint64_t real_mem = p->mem_size, entry, canon;
	uint8_t *kbuf, *rbuf = NULL, *bp;
	size_t klen, rlen = 0;
	int ret;

	if (file_read_all(o->kernel, "--kernel", &kbuf, &klen) || !plan_own(p, kbuf))
		return -1;
	if (o->initrd && (file_read_all(o->initrd, "--initrd", &rbuf, &rlen) || !plan_own(p, rbuf)))
		return -1;
	if (bzimage_parse(kbuf, klen, o->kernel, &bi))
		return -1;
	canon = PAGE_UP(bi.load_addr + bi.init_size) + PAGE_UP(rlen);
	if (canon < LAYOUT_MIN_MEM)
		canon = LAYOUT_MIN_MEM;
	in.img = kbuf;
	in.len = klen;
	in.initrd = rbuf;
	in.initrd_len = rlen;
	in.initrd_name = o->initrd;
	p->mem_size = canon;
	ret = bzimage_load(p, &in, &entry, NULL);
	p->mem_size = real_mem;
	if (ret)
		return -1;
	bp = (uint8_t *)piece_at(p, LAYOUT_BOOT_PARAMS)->data;	/* plan-owned */
	bp[BP_E820_ENTRIES] = 0;
	memset(bp + BP_E820_TABLE, 0, BP_E820_MAX * 20);
	if (canon > real_mem || canon > LAYOUT_LOW_RAM_MAX) {
		cvmm_err("--mem %llu MiB: the kernel and initrd need %llu MiB below 3 GiB",
			 (unsigned long long)(real_mem >> 20), (unsigned long long)((canon + (1 << 20) - 1) >> 20));
		return -1;
	}
	return 0;
}

/* SNP: the secrets and CPUID pages, and the CC blob that points Linux at them. */
static int add_snp_pages(struct launch_plan *p)
{
	uint8_t cc[CC_SETUP_LEN] = { 0 };
	uint32_t v32;
	uint16_t v16 = 1;	/* version */
	uint64_t v64, gpa;
	uint8_t *bp = (uint8_t *)piece_at(p, LAYOUT_BOOT_PARAMS)->data;
	struct plan_piece *q;

	if (add(p, SHIM_SNP_SECRETS, PAGE_SIZE, NULL, 0, PIECE_SECRETS, false, "secrets page") ||
	    add(p, SHIM_SNP_CPUID, PAGE_SIZE, NULL, 0, PIECE_CPUID, false, "CPUID page"))
		return -1;
	v32 = CC_BLOB_MAGIC;
	memcpy(cc + 8, &v32, 4);
	memcpy(cc + 12, &v16, 2);
	v64 = SHIM_SNP_SECRETS;
	memcpy(cc + 16, &v64, 8);
	v32 = PAGE_SIZE;
	memcpy(cc + 24, &v32, 4);
	v64 = SHIM_SNP_CPUID;
	memcpy(cc + 32, &v64, 8);
	memcpy(cc + 40, &v32, 4);
	gpa = boot_params_add_setup_data(p, bp, SETUP_CC_BLOB, cc, sizeof(cc));
	if (!gpa || !(q = piece_at(p, gpa)))
		return -1;
	/* cc_blob_address: the blob right behind it in the same entry. */
	v32 = (uint32_t)(gpa + SETUP_DATA_HDR_LEN + 8);
	memcpy((uint8_t *)q->data + SETUP_DATA_HDR_LEN, &v32, 4);
	return 0;
}

static int add_vmsas(struct launch_plan *p, const struct launch_opts *o)
{
	const struct snp_cpu_model *cpu = snp_cpu_model(o->vcpu_type ? o->vcpu_type : SNP_CPU_DEFAULT);
	struct vmsa_params vp = {
		.eip = SHIM_BASE + SHIM_ENTRY32_OFF, .vmm = o->vmm_type,
		.legacy_fpu = o->legacy_vmsa, .flat32 = true,
	};

	if (!cpu)
		return -1;
	if (o->guest_features_set && !(o->guest_features & SEV_FEATURE_SNP_ACTIVE)) {
		cvmm_err("--guest-features 0x%llx: an SNP VMSA always has SNPActive (bit 0) set",
			 (unsigned long long)o->guest_features);
		return -1;
	}
	p->coco.vcpu_sig = snp_cpu_signature(cpu->family, cpu->model, cpu->stepping);
	p->coco.sev_features = o->guest_features_set ? o->guest_features : SEV_FEATURE_SNP_ACTIVE;
	p->coco.policy = launch_snp_policy(o);
	vp.vcpu_sig = p->coco.vcpu_sig;
	vp.sev_features = p->coco.sev_features;
	p->coco.vmsa = plan_own(p, calloc(o->cpus, sizeof(*p->coco.vmsa)));
	for (int i = 0; p->coco.vmsa && i < o->cpus; i++) {
		p->coco.vmsa[i] = plan_own(p, malloc(VMSA_SIZE));
		if (!p->coco.vmsa[i])
			break;
		vp.rsi = i == 0 ? SHIM_SNP_MAGIC : SHIM_SNP_AP_MAGIC;
		vmsa_build(p->coco.vmsa[i], &vp);
	}
	if (!p->coco.vmsa || (o->cpus && !p->coco.vmsa[o->cpus - 1])) {
		cvmm_err("launch plan: out of memory for %d VMSAs", o->cpus);
		return -1;
	}
	return 0;
}

/*
 * The APs' page tables: an identity map of the low 4 GiB in 2 MiB pages,
 * in the reserved hole, so they outlive the kernel's reuse of RAM until
 * the AP leaves the mailbox loop. Built here, measured (TDX: MRTD), so an
 * AP enters long mode on them without writing memory.
 */
static int add_ap_tables(struct launch_plan *p)
{
	uint64_t *t = (uint64_t *)plan_add_buffer(p, SHIM_AP_PT, SHIM_PT_PAGES * PAGE_SIZE, PIECE_NORMAL,
						  true, "AP page tables");

	if (!t)
		return -1;
	t[0] = (SHIM_AP_PT + PAGE_SIZE) | 3;			/* PML4[0] -> PDPT */
	for (int i = 0; i < 4; i++)				/* PDPT[i] -> PD i */
		t[512 + i] = (SHIM_AP_PT + (uint64_t)(2 + i) * PAGE_SIZE) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++)			/* present, writable, 2 MiB */
		t[1024 + i] = i << 21 | 0x83;
	return 0;
}

/*
 * The mailbox starts with no command and measured, so no host can pre-fill
 * it; its firmware half (the shim's acceptance job) holds the vCPU count
 * the BSP spreads the work over, measured like the MADT that lists them.
 */
static int add_mailbox(struct launch_plan *p, const struct launch_opts *o)
{
	uint8_t *mb = plan_add_buffer(p, SHIM_MAILBOX, PAGE_SIZE, PIECE_NORMAL, true, "MP wakeup mailbox");
	uint32_t n = (uint32_t)o->cpus;

	if (!mb)
		return -1;
	memcpy(mb + (SHIM_JOB - SHIM_MAILBOX) + SHIM_JOB_VCPUS, &n, sizeof(n));
	return 0;
}

/*
 * What Linux finds through boot_params.acpi_rsdp_addr: the PC platform of a
 * direct boot (I/O APIC, COM1, the virtio transports, S5 poweroff) with the
 * MADT listing every vCPU and, where the APs wait on the mailbox (plain,
 * TDX), the MP wakeup structure. SNP starts APs by AP creation, which Linux
 * prefers only when no mailbox is described. On TDX and SNP the tables are
 * launch pages like any other, so the devices enter the measurement.
 */
static int add_acpi(struct launch_plan *p, const struct launch_opts *o, enum shim_target t)
{
	uint8_t *bp = (uint8_t *)piece_at(p, LAYOUT_BOOT_PARAMS)->data;

	return direct_add_acpi(p, o, bp, t == SHIM_FOR_SNP ? 0 : SHIM_MAILBOX, SHIM_ACPI,
			       t == SHIM_FOR_PLAIN);
}

/* Plain: APs start runnable at the shim's AP door, in long mode on the AP tables. */
static void set_plain_aps(struct launch_plan *p, uint64_t base)
{
	p->ap_park = true;
	p->ap = p->boot;
	p->ap.rip = base + SHIM_AP64_OFF;
	p->ap.cr3 = SHIM_AP_PT;
}

int plan_add_shim_boot(struct launch_plan *p, const struct launch_opts *o, enum shim_target t)
{
	uint64_t base = SHIM_BASE;	/* every platform: the same addresses */
	size_t blob_len = (size_t)(shim_blob_end - shim_blob);
	struct shim_memmap *mm;

	if (blob_len != SHIM_SIZE) {
		cvmm_err("boot shim: the built blob has %zu bytes, the layout expects %u",
			 blob_len, SHIM_SIZE);
		return -1;
	}
	if (t == SHIM_FOR_PLAIN && o->platform != PLATFORM_PLAIN) {
		cvmm_err("--boot-shim: runs on --plain VMs only (its memory map has no shared window)");
		return -1;
	}
	if (!o->kernel) {
		cvmm_err("--%s without --firmware boots a kernel through cvmm's boot shim: give --kernel",
			 t == SHIM_FOR_SNP ? "snp" : t == SHIM_FOR_TDX ? "tdx" : "boot-shim");
		return -1;
	}
	if (o->cpus < 1) {
		cvmm_err("--cpus %d: needs at least one vCPU", o->cpus);
		return -1;
	}
	if (add(p, base, SHIM_SIZE, shim_blob, SHIM_SIZE, PIECE_NORMAL, true, "boot shim") ||
	    add_scratch(p, t, SHIM_PT, SHIM_PT_PAGES * PAGE_SIZE, "shim page tables") ||
	    add_kernel(p, o))
		return -1;
	mm = plan_own(p, calloc(1, PAGE_SIZE));
	if (!mm) {
		cvmm_err("launch plan: out of memory");
		return -1;
	}
	_Static_assert(sizeof(struct shim_memmap) <= PAGE_SIZE, "memory map fits a page");
	shim_memmap_build(mm, p->mem_size, t == SHIM_FOR_SNP);
	/* TDX: the shim spreads acceptance over the vCPUs; SNP: the BSP alone (shim.c). */
	accept_cost_of(mm, t == SHIM_FOR_TDX ? ACCEPT_TDX : t == SHIM_FOR_SNP ? ACCEPT_SNP : ACCEPT_NONE,
		       t == SHIM_FOR_SNP ? 1 : shim_workers(o->cpus), &p->accept);
	/* Content unmeasured on every platform: SNP UNMEASURED, TDX added unextended. */
	if (add(p, SHIM_MEMMAP, PAGE_SIZE, mm, PAGE_SIZE,
		t == SHIM_FOR_SNP ? PIECE_UNMEASURED : PIECE_NORMAL, false, "memory map"))
		return -1;
	if (t == SHIM_FOR_SNP && add_snp_pages(p))
		return -1;
	if (add_scratch(p, t, SHIM_STACK, SHIM_STACK_TOP - SHIM_STACK, "shim stack"))
		return -1;
	if (t != SHIM_FOR_SNP && (add_mailbox(p, o) || add_ap_tables(p)))
		return -1;
	if (add_acpi(p, o, t))
		return -1;

	p->image_kind = "bzImage via boot shim";
	switch (t) {
	case SHIM_FOR_PLAIN:
		/*
		 * The BSP enters the 32-bit door as a TD's does (esi 0: the BSP)
		 * and builds its own page tables; the APs get the caller's
		 * 64-bit set-up on the AP tables.
		 */
		p->boot.mode = CPU_MODE_LONG64;		/* cr3/gdt: the caller's */
		set_plain_aps(p, base);
		p->boot.mode = CPU_MODE_FLAT32;
		p->boot.rip = base + SHIM_ENTRY32_OFF;
		p->boot.rsp = 0;
		p->boot.rsi = 0;
		return 0;
	case SHIM_FOR_SNP:
		p->boot = (struct vcpu_boot){ .mode = CPU_MODE_FLAT32,
			.rip = base + SHIM_ENTRY32_OFF, .rsi = SHIM_SNP_MAGIC };
		p->coco.platform = PLATFORM_SNP;
		p->coco.n_vcpus = o->cpus;
		p->coco.ap_eip = SHIM_BASE + SHIM_ENTRY32_OFF;	/* APs park there */
		p->coco.fw_gpa = base;
		p->coco.fw_size = SHIM_SIZE;
		return add_vmsas(p, o);
	case SHIM_FOR_TDX:
		p->boot = (struct vcpu_boot){ .mode = CPU_MODE_RESET };
		p->coco.platform = PLATFORM_TDX;
		p->coco.n_vcpus = o->cpus;
		p->coco.fw_gpa = base;
		p->coco.fw_size = SHIM_SIZE;
		p->coco.mrtd_two_pass = o->mrtd_two_pass;
		return 0;
	}
	return -1;
}
