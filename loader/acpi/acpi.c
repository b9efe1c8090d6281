#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader/virtio_slots.h"
#include "loader/acpi/acpi.h"
#include "loader/acpi/aml.h"
#include "loader/plan.h"
#include "vmm/log.h"

#define HDR_LEN		36
#define RSDP_LEN	36
#define ACPI_MAX_CPUS	255	/* xAPIC ids in MADT type-0 entries */

/* FADT (ACPI 6.5, 5.2.9) offsets */
#define FADT_LEN		276
#define FADT_DSDT		40
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR		131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CTL		244
#define FADT_SLEEP_STS		256
#define FADT_HV_VENDOR		268

#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1u << 5)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_F_HW_REDUCED	(1u << 20)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)

#define GAS_SYSTEM_IO		1

static void put16(uint8_t *b, size_t off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, size_t off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, size_t off, uint64_t v) { memcpy(b + off, &v, 8); }

static uint8_t sum(const uint8_t *b, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

/* The standard header; the checksum is set once the table is whole. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev, const char *table_id)
{
	memcpy(t, sig, 4);
	put32(t, 4, len);
	t[8] = rev;
	memcpy(t + 10, "CVMM  ", 6);
	memcpy(t + 16, table_id, 8);
	put32(t + 0, 24, 1);			/* OEM revision */
	memcpy(t + 28, "CVMM", 4);		/* creator id */
	put32(t, 32, 1);			/* creator revision */
}

static void finish(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (uint8_t)(0x100 - sum(t, len));
}

static void gas_io(uint8_t *b, size_t off, uint16_t port, uint8_t width)
{
	b[off + 0] = GAS_SYSTEM_IO;
	b[off + 1] = width;
	b[off + 2] = 0;
	b[off + 3] = 1;		/* byte access */
	put64(b, off + 4, port);
}

static size_t fadt(uint8_t *t, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, 6, "CVMMFACP");
	put32(t, FADT_DSDT, 0);		/* X_DSDT only: the tables may sit anywhere */
	/*
	 * No "CMOS RTC not present" (bit 5): Linux would then skip the RTC
	 * (devices/rtc.c), a TDX guest's only wall clock. CENTURY names the
	 * RTC register that holds the century, so 2070 is not read as 1970.
	 */
	put16(t, FADT_IAPC_BOOT_ARCH, IAPC_VGA_NOT_PRESENT);
	t[FADT_CENTURY] = ACPI_RTC_CENTURY;
	put32(t, FADT_FLAGS, FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
			     FADT_F_RESET_REG_SUP | FADT_F_HW_REDUCED);
	gas_io(t, FADT_RESET_REG, ACPI_RESET_PORT, 8);
	t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_MINOR] = 5;
	put64(t, FADT_X_DSDT, dsdt);
	gas_io(t, FADT_SLEEP_CTL, ACPI_SLEEP_CTL_PORT, 8);
	gas_io(t, FADT_SLEEP_STS, ACPI_SLEEP_STS_PORT, 8);
	memcpy(t + FADT_HV_VENDOR, "CVMM\0\0\0\0", 8);
	finish(t);
	return FADT_LEN;
}

#define MADT_MP_WAKEUP		0x10	/* ACPI 6.4, 5.2.12.19 */
#define MADT_MP_WAKEUP_LEN	16

static size_t madt(uint8_t *t, const struct acpi_in *in)
{
	size_t o = HDR_LEN + 8;
	int n_cpus = in->n_cpus;

	put32(t, HDR_LEN, (uint32_t)ACPI_LAPIC_GPA);
	put32(t, HDR_LEN + 4, 0);	/* no 8259 pair: no PCAT_COMPAT */
	for (int i = 0; i < n_cpus; i++) {	/* type 0: processor local APIC */
		t[o] = 0;
		t[o + 1] = 8;
		t[o + 2] = (uint8_t)i;		/* ACPI processor UID */
		t[o + 3] = (uint8_t)i;		/* APIC ID: KVM's vCPU id */
		put32(t, o + 4, 1);		/* enabled */
		o += 8;
	}
	if (in->mp_wakeup_mailbox) {
		/*
		 * Linux (acpi_parse_mp_wake, x86-64) then wakes every AP through
		 * the mailbox instead of INIT/SIPI: mailbox version 0, reserved.
		 */
		t[o] = MADT_MP_WAKEUP;
		t[o + 1] = MADT_MP_WAKEUP_LEN;
		put16(t, o + 2, 0);
		put32(t, o + 4, 0);
		put64(t, o + 8, in->mp_wakeup_mailbox);
		o += MADT_MP_WAKEUP_LEN;
	}
	t[o] = 1;				/* type 1: I/O APIC */
	t[o + 1] = 12;
	t[o + 2] = 0;				/* its id */
	t[o + 3] = 0;
	put32(t, o + 4, (uint32_t)ACPI_IOAPIC_GPA);
	put32(t, o + 8, 0);			/* GSI base */
	o += 12;
	/* type 2: ISA IRQ 0 (the timer) is GSI 2 on every PC; edge/high by default */
	t[o] = 2;
	t[o + 1] = 10;
	t[o + 2] = 0;				/* ISA */
	t[o + 3] = 0;				/* source IRQ */
	put32(t, o + 4, 2);
	put16(t, o + 8, 0);			/* conforms to the bus */
	o += 10;
	/* type 4: LINT1 of every processor is NMI, active high edge */
	t[o] = 4;
	t[o + 1] = 6;
	t[o + 2] = 0xff;			/* all processors */
	put16(t, o + 3, 0x5);
	t[o + 5] = 1;
	o += 6;
	header(t, "APIC", (uint32_t)o, 5, "CVMMAPIC");
	finish(t);
	return o;
}

