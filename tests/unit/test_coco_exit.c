/*
 * Platform exits of TDX/SNP guests, fed to coco_handle_exit() as KVM would
 * leave them in kvm_run; GetQuote against a tiny fake QGS on a unix socket
 * (the framing is ours to get right, so the fake checks every field).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader/shim/shim_abi.h"
#include "capture.h"
#include "check_compat.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/coco_exit.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/qgs.h"
#include "vmm/sandbox.h"

/* ---- guest memory: 64 KiB at 0x100000, the last 4 KiB private ------------------ */

#define GBASE	0x100000ULL
#define GSIZE	0x10000ULL
static uint8_t guest[GSIZE];

static int g_read(void *o, uint64_t gpa, void *dst, uint64_t len)
{
	if (gpa < GBASE || gpa + len > GBASE + GSIZE - 0x1000 || gpa + len < gpa)
		return -1;
	memcpy(dst, guest + (gpa - GBASE), len);
	return 0;
}

static int g_write(void *o, uint64_t gpa, const void *src, uint64_t len)
{
	if (gpa < GBASE || gpa + len > GBASE + GSIZE - 0x1000 || gpa + len < gpa)
		return -1;
	memcpy(guest + (gpa - GBASE), src, len);
	return 0;
}

/* ---- the conversion routine, faked ------------------------------------------- */

static struct { uint64_t gpa, pages; bool to_private; int calls; int answer; } conv;

static int fake_convert(void *o, uint64_t gpa, uint64_t pages, bool to_private)
{
	conv.gpa = gpa;
	conv.pages = pages;
	conv.to_private = to_private;
	conv.calls++;
	return conv.answer;
}

static struct coco c;
static struct launch_opts opts;
static struct kvm_tdx_capabilities caps;
static struct kvm_run run;
static struct coco_stop why;

static void setup(void)
{
	launch_opts_init(&opts);
	coco_init(&c, &coco_tdx_ops, &kb_real, &opts);
	c.guest_read = g_read;
	c.guest_write = g_write;
	c.convert = fake_convert;
	memset(&caps, 0, sizeof(caps));
	caps.kernel_tdvmcallinfo_1_r11 = 0x10;
	caps.user_tdvmcallinfo_1_r11 = 0x6;	/* bit 2 is not ours to claim */
	caps.kernel_tdvmcallinfo_1_r12 = 0x20;
	c.caps = &caps;
	memset(&conv, 0, sizeof(conv));
	memset(&run, 0, sizeof(run));
	memset(&why, 0, sizeof(why));
	memset(guest, 0, sizeof(guest));
	cvmm_verbosity = LOG_NORMAL;
}

static void teardown(void)
{
	c.caps = NULL;	/* static, not malloc'd */
	coco_destroy(&c);
}

static enum exit_action handle(void)
{
	return coco_handle_exit(&c, &run, 0, 0, 0, &why);
}

/* ---- MAP_GPA_RANGE and memory faults --------------------------------------------- */

static void hypercall(uint64_t gpa, uint64_t pages, uint64_t attrs)
{
	run.exit_reason = KVM_EXIT_HYPERCALL;
	run.hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run.hypercall.args[0] = gpa;
	run.hypercall.args[1] = pages;
	run.hypercall.args[2] = attrs;
	run.hypercall.ret = 0;
}

START_TEST(map_gpa_range_converts)
{
	hypercall(0x200000, 512, KVM_MAP_GPA_RANGE_ENCRYPTED | KVM_MAP_GPA_RANGE_PAGE_SZ_2M);
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_int_eq(conv.calls, 1);
	ck_assert_uint_eq(conv.gpa, 0x200000);
	ck_assert_uint_eq(conv.pages, 512);
	ck_assert(conv.to_private);
	ck_assert_uint_eq(run.hypercall.ret, 0);

	hypercall(0x3000, 1, KVM_MAP_GPA_RANGE_DECRYPTED);
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert(!conv.to_private);
}
END_TEST

