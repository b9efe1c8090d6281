#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/fake_host.h"
#include "vmm/kvm/kvm_backend.h"

/* ---- the kernel ------------------------------------------------------------ */

static int real_open(struct kvm_backend *b, const char *path)
{
	return open(path, O_RDWR | O_CLOEXEC);
}

static int real_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

static int real_close(struct kvm_backend *b, int fd)
{
	return close(fd);
}

struct kvm_backend kb_real = {
	.name = "kvm", .open_dev = real_open, .ioctl = real_ioctl, .close = real_close,
};

void *kb_ioctl_list(struct kvm_backend *kb, int fd, const struct kb_list_call *lc, void **failed)
{
	uint32_t n = lc->first;

	if (failed)
		*failed = NULL;
	while (n <= KB_LIST_MAX) {
		uint8_t *buf = calloc(1, lc->head + (size_t)(n + lc->spare) * lc->entry);
		uint32_t want;
		int e;

		if (!buf)
			return NULL;	/* errno: ENOMEM */
		memcpy(buf + lc->nent_off, &n, sizeof(n));
		if (lc->data)
			*lc->data = (uint64_t)(uintptr_t)buf;
		if (kb->ioctl(kb, fd, lc->req, lc->cmd ? lc->cmd : buf) == 0)
			return buf;
		e = errno;
		memcpy(&want, buf + lc->nent_off, sizeof(want));
		if (e != E2BIG) {
			if (failed)
				*failed = buf;
			else
				free(buf);
			errno = e;
			return NULL;
		}
		free(buf);
		n = want > n * 2 ? want : n * 2;	/* what KVM asked for, when it says */
	}
	errno = E2BIG;
	return NULL;
}

/* ---- the recorder ---------------------------------------------------------- */

static int rec_ioctl_locked(struct kb_recorder *r, int fd, unsigned long req, void *arg);

static struct kb_recorder *rec_of(struct kvm_backend *b)
{
	return (struct kb_recorder *)b;
}

static int rec_fd_index(struct kb_recorder *r, int fd)
{
	for (int i = 0; i < r->n_fds; i++)
		if (r->fds[i].fd == fd)
			return i;
	return -1;
}

/*
 * A real descriptor for every fd-creating call, so that leaks show in
 * /proc/self/fd: an eventfd, or a memfd of `size` bytes where cvmm uses the
 * fd as a file (a vCPU's run area is mmap()ed, guest_memfd is punched).
 */
int kb_rec_new_fd(struct kb_recorder *r, const char *name, int vm_type, size_t size)
{
	if (r->n_fds == (int)(sizeof(r->fds) / sizeof(r->fds[0]))) {
		errno = EMFILE;
		return -1;
	}
	int fd = size ? memfd_create(name, MFD_CLOEXEC) : eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (size && ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
	}
	r->fds[r->n_fds].fd = fd;
	r->fds[r->n_fds].vm_type = vm_type;
	r->fds[r->n_fds].run = NULL;
	r->fds[r->n_fds].vcpu_id = -1;
	r->fds[r->n_fds].size = size;
	r->fds[r->n_fds].gmem = false;
	snprintf(r->fds[r->n_fds].name, sizeof(r->fds[0].name), "%s", name);
	r->n_fds++;
	return fd;
}

static struct kb_call *rec_push(struct kb_recorder *r)
{
	if (r->n_calls == r->cap_calls) {
		size_t cap = r->cap_calls ? r->cap_calls * 2 : 64;
		struct kb_call *c = realloc(r->calls, cap * sizeof(*c));

		if (!c)
			return NULL;
		r->calls = c;
		r->cap_calls = cap;
	}
	struct kb_call *c = &r->calls[r->n_calls++];

	memset(c, 0, sizeof(*c));
	return c;
}