static const char *hid_of(enum virtio_kind k)
{
	(void)k;
	return "LNRO0005";	/* Linux's virtio-mmio ACPI id, whatever the device */
}

static size_t dsdt(uint8_t *t, size_t cap, const struct acpi_in *in)
{
	struct aml a = { .buf = t + HDR_LEN, .cap = cap - HDR_LEN };
	size_t sb, dev, pkg, buf;
	char name[5];

	sb = aml_scope(&a, "\\_SB_");

	dev = aml_device(&a, "COM1");
	aml_name_decl(&a, "_HID");
	aml_integer(&a, aml_eisaid("PNP0501"));
	aml_name_decl(&a, "_UID");
	aml_integer(&a, 0);
	aml_name_decl(&a, "_CRS");
	buf = aml_buffer(&a);
	aml_res_io(&a, 0x3f8, 8);
	aml_res_irq_noflags(&a, ACPI_COM1_IRQ);
	aml_res_end(&a);
	aml_end_buffer(&a, buf);
	aml_end(&a, dev);

	/*
	 * The CMOS RTC (devices/rtc.c), with no IRQ: cvmm raises none, and
	 * Linux's rtc_cmos then runs without one.
	 */
	dev = aml_device(&a, "RTC_");
	aml_name_decl(&a, "_HID");
	aml_integer(&a, aml_eisaid("PNP0B00"));
	aml_name_decl(&a, "_CRS");
	buf = aml_buffer(&a);
	aml_res_io(&a, ACPI_RTC_PORT, 2);
	aml_res_end(&a);
	aml_end_buffer(&a, buf);
	aml_end(&a, dev);

	/*
	 * pvpanic (QEMU's docs/specs/pvpanic.txt): a panicking Linux says so
	 * here before it resets, so a crash never looks like a reboot.
	 */
	dev = aml_device(&a, "PEVT");
	aml_name_decl(&a, "_HID");
	aml_string(&a, "QEMU0001");
	aml_name_decl(&a, "_CRS");
	buf = aml_buffer(&a);
	aml_res_io(&a, ACPI_PVPANIC_PORT, 1);
	aml_res_end(&a);
	aml_end_buffer(&a, buf);
	aml_end(&a, dev);

	for (int i = 0; i < in->n_slots; i++) {
		const struct virtio_slot *s = &in->slots[i];

		snprintf(name, sizeof(name), "VR%02X", (unsigned)i & 0xff);
		dev = aml_device(&a, name);
		aml_name_decl(&a, "_HID");
		aml_string(&a, hid_of(s->kind));
		aml_name_decl(&a, "_UID");
		aml_integer(&a, (uint64_t)i);
		aml_name_decl(&a, "_CRS");
		buf = aml_buffer(&a);
		aml_res_mem32_fixed(&a, (uint32_t)s->base, (uint32_t)s->size);
		aml_res_interrupt_level_high(&a, s->irq);
		aml_res_end(&a);
		aml_end_buffer(&a, buf);
		aml_end(&a, dev);
	}
	aml_end(&a, sb);

	/* \_S5: the sleep type Linux writes to the sleep control register to power off */
	aml_name_decl(&a, "\\_S5_");
	pkg = aml_package(&a, 4);
	aml_integer(&a, ACPI_SLP_TYP_S5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a, pkg);

	if (a.bad)
		return 0;
	header(t, "DSDT", (uint32_t)(HDR_LEN + a.len), 2, "CVMMDSDT");
	finish(t);
	return HDR_LEN + a.len;
}

