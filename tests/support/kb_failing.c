/*
 * The failing backend: a kvm_backend wrapper whose Nth call (open or ioctl)
 * fails with a chosen errno, for the tests that fail each ioctl of a launch
 * in turn. Test-only: built into libcvmm_test.a, never into cvmm.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/kb_failing.h"

static bool fail_now(struct kb_failing *f)
{
	/* vCPU threads call too (KVM_RUN): count atomically */
	int n = __atomic_add_fetch(&f->calls, 1, __ATOMIC_SEQ_CST);

	if (f->fail_at && n == f->fail_at) {
		f->failed = true;
		errno = f->err;
		return true;
	}
	return false;
}

static int fail_open(struct kvm_backend *b, const char *path)
{
	struct kb_failing *f = (struct kb_failing *)b;

	if (fail_now(f)) {
		snprintf(f->failed_what, sizeof(f->failed_what), "open %s", path);
		return -1;
	}
	return f->inner->open_dev(f->inner, path);
}

static int fail_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct kb_failing *f = (struct kb_failing *)b;

	if (fail_now(f)) {
		snprintf(f->failed_what, sizeof(f->failed_what), "%s",
			 kb_ioctl_name(req, NULL, false));
		return -1;
	}
	return f->inner->ioctl(f->inner, fd, req, arg);
}

static int fail_close(struct kvm_backend *b, int fd)
{
	struct kb_failing *f = (struct kb_failing *)b;

	return f->inner->close(f->inner, fd);
}

void kb_failing_init(struct kb_failing *f, struct kvm_backend *inner, int fail_at, int err)
{
	memset(f, 0, sizeof(*f));
	f->ops = (struct kvm_backend){
		.name = "failing", .open_dev = fail_open, .ioctl = fail_ioctl, .close = fail_close,
	};
	f->inner = inner;
	f->fail_at = fail_at;
	f->err = err;
}
