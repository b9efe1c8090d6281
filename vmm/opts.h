/*
 * The launch inputs: what `cvmm run`, `cvmm measure` and `cvmm run
 * --dry-run` share, so that a measurement is predicted from exactly the
 * options a launch uses. Parsed by one argp child (vmm/opts.c).
 */
#ifndef CVMM_OPTS_H
#define CVMM_OPTS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

struct run_opts {
	const char *platform;		/* "plain" (default), "sw", "tdx", "snp" */
	const char *kernel, *initrd, *cmdline, *firmware;
	uint64_t mem;			/* bytes */
	int cpus;
	bool dry_run;
	bool no_gmem;			/* plain: anonymous memory even if guest_memfd works */
	/* --shared-window SIZE[@GPA]: resolved by loader/shared_window.c */
	bool window_set, window_gpa_set;
	uint64_t window_size, window_gpa;
	const char *boot_trace;		/* NULL, "table" or "json" */
	bool json;			/* info/measure output */
};

#define OPTS_DEFAULT_MEM	(256ULL << 20)

void run_opts_init(struct run_opts *o);
extern const struct argp launch_argp;	/* the shared options, as an argp child */

/* "512M", "4G", "65536", "2m" -> bytes. -1 on syntax error or overflow. */
int parse_size(const char *s, uint64_t *out);

#endif
