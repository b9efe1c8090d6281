/*
 * Power and reset, the registers a stock Linux uses to leave (ACPI's FADT
 * names the first three, loader/acpi/acpi.h):
 *   0x620 sleep control: SLP_EN with SLP_TYP 5 (\_S5) powers off -> status 0
 *   0x621 sleep status: reads 0
 *   0xcf9 reset control (also the FADT reset register): a reset -> status 3
 *   0x64  i8042 command 0xfe (pulse reset line): a reset -> status 3
 *   0x505 pvpanic (DSDT QEMU0001): bit 0 written, the guest panicked -> status 4
 * cvmm does not reboot a guest: a reset ends it with CVMM_EXIT_RESET, so a
 * guest that rebooted (or panicked and rebooted) never looks like one that
 * powered off.
 */
#include "devices/devices.h"
#include "loader/acpi/acpi.h"
#include "vmm/log.h"
#include "vmm/trace.h"
#include "vmm/core/vm.h"

#define SLP_TYP_SHIFT	2
#define SLP_TYP_MASK	0x1c
#define CF9_RESET_CPU	0x04	/* the bit that starts a reset (0x02 picks hard/soft) */
#define I8042_CMD_PORT	0x64
#define I8042_PULSE_RESET 0xfe

static void read_zero(uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		data[i] = 0;
}

static void sleep_ctl(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;
	unsigned typ;

	(void)off;
	if (!is_write) {
		read_zero(data, len);
		return;
	}
	typ = (data[0] & SLP_TYP_MASK) >> SLP_TYP_SHIFT;
	if (!(data[0] & ACPI_SLP_EN))
		return;
	if (typ == ACPI_SLP_TYP_S5) {
		trace_point("guest power-off (ACPI S5)");
		vm_request_stop(vm, CVMM_EXIT_OK, "guest powered off (ACPI S5)");
	}
	/* The DSDT offers S5 only: any other type is a guest bug, ignored (silently: no log flood). */
}

static void sleep_sts(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	(void)opaque, (void)off;
	if (!is_write)
		read_zero(data, len);
}

static void reset_cf9(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	(void)off;
	if (!is_write) {
		read_zero(data, len);
		return;
	}
	if (data[0] & CF9_RESET_CPU)
		vm_request_stop(opaque, CVMM_EXIT_RESET, "guest reset (port 0xcf9 = 0x%02x)", data[0]);
}

static void i8042_cmd(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	(void)off;
	if (!is_write) {
		read_zero(data, len);	/* status: both buffers empty, so a reboot loop goes on */
		return;
	}
	if (data[0] == I8042_PULSE_RESET)
		vm_request_stop(opaque, CVMM_EXIT_RESET, "guest reset (i8042 command 0xfe)");
}

#define PVPANIC_PANICKED	0x01
#define PVPANIC_CRASH_LOADED	0x02	/* a kdump kernel takes over: not the end */

static void pvpanic(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	(void)off;
	if (!is_write) {
		read_zero(data, len);
		data[0] = PVPANIC_PANICKED;	/* the events cvmm acts on */
		return;
	}
	if (data[0] & PVPANIC_PANICKED)
		vm_request_stop(opaque, CVMM_EXIT_PANIC, "guest panicked (pvpanic)");
}

static void *power_create(struct vm *vm)
{
	if (bus_register(&vm->pio, ACPI_SLEEP_CTL_PORT, 1, sleep_ctl, vm, "ACPI sleep control") ||
	    bus_register(&vm->pio, ACPI_SLEEP_STS_PORT, 1, sleep_sts, vm, "ACPI sleep status") ||
	    bus_register(&vm->pio, ACPI_RESET_PORT, 1, reset_cf9, vm, "reset control") ||
	    bus_register(&vm->pio, I8042_CMD_PORT, 1, i8042_cmd, vm, "i8042 command") ||
	    bus_register(&vm->pio, ACPI_PVPANIC_PORT, 1, pvpanic, vm, "pvpanic"))
		return NULL;
	return vm;	/* no state of its own */
}

const struct device_ops dev_power = {
	.name = "power",
	.create = power_create,
};
