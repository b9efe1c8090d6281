/*
 * The fake host (vmm/kvm/fake_host.c) refuses what KVM refuses, driven
 * ioctl by ioctl through the recorder: a TD's order (INIT_VM, the split
 * irqchip, the TSC, vCPUs), CPUID tables, guest memory, and the split
 * irqchip, GSI routes, MSIs and irqfds, and an HLT kept where KVM has the
 * LAPICs. The other test_coco_* tests trust these rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_compat.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"

static int rec_ioctl(struct kb_recorder *r, int fd, unsigned long req, void *arg)
{
	return r->ops.ioctl(&r->ops, fd, req, arg);
}

/* The last call failed with errno e, and the fake host named a rule containing why. */
static void refused(const struct kb_recorder *r, int ret, int e, const char *why)
{
	const struct kb_call *c = &r->calls[r->n_calls - 1];

	ck_assert_int_eq(ret, -1);
	ck_assert_msg(c->err == e && strstr(c->why, why), "%s: errno %d (%s), want %d (%s)",
		      c->cmd, c->err, c->why, e, why);
}

START_TEST(fake_host_is_as_strict_as_kvm)
{
	struct kb_recorder r;
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[3]; } cp = { .h.nent = 2 };
	struct { struct kvm_tdx_init_vm v; struct kvm_cpuid_entry2 e[3]; } iv = { 0 };
	struct kvm_tdx_cmd tc = { .id = KVM_TDX_INIT_VM, .data = (uint64_t)(uintptr_t)&iv };
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	int kvm, vm, ret;

	kb_recorder_init(&r);
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_TDX_VM);
	/* a TD's vCPUs: after INIT_VM, after the split irqchip */
	ret = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, ret, EIO, "KVM_TDX_INIT_VM first");
	/* 0xd.0 and 0xd.1 without KVM_CPUID_FLAG_SIGNIFCANT_INDEX: KVM's lookup
	 * gives the 0xd.1 slot sub-leaf 0's values, which the module refuses */
	iv.v.cpuid.nent = 3;
	iv.e[0] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 0, .eax = 0xe7 };
	iv.e[1] = (struct kvm_cpuid_entry2){ .function = 0xd, .index = 1, .eax = 0x1 };
	iv.e[2] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 48 << 16 };
	ret = rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc);
	refused(&r, ret, EINVAL, "0xd.1 (from the entry for 0xd.0) sets bits");
	iv.e[0].flags = iv.e[1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	/* the TD's TSC: the VM's default at INIT_VM, which the module takes from 100 MHz */
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)50000UL), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc), EINVAL, "TSC 50000 kHz outside");
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)2500000UL), 0);
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_MEMORY_ENCRYPT_OP, &tc), 0);
	ret = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, ret, EINVAL, "KVM_CAP_SPLIT_IRQCHIP first");
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), 0);
	int vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);

	ck_assert_int_ge(vcpu, 0);
	ret = rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split);
	refused(&r, ret, EEXIST, "an irqchip already");
	/* ...and, vCPUs made, the TSC is fixed: not on the VM, not on a TD vCPU */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_TSC_KHZ, (void *)2000000UL), EINVAL, "after vCPUs exist");
	refused(&r, rec_ioctl(&r, vcpu, KVM_SET_TSC_KHZ, (void *)2000000UL), EINVAL, "protected");
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_GET_TSC_KHZ, NULL), 2500000);
	/* a TD vCPU's registers are protected; KVM_GET_REGS fails */
	struct kvm_regs regs;

	ret = rec_ioctl(&r, vcpu, KVM_GET_REGS, &regs);
	refused(&r, ret, EINVAL, "protected");
	/* sub-leaves without the flag in KVM_SET_CPUID2 */
	cp.e[0] = (struct kvm_cpuid_entry2){ .function = 0x4, .index = 0 };
	cp.e[1] = (struct kvm_cpuid_entry2){ .function = 0x4, .index = 1 };
	ret = rec_ioctl(&r, vcpu, KVM_SET_CPUID2, &cp);
	refused(&r, ret, EINVAL, "not KVM_CPUID_FLAG_SIGNIFCANT_INDEX");
	/* guest memory: aligned slots; a measured copy only into PRIVATE guest_memfd */
	struct kvm_create_guest_memfd g = { .size = 1 << 20 };
	int gfd = rec_ioctl(&r, vm, KVM_CREATE_GUEST_MEMFD, &g);
	void *shared = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region2 m = {
		.slot = 0, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = 0x800,
		.memory_size = 1 << 20, .userspace_addr = (uint64_t)(uintptr_t)shared,
		.guest_memfd = (uint32_t)gfd,
	};

	ck_assert_int_ge(gfd, 0);
	ret = rec_ioctl(&r, vm, KVM_SET_USER_MEMORY_REGION2, &m);
	refused(&r, ret, EINVAL, "not page aligned");
	m.guest_phys_addr = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_USER_MEMORY_REGION2, &m), 0);
	cp.h.nent = 1;
	cp.e[0] = (struct kvm_cpuid_entry2){ .function = 1, .ecx = 1u << 21 };
	refused(&r, rec_ioctl(&r, vcpu, KVM_SET_CPUID2, &cp), EINVAL, "differs from KVM_TDX_GET_CPUID");
	struct kvm_tdx_init_mem_region mr = { .source_addr = (uint64_t)(uintptr_t)shared,
					      .gpa = 0x1000, .nr_pages = 1 };
	struct kvm_tdx_cmd add = { .id = KVM_TDX_INIT_MEM_REGION, .data = (uint64_t)(uintptr_t)&mr };

	ret = rec_ioctl(&r, vcpu, KVM_MEMORY_ENCRYPT_OP, &add);
	refused(&r, ret, EINVAL, "before INIT_VCPU");
	munmap(shared, 1 << 20);
	kb_recorder_free(&r);
}
END_TEST

