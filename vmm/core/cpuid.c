#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/core/cpuid.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/core/vm.h"

/* Returns the table, or NULL with *err set (no printing: may run off-thread). */
static struct kvm_cpuid2 *fetch(int kvm_fd, int *err)
{
	for (int n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));

		if (!c) {
			*err = ENOMEM;
			return NULL;
		}
		c->nent = (uint32_t)n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		*err = errno;
		free(c);
		if (*err != E2BIG)
			return NULL;
	}
	return NULL;
}

static void *prefetch_thread(void *arg)
{
	struct vm *vm = arg;

	vm->cpuid = fetch(vm->host->fd, &vm->cpuid_err);
	return NULL;
}

void cpuid_prefetch_start(struct vm *vm)
{
	vm->cpuid_prefetching = pthread_create(&vm->cpuid_thread, NULL, prefetch_thread, vm) == 0;
}

static void prefetch_join(struct vm *vm)
{
	if (vm->cpuid_prefetching)
		pthread_join(vm->cpuid_thread, NULL);
	vm->cpuid_prefetching = false;
}

struct kvm_cpuid2 *cpuid_supported(struct vm *vm)
{
	prefetch_join(vm);
	if (!vm->cpuid)
		vm->cpuid = fetch(vm->host->fd, &vm->cpuid_err);
	if (!vm->cpuid)
		cvmm_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(vm->cpuid_err));
	return vm->cpuid;
}

void cpuid_release(struct vm *vm)
{
	prefetch_join(vm);
	free(vm->cpuid);
	vm->cpuid = NULL;
}
