/*
 * `cvmm [run]`: options -> launch plan -> host check -> vm_boot().
 * Everything a user can get wrong is refused here, before /dev/kvm is
 * touched where possible, with exit status 2.
 */
#include <argp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "loader/acpi/acpi.h"
#include "loader/boot/vmsa.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/cli/commands.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/cli/opts.h"
#include "vmm/cli/opts_platform.h"
#include "vmm/platform/platform.h"
#include "vmm/trace.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm_boot.h"

enum { OPT_DRY_RUN = 0x200, OPT_BOOT_TRACE, OPT_DUMP_ACPI, OPT_NO_SECCOMP };

static const struct argp_option run_options[] = {
	{ NULL, 0, NULL, 0, "Run control:", 10 },
	{ "dry-run", OPT_DRY_RUN, NULL, 0,
	  "Build the launch plan and print it (and, for --tdx/--snp, the ioctls a launch "
	  "would issue) without creating a VM", 10 },
	{ "boot-trace", OPT_BOOT_TRACE, "json", OPTION_ARG_OPTIONAL,
	  "Print when each boot phase happened (table on stderr, or =json)", 10 },
	{ "dump-acpi", OPT_DUMP_ACPI, "DIR", 0,
	  "Write the guest's ACPI tables (a bzImage boot) to DIR/SIG.dat, for iasl -d", 10 },
	{ "no-seccomp", OPT_NO_SECCOMP, NULL, 0,
	  "Run without the system-call filters (for debugging a filter kill; README Security)", 10 },
	{ "verbose", 'v', NULL, 0, "Say more (repeat for debug output)", 10 },
	{ "quiet", 'q', NULL, 0, "Only errors", 10 },
	{ 0 }
};

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;
		state->child_inputs[1] = o;
		state->child_inputs[2] = o;
		break;
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_DUMP_ACPI: o->dump_acpi = arg; break;
	case OPT_NO_SECCOMP: sandbox_set_seccomp(false); break;
	case OPT_BOOT_TRACE:
		if (arg && strcmp(arg, "json"))
			argp_failure(state, CVMM_EXIT_USAGE, 0,
				     "--boot-trace=%s: the only format is json", arg);
		o->boot_trace = arg ? "json" : "table";
		break;
	case 'v': cvmm_verbosity++; break;
	case 'q': cvmm_verbosity = LOG_QUIET; break;
	case ARGP_KEY_ARG:
		argp_failure(state, CVMM_EXIT_USAGE, 0, "unexpected argument '%s' (images go in --kernel FILE)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child run_children[] = {
	{ &launch_argp, 0, NULL, 0 },
	{ &coco_argp, 0, NULL, 0 },
	{ &platform_argp, 0, NULL, 0 },
	{ 0 }
};

static const char run_doc[] =
	"Run a VM on /dev/kvm.\v"
	"Without --kernel or --firmware, cvmm runs its embedded demo guest, which "
	"prints a greeting on COM1 and exits through port 0xf4.\n\n"
	"Exit status: what the guest wrote to port 0xf4; 0 when it halted or powered off; "
	"1 when the VM failed (triple fault, KVM error); 2 for bad options, files or an "
	"unsupported host; 3 when the guest reset itself (reboot): cvmm does not reboot; 4 when "
	"the guest panicked (pvpanic; a Linux panic without the pvpanic driver resets: 3); "
	"128+N when stopped by signal N. ACPI poweroff is 0.\n\n"
	"Examples:\n"
	"  cvmm                                   run the demo guest\n"
	"  cvmm --kernel guest.elf --mem 64M      a tiny ELF guest\n"
	"  cvmm --tdx --firmware /usr/share/ovmf/OVMF.fd --dry-run\n"
	"                                         the TDX launch (ioctls) a host would do\n";

static const struct argp run_argp = { run_options, run_parse, NULL, run_doc, run_children, NULL, NULL };

