#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "vmm/log.h"
#include "vmm/sandbox.h"

int sandbox_early(void)
{
	/*
	 * Not dumpable: the kernel writes no core (guest RAM is also
	 * MADV_DONTDUMP, for a debugger's gcore), and /proc/PID/mem, maps,
	 * environ and ptrace need CAP_SYS_PTRACE, so another process of the
	 * same user cannot read guest memory.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		cvmm_err("prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
		return -1;
	}
	return 0;
}
