#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/core/cpuid.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/core/vm.h"

/* Returns the table, or NULL with *err set (no printing: may run off-thread). */
static struct kvm_cpuid2 *fetch(struct vm *vm, int *err)
{
	/* 128 first: hosts have about 80 leaves, and each try costs ~0.3 ms */
	static const struct kb_list_call lc = {
		.req = KVM_GET_SUPPORTED_CPUID, .head = sizeof(struct kvm_cpuid2),
		.entry = sizeof(struct kvm_cpuid_entry2),
		.nent_off = offsetof(struct kvm_cpuid2, nent), .first = 128,
	};
	struct kvm_cpuid2 *c = kb_ioctl_list(vm->kb, vm->host->fd, &lc, NULL);

	if (!c)
		*err = errno;
	return c;
}

static void *prefetch_thread(void *arg)
{
	struct vm *vm = arg;

	vm->cpuid = fetch(vm, &vm->cpuid_err);
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
		vm->cpuid = fetch(vm, &vm->cpuid_err);
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

void cpuid_set_apic_id(struct kvm_cpuid2 *c, int index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | ((uint32_t)index << 24);
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = (uint32_t)index;
	}
}