/* Validation that needs no KVM. */
static int check_machine(const struct launch_opts *o)
{
	struct sysinfo si;

	if (o->mem == 0 || !PAGE_ALIGNED(o->mem)) {
		cvmm_err("--mem %llu: must be a non-zero multiple of 4 KiB", (unsigned long long)o->mem);
		return -1;
	}
	if (o->mem < LAYOUT_MIN_MEM || o->mem > LAYOUT_MAX_MEM) {
		cvmm_err("--mem %llu MiB: cvmm supports %llu MiB to %llu GiB", (unsigned long long)(o->mem >> 20),
			 (unsigned long long)(LAYOUT_MIN_MEM >> 20), (unsigned long long)(LAYOUT_MAX_MEM >> 30));
		return -1;
	}
	/* Memory is lazy, but a guest far beyond host RAM+swap can never work. */
	if (sysinfo(&si) == 0) {
		unsigned long long host = ((unsigned long long)si.totalram + si.totalswap) * si.mem_unit;

		if (o->mem > 16 * host) {
			cvmm_err("--mem %llu GiB: more than 16x this host's memory (%llu GiB)",
				 (unsigned long long)(o->mem >> 30), host >> 30);
			return -1;
		}
	}
	if (o->cpus < 1) {
		cvmm_err("--cpus %d: a VM needs at least one vCPU", o->cpus);
		return -1;
	}
	/*
	 * They describe other VMMs' initial vCPU state, which cvmm's own
	 * launch cannot produce (it sets QEMU's): predictions only.
	 */
	if (o->vmm_type != VMSA_VMM_QEMU || o->legacy_vmsa) {
		cvmm_err("%s%s: describes another VMM's launch; cvmm launches with QEMU's vCPU "
			 "state (use it with `cvmm measure` or `cvmm attest verify --expect-from`)",
			 o->vmm_type != VMSA_VMM_QEMU ? "--vmm-type " : "--legacy-vmsa",
			 o->vmm_type != VMSA_VMM_QEMU ? vmsa_vmm_name(o->vmm_type) : "");
		return -1;
	}
	return 0;
}

static int check_host(const struct launch_opts *o, const struct platform_ops *plat,
		      struct kvm_host *h)
{
	char why[512];

	if (h->fd < 0 && kvm_host_open(h))
		return -1;
	trace_point("/dev/kvm opened and probed");
	if (plat->host_ok && !plat->host_ok(h, why, sizeof(why))) {
		cvmm_err("--%s: %s", plat->name, why);
		return -1;
	}
	if (o->cpus > h->max_vcpus) {
		cvmm_err("--cpus %d: this host's KVM allows at most %d vCPUs", o->cpus, h->max_vcpus);
		return -1;
	}
	return 0;
}

/* Every thread inherits the mask: only the main thread takes these signals. */
static void block_signals(sigset_t *waitset)
{
	sigemptyset(waitset);
	sigaddset(waitset, SIGINT);
	sigaddset(waitset, SIGTERM);
	sigaddset(waitset, SIGHUP);	/* the terminal went away: stop cleanly, restore it */
	sigaddset(waitset, SIGUSR2);
	sigaddset(waitset, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, waitset, NULL);
	sigdelset(waitset, SIGUSR1);
	signal(SIGPIPE, SIG_IGN);
	vcpu_signals_init();
}

int cmd_run(int argc, char **argv)
{
	struct launch_opts o;
	struct launch_plan plan;
	struct accept_cost accept;
	struct kvm_host host = { .fd = -1 };
	const struct platform_ops *plat;
	sigset_t waitset;
	int status = CVMM_EXIT_USAGE;

	launch_opts_init(&o);
	sandbox_set_seccomp(true);	/* unless --no-seccomp */
	argp_parse(&run_argp, argc, argv, 0, NULL, &o);
	trace_point("options parsed");
	plat = platform_by_id(o.platform);
	if (opts_check_scope(&o, OPT_CMD_RUN) || check_machine(&o) || opts_open_disk(&o))
		return CVMM_EXIT_USAGE;
	plan_init(&plan, o.mem);
	if (!o.dry_run && plat->host_first && check_host(&o, plat, &host))
		goto out;
	if (plat->build_plan(&plan, &o))
		goto out;
	trace_point("launch plan built");
	if (o.dump_acpi && acpi_dump(&plan, o.dump_acpi))
		goto out;
	if (o.dry_run) {
		status = plat->dry_run(&o, &plan, stdout) ? CVMM_EXIT_USAGE : CVMM_EXIT_OK;
		goto out;
	}
	/* before any thread exists */
	block_signals(&waitset);
	if (!plat->host_first && check_host(&o, plat, &host))
		goto out;
	/* /dev/kvm and every input file are open; no thread exists yet */
	if (sandbox_drop_caps())
		goto out;
	status = vm_boot(&o, plat, &host, &plan, &kb_real, &waitset);
	trace_point("teardown done");
out:
	kvm_host_close(&host);
	accept = plan.accept;
	plan_free(&plan);
	if (o.disk_fd >= 0)
		close(o.disk_fd);	/* the device closed its duplicate; this ends the lock */
	if (o.boot_trace) {
		trace_print(stderr, !strcmp(o.boot_trace, "json"));
		if (strcmp(o.boot_trace, "json"))
			accept_cost_print(&accept, stderr);
	}
	return status;
}
