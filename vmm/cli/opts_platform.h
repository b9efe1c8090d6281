/* The TDX/SNP platform options (vmm/opts_platform.c): an argp child of `cvmm run`. */
#ifndef CVMM_OPTS_PLATFORM_H
#define CVMM_OPTS_PLATFORM_H

#include <argp.h>
#include <stddef.h>
#include <stdint.h>

extern const struct argp platform_argp;

/* Exactly 2n hex digits into n bytes; -1 otherwise. */
int parse_hex_bytes(const char *s, uint8_t *out, size_t n);

#endif
