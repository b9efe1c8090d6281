/*
 * What a direct-booted guest learns about the virtio devices: the device
 * tree as setup_data. It is part of the launch plan (hence measured), built
 * from the options alone.
 */
#include <stdlib.h>

#include "loader/boot/fdt.h"
#include "loader/virtio_slots.h"
#include "loader/boot/boot_params.h"
#include "loader/plan.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

int virtio_boot_dtb(struct launch_plan *p, uint8_t *bp, const struct launch_opts *o,
		    const char *cmdline, uint64_t window_gpa, uint64_t window_size)
{
	struct virtio_slot s[VIRTIO_MAX_SLOTS];
	struct fdt_in in = { .slots = s, .n_slots = virtio_slots(o, s), .bootargs = cmdline,
			     .pool_gpa = window_gpa, .pool_size = window_size };
	void *blob;
	size_t len;
	int ret = 0;

	if (in.n_slots == 0)
		return 0;
	if (fdt_build(&in, &blob, &len))
		return -1;
	if (len > UINT32_MAX || !boot_params_add_setup_data(p, bp, SETUP_DTB, blob, (uint32_t)len))
		ret = -1;
	free(blob);
	return ret;
}
