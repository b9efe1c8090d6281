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

/*
 * Which launch options apply where. Each argp child lists its options with
 * the platforms and commands they apply to and notes the ones given
 * (opts_note); after parsing, the command asks opts_check_scope, which
 * refuses one that would be ignored (`measure --snp --shared-window 2M`,
 * `measure --rng`, `--tdx --policy 0x30000`) with one line, instead of
 * launching or measuring without it.
 */
enum opt_cmd { OPT_CMD_RUN = 1, OPT_CMD_MEASURE = 2, OPT_CMD_EXPECT = 4 };
#define OPT_ON(p)	(1u << (p))		/* bit of an enum platform_id */
#define OPT_ON_ALL	0xfu
#define OPT_CMD_ALL	(OPT_CMD_RUN | OPT_CMD_MEASURE | OPT_CMD_EXPECT)

struct opt_scope {
	int key;			/* the argp key */
	const char *name;		/* the long option, without "--" */
	unsigned platforms;		/* OPT_ON(...) bits */
	unsigned commands;		/* enum opt_cmd bits */
	/* The refusal on another platform (%s: its name); NULL: "applies to --X only". */
	const char *not_on;
	/* Why another command does not take it; NULL: it applies to `cvmm run` only. */
	const char *not_for;
};

/* In a child's parse function: key was given (a key with no entry: nothing). */
void opts_note(const struct opt_scope *table, size_t n, int key);
/* After parsing: -1 with one line if a given option does not apply to cmd on o->platform. */
int opts_check_scope(const struct launch_opts *o, enum opt_cmd cmd);
/* Whether any launch option was given (attest verify: the input of --expect-from). */
bool opts_any_given(void);

extern const struct argp coco_argp;	/* the confidential-launch options child */
extern const struct argp launch_argp;	/* the shared options, as an argp child */
extern const struct argp devices_argp;	/* vmm/cli/opts_devices.c: a child of launch_argp */
/* Opens and locks --disk once, for the device (cvmm run only: measure never touches it); -1 after one line. */
int opts_open_disk(struct launch_opts *o);

#endif
