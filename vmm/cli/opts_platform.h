/* The TDX/SNP platform options (vmm/cli/opts_platform.c): an argp child of `cvmm run`. */
#ifndef CVMM_OPTS_PLATFORM_H
#define CVMM_OPTS_PLATFORM_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>

extern const struct argp platform_argp;

#endif