START_TEST(map_gpa_range_refusals_reach_the_guest)
{
	hypercall(0x3000, 1, 0x20);			/* reserved attribute bit */
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_uint_ne(run.hypercall.ret, 0);
	ck_assert_int_eq(conv.calls, 0);
	hypercall(0x3001, 1, 0);			/* unaligned */
	handle();
	ck_assert_uint_ne(run.hypercall.ret, 0);
	hypercall(0xfffffffffffff000ULL, 2, 0);		/* wraps */
	handle();
	ck_assert_uint_ne(run.hypercall.ret, 0);
	hypercall(0x3000, 0, 0);			/* empty */
	handle();
	ck_assert_uint_ne(run.hypercall.ret, 0);
	ck_assert_int_eq(conv.calls, 0);

	conv.answer = COCO_CONV_NOT_RAM;		/* an MMIO hole made shared: fine */
	hypercall(0xd0000000, 16, KVM_MAP_GPA_RANGE_DECRYPTED);
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_uint_eq(run.hypercall.ret, 0);
	hypercall(0xd0000000, 16, KVM_MAP_GPA_RANGE_ENCRYPTED);	/* ...made private: no */
	handle();
	ck_assert_uint_ne(run.hypercall.ret, 0);
	conv.answer = COCO_CONV_REFUSED;
	hypercall(0x3000, 1, KVM_MAP_GPA_RANGE_ENCRYPTED);
	handle();
	ck_assert_uint_ne(run.hypercall.ret, 0);
	conv.answer = -1;				/* the host is broken: stop */
	hypercall(0x3000, 1, KVM_MAP_GPA_RANGE_ENCRYPTED);
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_int_eq(why.code, 1);
}
END_TEST

static void fault(uint64_t gpa, uint64_t flags)
{
	run.exit_reason = KVM_EXIT_MEMORY_FAULT;
	kvm_run_memory_fault(&run)->gpa = gpa;
	kvm_run_memory_fault(&run)->size = 4096;
	kvm_run_memory_fault(&run)->flags = flags;
}

START_TEST(memory_fault_is_an_implicit_conversion)
{
	fault(0x5000, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EFAULT, &why), EXIT_HANDLED);
	ck_assert(conv.to_private);
	ck_assert_uint_eq(conv.gpa, 0x5000);
	ck_assert_uint_eq(conv.pages, 1);
	fault(0x6000, 0);
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EFAULT, &why), EXIT_HANDLED);
	ck_assert(!conv.to_private);
	/* a stale exit_reason with another errno is not a memory fault */
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EINTR, &why), EXIT_UNHANDLED);
	fault(0x7000, 0x1);
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EFAULT, &why), EXIT_STOP);
	ck_assert_msg(strstr(why.reason, "unknown flags 0x1"), "%s", why.reason);
	fault(0x7000, 0);
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EHWPOISON, &why), EXIT_STOP);
	ck_assert_msg(strstr(why.reason, "poisoned"), "%s", why.reason);
	conv.answer = COCO_CONV_NOT_RAM;
	fault(0x40000000, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	ck_assert_int_eq(coco_handle_exit(&c, &run, 1, -1, EFAULT, &why), EXIT_STOP);
}
END_TEST

START_TEST(same_fault_forever_stops)
{
	enum exit_action a = EXIT_HANDLED;
	int n = 0;

	while (a == EXIT_HANDLED && n < 100) {
		fault(0x8000, KVM_MEMORY_EXIT_FLAG_PRIVATE);
		a = coco_handle_exit(&c, &run, 1, -1, EFAULT, &why);
		n++;
	}
	ck_assert_int_eq(a, EXIT_STOP);
	ck_assert_int_gt(n, 2);
	ck_assert_int_lt(n, 100);
}
END_TEST

START_TEST(no_conversion_routine_stops_with_one_line)
{
	c.convert = NULL;
	hypercall(0x3000, 1, KVM_MAP_GPA_RANGE_ENCRYPTED);
	ck_assert_int_eq(handle(), EXIT_STOP);
}
END_TEST

/* ---- TDX forwarded TDVMCALLs -------------------------------------------------------- */

