#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/platform/coco.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"
#include "vmm/platform/qgs.h"

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for fd to be ready for ev until the deadline; 0, or -1 with errno ETIMEDOUT. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = ev };

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		int r = poll(&p, 1, (int)left);

		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const uint8_t *b, size_t n, int64_t deadline)
{
	while (n) {
		if (wait_fd(fd, POLLOUT, deadline))
			return -1;
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *b, size_t n, int64_t deadline)
{
	while (n) {
		if (wait_fd(fd, POLLIN, deadline))
			return -1;
		ssize_t r = recv(fd, b, n, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Checks a GET_QUOTE_RESP (after the length prefix); the quote's offset and size. */
static int parse_resp(const uint8_t *m, uint32_t len, uint32_t *off, uint32_t *qlen,
		      const char *path)
{
	uint32_t sel, q, total;

	if (len < QGS_REQ_SIZE) {
		cvmm_err("QGS %s: reply of %u bytes is shorter than its header", path, len);
		return -1;
	}
	if (get16(m) != QGS_MSG_MAJOR || get32(m + 4) != QGS_GET_QUOTE_RESP) {
		cvmm_err("QGS %s: reply version %u.%u type %u, expected %d.x GET_QUOTE_RESP",
			 path, get16(m), get16(m + 2), get32(m + 4), QGS_MSG_MAJOR);
		return -1;
	}
	if (get32(m + 8) != len) {
		cvmm_err("QGS %s: reply says it has %u bytes but its frame has %u", path,
			 get32(m + 8), len);
		return -1;
	}
	if (get32(m + 12)) {
		cvmm_err("QGS %s: the service answered error code 0x%x", path, get32(m + 12));
		return -1;
	}
	sel = get32(m + 16);
	q = get32(m + 20);
	if (__builtin_add_overflow(sel, q, &total) ||
	    __builtin_add_overflow(total, (uint32_t)QGS_REQ_SIZE, &total) || total != len ||
	    q == 0) {
		cvmm_err("QGS %s: selected id (%u) and quote (%u bytes) do not fill the %u-byte reply",
			 path, sel, q, len);
		return -1;
	}
	*off = QGS_REQ_SIZE + sel;
	*qlen = q;
	return 0;
}

int qgs_get_quote(const char *path, unsigned timeout_ms, const uint8_t *report,
		  uint32_t report_len, uint8_t **quote, uint32_t *quote_len, int *unavailable)
{
	int64_t deadline = now_ms() + (timeout_ms ? timeout_ms : OPTS_QUOTE_TIMEOUT_MS);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t *req = NULL, *resp = NULL, lenbuf[4];
	uint32_t msg_len, len, off, qlen;
	int fd = -1, ret = -1;

	*unavailable = 0;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		cvmm_err("--quote-socket %s: path too long for a unix socket", path);
		*unavailable = 1;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		cvmm_err("QGS %s: cannot connect: %s", path, strerror(errno));
		*unavailable = 1;
		goto out;
	}
	msg_len = QGS_REQ_SIZE + report_len;
	req = malloc(4 + msg_len);
	if (!req) {
		cvmm_err("QGS %s: out of memory", path);
		goto out;
	}
	/* length prefix: big endian, of what follows */
	req[0] = (uint8_t)(msg_len >> 24);
	req[1] = (uint8_t)(msg_len >> 16);
	req[2] = (uint8_t)(msg_len >> 8);
	req[3] = (uint8_t)msg_len;
	put16(req + 4, QGS_MSG_MAJOR);
	put16(req + 6, QGS_MSG_MINOR);
	put32(req + 8, QGS_GET_QUOTE_REQ);
	put32(req + 12, msg_len);
	put32(req + 16, 0);
	put32(req + 20, report_len);
	put32(req + 24, 0);		/* no id list: the QGS picks */
	memcpy(req + 4 + QGS_REQ_SIZE, report, report_len);
	if (send_all(fd, req, 4 + msg_len, deadline) || recv_all(fd, lenbuf, 4, deadline)) {
		cvmm_err("QGS %s: %s", path, errno == ETIMEDOUT ?
			 "no answer within the time-out (--quote-timeout)" : strerror(errno));
		goto out;
	}
	len = (uint32_t)lenbuf[0] << 24 | (uint32_t)lenbuf[1] << 16 | (uint32_t)lenbuf[2] << 8 |
	      lenbuf[3];
	if (len < QGS_REQ_SIZE || len > QGS_MAX_MSG) {
		cvmm_err("QGS %s: reply length %u outside [%d, %d]", path, len, QGS_REQ_SIZE,
			 QGS_MAX_MSG);
		goto out;
	}
	resp = malloc(len);
	if (!resp) {
		cvmm_err("QGS %s: out of memory", path);
		goto out;
	}
	if (recv_all(fd, resp, len, deadline)) {
		cvmm_err("QGS %s: reply cut short: %s", path, errno == ETIMEDOUT ?
			 "no answer within the time-out (--quote-timeout)" : strerror(errno));
		goto out;
	}
	if (parse_resp(resp, len, &off, &qlen, path))
		goto out;
	*quote = malloc(qlen);
	if (!*quote) {
		cvmm_err("QGS %s: out of memory", path);
		goto out;
	}
	memcpy(*quote, resp + off, qlen);
	*quote_len = qlen;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(resp);
	return ret;
}

static int put_status(struct coco *c, uint64_t gpa, uint64_t status, uint32_t out_len)
{
	if (c->guest_write(c->guest_opaque, gpa + 8, &status, 8))
		return -1;
	return c->guest_write(c->guest_opaque, gpa + 20, &out_len, 4);
}

/* The guest's SetupEventNotifyInterrupt vector, to the vCPU that set it up. */
static void notify(struct coco *c)
{
	uint64_t n = __atomic_load_n(&c->notify_vector, __ATOMIC_ACQUIRE);
	uint32_t vector = n & 0xff, apic_id = (uint32_t)(n >> 32);	/* APIC ID = index */
	struct kvm_msi msi = {
		.address_lo = 0xfee00000u | (apic_id & 0xff) << 12,
		.address_hi = apic_id & 0xffffff00u,	/* x2APIC IDs above 255 */
		.data = vector,
	};

	if (vector && c->vm_fd >= 0)
		coco_ioctl(c, c->vm_fd, KVM_SIGNAL_MSI, &msi, "GetQuote notification");
}

/* One GetQuote: the guest's buffer, its TDREPORT, the thread serving it. */
struct coco_quote {
	struct coco *c;
	uint64_t gpa, size;
	uint8_t *report;
	uint32_t in_len;
	pthread_t thread;
	bool done;		/* the thread has finished: join it */
};

/* Asks the QGS and writes the answer into the guest's buffer. */
static void quote_serve(struct coco_quote *j)
{
	struct coco *c = j->c;
	uint64_t status = TDX_QUOTE_STATUS_SUCCESS;
	uint8_t *quote = NULL;
	uint32_t qlen = 0;
	int unavailable = 0;

	if (qgs_get_quote(c->opts->quote_socket, c->opts->quote_timeout_ms, j->report, j->in_len,
			  &quote, &qlen, &unavailable)) {
		status = unavailable ? TDX_QUOTE_STATUS_UNAVAILABLE : TDX_QUOTE_STATUS_ERROR;
		qlen = 0;
	} else if (qlen > j->size - TDX_QUOTE_HDR_SIZE) {
		cvmm_err("GetQuote: the %u-byte quote does not fit the guest's %llu-byte buffer",
			 qlen, (unsigned long long)j->size);
		status = TDX_QUOTE_STATUS_ERROR;
		qlen = 0;
	} else if (c->guest_write(c->guest_opaque, j->gpa + TDX_QUOTE_HDR_SIZE, quote, qlen)) {
		status = TDX_QUOTE_STATUS_ERROR;	/* the guest made it private meanwhile */
		qlen = 0;
	}
	free(quote);
	__atomic_add_fetch(status == TDX_QUOTE_STATUS_SUCCESS ? &c->quotes_ok : &c->quotes_failed,
			   1, __ATOMIC_RELAXED);
	if (put_status(c, j->gpa, status, qlen) == 0)
		notify(c);
}

static void *quote_thread(void *arg)
{
	struct coco_quote *j = arg;

	quote_serve(j);
	pthread_mutex_lock(&j->c->quote_lock);
	j->done = true;
	pthread_mutex_unlock(&j->c->quote_lock);
	return NULL;
}

static void quote_free(struct coco_quote *j)
{
	free(j->report);
	free(j);
}

/* A free slot (joining finished ones), or -1 when all are busy. Lock held. */
static int quote_slot(struct coco *c)
{
	for (int i = 0; i < COCO_MAX_QUOTES; i++) {
		struct coco_quote *j = c->quotes[i];

		if (j && j->done) {	/* it has left quote_thread's lock: join is quick */
			pthread_join(j->thread, NULL);
			quote_free(j);
			c->quotes[i] = j = NULL;
		}
		if (!j)
			return i;
	}
	return -1;
}

void tdx_quotes_wait(struct coco *c)
{
	for (int i = 0; i < COCO_MAX_QUOTES; i++) {
		pthread_mutex_lock(&c->quote_lock);
		struct coco_quote *j = c->quotes[i];

		c->quotes[i] = NULL;
		pthread_mutex_unlock(&c->quote_lock);
		if (j) {
			pthread_join(j->thread, NULL);
			quote_free(j);
		}
	}
}

uint64_t tdx_handle_get_quote(struct coco *c, int vcpu, uint64_t gpa, uint64_t size)
{
	uint8_t hdr[TDX_QUOTE_HDR_SIZE];
	uint64_t version, end;
	uint32_t in_len;

	if ((gpa | size) & 0xfff)
		return TDVMCALL_STATUS_ALIGN_ERROR;
	if (!size || size > TDX_QUOTE_MAX_BUF || __builtin_add_overflow(gpa, size, &end) ||
	    !c->guest_read || c->guest_read(c->guest_opaque, gpa, hdr, sizeof(hdr)))
		return TDVMCALL_STATUS_INVALID_OPERAND;
	memcpy(&version, hdr, 8);
	memcpy(&in_len, hdr + 16, 4);
	if (version != TDX_QUOTE_VERSION || !in_len || in_len > size - TDX_QUOTE_HDR_SIZE)
		return TDVMCALL_STATUS_INVALID_OPERAND;
	if (!c->opts || !c->opts->quote_socket) {
		__atomic_add_fetch(&c->quotes_failed, 1, __ATOMIC_RELAXED);
		return put_status(c, gpa, TDX_QUOTE_STATUS_UNAVAILABLE, 0) ?
		       TDVMCALL_STATUS_INVALID_OPERAND : TDVMCALL_STATUS_SUCCESS;
	}
	struct coco_quote *j = calloc(1, sizeof(*j));

	if (j)
		j->report = malloc(in_len);
	if (!j || !j->report ||
	    c->guest_read(c->guest_opaque, gpa + TDX_QUOTE_HDR_SIZE, j->report, in_len) ||
	    put_status(c, gpa, TDX_QUOTE_STATUS_IN_FLIGHT, 0)) {
		if (j)
			quote_free(j);
		return TDVMCALL_STATUS_INVALID_OPERAND;
	}
	*j = (struct coco_quote){ .c = c, .gpa = gpa, .size = size, .report = j->report,
				  .in_len = in_len };
	/*
	 * The answer comes on a thread of its own: this vCPU goes back to
	 * the guest (timer ticks, interrupts) while the QGS works. All slots
	 * busy, or no thread: served here, bounded by --quote-timeout.
	 */
	pthread_mutex_lock(&c->quote_lock);
	int slot = quote_slot(c);

	if (slot >= 0 && pthread_create(&j->thread, NULL, quote_thread, j) == 0) {
		c->quotes[slot] = j;
		pthread_mutex_unlock(&c->quote_lock);
		return TDVMCALL_STATUS_SUCCESS;
	}
	pthread_mutex_unlock(&c->quote_lock);
	quote_serve(j);
	quote_free(j);
	(void)vcpu;
	return TDVMCALL_STATUS_SUCCESS;
}
