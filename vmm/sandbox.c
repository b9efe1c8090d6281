/*
 * The lists are the system calls each thread kind makes, checked against
 * what the kvm tier does (the whole tier run with SCMP_ACT_LOG in place of
 * TRAP, ASan and release builds: the kernel logged nothing outside them but
 * getdents, LeakSanitizer's, now in the sanitizer list). Anything else is a
 * bug or an attack, and ends the process.
 */
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/log.h"
#include "vmm/sandbox.h"

/* cmd_run turns it on (a library user, a unit test, is not cvmm's process) */
static bool seccomp_on;
static void (*volatile on_fatal)(void);

void sandbox_on_fatal(void (*fn)(void))
{
	on_fatal = fn;
}

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
	/*
	 * What a parent left open (a root-only file on fd 7) is not ours to
	 * keep: a compromised device would inherit it. Only 0-2 stay.
	 */
	if (syscall(SYS_close_range, 3U, ~0U, 0U)) {
		cvmm_err("close_range: %s", strerror(errno));
		return -1;
	}
	/* Nothing cvmm runs may gain privileges (and seccomp needs it). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		cvmm_err("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_drop_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	/* Effective, permitted and inheritable all empty (ambient follows). */
	if (syscall(SYS_capset, &h, d)) {
		cvmm_err("dropping capabilities (capset): %s", strerror(errno));
		return -1;
	}
	return 0;
}

void sandbox_set_seccomp(bool on)
{
	seccomp_on = on;
}

bool sandbox_seccomp_on(void)
{
	return seccomp_on;
}

/* Every kind: memory, locks, time, signals, output, thread exit. */
static const int common[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(close), SCMP_SYS(futex), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(sched_yield), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(ioctl),
};

/* vCPUs: KVM and the device models (disk I/O, conversions, rng, probes). */
static const int vcpu[] = {
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(fdatasync), SCMP_SYS(fsync),
	SCMP_SYS(fallocate), SCMP_SYS(getrandom), SCMP_SYS(process_vm_readv),
	SCMP_SYS(rt_sigtimedwait),
};

/* TDX GetQuote: a vCPU starts a thread that talks to the QGS. */
static const int sockets[] = {
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(socket), SCMP_SYS(connect), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(shutdown), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt),
};

/* The main thread: waits for signals, kicks vCPUs, tears the VM down. */
static const int main_only[] = {
	SCMP_SYS(rt_sigtimedwait), SCMP_SYS(tkill), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(fcntl),
};

/*
 * The sanitizers' run-time (test builds): reports read /proc/self/maps and
 * symbolise; LeakSanitizer stops the world at exit with a ptrace'ing clone.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
static const int sanitizer[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(sched_getaffinity), SCMP_SYS(prctl), SCMP_SYS(clone),
	SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(getppid),
	SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(rt_sigaction), SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64), SCMP_SYS(setrlimit), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(execve),
	SCMP_SYS(uname), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(statx), SCMP_SYS(stat),
	SCMP_SYS(lstat), SCMP_SYS(fcntl), SCMP_SYS(msync), SCMP_SYS(mincore),
	SCMP_SYS(personality), SCMP_SYS(getcwd), SCMP_SYS(sysinfo), SCMP_SYS(unlink),
	SCMP_SYS(ftruncate),
};
#endif

static const char *const kind_names[] = {
	[SANDBOX_MAIN] = "main", [SANDBOX_VCPU] = "vCPU", [SANDBOX_IO] = "device input",
};

static void sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[160];
	int n;

	(void)sig;
	(void)uc;
	/* async-signal-safe only: snprintf of integers does not allocate in glibc */
	n = snprintf(line, sizeof(line),
		     "cvmm: seccomp: forbidden system call %d (scmp_sys_resolver %d names it); "
		     "stopping (--no-seccomp runs without the filter)\n",
		     si->si_syscall, si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		n = 0;
	if (on_fatal)
		on_fatal();
	_exit(CVMM_EXIT_FAIL);
}

static int add_list(scmp_filter_ctx ctx, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* a call this kernel or libseccomp does not know is simply absent */
		if (list[i] < 0)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, list[i], 0))
			return -1;
	}
	return 0;
}

#define ADD(ctx, l) add_list(ctx, l, sizeof(l) / sizeof(l[0]))

int sandbox_enter(enum sandbox_kind kind, unsigned flags)
{
	struct sigaction sa = { .sa_sigaction = sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int rc = -1;

	if (!seccomp_on)
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL)) {
		cvmm_err("seccomp: SIGSYS handler: %s", strerror(errno));
		return -1;
	}
	/*
	 * TRAP, not KILL: the handler says which call it was before the
	 * process ends (a killed process says nothing).
	 */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		cvmm_err("seccomp: cannot build the %s thread's filter", kind_names[kind]);
		return -1;
	}
	if (ADD(ctx, common) ||
	    (kind == SANDBOX_VCPU && ADD(ctx, vcpu)) ||
	    (kind == SANDBOX_MAIN && ADD(ctx, main_only)) ||
	    ((flags & SANDBOX_F_SOCKETS) && ADD(ctx, sockets))
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	    || ADD(ctx, sanitizer)
#endif
	    ) {
		cvmm_err("seccomp: cannot build the %s thread's filter", kind_names[kind]);
		goto out;
	}
	rc = seccomp_load(ctx);
	if (rc)
		cvmm_err("seccomp: loading the %s thread's filter: %s", kind_names[kind], strerror(-rc));
out:
	seccomp_release(ctx);
	return rc ? -1 : 0;
}

void sandbox_test_forbidden(void)
{
#ifdef CVMM_TEST_HOOKS
	/* no list has it: a device model that opened a socket would be owned */
	syscall(SYS_socket, 1, 1, 0);
#endif
}

void sandbox_test_call(const char *role)
{
#ifdef CVMM_TEST_HOOKS
	const char *e = getenv("CVMM_TEST_SECCOMP_CALL");
	size_t n = strlen(role);

	if (e && strncmp(e, role, n) == 0 && e[n] == ':')
		syscall(atol(e + n + 1), -1L, -1L, -1L, -1L, -1L, -1L);
#else
	(void)role;
#endif
}
