#include <string.h>

#include "loader/virtio_slots.h"
#include "loader/boot/boot_params.h"
#include "loader/boot/fdt.h"
#include "loader/image/bzimage.h"
#include "loader/acpi/acpi.h"
#include "loader/direct.h"
#include "loader/image/elf.h"
#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/plan_shim.h"
#include "loader/shared_window.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

extern const uint8_t demo_guest_elf[], demo_guest_elf_end[];

#define PTE_P	(1ULL << 0)
#define PTE_RW	(1ULL << 1)
#define PTE_PS	(1ULL << 7)

uint64_t direct_stack_top(int i)
{
	return LAYOUT_STACK_TOP - (uint64_t)i * DIRECT_STACK_SIZE;
}

/* Identity map of [0, 4 GiB) with 2 MiB pages: PML4, one PDPT, four PDs. */
static int add_page_tables(struct launch_plan *p)
{
	uint64_t *pml4, *pdpt, *pd;

	pml4 = (uint64_t *)plan_add_buffer(p, LAYOUT_PML4, PAGE_SIZE, PIECE_NORMAL, true, "PML4");
	pdpt = (uint64_t *)plan_add_buffer(p, LAYOUT_PDPT, PAGE_SIZE, PIECE_NORMAL, true, "PDPT");
	pd = (uint64_t *)plan_add_buffer(p, LAYOUT_PD, 4 * PAGE_SIZE, PIECE_NORMAL, true, "PDs");
	if (!pml4 || !pdpt || !pd)
		return -1;
	pml4[0] = LAYOUT_PDPT | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_PD + i * PAGE_SIZE) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	p->boot.cr3 = LAYOUT_PML4;
	return 0;
}

static int add_gdt(struct launch_plan *p)
{
	static const uint64_t gdt[] = {
		/* boot.rst's 64-bit protocol: __BOOT_CS 0x10, __BOOT_DS 0x18 */
		0,
		0,
		0x00af9b000000ffffULL,	/* 0x10: 64-bit code, DPL 0 */
		0x00cf93000000ffffULL,	/* 0x18: flat data */
	};
	uint8_t *b = plan_add_buffer(p, LAYOUT_GDT, sizeof(gdt), PIECE_NORMAL, true, "GDT");

	if (!b)
		return -1;
	memcpy(b, gdt, sizeof(gdt));
	p->boot.gdt_base = LAYOUT_GDT;
	p->boot.gdt_limit = sizeof(gdt) - 1;
	return 0;
}

/* --initrd, read whole; the plan owns the buffer. */
static int read_initrd(struct launch_plan *p, const char *path, uint8_t **buf, size_t *len)
{
	if (file_read_all(path, "--initrd", buf, len))
		return -1;
	if (!plan_own(p, *buf)) {
		cvmm_err("--initrd %s: out of memory", path);
		return -1;
	}
	return 0;
}

/*
 * The image: the demo guest, or --kernel as a bzImage (which brings its own
 * boot_params: *built is set) or an ELF64.
 */
static int load_image(struct launch_plan *p, const struct launch_opts *o, const char *cmdline,
		      const struct shared_window *w, uint64_t *entry, bool *built)
{
	const uint8_t *img;
	uint8_t *buf, *rd = NULL;
	size_t len, rd_len = 0;
	const char *name;

	if (!o->kernel) {
		img = demo_guest_elf;
		len = (size_t)(demo_guest_elf_end - demo_guest_elf);
		name = "the demo guest";
		p->image_kind = "demo";
	} else {
		if (file_read_all(o->kernel, "--kernel", &buf, &len))
			return -1;
		if (!plan_own(p, buf)) {
			cvmm_err("--kernel %s: out of memory", o->kernel);
			return -1;
		}
		img = buf;
		name = o->kernel;
		p->image_kind = "elf";
		if (o->initrd && read_initrd(p, o->initrd, &rd, &rd_len))
			return -1;
	}
	if (o->kernel && bzimage_probe(img, len)) {
		struct bzimage_in in = {
			.img = img, .len = len, .name = name,
			.initrd = rd, .initrd_len = rd_len, .initrd_name = o->initrd,
			.cmdline = cmdline,
			.reserved_gpa = w->gpa, .reserved_len = w->size,
		};

		*built = true;
		return bzimage_load(p, &in, entry, NULL);
	}
	if (!elf_is_elf(img, len)) {
		cvmm_err("--kernel %s: neither a bzImage (no 0xAA55 + \"HdrS\" setup header) nor an "
			 "ELF64 image", name);
		return -1;
	}
	if (rd) {
		cvmm_err("--initrd %s: only a bzImage kernel takes an initrd; %s is an ELF image",
			 o->initrd, name);
		return -1;
	}
	return elf_load(p, img, len, name, entry);
}

