/*
 * The per-thread seccomp filters (vmm/sandbox.c) against README "Least
 * privilege": which calls each thread kind may make beyond the common set,
 * and that a filter is the calling thread's own (a vCPU's rights do not
 * reach the main or the terminal input thread, and the reverse).
 *
 * Each case runs in a child: a forbidden call ends it with status 1 and the
 * handler's one line, which comes back through a pipe on its stderr. The
 * calls are made with syscall() (no sanitizer interceptor, no glibc
 * substitution) and harmless arguments (fd -1, zero timeouts): seccomp
 * decides before the kernel looks at them.
 *
 * The expected rights are README's table, written out here, not read from
 * the lists under test. fcntl and tkill (main only) are not checked: the
 * sanitizer builds the tests run allow them on every thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_compat.h"
#include "vmm/sandbox.h"

/* One call of each kind of right, with arguments that do nothing. */
static long call(long nr)
{
	char b[8];
	sigset_t none;
	struct timespec zero = { 0, 0 };
	long r;

	switch (nr) {
	case SYS_read:		return syscall(nr, -1, b, 1);
	case SYS_pread64:	return syscall(nr, -1, b, 1, 0);
	case SYS_pwrite64:	return syscall(nr, -1, b, 1, 0);
	case SYS_fallocate:	return syscall(nr, -1, 0, 0, 4096);
	case SYS_getrandom:	return syscall(nr, b, 1, GRND_NONBLOCK);
	case SYS_process_vm_readv: return syscall(nr, getpid(), NULL, 0, NULL, 0, 0);
	case SYS_fsync:		return syscall(nr, -1);
	case SYS_fdatasync:	return syscall(nr, -1);
	case SYS_rt_sigtimedwait:
		sigemptyset(&none);
		return syscall(nr, &none, NULL, &zero, 8);
	case SYS_socket:
		r = syscall(nr, AF_UNIX, SOCK_STREAM, 0);
		if (r >= 0)
			close((int)r);
		return r;
	}
	abort();
}

struct job {
	enum sandbox_kind kind;
	unsigned flags;
	long nr;
};

static void *filtered_call(void *arg)
{
	const struct job *j = arg;

	if (sandbox_enter(j->kind, j->flags))
		_exit(3);
	call(j->nr);
	return NULL;
}

/*
 * Runs nr on a thread (not the child's first) under kind's filter: true if
 * it went through, false if the filter stopped the child as cvmm's handler
 * does (status 1, one line naming the call). Anything else fails the test.
 */
static bool allowed(enum sandbox_kind kind, unsigned flags, long nr)
{
	struct job j = { kind, flags, nr };
	char out[256] = "", want[64];
	int p[2], st;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t t;

		dup2(p[1], STDERR_FILENO);
		sandbox_set_seccomp(true);
		if (pthread_create(&t, NULL, filtered_call, &j) || pthread_join(t, NULL))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "kind %d, call %ld: status 0x%x", kind, nr, st);
	if (WEXITSTATUS(st) == 0) {
		ck_assert_msg(n == 0, "kind %d, call %ld went through, yet: %s", kind, nr, out);
		return true;
	}
	ck_assert_msg(WEXITSTATUS(st) == 1, "kind %d, call %ld: exit %d: %s", kind, nr,
		      WEXITSTATUS(st), out);
	snprintf(want, sizeof(want), "cvmm: seccomp: forbidden system call %ld ", nr);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0 && strchr(out, '\n') ==
		      out + strlen(out) - 1, "kind %d, call %ld: '%s'", kind, nr, out);
	return false;
}

/* README's table: V vCPU, M main, I terminal input, S the TDX socket flag. */
static const struct right {
	long nr;
	const char *name;
	bool vcpu, main, io;
} rights[] = {
	{ SYS_read,		"read",		true,	true,	true },
	{ SYS_pread64,		"pread64",	true,	false,	false },
	{ SYS_pwrite64,		"pwrite64",	true,	false,	false },
	{ SYS_fallocate,	"fallocate",	true,	false,	false },
	{ SYS_getrandom,	"getrandom",	true,	false,	false },
	{ SYS_process_vm_readv,	"process_vm_readv", true, false, false },
	{ SYS_fsync,		"fsync",	true,	true,	false },
	{ SYS_fdatasync,	"fdatasync",	true,	true,	false },
	{ SYS_rt_sigtimedwait,	"rt_sigtimedwait", true, true,	false },
	{ SYS_socket,		"socket",	false,	false,	false },
};

