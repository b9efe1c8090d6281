/*
 * Guest memory without a VM, for the unit tests, fuzz harnesses and
 * benchmarks (tests/support/, never linked into cvmm): the kernel as the
 * backend, vm_fd -1 (no memslots).
 */
#ifndef CVMM_GM_TEST_H
#define CVMM_GM_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/mem/mem.h"

/* vm_fd < 0 or use_gmem false: anonymous memory. -1 with a message. */
int gm_init(struct guest_mem *gm, uint64_t size, int vm_fd, bool use_gmem);
int gm_init_backing(struct guest_mem *gm, uint64_t size, int vm_fd, enum gm_backing b);

#endif
