/*
 * cvmm: dispatch to a sub-command. `cvmm [run] [OPTIONS]` runs a VM, so the
 * card's `cvmm --tdx --kernel bzImage` is a run.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli/argfile.h"
#include "vmm/cli/commands.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/trace.h"

const char *argp_program_version = "cvmm " CVMM_VERSION;
const char *argp_program_bug_address = NULL;

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "run a VM (the default command)" },
	{ "info", cmd_info, "what this host's KVM offers, and why TDX/SNP are (not) available" },
	{ "measure", cmd_measure, "predict the SNP launch digest or TDX MRTD of a launch" },
	{ "attest", cmd_attest, "read and check attestation evidence (SNP reports, TDX quotes)" },
};

static void usage_commands(FILE *f)
{
	fprintf(f, "Usage: cvmm [COMMAND] [OPTIONS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nWithout a command, cvmm runs a VM: `cvmm --help` lists the run options,\n"
		   "`cvmm COMMAND --help` those of a command. Without --kernel or --firmware,\n"
		   "cvmm runs its embedded demo guest.\n\n"
		   "@FILE anywhere after the command reads arguments from FILE, one per line\n"
		   "(# comments; see configs/); @ and a number (--at @EPOCH) is not a file.\n");
}

static int dispatch(int argc, char **argv)
{
	static char prog[32];

	argv[0] = "cvmm";
	if (argc >= 2) {
		if (!strcmp(argv[1], "help") || !strcmp(argv[1], "commands")) {
			usage_commands(stdout);
			return 0;
		}
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (strcmp(argv[1], commands[i].name))
				continue;
			/* argp names the program after argv[0]: "cvmm info: ..." */
			snprintf(prog, sizeof(prog), "cvmm %s", commands[i].name);
			argv[1] = prog;
			return commands[i].fn(argc - 1, argv + 1);
		}
		if (argv[1][0] != '-') {
			cvmm_err("unknown command '%s' (commands: run, info, measure, attest; see `cvmm help`)", argv[1]);
			return CVMM_EXIT_USAGE;
		}
	}
	return cmd_run(argc, argv);
}

int main(int argc, char **argv)
{
	struct argfile *a;
	int status;

	trace_start();
	if (sandbox_early())
		return CVMM_EXIT_FAIL;
	/*
	 * A closed stdin/stdout/stderr would be reused by the first open()
	 * (/dev/kvm as "stdin"): park /dev/null there first.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return CVMM_EXIT_FAIL;
	argp_err_exit_status = CVMM_EXIT_USAGE;
	program_invocation_name = program_invocation_short_name = "cvmm";
	a = argfile_expand(argc, argv);
	if (!a)
		return CVMM_EXIT_USAGE;
	argfile_wipe(argc, argv);	/* other users read /proc/PID/cmdline */
	status = dispatch(a->argc, a->argv);
	argfile_free(a);
	return status;
}
