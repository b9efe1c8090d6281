#include "devices/devices.h"
#include "vmm/log.h"
#include "vmm/core/vm.h"

static const struct device_ops *const device_table[] = {
	&dev_term,		/* stdin/stdout; first in, last out (devices/term.h) */
	&dev_ioapic,		/* split irqchip + I/O APIC, before the devices that interrupt */
	&dev_sysports,		/* exit port 0xf4, milestones 0x610 */
	&dev_uart,		/* COM1 */
	&dev_convport,		/* shared/private conversions 0x600 */
	&dev_virtio,		/* virtio-mmio console, blk, rng (devices/virtio.c) */
	&dev_power,		/* ACPI sleep control, reset 0xcf9, i8042 0xfe (devices/power.c) */
	&dev_rtc,		/* CMOS RTC 0x70/0x71 (devices/rtc.c) */
};

#define N_DEVICES (sizeof(device_table) / sizeof(device_table[0]))
_Static_assert(N_DEVICES <= sizeof(((struct vm *)0)->devices) / sizeof(void *), "vm->devices");

int devices_create(struct vm *vm)
{
	for (size_t i = 0; i < N_DEVICES; i++) {
		const struct device_ops *d = device_table[i];
		void *st;

		if (d->wanted && !d->wanted(vm))
			continue;
		st = d->create(vm);
		if (!st)
			return -1;
		vm->device_ops[vm->n_devices] = d;
		vm->devices[vm->n_devices++] = st;
	}
	return 0;
}

void devices_destroy(struct vm *vm)
{
	while (vm->n_devices > 0) {
		int i = --vm->n_devices;

		if (vm->device_ops[i]->destroy)
			vm->device_ops[i]->destroy(vm->devices[i]);
	}
}
