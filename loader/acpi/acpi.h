/*
 * The ACPI tables of a direct Linux boot: RSDP, XSDT, a hardware-reduced
 * FADT, MADT and a DSDT naming COM1, the CMOS RTC and every virtio-mmio
 * transport. They are guest data, so the loader builds them into the launch
 * plan (and under TDX/SNP they are measured like any other page). Debian's kernel has
 * neither CONFIG_OF nor virtio_mmio command-line devices: ACPI is how it
 * finds its interrupt controllers and devices.
 */
#ifndef CVMM_ACPI_H
#define CVMM_ACPI_H

#include <stdbool.h>
#include <stdint.h>

struct launch_plan;
struct virtio_slot;

/* Where the tables live: the BIOS area [EBDA, 1 MiB), already e820-reserved. */
#define ACPI_TABLES_GPA		0xe0000ULL
#define ACPI_TABLES_MAX		0x10000ULL

/* The guest-facing registers the FADT names (devices/power.c serves them). */
#define ACPI_SLEEP_CTL_PORT	0x620	/* write SLP_TYPx << 2 | SLP_EN */
#define ACPI_SLEEP_STS_PORT	0x621
#define ACPI_RESET_PORT		0xcf9	/* the PC's reset control register */
#define ACPI_RESET_VALUE	0x06	/* CPU reset + system reset */
#define ACPI_SLP_EN		0x20
#define ACPI_SLP_TYP_S5		5	/* \_S5's value in the DSDT */
/* QEMU's pvpanic port (_HID QEMU0001): Linux's pvpanic driver writes 1 there when it panics. */
#define ACPI_PVPANIC_PORT	0x505
/* The CMOS RTC (PNP0B00, devices/rtc.c): index/data ports, and the register the FADT's CENTURY names. */
#define ACPI_RTC_PORT		0x70
#define ACPI_RTC_CENTURY	0x32

#define ACPI_IOAPIC_GPA		0xfec00000ULL
#define ACPI_LAPIC_GPA		0xfee00000ULL
#define ACPI_IOAPIC_PINS	24
#define ACPI_COM1_IRQ		4

struct acpi_in {
	int n_cpus;
	const struct virtio_slot *slots;
	int n_slots;
	/* Where the APs wait (ACPI 6.4 MP wakeup structure); 0: none, INIT/SIPI. */
	uint64_t mp_wakeup_mailbox;
	/* Where the tables go (ACPI_TABLES_MAX bytes); 0: ACPI_TABLES_GPA. */
	uint64_t gpa;
};

/*
 * Adds the tables to the plan as one measured piece at ACPI_TABLES_GPA and
 * returns the RSDP's address; 0 after one line.
 */
uint64_t acpi_build(struct launch_plan *p, const struct acpi_in *in);

/* Writes each table of the plan's ACPI piece to DIR/SIG.dat (for iasl -d); -1 after one line. */
int acpi_dump(const struct launch_plan *p, const char *dir);

#endif
