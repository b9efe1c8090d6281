/*
 * Test-only (tests/support/, linked into the unit tests, never into cvmm):
 * a kvm_backend that passes every call to inner except the fail_at-th,
 * which fails with err; what failed is left in failed_what.
 */
#ifndef CVMM_KB_FAILING_H
#define CVMM_KB_FAILING_H

#include <stdbool.h>

#include "vmm/kvm/kvm_backend.h"

struct kb_failing {
	struct kvm_backend ops;		/* first */
	struct kvm_backend *inner;
	int fail_at;			/* 1-based call number that fails; 0: none */
	int err;			/* errno of the failure */
	int calls;			/* calls seen so far (open, ioctl) */
	bool failed;
	char failed_what[48];
};
void kb_failing_init(struct kb_failing *f, struct kvm_backend *inner, int fail_at, int err);

#endif