START_TEST(each_kind_gets_its_rights_only)
{
	const struct right *r = &rights[_i];

	ck_assert_msg(allowed(SANDBOX_VCPU, 0, r->nr) == r->vcpu, "vCPU thread, %s", r->name);
	ck_assert_msg(allowed(SANDBOX_MAIN, 0, r->nr) == r->main, "main thread, %s", r->name);
	ck_assert_msg(allowed(SANDBOX_IO, 0, r->nr) == r->io, "input thread, %s", r->name);
}
END_TEST

/* TDX: the vCPU that starts GetQuote's thread may open the QGS socket. */
START_TEST(socket_flag_allows_sockets)
{
	ck_assert(allowed(SANDBOX_VCPU, SANDBOX_F_SOCKETS, SYS_socket));
	ck_assert(allowed(SANDBOX_VCPU, SANDBOX_F_SOCKETS, SYS_pread64));
}
END_TEST

/*
 * Filters are per thread, as in cvmm (vCPU threads are started before the
 * main thread enters its filter): an input thread and a vCPU thread side by
 * side, each under its own; the vCPU's disk read goes through, the
 * unfiltered first thread may still do anything, and only then does the
 * input thread's disk read stop the process.
 */
static pthread_barrier_t step, done;	/* all three; the input and first threads */

static void *io_thread(void *arg)
{
	(void)arg;
	if (sandbox_enter(SANDBOX_IO, 0))
		_exit(3);
	pthread_barrier_wait(&step);	/* filtered */
	pthread_barrier_wait(&done);	/* the others have made their calls */
	call(SYS_pread64);
	_exit(5);			/* must not get here */
}

static void *vcpu_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&step);	/* after the input thread's filter */
	if (sandbox_enter(SANDBOX_VCPU, 0))
		_exit(3);
	if (call(SYS_pread64) != -1 || errno != EBADF)
		_exit(6);
	if (write(STDERR_FILENO, "vcpu ok\n", 8) != 8)
		_exit(7);
	return NULL;
}

START_TEST(filters_are_per_thread)
{
	char out[512] = "", want[128];
	int p[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pthread_t io, vc;

		dup2(p[1], STDERR_FILENO);
		sandbox_set_seccomp(true);
		pthread_barrier_init(&step, NULL, 3);
		pthread_barrier_init(&done, NULL, 2);
		if (pthread_create(&io, NULL, io_thread, NULL) ||
		    pthread_create(&vc, NULL, vcpu_thread, NULL))
			_exit(4);
		pthread_barrier_wait(&step);
		pthread_join(vc, NULL);
		/* this thread entered no filter: a call no list has goes through */
		if (call(SYS_socket) < 0 || write(STDERR_FILENO, "main ok\n", 8) != 8)
			_exit(8);
		pthread_barrier_wait(&done);
		pthread_join(io, NULL);
		_exit(9);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x: %s", st, out);
	snprintf(want, sizeof(want), "vcpu ok\nmain ok\ncvmm: seccomp: forbidden system call %d ",
		 SYS_pread64);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "'%s'", out);
}
END_TEST

/* Off (library users, unit tests, --no-seccomp): sandbox_enter() installs nothing. */
START_TEST(off_installs_nothing)
{
	sandbox_set_seccomp(false);
	ck_assert_int_eq(sandbox_enter(SANDBOX_IO, 0), 0);
	ck_assert_int_ge(call(SYS_socket), 0);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, each_kind_gets_its_rights_only, 0,
			    sizeof(rights) / sizeof(rights[0]));
	tcase_add_test(tc, socket_flag_allows_sockets);
	tcase_add_test(tc, filters_are_per_thread);
	tcase_add_test(tc, off_installs_nothing);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