START_TEST(get_tdvmcall_info)
{
	struct cvmm_exit_tdx *t = kvm_run_tdx(&run);

	run.exit_reason = KVM_EXIT_TDX;
	t->nr = TDVMCALL_GET_TD_VM_CALL_INFO;
	t->get_tdvmcall_info.leaf = 1;
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_uint_eq(t->get_tdvmcall_info.ret, TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(t->get_tdvmcall_info.r11, 0x10 | 0x2);
	ck_assert_uint_eq(t->get_tdvmcall_info.r12, 0x20);
	ck_assert_uint_eq(t->get_tdvmcall_info.r13, 0);
	t->get_tdvmcall_info.leaf = 2;
	handle();
	ck_assert_uint_eq(t->get_tdvmcall_info.ret, TDVMCALL_STATUS_INVALID_OPERAND);
}
END_TEST

START_TEST(setup_event_notify_and_unknown_leaves)
{
	struct cvmm_exit_tdx *t = kvm_run_tdx(&run);

	run.exit_reason = KVM_EXIT_TDX;
	t->nr = TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT;
	t->setup_event_notify.vector = 0x30;
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_uint_eq(t->setup_event_notify.ret, TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(c.notify_vector, 0x30);
	t->setup_event_notify.vector = 5;
	handle();
	ck_assert_uint_eq(t->setup_event_notify.ret, TDVMCALL_STATUS_INVALID_OPERAND);
	ck_assert_uint_eq(c.notify_vector, 0x30);
	/* a leaf a future kernel forwards: its pre-filled answer stands */
	t->nr = 0x10099;
	t->unknown.ret = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	ck_assert_int_eq(handle(), EXIT_HANDLED);
	ck_assert_uint_eq(t->unknown.ret, TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED);
}
END_TEST

/* ---- GetQuote and the fake QGS ----------------------------------------------------------- */

enum qgs_mode { Q_GOOD, Q_BAD_VERSION, Q_ERROR_CODE, Q_CLOSE, Q_SLOW, Q_BAD_SIZES, Q_HUGE,
		Q_BIG_QUOTE, Q_HOLD };

static struct {
	char dir[64], path[128];
	int lfd;
	enum qgs_mode mode;
	pthread_t th;
	/* what the server saw */
	uint32_t prefix, major, minor, type, size, err, report_size, id_list_size;
	uint8_t report[2048];
	bool got;
	int hold[2];	/* Q_HOLD: the answer waits for a byte on hold[0] */
} q;

static int rd(int fd, void *b, size_t n)
{
	uint8_t *p = b;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void *qgs_server(void *arg)
{
	int fd = accept(q.lfd, NULL, NULL);
	uint8_t pre[4], hdr[24], out[4 + 24 + 5000];
	uint32_t qlen = q.mode == Q_BIG_QUOTE ? 5000 : 100, len = 24 + qlen;

	if (fd < 0)
		return NULL;
	if (rd(fd, pre, 4) || rd(fd, hdr, 24))
		goto done;
	q.prefix = (uint32_t)pre[0] << 24 | pre[1] << 16 | pre[2] << 8 | pre[3];
	q.major = hdr[0] | hdr[1] << 8;
	q.minor = hdr[2] | hdr[3] << 8;
	memcpy(&q.type, hdr + 4, 4);
	memcpy(&q.size, hdr + 8, 4);
	memcpy(&q.err, hdr + 12, 4);
	memcpy(&q.report_size, hdr + 16, 4);
	memcpy(&q.id_list_size, hdr + 20, 4);
	if (q.report_size > sizeof(q.report) || rd(fd, q.report, q.report_size))
		goto done;
	q.got = true;
	if (q.mode == Q_CLOSE)
		goto done;
	if (q.mode == Q_SLOW)
		usleep(400 * 1000);
	if (q.mode == Q_HOLD && rd(q.hold[0], pre, 1))
		goto done;
	memset(out, 0, sizeof(out));
	be32(out, q.mode == Q_HUGE ? 0x7fffffff : len);
	out[4] = q.mode == Q_BAD_VERSION ? 2 : 1;	/* major */
	out[6] = 1;					/* minor */
	out[8] = 1;					/* GET_QUOTE_RESP */
	memcpy(out + 12, &len, 4);
	if (q.mode == Q_ERROR_CODE)
		out[16] = 0x12;
	uint32_t qs = q.mode == Q_BAD_SIZES ? qlen + 1 : qlen;

	memcpy(out + 24, &qs, 4);
	memcpy(out + 28, "QUOTE:", 6);
	memcpy(out + 34, q.report, 8);
	if (send(fd, out, 4 + len, MSG_NOSIGNAL) < 0)
		goto done;
	usleep(50 * 1000);	/* let the client read before the close */
done:
	close(fd);
	return NULL;
}

static void qgs_start(enum qgs_mode mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(&q, 0, sizeof(q));
	strcpy(q.dir, "/tmp/cvmm-qgs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(q.dir));
	snprintf(q.path, sizeof(q.path), "%s/qgs.sock", q.dir);
	strcpy(sa.sun_path, q.path);
	q.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(q.lfd, 0);
	ck_assert_int_eq(bind(q.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(q.lfd, 1), 0);
	q.mode = mode;
	ck_assert_int_eq(pthread_create(&q.th, NULL, qgs_server, NULL), 0);
	opts.quote_socket = q.path;
}

static void qgs_stop(void)
{
	pthread_join(q.th, NULL);
	close(q.lfd);
	unlink(q.path);
	rmdir(q.dir);
}

#define QBUF	(GBASE + 0x2000)	/* the guest's 8 KiB GetQuote buffer */

static void guest_request(uint64_t version, uint32_t in_len)
{
	uint8_t *b = guest + (QBUF - GBASE);

	memcpy(b, &version, 8);
	memset(b + 8, 0, 8);
	memcpy(b + 16, &in_len, 4);
	memset(b + 20, 0, 4);
	for (uint32_t i = 0; i < in_len && 24 + i < 0x2000; i++)
		b[24 + i] = (uint8_t)(i * 3 + 1);
}

static uint64_t buf_status(void) { uint64_t v; memcpy(&v, guest + (QBUF - GBASE) + 8, 8); return v; }
static uint32_t buf_out_len(void) { uint32_t v; memcpy(&v, guest + (QBUF - GBASE) + 20, 4); return v; }

static uint64_t get_quote_on(int vcpu, uint64_t gpa, uint64_t size)
{
	struct cvmm_exit_tdx *t = kvm_run_tdx(&run);

	run.exit_reason = KVM_EXIT_TDX;
	t->nr = TDVMCALL_GET_QUOTE;
	t->get_quote.gpa = gpa;
	t->get_quote.size = size;
	t->get_quote.ret = TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED;
	ck_assert_int_eq(coco_handle_exit(&c, &run, vcpu, 0, 0, &why), EXIT_HANDLED);
	tdx_quotes_wait(&c);	/* the answer comes on its own thread */
	return t->get_quote.ret;
}

static uint64_t get_quote(uint64_t gpa, uint64_t size)
{
	return get_quote_on(0, gpa, size);
}

START_TEST(get_quote_round_trip)
{
	qgs_start(Q_GOOD);
	guest_request(1, 1024);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_SUCCESS);
	qgs_stop();
	/* the framing as the QGS saw it */
	ck_assert(q.got);
	ck_assert_uint_eq(q.prefix, 24 + 1024);
	ck_assert_uint_eq(q.major, 1);
	ck_assert_uint_eq(q.minor, 1);
	ck_assert_uint_eq(q.type, 0);
	ck_assert_uint_eq(q.size, 24 + 1024);
	ck_assert_uint_eq(q.err, 0);
	ck_assert_uint_eq(q.report_size, 1024);
	ck_assert_uint_eq(q.id_list_size, 0);
	for (int i = 0; i < 1024; i++)
		ck_assert_uint_eq(q.report[i], (uint8_t)(i * 3 + 1));
	/* and what the guest reads back */
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_out_len(), 100);
	ck_assert_mem_eq(guest + (QBUF - GBASE) + 24, "QUOTE:", 6);
	ck_assert_uint_eq(guest[QBUF - GBASE + 30], 1);	/* the report's first byte echoed */
	ck_assert_uint_eq(c.quotes_ok, 1);
}
END_TEST

/*
 * TDX GetQuote under the vCPU's seccomp filter (vmm/sandbox.c) as cvmm runs
 * it: the vCPU thread filtered with the socket rights TDX adds
 * (platform_tdx.vcpu_sockets), the quote thread it starts inheriting the
 * filter. Without those rights, the quote thread's socket() stops the
 * process with status 1 (in a child, so that this one goes on).
 */
static void *filtered_vcpu(void *arg)
{
	unsigned flags = *(unsigned *)arg;

	sandbox_set_seccomp(true);
	if (sandbox_enter(SANDBOX_VCPU, flags))
		return (void *)1;
	return (void *)(uintptr_t)get_quote(QBUF, 0x2000);
}

START_TEST(get_quote_under_the_vcpu_filter)
{
	unsigned flags = SANDBOX_F_SOCKETS;
	pthread_t t;
	void *ret;
	pid_t pid;
	int st;

	qgs_start(Q_GOOD);
	guest_request(1, 1024);
	ck_assert_int_eq(pthread_create(&t, NULL, filtered_vcpu, &flags), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_uint_eq((uintptr_t)ret, TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_mem_eq(guest + (QBUF - GBASE) + 24, "QUOTE:", 6);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		flags = 0;
		guest_request(1, 1024);
		pthread_create(&t, NULL, filtered_vcpu, &flags);
		pthread_join(t, &ret);
		_exit(0);	/* must not get here: the quote thread's socket() is forbidden */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x", st);
	qgs_stop();
}
END_TEST

/*
 * The vCPU is back in the guest while the QGS works: GetQuote has returned
 * with the buffer still in flight; the answer lands once the QGS answers.
 */
START_TEST(get_quote_does_not_hold_the_vcpu)
{
	struct cvmm_exit_tdx *t = kvm_run_tdx(&run);

	qgs_start(Q_HOLD);
	ck_assert_int_eq(pipe(q.hold), 0);
	guest_request(1, 256);
	run.exit_reason = KVM_EXIT_TDX;
	t->nr = TDVMCALL_GET_QUOTE;
	t->get_quote.gpa = QBUF;
	t->get_quote.size = 0x2000;
	ck_assert_int_eq(coco_handle_exit(&c, &run, 0, 0, 0, &why), EXIT_HANDLED);
	ck_assert_uint_eq(t->get_quote.ret, TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_IN_FLIGHT);
	ck_assert_uint_eq(c.quotes_ok, 0);
	ck_assert_int_eq(write(q.hold[1], "", 1), 1);	/* the QGS answers now */
	tdx_quotes_wait(&c);
	qgs_stop();
	close(q.hold[0]);
	close(q.hold[1]);
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_out_len(), 100);
	ck_assert_uint_eq(c.quotes_ok, 1);
}
END_TEST

START_TEST(get_quote_bad_guest_buffers)
{
	guest_request(1, 1024);
	ck_assert_uint_eq(get_quote(QBUF + 8, 0x2000), TDVMCALL_STATUS_ALIGN_ERROR);
	ck_assert_uint_eq(get_quote(QBUF, 0x2001), TDVMCALL_STATUS_ALIGN_ERROR);
	ck_assert_uint_eq(get_quote(QBUF, 0), TDVMCALL_STATUS_INVALID_OPERAND);
	ck_assert_uint_eq(get_quote(0xfffffffffffff000ULL, 0x2000), TDVMCALL_STATUS_INVALID_OPERAND);
	ck_assert_uint_eq(get_quote(GBASE + GSIZE - 0x1000, 0x1000),
			  TDVMCALL_STATUS_INVALID_OPERAND);	/* private: the door refuses */
	guest_request(2, 1024);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_INVALID_OPERAND);
	guest_request(1, 0x2000 - 24 + 1);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_INVALID_OPERAND);
	guest_request(1, 0);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_INVALID_OPERAND);
}
END_TEST

START_TEST(get_quote_without_service)
{
	guest_request(1, 1024);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_UNAVAILABLE);
	ck_assert_uint_eq(buf_out_len(), 0);
	opts.quote_socket = "/nonexistent/qgs.sock";
	guest_request(1, 1024);
	ck_assert_uint_eq(get_quote(QBUF, 0x2000), TDVMCALL_STATUS_SUCCESS);
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_UNAVAILABLE);
	ck_assert_uint_eq(c.quotes_failed, 2);
}
END_TEST

