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
	char *args;			/* a copy of the command line's own arguments */
};

/*
 * Expands every @FILE in argv; NULL after one line on failure. The result
 * never points into argv's strings (it holds a copy), so the caller may wipe
 * them: /proc/PID/cmdline is readable by every user and would show the
 * guest's command line, disk paths and measurement inputs.
 */
struct argfile *argfile_expand(int argc, char **argv);
/* Overwrites argv[1..argc-1] in place with NULs (what /proc/PID/cmdline shows). */
void argfile_wipe(int argc, char **argv);
void argfile_free(struct argfile *a);

#endif
