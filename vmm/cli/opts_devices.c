/*
 * Device options, an argp child of the launch options. Which devices exist
 * is guest-visible at launch (a direct boot's device tree and command line,
 * the ACPI tables of a bzImage or a TDX/SNP shim boot, which are measured),
 * so `cvmm measure` and `--expect-from` take them too; --virtio-irq changes
 * only delivery and is cvmm run's alone.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/virtio_devices.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"

enum { OPT_DISK = 0x300, OPT_CONSOLE, OPT_RNG, OPT_VIRTIO_IRQ };

static const struct argp_option device_options[] = {
	{ NULL, 0, NULL, 0, "Devices (virtio-mmio, through the shared window on confidential platforms):", 4 },
	{ "disk", OPT_DISK, "FILE[,ro][,direct]", 0,
	  "virtio-blk backed by a raw image or block device; ro: read-only; direct: O_DIRECT", 4 },
	{ "console", OPT_CONSOLE, "virtio|uart", 0,
	  "Guest console: uart (COM1 only, the default) or virtio (adds virtio-console on "
	  "stdin/stdout, hvc0 in Linux; COM1 stays)", 4 },
	{ "rng", OPT_RNG, NULL, 0, "virtio-rng fed by the host's getrandom()", 4 },
	{ "virtio-irq", OPT_VIRTIO_IRQ, NULL, 0,
	  "Deliver virtio interrupts: a split irqchip (in-kernel local APICs), device line n "
	  "as MSI vector 0x20+n to APIC 0. Without it guests poll the used rings, HLT ends "
	  "a vCPU, and no irqchip start-up cost is paid. One vCPU only", 4 },
	{ 0 }
};

static const struct opt_scope device_scope[] = {
	{ OPT_DISK, "disk", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_CONSOLE, "console", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_RNG, "rng", OPT_ON_ALL, OPT_CMD_ALL, NULL, NULL },
	{ OPT_VIRTIO_IRQ, "virtio-irq", OPT_ON_ALL, OPT_CMD_RUN, NULL,
	  "interrupt delivery does not change the launch measurement" },
};

/* "FILE[,ro][,direct]": the flags are cut off the end, in place. */
static int parse_disk(struct launch_opts *o, char *arg, struct argp_state *state)
{
	char *comma;

	if (o->disk)
		argp_failure(state, CVMM_EXIT_USAGE, 0, "--disk: cvmm offers one disk");
	while ((comma = strrchr(arg, ','))) {
		if (!strcmp(comma + 1, "ro"))
			o->disk_ro = true;
		else if (!strcmp(comma + 1, "direct"))
			o->disk_direct = true;
		else
			argp_failure(state, CVMM_EXIT_USAGE, 0,
				     "--disk %s: unknown flag '%s' (ro, direct)", arg, comma + 1);
		*comma = '\0';
	}
	if (!*arg)
		argp_failure(state, CVMM_EXIT_USAGE, 0, "--disk: no file named");
	o->disk = arg;
	return 0;
}

static error_t devices_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;

	opts_note(device_scope, sizeof(device_scope) / sizeof(device_scope[0]), key);
	switch (key) {
	case OPT_DISK:
		return parse_disk(o, arg, state);
	case OPT_CONSOLE:
		if (!strcmp(arg, "virtio"))
			o->console_virtio = true;
		else if (!strcmp(arg, "uart"))
			o->console_virtio = false;
		else
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--console %s: virtio or uart", arg);
		break;
	case OPT_RNG:
		o->rng = true;
		break;
	case OPT_VIRTIO_IRQ:
		o->virtio_irq = true;
		break;
	case ARGP_KEY_END:
		if (o->virtio_irq && o->cpus > 1)
			argp_failure(state, CVMM_EXIT_USAGE, 0, "--virtio-irq: one vCPU only (the "
				     "in-kernel local APICs would hold the others in wait-for-SIPI)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int opts_open_disk(struct launch_opts *o)
{
	struct virtio_blk_opts b = { .path = o->disk, .read_only = o->disk_ro, .direct = o->disk_direct };
	char why[128];
	uint64_t size;

	if (!o->disk)
		return 0;
	o->disk_fd = virtio_blk_open(&b, &size, why, sizeof(why));
	if (o->disk_fd < 0) {
		cvmm_err("--disk %s: %s", o->disk, why);
		return -1;
	}
	return 0;
}

const struct argp devices_argp = { device_options, devices_parse, NULL, NULL, NULL, NULL, NULL };
