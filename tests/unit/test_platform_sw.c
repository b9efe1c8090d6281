/*
 * The sw platform without KVM: its launch finalisation (what starts private)
 * and the exits this host never produces (KVM_EXIT_MEMORY_FAULT needs memory
 * attributes, KVM_EXIT_HYPERCALL a guest that may execute vmcall), fed with
 * hand-made kvm_run structures as KVM fills them (kvm-coco-abi.md 6.2, 6.3).
 */
#include <linux/kvm_para.h>
#include <signal.h>
#include <string.h>

#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/shared_window.h"
#include "vmm/mem/attr_map.h"
#include "vmm/mem/convert.h"
#include "vmm/kvm/kvm.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/platform.h"
#include "vmm/core/vcpu.h"
#include "vmm/core/vm.h"
#include "tests/support/gm_test.h"

#define MEM (64ULL << 20)

static struct kvm_host host;
static struct launch_opts opts;
static struct vm vm;
static struct vcpu vcpu;
static struct kvm_run run;

static void setup(void)
{
	struct plan_piece piece = { .gpa = LAYOUT_KERNEL, .len = 0x2000, .what = "image" };

	cvmm_verbosity = LOG_QUIET;
	signal(SIGUSR2, SIG_IGN);	/* vm_request_stop() wakes the main thread */
	host = (struct kvm_host){ .fd = -1, .vm_types = 1u << KVM_X86_DEFAULT_VM };
	launch_opts_init(&opts);
	opts.platform = PLATFORM_SW;
	memset(&vm, 0, sizeof(vm));
	vm.host = &host;
	vm.opts = &opts;
	vm.vm_fd = -1;
	vm.main_thread = pthread_self();
	pthread_mutex_init(&vm.exit_lock, NULL);
	ck_assert_int_eq(platform_sw.init_vm(&vm), 0);
	ck_assert_int_eq(platform_sw.backing(&vm), GM_GMEM_SHARED);
	ck_assert_int_eq(gm_init_backing(&vm.mem, MEM, -1, GM_MEMFD), 0);
	ck_assert_int_eq(platform_sw.add_piece(&vm, &piece), 0);
	vcpu = (struct vcpu){ .vm = &vm, .index = 0, .fd = -1 };
	vm.vcpus = &vcpu;
	vm.n_vcpus = 1;
	ck_assert_int_eq(platform_sw.finalize(&vm), 0);
	memset(&run, 0, sizeof(run));
}

static void teardown(void)
{
	platform_sw.destroy(&vm);
	gm_destroy(&vm.mem);
	pthread_mutex_destroy(&vm.exit_lock);
}

START_TEST(launch_leaves_only_the_window_shared)
{
	struct shared_window w;

	ck_assert_int_eq(shared_window_resolve(&opts, MEM, &w), 0);
	ck_assert_uint_eq(w.size, SHARED_WINDOW_DEFAULT);
	ck_assert_uint_eq(w.gpa + w.size, MEM);		/* top of low RAM */
	ck_assert_uint_eq(attr_map_pages(vm.mem.attrs), (MEM - w.size) / PAGE_SIZE);
	ck_assert(!attr_map_any(vm.mem.attrs, w.gpa / PAGE_SIZE, (w.gpa + w.size) / PAGE_SIZE));
	ck_assert(gm_is_private(&vm.mem, LAYOUT_KERNEL));
	ck_assert_uint_eq(vm.mem.conversions, 0);		/* launch ones not counted */
}
END_TEST

static void hypercall(uint64_t gpa, uint64_t pages, uint64_t attrs)
{
	run.exit_reason = KVM_EXIT_HYPERCALL;
	run.hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run.hypercall.args[0] = gpa;
	run.hypercall.args[1] = pages;
	run.hypercall.args[2] = attrs;
	run.hypercall.ret = 0;		/* KVM clears it before exiting */
}

START_TEST(map_gpa_range_hypercall)
{
	const uint64_t gpa = 0x800000;

	hypercall(gpa, 16, 0 /* DECRYPTED, 4K */);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_eq(run.hypercall.ret, 0);
	ck_assert(!gm_is_private(&vm.mem, gpa) && !gm_is_private(&vm.mem, gpa + 15 * PAGE_SIZE));
	ck_assert(gm_is_private(&vm.mem, gpa + 16 * PAGE_SIZE));
	hypercall(gpa, 16, (1 << 4) | 1 /* ENCRYPTED, 2M hint */);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_eq(run.hypercall.ret, 0);
	ck_assert(gm_is_private(&vm.mem, gpa));
	/* reserved attribute bits, bad ranges: an error to the guest, no change */
	hypercall(gpa, 1, 1ULL << 5);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_eq(run.hypercall.ret, (uint64_t)-KVM_EINVAL);
	ck_assert(gm_is_private(&vm.mem, gpa));
	hypercall(gpa + 1, 1, 0);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_ne(run.hypercall.ret, 0);
	hypercall(MEM, 1, 0);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_ne(run.hypercall.ret, 0);
	hypercall(0, 0, 0);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert_uint_ne(run.hypercall.ret, 0);
	/* other hypercalls are not the platform's */
	hypercall(gpa, 1, 0);
	run.hypercall.nr = KVM_HC_KICK_CPU;
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_UNHANDLED);
	ck_assert_uint_eq(vm.mem.conversions, 2);
	ck_assert(!vm.stopping);
}
END_TEST

static void fault(uint64_t gpa, uint64_t flags)
{
	struct cvmm_exit_memory_fault *f = kvm_run_memory_fault(&run);

	run.exit_reason = KVM_EXIT_MEMORY_FAULT;
	f->flags = flags;
	f->gpa = gpa;
	f->size = PAGE_SIZE;
}

START_TEST(memory_fault_exits_convert)
{
	const uint64_t gpa = 0x900000;

	/* a shared access to a private page: the guest wants it shared */
	fault(gpa, 0);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert(!gm_is_private(&vm.mem, gpa));
	ck_assert(gm_is_private(&vm.mem, gpa + PAGE_SIZE));
	/* a private access to it: back to private */
	fault(gpa, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert(gm_is_private(&vm.mem, gpa));
	ck_assert(!vm.stopping);
}
END_TEST

START_TEST(memory_fault_that_repeats_stops_the_vm)
{
	/* already private: once is tolerated (a race), twice in a row is a loop */
	fault(0x900000, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_HANDLED);
	ck_assert(!vm.stopping);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_STOP);
	ck_assert(vm.stopping);
	ck_assert_int_eq(vm.exit_code, CVMM_EXIT_FAIL);
	ck_assert_ptr_nonnull(strstr(vm.exit_reason, "faults although the page is private"));
}
END_TEST

START_TEST(memory_fault_outside_ram_or_odd_flags_stops_the_vm)
{
	fault(MEM + PAGE_SIZE, 0);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_STOP);
	ck_assert_ptr_nonnull(strstr(vm.exit_reason, "out of guest RAM"));
	vm.stopping = 0;
	fault(0x900000, 1);
	ck_assert_int_eq(platform_sw.handle_exit(&vcpu, &run), EXIT_STOP);
	ck_assert_ptr_nonnull(strstr(vm.exit_reason, "unknown flags"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("platform_sw");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, launch_leaves_only_the_window_shared);
	tcase_add_test(tc, map_gpa_range_hypercall);
	tcase_add_test(tc, memory_fault_exits_convert);
	tcase_add_test(tc, memory_fault_that_repeats_stops_the_vm);
	tcase_add_test(tc, memory_fault_outside_ram_or_odd_flags_stops_the_vm);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