START_TEST(get_quote_service_failures)
{
	enum qgs_mode modes[] = { Q_BAD_VERSION, Q_ERROR_CODE, Q_CLOSE, Q_SLOW, Q_BAD_SIZES,
				  Q_HUGE, Q_BIG_QUOTE };
	int fds = count_fds();

	opts.quote_timeout_ms = 150;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		qgs_start(modes[i]);
		guest_request(1, 512);
		/* the buffer is only 4 KiB: the 5000-byte quote cannot fit */
		ck_assert_uint_eq(get_quote(QBUF, modes[i] == Q_BIG_QUOTE ? 0x1000 : 0x2000),
				  TDVMCALL_STATUS_SUCCESS);
		qgs_stop();
		ck_assert_msg(buf_status() == TDX_QUOTE_STATUS_ERROR, "mode %zu: status 0x%llx", i,
			      (unsigned long long)buf_status());
		ck_assert_uint_eq(buf_out_len(), 0);
	}
	ck_assert_uint_eq(c.quotes_failed, sizeof(modes) / sizeof(modes[0]));
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/*
 * SetupEventNotifyInterrupt on vCPU 2, then GetQuote on vCPU 3: the vCPU
 * that registered gets the vector (QEMU: event_notify_apicid).
 */
START_TEST(get_quote_notifies_the_registering_vcpu)
{
	struct kb_recorder rec;
	struct cvmm_exit_tdx *t = kvm_run_tdx(&run);
	int msis = 0;

	kb_recorder_init(&rec);
	c.kb = &rec.ops;
	c.kvm_fd = rec.ops.open_dev(&rec.ops, "/dev/kvm");
	c.vm_fd = rec.ops.ioctl(&rec.ops, c.kvm_fd, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_TDX_VM);
	ck_assert_int_ge(c.vm_fd, 0);
	run.exit_reason = KVM_EXIT_TDX;
	t->nr = TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT;
	t->setup_event_notify.vector = 0xec;
	ck_assert_int_eq(coco_handle_exit(&c, &run, 2, 0, 0, &why), EXIT_HANDLED);
	qgs_start(Q_GOOD);
	guest_request(1, 64);
	ck_assert_uint_eq(get_quote_on(3, QBUF, 0x1000), TDVMCALL_STATUS_SUCCESS);
	qgs_stop();
	ck_assert_uint_eq(buf_status(), TDX_QUOTE_STATUS_SUCCESS);
	for (size_t i = 0; i < rec.n_calls; i++)
		if (!strcmp(rec.calls[i].cmd, "KVM_SIGNAL_MSI")) {
			ck_assert_str_eq(rec.calls[i].args, "{address_lo=0xfee02000 data=0xec}");
			msis++;
		}
	ck_assert_int_eq(msis, 1);
	c.caps = NULL;		/* static */
	coco_destroy(&c);
	kb_recorder_free(&rec);
	coco_init(&c, &coco_tdx_ops, &kb_real, &opts);	/* for the teardown */
}
END_TEST