/*
 * The PC's reset vector, f000:fff0 (the e820-reserved BIOS area): a guest
 * that jumps there asks for a restart. Linux does on a hardware-reduced
 * ACPI machine: it picks the EFI reset (efi_reboot_required()), which falls
 * through to BOOT_BIOS, a jump to this vector in real mode, before it ever
 * tries the FADT reset register. Real firmware resets the machine here, so
 * this does too: out 0xcf9 <- 0x06 (devices/power.c), then hlt.
 */
#define RESET_VECTOR_GPA	0xffff0ULL
static const uint8_t reset_vector[16] = {
	0xb0, ACPI_RESET_VALUE,		/* mov al, 6 */
	0xba, ACPI_RESET_PORT & 0xff, ACPI_RESET_PORT >> 8,	/* mov dx, 0xcf9 */
	0xee,				/* out dx, al */
	0xf4,				/* hlt */
	0xeb, 0xfd,			/* jmp $-3 (hlt) */
};

/*
 * A bzImage is a full Linux: it finds its interrupt controllers, COM1 and
 * the virtio transports in ACPI (Debian's kernel has no device-tree or
 * virtio_mmio command-line support). Tiny ELF guests get none: no start cost.
 */
int direct_add_acpi(struct launch_plan *p, const struct launch_opts *o, uint8_t *bp,
		    uint64_t mp_wakeup_mailbox, uint64_t acpi_gpa, bool with_reset_vector)
{
	struct plan_piece rv = {
		.gpa = RESET_VECTOR_GPA, .len = sizeof(reset_vector), .data = reset_vector,
		.data_len = sizeof(reset_vector), .type = PIECE_NORMAL, .measured = true,
		.what = "reset vector",
	};
	struct virtio_slot s[VIRTIO_MAX_SLOTS];
	struct acpi_in in = { .n_cpus = o->cpus, .slots = s, .mp_wakeup_mailbox = mp_wakeup_mailbox,
			       .gpa = acpi_gpa };
	uint64_t rsdp;

	in.n_slots = virtio_slots(o, s);
	rsdp = acpi_build(p, &in);
	if (!rsdp || (with_reset_vector && plan_add(p, &rv)))
		return -1;
	memcpy(bp + BP_ACPI_RSDP_ADDR, &rsdp, sizeof(rsdp));
	p->wants_irqchip = true;
	return 0;
}

int direct_boot_plan(struct launch_plan *p, const struct launch_opts *o)
{
	struct boot_params_in bpi = { 0 };
	struct shared_window w;
	uint64_t entry;
	uint8_t *bp = NULL;
	char *cmdline;
	bool built = false;

	if (o->initrd && !o->kernel) {
		cvmm_err("--initrd needs --kernel");
		return -1;
	}
	if (add_gdt(p) || add_page_tables(p))
		return -1;
	if (o->boot_shim)	/* the confidential direct boot's shim, on this VM */
		return plan_add_shim_boot(p, o, SHIM_FOR_PLAIN);
	/* Before the image: a bzImage's initrd must go around the window. */
	if (shared_window_resolve(o, p->mem_size, &w))
		return -1;
	/* The virtio devices appear on the command line and in a device tree. */
	cmdline = virtio_cmdline(o);
	if (!cmdline)
		return -1;
	if (!plan_own(p, cmdline)) {	/* frees it */
		cvmm_err("--cmdline: out of memory");
		return -1;
	}
	bpi.cmdline = cmdline;
	bpi.reserved_gpa = w.gpa;
	bpi.reserved_len = w.size;
	if (load_image(p, o, cmdline, &w, &entry, &built))
		return -1;
	if (built) {
		/* bzimage_load made the zero page: find it in the plan */
		for (size_t i = 0; i < p->n_pieces; i++)
			if (p->pieces[i].gpa == LAYOUT_BOOT_PARAMS)
				bp = (uint8_t *)p->pieces[i].data;
	} else {
		bp = boot_params_build(p, &bpi);
	}
	if (!bp || (built && direct_add_acpi(p, o, bp, 0, 0, true)) || virtio_boot_dtb(p, bp, o, cmdline, w.gpa, w.size) ||
	    shared_window_check_plan(&w, p))
		return -1;
	p->boot = (struct vcpu_boot){
		.mode = CPU_MODE_LONG64,
		.rip = entry,
		.rsp = direct_stack_top(0),
		.rsi = LAYOUT_BOOT_PARAMS,
		.cr3 = p->boot.cr3,
		.gdt_base = p->boot.gdt_base,
		.gdt_limit = p->boot.gdt_limit,
	};
	return 0;
}
