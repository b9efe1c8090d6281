/*
 * The device tree a direct-booted guest gets (boot_params setup_data of type
 * SETUP_DTB): one virtio,mmio node per device, the shared window as a
 * reserved-memory "restricted-dma-pool" that every device's memory-region
 * points at (so a Linux guest bounces all device I/O through it), and
 * /chosen bootargs.
 */
#ifndef CVMM_FDT_H
#define CVMM_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "loader/virtio_slots.h"

#define FDT_POOL_PHANDLE	1

struct fdt_in {
	const struct virtio_slot *slots;
	int n_slots;
	uint64_t pool_gpa, pool_size;	/* size 0: no restricted-dma-pool */
	const char *bootargs;		/* NULL: no /chosen bootargs */
};

/* A malloc'd blob in *blob (*len bytes), or -1 after one line. */
int fdt_build(const struct fdt_in *in, void **blob, size_t *len);

struct launch_plan;
struct launch_opts;

/*
 * Direct boot (loader/boot/virtio_boot.c): hands the guest the device tree
 * for the virtio slots, the shared window (size 0: none) and cmdline, as
 * boot_params setup_data of type SETUP_DTB on the zero page bp. Nothing
 * when no virtio device is asked for. -1 after one line.
 */
int virtio_boot_dtb(struct launch_plan *p, uint8_t *bp, const struct launch_opts *o,
		    const char *cmdline, uint64_t window_gpa, uint64_t window_size);

#endif