static size_t align16(size_t v)
{
	return (v + 15) & ~(size_t)15;
}

uint64_t acpi_build(struct launch_plan *p, const struct acpi_in *in)
{
	const uint64_t base = in->gpa ? in->gpa : ACPI_TABLES_GPA;
	size_t rsdp = 0, xsdt = align16(RSDP_LEN), fadt_o, madt_o, dsdt_o, n;
	uint8_t *b;

	if (in->n_cpus < 1 || in->n_cpus > ACPI_MAX_CPUS) {
		cvmm_err("ACPI: %d vCPUs; the MADT describes 1 to %d", in->n_cpus, ACPI_MAX_CPUS);
		return 0;
	}
	b = plan_add_buffer(p, base, ACPI_TABLES_MAX, PIECE_NORMAL, true, "ACPI tables");
	if (!b)
		return 0;
	fadt_o = align16(xsdt + HDR_LEN + 2 * 8);
	madt_o = align16(fadt_o + FADT_LEN);
	dsdt_o = align16(madt_o + madt(b + madt_o, in));
	n = dsdt(b + dsdt_o, ACPI_TABLES_MAX - dsdt_o, in);
	if (!n) {
		cvmm_err("ACPI: the DSDT does not fit in %llu bytes", (unsigned long long)ACPI_TABLES_MAX);
		return 0;
	}
	fadt(b + fadt_o, base + dsdt_o);

	header(b + xsdt, "XSDT", HDR_LEN + 2 * 8, 1, "CVMMXSDT");
	put64(b, xsdt + HDR_LEN, base + fadt_o);
	put64(b, xsdt + HDR_LEN + 8, base + madt_o);
	finish(b + xsdt);

	memcpy(b + rsdp, "RSD PTR ", 8);
	memcpy(b + rsdp + 9, "CVMM  ", 6);
	b[rsdp + 15] = 2;			/* revision: ACPI 2.0+, XSDT */
	put32(b, rsdp + 16, 0);			/* no RSDT */
	put32(b, rsdp + 20, RSDP_LEN);
	put64(b, rsdp + 24, base + xsdt);
	b[rsdp + 8] = (uint8_t)(0x100 - sum(b + rsdp, 20));
	b[rsdp + 32] = (uint8_t)(0x100 - sum(b + rsdp, RSDP_LEN));
	return base + rsdp;
}

static const struct plan_piece *acpi_piece(const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_pieces; i++)
		if (!strcmp(p->pieces[i].what, "ACPI tables") && p->pieces[i].data &&
		    p->pieces[i].data_len == ACPI_TABLES_MAX)
			return &p->pieces[i];
	return NULL;
}

static int dump_one(const char *dir, const char *sig, const uint8_t *t, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, sig);
	f = fopen(path, "wb");
	if (!f || fwrite(t, 1, len, f) != len || fclose(f)) {
		cvmm_err("--dump-acpi: %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

/* Walks the tables from the RSDP, as a guest does, and writes each one out. */
int acpi_dump(const struct launch_plan *p, const char *dir)
{
	const struct plan_piece *q = acpi_piece(p);
	const uint8_t *b;
	uint64_t xsdt, addr, dsdt = 0;
	uint32_t len, xlen;
	char sig[5] = { 0 };

	if (!q) {
		cvmm_err("--dump-acpi: this launch has no ACPI tables (only a bzImage kernel gets them)");
		return -1;
	}
	b = q->data;
	memcpy(&xsdt, b + 24, 8);
	xsdt -= q->gpa;
	memcpy(&xlen, b + xsdt + 4, 4);
	if (dump_one(dir, "RSDP", b, RSDP_LEN) || dump_one(dir, "XSDT", b + xsdt, xlen))
		return -1;
	for (uint32_t o = HDR_LEN; o + 8 <= xlen; o += 8) {
		memcpy(&addr, b + xsdt + o, 8);
		addr -= q->gpa;
		memcpy(sig, b + addr, 4);
		memcpy(&len, b + addr + 4, 4);
		if (!strcmp(sig, "FACP"))
			memcpy(&dsdt, b + addr + FADT_X_DSDT, 8);
		if (dump_one(dir, sig, b + addr, len))
			return -1;
	}
	if (dsdt) {
		dsdt -= q->gpa;
		memcpy(&len, b + dsdt + 4, 4);
		return dump_one(dir, "DSDT", b + dsdt, len);
	}
	return 0;
}
