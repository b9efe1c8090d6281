#include "tests/support/gm_test.h"
#include "vmm/kvm/kvm_backend.h"

int gm_init(struct guest_mem *gm, uint64_t size, int vm_fd, bool use_gmem)
{
	return gm_init_backing(gm, size, vm_fd,
			       use_gmem && vm_fd >= 0 ? GM_GMEM_SHARED : GM_ANON);
}

int gm_init_backing(struct guest_mem *gm, uint64_t size, int vm_fd, enum gm_backing b)
{
	return gm_init_kb(gm, size, vm_fd, b, &kb_real);
}
