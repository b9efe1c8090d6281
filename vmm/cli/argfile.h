/*
 * @FILE arguments: `cvmm measure @configs/snp-ovmf.conf` reads one argument
 * per line from FILE (blank lines and lines starting with # skipped, no
 * quoting: a line is the argument as written), so a launch configuration can
 * be kept, reviewed and shared as a file and fed to run, measure and attest
 * alike. "@" followed by a number ("@1700000000", a time for --at) is an
 * argument, not a file, so its meaning never depends on what files exist;
 * "@./1700000000" reads a file of that name.
 */
#ifndef CVMM_ARGFILE_H
#define CVMM_ARGFILE_H

#define ARGFILE_MAX_ARGS	512
#define ARGFILE_MAX_FILES	16

struct argfile {
	int argc;
	char *argv[ARGFILE_MAX_ARGS + 1];
	char *texts[ARGFILE_MAX_FILES];	/* file contents the arguments point into */
	int n_texts;
};

/* Expands every @FILE in argv; NULL after one line on failure. */
struct argfile *argfile_expand(int argc, char **argv);
void argfile_free(struct argfile *a);

#endif