/*
 * The fake host refuses what KVM refuses of the split irqchip, GSI routes,
 * MSIs and irqfds (x86.c, irq.c, irqchip.c, eventfd.c), and keeps an HLT
 * to itself where it has the VM's LAPICs (__kvm_emulate_halt).
 */
START_TEST(fake_host_interrupt_rules)
{
	struct kb_recorder r;
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args[0] = 24 };
	struct { struct kvm_irq_routing h; struct kvm_irq_routing_entry e[2]; } rt = { .h.nr = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x31 };
	struct kvm_irqfd fd = { .gsi = 4 };
	const struct kb_run_step halt_then_write[] = {
		{ .kind = KB_STEP_HLT },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = 0xfec00000, .len = 4, .data = 0x10 },
	};
	int kvm, vm, vcpu, efd;

	kb_recorder_init(&r);
	r.host.script = halt_then_write;
	r.host.n_script = 2;
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_DEFAULT_VM);
	rt.e[0] = (struct kvm_irq_routing_entry){ .gsi = 4, .type = KVM_IRQ_ROUTING_MSI,
						  .u.msi = { .address_lo = 0xfee00000, .data = 0x31 } };
	/* no irqchip yet: no routes, no MSIs, no irqfds */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "no irqchip");
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EINVAL, "no irqchip");
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	fd.fd = (uint32_t)efd;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "no irqchip");
	/* KVM_CAP_SPLIT_IRQCHIP: at most 48 routes, no flags, once */
	split.args[0] = 49;
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EINVAL, "at most 48");
	split.args[0] = 24;
	split.flags = 1;
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EINVAL, "flags");
	split.flags = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EEXIST, "an irqchip already");
	/* KVM_SET_GSI_ROUTING */
	rt.h.nr = 4097;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "at most 4096");
	rt.h.nr = 1;
	rt.h.flags = 1;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "flags 0x1");
	rt.h.flags = 0;
	rt.e[0].gsi = 4096;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4096");
	rt.e[0].gsi = 4;
	rt.e[0].flags = 2;	/* only KVM_MSI_VALID_DEVID is an MSI route's flag */
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4: flags 0x2");
	rt.e[0].flags = 0;
	rt.e[1] = (struct kvm_irq_routing_entry){ .gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
						  .u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = 5 } };
	rt.h.nr = 2;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "irqchip route on a split");
	rt.e[1].type = 99;
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 5: type 99");
	rt.e[1] = rt.e[0];
	refused(&r, rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), EINVAL, "GSI 4 routed twice");
	rt.e[1].gsi = 5;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SET_GSI_ROUTING, &rt), 0);
	/* KVM_SIGNAL_MSI: the vCPUs it reached, -1/EPERM for none */
	msi.flags = 2;
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EINVAL, "flags 0x2");
	msi.flags = 0;
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EPERM, "no vCPU has APIC ID 0");
	vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	ck_assert_int_ge(vcpu, 0);
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), 1);
	msi.address_lo = 0xfee05000;	/* physical destination APIC ID 5 */
	refused(&r, rec_ioctl(&r, vm, KVM_SIGNAL_MSI, &msi), EPERM, "no vCPU has APIC ID 5");
	/* KVM_IRQFD: known flags, no resampling on a split irqchip, eventfds, each once */
	fd.flags = 4;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "flags 0x4");
	fd.flags = KVM_IRQFD_FLAG_RESAMPLE;
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "full in-kernel irqchip");
	fd.flags = 0;
	fd.fd = (uint32_t)open("/dev/null", O_RDONLY | O_CLOEXEC);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EINVAL, "not an eventfd");
	close((int)fd.fd);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EBADF, "not an eventfd");
	fd.fd = (uint32_t)efd;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	refused(&r, rec_ioctl(&r, vm, KVM_IRQFD, &fd), EBUSY, "assigned already");
	fd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	fd.flags = 0;
	ck_assert_int_eq(rec_ioctl(&r, vm, KVM_IRQFD, &fd), 0);
	/* KVM's LAPICs: the HLT stays in KVM; the guest's next step is the exit */
	struct kvm_run *run = mmap(NULL, KB_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);

	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_RUN, NULL), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_MMIO);
	ck_assert_int_eq(r.halts_in_kernel, 1);
	refused(&r, rec_ioctl(&r, vcpu, KVM_RUN, NULL), EIO, "nothing more to run");
	munmap(run, KB_RUN_SIZE);
	close(efd);
	kb_recorder_free(&r);

	/* no irqchip: the HLT exits; and the split irqchip comes before vCPUs or never */
	kb_recorder_init(&r);
	r.host.script = halt_then_write;
	r.host.n_script = 2;
	kvm = r.ops.open_dev(&r.ops, "/dev/kvm");
	vm = rec_ioctl(&r, kvm, KVM_CREATE_VM, (void *)(uintptr_t)KVM_X86_DEFAULT_VM);
	vcpu = rec_ioctl(&r, vm, KVM_CREATE_VCPU, (void *)0);
	refused(&r, rec_ioctl(&r, vm, KVM_ENABLE_CAP, &split), EEXIST, "after vCPUs exist");
	run = mmap(NULL, KB_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ck_assert_ptr_ne(run, MAP_FAILED);
	ck_assert_int_eq(rec_ioctl(&r, vcpu, KVM_RUN, NULL), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_HLT);
	ck_assert_int_eq(r.halts_in_kernel, 0);
	munmap(run, KB_RUN_SIZE);
	kb_recorder_free(&r);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("fake_host");
	TCase *tc = tcase_create("fake_host");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fake_host_is_as_strict_as_kvm);
	tcase_add_test(tc, fake_host_interrupt_rules);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
