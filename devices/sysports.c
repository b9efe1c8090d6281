/*
 * The guest-facing control ports of design.md's contract:
 *   0xf4  exit port: a 1-byte write of v ends cvmm with exit status v
 *   0x610 milestones: a 1-byte write records milestone v for --boot-trace
 */
#include "devices/devices.h"
#include "vmm/trace.h"
#include "vmm/core/vm.h"

#define EXIT_PORT	0xf4
#define MILESTONE_PORT	0x610

static void exit_port(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		data[0] = 0xff;
		for (uint32_t i = 1; i < len; i++)
			data[i] = 0xff;
		return;
	}
	trace_point("guest exit port");
	vm_request_stop_by(vm, VM_STOP_GUEST, data[0], "guest wrote %u to the exit port", data[0]);
}

static void milestone_port(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	if (!is_write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = 0;
		return;
	}
	trace_guest_milestone(data[0]);
}

static void *sysports_create(struct vm *vm)
{
	if (bus_register(&vm->pio, EXIT_PORT, 1, exit_port, vm, "exit port") ||
	    bus_register(&vm->pio, MILESTONE_PORT, 1, milestone_port, vm, "milestones"))
		return NULL;
	return vm;	/* no state of its own */
}

const struct device_ops dev_sysports = {
	.name = "sysports",
	.create = sysports_create,
};
