/*
 * The floor: the least a KVM user must do to run a guest to its exit port:
 * open /dev/kvm, one VM, one memslot, one vCPU in real mode, KVM_RUN until
 * the guest writes port 0xf4. No checks beyond what keeps it honest; it is a
 * yardstick for `make bench`, not part of cvmm.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	static const uint8_t code[] = { 0xb0, 0x00, 0xe6, 0xf4, 0xf4 };	/* mov al,0; out 0xf4,al; hlt */
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	size_t size = 2 << 20;
	uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct kvm_userspace_memory_region r = { .slot = 0, .memory_size = size, .userspace_addr = (uintptr_t)mem };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };

	if (kvm < 0 || vm < 0 || mem == MAP_FAILED || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		perror("bare_runner: setup");
		return 2;
	}
	memcpy(mem + 0x1000, code, sizeof(code));
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	if (vcpu < 0 || run == MAP_FAILED || ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
		perror("bare_runner: vcpu");
		return 2;
	}
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
		perror("bare_runner: regs");
		return 2;
	}
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			perror("bare_runner: KVM_RUN");
			return 2;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0xf4)
			return *((uint8_t *)run + run->io.data_offset);
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "bare_runner: exit reason %u\n", run->exit_reason);
			return 2;
		}
	}
}
