#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"

int kvm_check_ext(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int cvmm_ioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		cvmm_err("%s failed: %s", name, strerror(errno));
	return r;
}

int kvm_host_open(struct kvm_host *h)
{
	memset(h, 0, sizeof(*h));
	h->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		cvmm_err("/dev/kvm: %s%s", strerror(errno),
			 errno == ENOENT ? " (is the kvm module loaded?)" :
			 errno == EACCES ? " (are you in the kvm group?)" : "");
		return -1;
	}
	h->api_version = ioctl(h->fd, KVM_GET_API_VERSION, 0);
	if (h->api_version != KVM_API_VERSION) {
		cvmm_err("/dev/kvm: API version %d, cvmm needs %d",
			 h->api_version, KVM_API_VERSION);
		kvm_host_close(h);
		return -1;
	}
	int types = kvm_check_ext(h->fd, KVM_CAP_VM_TYPES);

	h->vm_types_cap = types > 0;
	h->vm_types = h->vm_types_cap ? (uint32_t)types : 1u << KVM_X86_DEFAULT_VM;
	h->guest_memfd = kvm_check_ext(h->fd, KVM_CAP_GUEST_MEMFD) > 0;
	int gflags = kvm_check_ext(h->fd, KVM_CAP_GUEST_MEMFD_FLAGS);

	h->gmem_flags_cap = gflags > 0;
	h->gmem_flags = gflags > 0 ? (uint64_t)gflags : 0;
	h->user_memory2 = kvm_check_ext(h->fd, KVM_CAP_USER_MEMORY2) > 0;
	h->mem_attrs = (uint64_t)kvm_check_ext(h->fd, KVM_CAP_MEMORY_ATTRIBUTES);
	h->memory_fault_info = kvm_check_ext(h->fd, KVM_CAP_MEMORY_FAULT_INFO) > 0;
	h->exit_hypercall = (uint64_t)kvm_check_ext(h->fd, KVM_CAP_EXIT_HYPERCALL);
	h->max_vcpus = kvm_check_ext(h->fd, KVM_CAP_MAX_VCPUS);
	h->nr_vcpus = kvm_check_ext(h->fd, KVM_CAP_NR_VCPUS);
	if (h->max_vcpus <= 0)
		h->max_vcpus = h->nr_vcpus > 0 ? h->nr_vcpus : 4;
	h->immediate_exit = kvm_check_ext(h->fd, KVM_CAP_IMMEDIATE_EXIT) > 0;
	h->split_irqchip = kvm_check_ext(h->fd, KVM_CAP_SPLIT_IRQCHIP) > 0;
	return 0;
}

void kvm_host_close(struct kvm_host *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

bool kvm_host_gmem_shared_ok(struct kvm_host *h)
{
	const uint64_t want = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;

	if (!h->guest_memfd || !h->user_memory2)
		return false;
	if (h->gmem_flags_cap)
		return (h->gmem_flags & want) == want;
	/* Old kernels cannot tell; ask a throw-away VM. */
	int vm = ioctl(h->fd, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);

	if (vm < 0)
		return false;
	struct kvm_create_guest_memfd g = { .size = 0x1000, .flags = want };
	int fd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);

	if (fd >= 0)
		close(fd);
	close(vm);
	return fd >= 0;
}
