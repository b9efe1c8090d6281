/*
 * The device table: every device model is one file with a create function
 * listed in devices/devices.c, which the boot recipe runs in order. A device
 * registers its port/MMIO ranges on the VM's buses and may keep state that
 * its destroy function frees at teardown.
 */
#ifndef CVMM_DEVICES_H
#define CVMM_DEVICES_H

#include <stdbool.h>

struct vm;

struct device_ops {
	const char *name;
	/* Does this VM want the device? NULL: always. */
	bool (*wanted)(const struct vm *vm);
	/* Registers ranges; returns state (or a non-NULL token), NULL on error. */
	void *(*create)(struct vm *vm);
	void (*destroy)(void *state);
};

extern const struct device_ops dev_term, dev_uart, dev_sysports, dev_convport, dev_virtio,
				dev_power, dev_ioapic, dev_rtc;

/* Creates every wanted device; -1 after one line (already-created ones stay
 * recorded in vm->devices for devices_destroy). */
int devices_create(struct vm *vm);
void devices_destroy(struct vm *vm);

#endif