static int rec_open(struct kvm_backend *b, const char *path)
{
	struct kb_recorder *r = rec_of(b);
	struct kb_call *c;
	const char *base = strrchr(path, '/');
	int fd;

	pthread_mutex_lock(&r->lock);
	c = rec_push(r);
	fd = kb_rec_new_fd(r, base ? base + 1 : path, -1, 0);

	if (c) {
		snprintf(c->fd_name, sizeof(c->fd_name), "-");
		snprintf(c->cmd, sizeof(c->cmd), "open");
		snprintf(c->args, sizeof(c->args), "%s", path);
		c->ret = fd;
		c->err = fd < 0 ? errno : 0;
	}
	pthread_mutex_unlock(&r->lock);
	return fd;
}

static int rec_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct kb_recorder *r = rec_of(b);
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = rec_ioctl_locked(r, fd, req, arg);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

static int rec_ioctl_locked(struct kb_recorder *r, int fd, unsigned long req, void *arg)
{
	int idx = rec_fd_index(r, fd);

	if (idx < 0) {
		errno = EBADF;
		return -1;
	}
	bool tdx = r->fds[idx].vm_type == KVM_X86_TDX_VM;
	struct kb_call *c = rec_push(r);

	if (c) {
		snprintf(c->fd_name, sizeof(c->fd_name), "%s", r->fds[idx].name);
		snprintf(c->cmd, sizeof(c->cmd), "%s", kb_ioctl_name(req, arg, tdx));
		kb_describe(c->args, sizeof(c->args), req, arg, tdx);
		c->size = kb_ioctl_size(req, arg, tdx);
		c->req = req;
	}
	int ret = kb_fake_ioctl(r, idx, req, arg);
	int e = errno;

	if (c) {
		/* sim() may have grown the array: find the entry again */
		c = &r->calls[r->n_calls - 1];
		c->ret = ret;
		c->err = ret < 0 ? e : 0;
		if (ret < 0)
			snprintf(c->why, sizeof(c->why), "%s", r->refused);
	}
	r->refused[0] = '\0';
	errno = e;
	return ret;
}

int kb_rec_close_locked(struct kb_recorder *r, int fd)
{
	int idx = rec_fd_index(r, fd);

	if (idx >= 0) {
		if (r->fds[idx].run)
			munmap(r->fds[idx].run, KB_RUN_SIZE);
		r->fds[idx] = r->fds[r->n_fds - 1];
		r->n_fds--;
	}
	return close(fd);
}

static int rec_close(struct kvm_backend *b, int fd)
{
	struct kb_recorder *r = rec_of(b);
	int ret;

	pthread_mutex_lock(&r->lock);
	ret = kb_rec_close_locked(r, fd);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

void kb_recorder_init(struct kb_recorder *r)
{
	memset(r, 0, sizeof(*r));
	r->ops = (struct kvm_backend){
		.name = "dry-run", .open_dev = rec_open, .ioctl = rec_ioctl, .close = rec_close,
	};
	pthread_mutex_init(&r->lock, NULL);
	kb_fake_host_default(&r->host);
	r->script_pending = -1;
}

void kb_recorder_free(struct kb_recorder *r)
{
	while (r->n_fds)
		rec_close(&r->ops, r->fds[0].fd);
	pthread_mutex_destroy(&r->lock);
	free(r->calls);
	r->calls = NULL;
	r->n_calls = r->cap_calls = 0;
}

void kb_recorder_print(const struct kb_recorder *r, FILE *f)
{
	for (size_t i = 0; i < r->n_calls; i++) {
		const struct kb_call *c = &r->calls[i];

		fprintf(f, "%4zu %-6s %-28s %s", i + 1, c->fd_name, c->cmd, c->args);
		if (c->size)
			fprintf(f, " [%u B]", c->size);
		if (c->ret < 0)
			fprintf(f, " = -%s", strerrorname_np(c->err) ? strerrorname_np(c->err) : "?");
		if (c->ret < 0 && c->why[0])
			fprintf(f, " (%s)", c->why);
		fputc('\n', f);
	}
}