/* ---- termination requests and fatal errors --------------------------------------------- */

START_TEST(snp_termination_reason)
{
	struct cvmm_exit_system_event *e = kvm_run_system_event(&run);

	run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
	e->type = KVM_SYSTEM_EVENT_SEV_TERM;
	e->ndata = 1;
	e->data[0] = 0x100 | 0 << 12 | 2 << 16;	/* GHCB MSR: terminate, set 0, code 2 */
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "SNP guest asked to terminate: reason set 0 code 2 "
			 "(SEV-SNP features not supported)");
	e->data[0] = 0x7000;			/* a GHCB GPA */
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_msg(strstr(why.reason, "GHCB at 0x7000"), "%s", why.reason);
	e->type = KVM_SYSTEM_EVENT_SHUTDOWN;	/* the run loop's business */
	ck_assert_int_eq(handle(), EXIT_UNHANDLED);
}
END_TEST

START_TEST(tdx_fatal_error_reason)
{
	struct cvmm_exit_system_event *e = kvm_run_system_event(&run);

	run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
	e->type = KVM_SYSTEM_EVENT_TDX_FATAL;
	e->ndata = 16;
	e->data[12] = 0x12340000;		/* R12: error code */
	e->data[1] = 1u << 14 | 1u << 15;	/* RCX: R14, R15 carry text */
	memcpy(&e->data[14], "hello wo", 8);
	memcpy(&e->data[15], "rld\0\0\0\0\0", 8);
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "TD reported a fatal error: code 0x12340000: \"hello world\"");
	/* only the registers the mask names carry text: R15's bit alone */
	e->data[1] = 1u << 15;
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "TD reported a fatal error: code 0x12340000: \"rld\"");
	e->data[12] = 0x8000000000010000ULL;	/* bit 63: R13 holds a GPA */
	e->data[13] = 0x9000;
	e->data[1] = 0;
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_msg(strstr(why.reason, "data at 0x9000"), "%s", why.reason);
	/* bits 15:0 reserved: not a code to report as if it were one */
	e->data[12] = 0x12340001;
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "TD reported a fatal error with a malformed error code 0x12340001");
}
END_TEST

