/*
 * The command line's launch options: the argp children that fill a
 * struct launch_opts (loader/launch_opts.h) for `cvmm run`, `cvmm measure`
 * and `cvmm attest verify --expect-from`. Only vmm/cli/ includes this.
 */
#ifndef CVMM_OPTS_H
#define CVMM_OPTS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "loader/launch_opts.h"

extern const struct argp coco_argp;	/* the confidential-launch options child */
extern const struct argp launch_argp;	/* the shared options, as an argp child */
extern const struct argp devices_argp;	/* vmm/cli/opts_devices.c: a child of launch_argp */

/* "512M", "4G", "65536", "2m" -> bytes. -1 on syntax error or overflow. */
int parse_size(const char *s, uint64_t *out);

#endif
