/*
 * The boot recipe, in one linear function (Firecracker's builder order):
 * inputs -> launch plan -> host check -> VM -> memory -> devices -> plan
 * pieces -> vCPUs -> finalize -> run -> teardown. Every step that fails
 * has printed its one line; vm_teardown() undoes whatever was built.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/devices.h"
#include "loader/acpi/acpi.h"
#include "loader/direct.h"
#include "loader/plan.h"
#include "loader/shim/shim_abi.h"
#include "vmm/core/cpuid.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "loader/launch_opts.h"
#include "vmm/platform/platform.h"
#include "vmm/trace.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"
#include "vmm/core/vm_boot.h"

#define SIG_DONE SIGUSR2	/* a vCPU tells the main thread the VM ended */

static void request_stop(struct vm *vm, enum vm_stop_kind kind, int code, const char *fmt,
			 va_list ap)
{
	pthread_mutex_lock(&vm->exit_lock);
	if (vm->stopping) {
		pthread_mutex_unlock(&vm->exit_lock);
		return;
	}
	vm->exit_code = code;
	vm->exit_kind = kind;
	vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
	__atomic_store_n(&vm->stopping, 1, __ATOMIC_SEQ_CST);
	/*
	 * Kick under the lock: teardown takes it before joining, so no vCPU
	 * is signalled after it has been joined (its pthread_t is then dead).
	 */
	for (int i = 0; i < vm->n_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_kill(vm->main_thread, SIG_DONE);
	pthread_mutex_unlock(&vm->exit_lock);
}

void vm_request_stop(struct vm *vm, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	request_stop(vm, VM_STOP_VMM, code, fmt, ap);
	va_end(ap);
}

void vm_request_stop_by(struct vm *vm, enum vm_stop_kind kind, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	request_stop(vm, kind, code, fmt, ap);
	va_end(ap);
}

static int vm_create(struct vm *vm, struct kvm_host *host, const struct platform_ops *plat,
		     const struct launch_opts *o)
{
	unsigned long type = plat->vm_type(host);

	/* vm->host is set by vm_boot before the CPUID prefetch thread reads it */
	vm->plat = plat;
	vm->opts = o;
	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->exit_lock, NULL);
	vm->vcpu_mmap_size = vm->kb->ioctl(vm->kb, host->fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		cvmm_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	vm->vm_fd = vm->kb->ioctl(vm->kb, host->fd, KVM_CREATE_VM, (void *)(uintptr_t)type);
	if (vm->vm_fd < 0) {
		cvmm_err("KVM_CREATE_VM (type %lu, %s): %s", type, plat->name, strerror(errno));
		return -1;
	}
	trace_point("VM created");
	return plat->init_vm ? plat->init_vm(vm) : 0;
}

static int join_within(pthread_t t, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return pthread_timedjoin_np(t, NULL, &ts);
}

/*
 * Waits for every started vCPU thread to end; once stopping is set. Each
 * round kicks every vCPU not yet joined, not only the one waited for: one
 * may be blocked outside KVM_RUN (writing guest output to a full pipe) and
 * may have taken the one kick before it blocked, and the one waited for may
 * be waiting on a lock that another holds.
 */
static void vm_join_vcpus(struct vm *vm)
{
	/* A thread may still be kicking in vm_request_stop(): let it finish. */
	pthread_mutex_lock(&vm->exit_lock);
	pthread_mutex_unlock(&vm->exit_lock);
	for (;;) {
		struct vcpu *wait = NULL;

		for (int i = 0; i < vm->n_vcpus; i++) {
			struct vcpu *v = &vm->vcpus[i];

			if (v->thread_started && pthread_tryjoin_np(v->thread, NULL) == 0)
				__atomic_store_n(&v->thread_started, false, __ATOMIC_RELEASE);
			if (v->thread_started && !wait)
				wait = v;
		}
		if (!wait)
			return;
		for (int i = 0; i < vm->n_vcpus; i++)
			if (vm->vcpus[i].thread_started)
				vcpu_kick(&vm->vcpus[i]);
		if (join_within(wait->thread, 20) == 0)
			__atomic_store_n(&wait->thread_started, false, __ATOMIC_RELEASE);
	}
}

static void vm_teardown(struct vm *vm)
{
	vm_join_vcpus(vm);
	devices_destroy(vm);
	for (int i = 0; i < vm->n_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	cpuid_release(vm);
	if (vm->plat && vm->plat->destroy)
		vm->plat->destroy(vm);
	gm_destroy(&vm->mem);
	if (vm->vm_fd >= 0)
		vm->kb->close(vm->kb, vm->vm_fd);
	vm->vm_fd = -1;
	pthread_mutex_destroy(&vm->exit_lock);
}

static int vm_load_plan(struct vm *vm, const struct launch_plan *plan)
{
	uint64_t bytes = 0, t0 = trace_now_ns(), dt;

	for (size_t i = 0; i < plan->n_pieces; i++) {
		if (vm->plat->add_piece(vm, &plan->pieces[i]))
			return -1;
		bytes += plan->pieces[i].len;
	}
	dt = trace_now_ns() - t0;
	trace_point_detail("launch plan copied in", "%zu pieces, %llu pages, %.0f MB/s",
			   plan->n_pieces, (unsigned long long)((bytes + 4095) >> 12),
			   dt ? bytes * 1e3 / dt : 0.0);
	return 0;
}

/*
 * Device input threads already run (Ctrl-A x may stop the VM now), so the
 * array and each finished vCPU are published under exit_lock, which
 * vm_request_stop() holds while it kicks.
 */
static void vm_publish_vcpus(struct vm *vm, struct vcpu *vcpus, int n)
{
	pthread_mutex_lock(&vm->exit_lock);
	vm->vcpus = vcpus;
	vm->n_vcpus = n;
	pthread_mutex_unlock(&vm->exit_lock);
}

static int vm_create_vcpus(struct vm *vm, const struct launch_plan *plan, int n)
{
	struct vcpu *vcpus = calloc((size_t)n, sizeof(*vcpus));

	if (!vcpus) {
		cvmm_err("out of memory for %d vCPUs", n);
		return -1;
	}
	vm_publish_vcpus(vm, vcpus, 0);
	for (int i = 0; i < n; i++) {
		if (vcpu_create(vm, &vcpus[i], i))
			return -1;
		vm_publish_vcpus(vm, vcpus, i + 1);
		if (vm->plat->init_vcpu(vm, &vm->vcpus[i], plan))
			return -1;
	}
	trace_point_detail("vCPUs created", "%d", n);
	return 0;
}

/* Does [gpa, gpa+size) hold a plan piece? Those chunks are registered up front. */
static bool plan_needs(uint64_t gpa, uint64_t size, void *arg)
{
	const struct launch_plan *plan = arg;

	for (size_t i = 0; i < plan->n_pieces; i++) {
		const struct plan_piece *q = &plan->pieces[i];

		if (q->gpa < gpa + size && gpa < q->gpa + q->len)
			return true;
	}
	return false;
}

/* Waits for the VM to end or for SIGINT/SIGTERM; returns the exit status. */
static int vm_run(struct vm *vm, const sigset_t *waitset)
{
	/* every vCPU enters KVM_RUN; APs that wait for SIPI wait inside KVM */
	vm->running_vcpus = vm->n_vcpus;
	trace_point("first KVM_RUN");
	for (int i = 0; i < vm->n_vcpus; i++) {
		if (vcpu_start(&vm->vcpus[i])) {
			vm_request_stop(vm, CVMM_EXIT_FAIL, "starting vCPU %d: %s", i, strerror(errno));
			break;
		}
	}
	/* Every thread exists and every file is open: the main thread's filter. */
	if (sandbox_enter(SANDBOX_MAIN, 0))
		vm_request_stop(vm, CVMM_EXIT_FAIL, "no system-call filter for the main thread");
	sandbox_test_call("main");
	while (!__atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST)) {
		siginfo_t si;
		int sig = sigwaitinfo(waitset, &si);

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			vm_request_stop_by(vm, VM_STOP_SIGNAL, 128 + sig, "stopped by %s",
					   sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
	}
	return vm->exit_code;
}

/*
 * Guest memory: RAM, plus the regions outside RAM the plan fills (the
 * firmware, the TDX shim), all registered as KVM slots before anything else
 * (slots added after an irqchip stall KVM here).
 */
static int vm_memory(struct vm *vm, const struct platform_ops *plat, const struct launch_plan *plan)
{
	struct plan_range extra[GM_MAX_REGIONS - 2];
	enum gm_backing backing = plat->backing(vm);
	bool lazy = plat->lazy_memslots && plat->lazy_memslots(vm);
	int n = plan_outside_ram(plan, extra, GM_MAX_REGIONS - 2);

	if (n < 0 || gm_init_kb(&vm->mem, plan->mem_size, vm->vm_fd, backing, vm->kb))
		return -1;
	for (int i = 0; i < n; i++)
		if (gm_add_region(&vm->mem, extra[i].gpa, extra[i].size, vm->vm_fd))
			return -1;
	if (gm_register(&vm->mem, vm->vm_fd, lazy ? plan_needs : NULL, (void *)plan))
		return -1;
	trace_point_detail("guest memory registered", "%llu MiB, %s, %d of %d slots",
			   (unsigned long long)(plan->mem_size >> 20),
			   vm->mem.use_gmem ? "guest_memfd" : "anonymous",
			   vm->mem.n_chunks - vm->mem.lazy_left, vm->mem.n_chunks);
	return 0;
}

/*
 * -v: the boot shim's acceptance job in the mailbox's firmware half
 * (shim_abi.h): over how many vCPUs the BSP spread it and the 4 KiB pages
 * each one did (on a plain VM: would have accepted in a TD); each worker's
 * status, where it is not "done".
 */
static void log_accept_job(struct vm *vm)
{
	struct shim_job job;
	struct gm_view v;
	char line[SHIM_WORKERS_MAX * 32];
	size_t o = 0;

	if (gm_view_begin(&vm->mem, SHIM_JOB, sizeof(job), &v) != GM_OK)
		return;
	memcpy(&job, v.hva, sizeof(job));
	gm_view_end(&v);
	if (job.posted != SHIM_JOB_MAGIC) {
		cvmm_verbose("boot shim acceptance: no job posted (%u vCPUs)", job.vcpus);
		return;
	}
	line[0] = '\0';
	for (uint32_t i = 0; i < job.workers && i < SHIM_WORKERS_MAX && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %llu%s", (unsigned long long)job.pages[i],
				      job.status[i] == SHIM_PART_OK ? "" :
				      job.status[i] == SHIM_PART_FAILED ? " (failed)" : " (not done)");
	cvmm_verbose("boot shim acceptance: %u of %u vCPUs, 4 KiB pages per vCPU:%s; the BSP's total %llu",
		     job.workers, job.vcpus, line, (unsigned long long)job.total_pages);
}

/*
 * -v: what Linux last wrote to the boot shim's MP wakeup mailbox (plain VMs
 * only: the one door answers only for shared memory). The APIC ID of the
 * last AP woken and command 0 (acknowledged) show the APs came up through
 * the mailbox, not INIT/SIPI.
 */
static void log_mailbox(struct vm *vm)
{
	struct gm_view v;
	uint32_t id;
	uint64_t vec;
	uint16_t cmd;

	if (!vm->plan->ap_park || gm_view_begin(&vm->mem, SHIM_MAILBOX, 16, &v) != GM_OK)
		return;
	memcpy(&cmd, v.hva + MP_WAKE_CMD, 2);
	memcpy(&id, v.hva + MP_WAKE_APIC_ID, 4);
	memcpy(&vec, v.hva + MP_WAKE_VECTOR, 8);
	gm_view_end(&v);
	cvmm_verbose("MP wakeup mailbox: command %u, last APIC ID %u, wakeup vector 0x%llx",
		     cmd, id, (unsigned long long)vec);
	log_accept_job(vm);
}


int vm_boot(const struct launch_opts *o, const struct platform_ops *plat,
	    struct kvm_host *host, const struct launch_plan *plan, struct kvm_backend *kb,
	    const sigset_t *waitset)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int status = CVMM_EXIT_FAIL;

	if (!vm) {
		cvmm_err("out of memory");
		return CVMM_EXIT_FAIL;
	}
	vm->vm_fd = -1;
	vm->plan = plan;
	vm->host = host;
	vm->kb = kb;
	vm->dry_run = !waitset;
	if (plat->uses_supported_cpuid)
		cpuid_prefetch_start(vm);	/* overlaps VM and memory set-up */
	if (vm_create(vm, host, plat, o) || vm_memory(vm, plat, plan))
		goto out;
	if (devices_create(vm))
		goto out;
	trace_point("devices created");
	if (vm_load_plan(vm, plan) || vm_create_vcpus(vm, plan, o->cpus))
		goto out;
	if (plat->finalize && plat->finalize(vm))
		goto out;
	if (vm->dry_run) {	/* sealed: what a launch issues ends here */
		status = CVMM_EXIT_OK;
		goto out;
	}
	cvmm_verbose("%s VM: %llu MiB (%s), %d vCPU%s, %s image", plat->name,
		     (unsigned long long)(plan->mem_size >> 20),
		     vm->mem.use_gmem ? "guest_memfd" : "anonymous memory", o->cpus,
		     o->cpus == 1 ? "" : "s", plan->image_kind);
	status = vm_run(vm, waitset);
	trace_point("VM ended");
	/* The counters below are the vCPUs' until they have left. */
	vm_join_vcpus(vm);
	if (status != CVMM_EXIT_OK && vm->exit_kind == VM_STOP_VMM)
		cvmm_err("%s", vm->exit_reason);	/* a failure: say why, once */
	else
		cvmm_verbose("%s", vm->exit_reason);
	log_mailbox(vm);
	cvmm_verbose("memory slots: %d of %d registered, %d on first touch", vm->mem.n_chunks - vm->mem.lazy_left,
		     vm->mem.n_chunks, vm->mem.lazy_faults);
	if (vm->pio.misses || vm->mmio.misses)
		cvmm_verbose("accesses to unclaimed ports: %llu, to unclaimed MMIO: %llu",
			     (unsigned long long)vm->pio.misses, (unsigned long long)vm->mmio.misses);
	if (status >= 128) {
		cvmm_info("%s", vm->exit_reason);
		for (int i = 0; i < vm->n_vcpus; i++)
			vcpu_log_where(&vm->vcpus[i]);
	}
out:
	__atomic_store_n(&vm->stopping, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < vm->n_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	vm_teardown(vm);
	free(vm);
	return status;
}

int vm_split_irqchip(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { ACPI_IOAPIC_PINS } };

	if (vm->split_irqchip)
		return 0;
	if (vm->kb->ioctl(vm->kb, vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		cvmm_err("interrupts: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s", strerror(errno));
		return -1;
	}
	vm->split_irqchip = true;
	return 0;
}

bool vm_private_memory(const struct vm *vm)
{
	return vm->plat && vm->plat->has_private_memory;
}