/*
 * Issue 13 item 5: what cvmm's boot shim sends when it stops, built by the
 * shim's own helpers (loader/shim/shim_abi.h), as KVM hands it over: the
 * SNP termination request's MSR value in data[0]; for TDX, the guest's
 * registers by number (KVM's TDX system event: data[n] = register n), the
 * message registers exposed by the mask the shim puts in RCX (0xfccc).
 */
START_TEST(shim_failure_reaches_the_user)
{
	struct cvmm_exit_system_event *e = kvm_run_system_event(&run);
	static const int msg_regs[8] = { 14, 15, 3, 7, 6, 8, 9, 2 };	/* R14 R15 RBX RDI RSI R8 R9 RDX */
	uint64_t m[8];

	run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
	e->type = KVM_SYSTEM_EVENT_SEV_TERM;
	e->ndata = 1;
	e->data[0] = SHIM_GHCB_TERM(SHIM_ERR_MEMMAP);
	ck_assert_uint_eq(e->data[0], 0x100 | 3 << 12 | 2 << 16);
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "SNP guest asked to terminate: reason set 3 code 2 "
			 "(cvmm boot shim: the memory map was refused)");
	e->data[0] = SHIM_GHCB_TERM(SHIM_ERR_EXCEPTION | 14);
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "SNP guest asked to terminate: reason set 3 code 0x8e "
			 "(cvmm boot shim: CPU exception 14)");

	memset(e, 0, sizeof(*e));
	e->type = KVM_SYSTEM_EVENT_TDX_FATAL;
	e->ndata = 16;
	shim_tdx_fatal_text("cvmm shim: ", "memory map: bad magic", m);
	for (int i = 0; i < 8; i++)
		e->data[msg_regs[i]] = m[i];
	e->data[1] = SHIM_TDX_EXPOSE_REGS;	/* RCX, as the shim sets it */
	for (int i = 0; i < 8; i++)		/* it exposes every message register */
		ck_assert(SHIM_TDX_EXPOSE_REGS & 1ULL << msg_regs[i]);
	e->data[12] = 0;			/* R12: error code 0 */
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "TD reported a fatal error: code 0x0: \"cvmm shim: memory map: bad magic\"");
	/* a long reason: 63 bytes and the NUL in 64 */
	shim_tdx_fatal_text("cvmm shim: ", "memory map: no RAM under boot_params, the memory map or the stack", m);
	for (int i = 0; i < 8; i++)
		e->data[msg_regs[i]] = m[i];
	ck_assert_int_eq(handle(), EXIT_STOP);
	ck_assert_str_eq(why.reason, "TD reported a fatal error: code 0x0: \"cvmm shim: memory map: no RAM "
			 "under boot_params, the memory map\"");	/* 11 + 52 = 63 */
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_exit");
	TCase *tc = tcase_create("exits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, map_gpa_range_converts);
	tcase_add_test(tc, shim_failure_reaches_the_user);
	tcase_add_test(tc, map_gpa_range_refusals_reach_the_guest);
	tcase_add_test(tc, memory_fault_is_an_implicit_conversion);
	tcase_add_test(tc, same_fault_forever_stops);
	tcase_add_test(tc, no_conversion_routine_stops_with_one_line);
	tcase_add_test(tc, get_tdvmcall_info);
	tcase_add_test(tc, setup_event_notify_and_unknown_leaves);
	tcase_add_test(tc, get_quote_round_trip);
	tcase_add_test(tc, get_quote_under_the_vcpu_filter);
	tcase_add_test(tc, get_quote_bad_guest_buffers);
	tcase_add_test(tc, get_quote_without_service);
	tcase_add_test(tc, get_quote_service_failures);
	tcase_add_test(tc, get_quote_notifies_the_registering_vcpu);
	tcase_add_test(tc, get_quote_does_not_hold_the_vcpu);
	tcase_add_test(tc, snp_termination_reason);
	tcase_add_test(tc, tdx_fatal_error_reason);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
