#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/kvm/kvm_abi.h"
#include "devices/ioapic.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/platform/platform.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"

#define SIG_KICK SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;	/* its only job is to make KVM_RUN return EINTR */
}

void vcpu_signals_init(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);	/* no SA_RESTART: KVM_RUN must return */
}

int vcpu_create(struct vm *vm, struct vcpu *v, int index)
{
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->index = index;
	v->fd = vm->kb->ioctl(vm->kb, vm->vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)index);
	if (v->fd < 0) {
		cvmm_err("KVM_CREATE_VCPU %d: %s", index, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		cvmm_err("mapping vCPU %d's kvm_run: %s", index, strerror(errno));
		vm->kb->close(vm->kb, v->fd);
		v->fd = -1;
		return -1;
	}
	return 0;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, (size_t)v->vm->vcpu_mmap_size);
	if (v->fd >= 0)
		v->vm->kb->close(v->vm->kb, v->fd);
	v->run = NULL;
	v->fd = -1;
}

void vcpu_kick(struct vcpu *v)
{
	if (v->run)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	/* Acquire: pairs with vcpu_start(), so v->thread is the started thread. */
	if (__atomic_load_n(&v->thread_started, __ATOMIC_ACQUIRE))
		pthread_kill(v->thread, SIG_KICK);
}

static void handle_io(struct vcpu *v, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* rep ins/outs arrive as count back-to-back accesses */
	for (uint32_t i = 0; i < run->io.count; i++)
		bus_dispatch(&v->vm->pio, run->io.port, data + (size_t)i * run->io.size,
			     run->io.size, is_write);
}

/*
 * ", rip 0x..." for an error line, or "" where KVM keeps the registers from
 * us: a TD or SNP vCPU's state is protected and KVM_GET_REGS fails, and an
 * invented rip would be a lie. What is known of those comes from their
 * own exits (GHCB termination, TDX ReportFatalError: vmm/platform/coco_exit.c).
 */
static const char *vcpu_where(struct vcpu *v, char *buf, size_t n)
{
	struct kvm_regs regs;

	buf[0] = '\0';
	if (v->vm->kb->ioctl(v->vm->kb, v->fd, KVM_GET_REGS, &regs) == 0)
		snprintf(buf, n, ", rip 0x%llx", (unsigned long long)regs.rip);
	return buf;
}

void vcpu_log_where(struct vcpu *v)
{
	struct kvm_mp_state mp;
	char where[40];

	if (v->vm->kb->ioctl(v->vm->kb, v->fd, KVM_GET_MP_STATE, &mp) != 0)
		mp.mp_state = ~0u;
	cvmm_verbose("vCPU %d: mp_state %u%s", v->index, mp.mp_state, vcpu_where(v, where, sizeof(where)));
}

/* Everything but port/MMIO: returns false when the vCPU's loop must end. */
static bool handle_other_exit(struct vcpu *v, struct kvm_run *run)
{
	struct vm *vm = v->vm;
	char where[40];

	switch (run->exit_reason) {
	case KVM_EXIT_HLT:
		/*
		 * With KVM's LAPICs (split irqchip: every TD, and the I/O APIC's
		 * VMs) a halted vCPU waits in KVM for its next interrupt and no
		 * KVM sends this exit; should one come, it is idle, not the end:
		 * back in. Without them nothing can wake it: it is done, and the
		 * VM ends when the last one halts.
		 */
		if (vm->split_irqchip)
			return true;
		if (__atomic_sub_fetch(&vm->running_vcpus, 1, __ATOMIC_SEQ_CST) == 0)
			vm_request_stop(vm, CVMM_EXIT_OK, "guest halted (every vCPU executed HLT)");
		return false;
	case KVM_EXIT_IOAPIC_EOI:	/* split irqchip: a level vector's EOI */
		ioapic_eoi(vm->ioapic, run->eoi.vector);
		return true;
	case KVM_EXIT_SHUTDOWN:
		vm_request_stop(vm, CVMM_EXIT_FAIL, "guest triple fault (shutdown) on vCPU %d%s",
				v->index, vcpu_where(v, where, sizeof(where)));
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vm_request_stop(vm, CVMM_EXIT_FAIL, "KVM could not enter vCPU %d: hardware reason 0x%llx",
				v->index,
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		/*
		 * KVM cannot emulate a fetch or page walk from memory it has no
		 * slot for: if RAM is still unregistered, register it all and
		 * let the instruction run again.
		 */
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    gm_register_rest(&vm->mem) > 0)
			return true;
		vm_request_stop(vm, CVMM_EXIT_FAIL, "KVM internal error on vCPU %d: suberror %u%s",
				v->index, run->internal.suberror, vcpu_where(v, where, sizeof(where)));
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vm_request_stop(vm, CVMM_EXIT_OK, "guest powered off");
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vm_request_stop(vm, CVMM_EXIT_RESET, "guest reset (cvmm does not reboot)");
			return false;
		case KVM_SYSTEM_EVENT_CRASH:
			vm_request_stop(vm, CVMM_EXIT_FAIL, "guest crashed (system event) on vCPU %d", v->index);
			return false;
		}
		break;
	}
	switch (vm->plat->handle_exit ? vm->plat->handle_exit(v, run) : EXIT_UNHANDLED) {
	case EXIT_HANDLED:
		return true;
	case EXIT_STOP:
		return false;
	case EXIT_UNHANDLED:
		break;
	}
	vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: unexpected KVM exit reason %u", v->index,
			run->exit_reason);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	/* Set-up is over: from here the guest drives this thread. */
	if (sandbox_enter(SANDBOX_VCPU, vm->plat->vcpu_sockets ? SANDBOX_F_SOCKETS : 0)) {
		vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: no system-call filter", v->index);
		return NULL;
	}
	sandbox_test_call("vcpu");

	while (!__atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST)) {
		int r = vm->kb->ioctl(vm->kb, v->fd, KVM_RUN, NULL);

		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;
			}
			/* memory-fault exits arrive as EFAULT/EHWPOISON with the reason set */
			if ((errno == EFAULT || errno == EHWPOISON) &&
			    run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
				if (handle_other_exit(v, run))
					continue;
				break;
			}
			vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: KVM_RUN: %s", v->index, strerror(errno));
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v, run);
			continue;
		case KVM_EXIT_MMIO:
			r = gm_lazy_fault(&vm->mem, run->mmio.phys_addr, run->mmio.data,
					  run->mmio.len, run->mmio.is_write);
			if (r > 0)
				continue;
			if (r < 0) {
				vm_request_stop(vm, CVMM_EXIT_FAIL, "vCPU %d: could not map guest RAM at 0x%llx",
						v->index, (unsigned long long)run->mmio.phys_addr);
				goto out;
			}
			bus_dispatch(&vm->mmio, run->mmio.phys_addr, run->mmio.data,
				     run->mmio.len, run->mmio.is_write);
			continue;
		default:
			if (!handle_other_exit(v, run))
				goto out;
		}
	}
out:
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	int r = pthread_create(&v->thread, NULL, vcpu_thread, v);

	if (r) {
		errno = r;	/* the caller ends the VM with it as the reason */
		return -1;
	}
	/* Other vCPUs may already be stopping the VM and kicking this one. */
	__atomic_store_n(&v->thread_started, true, __ATOMIC_RELEASE);
	return 0;
}
