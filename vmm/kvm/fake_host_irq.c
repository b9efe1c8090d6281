/*
 * The fake host's interrupts, timer and KVM_RUN (the rest of it:
 * vmm/kvm/fake_host.c): what upstream KVM refuses of the split irqchip,
 * GSI routes, MSIs, irqfds and the TSC frequency, and a scripted guest
 * whose steps KVM_RUN turns into what KVM would show userspace. Sources,
 * torvalds/linux:
 *   arch/x86/kvm/x86.c        kvm_vm_ioctl_enable_cap (SPLIT_IRQCHIP),
 *                             KVM_SET_TSC_KHZ (VM and vCPU), __kvm_emulate_halt
 *   arch/x86/kvm/irq.c        kvm_arch_can_set_irq_routing, kvm_set_routing_entry,
 *                             kvm_arch_irqfd_allowed
 *   virt/kvm/irqchip.c        kvm_set_irq_routing, setup_routing_entry,
 *                             kvm_send_userspace_msi
 *   virt/kvm/eventfd.c        kvm_irqfd, kvm_irqfd_assign
 *   virt/kvm/kvm_main.c       KVM_SET_GSI_ROUTING (KVM_MAX_IRQ_ROUTES)
 *   arch/x86/kvm/lapic.c      kvm_irq_delivery_to_apic (what SIGNAL_MSI returns)
 *   arch/x86/kvm/vmx/tdx.c    TD params' tsc_frequency, tdx_emulate_mmio, HLT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm/fake_host.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"

#define MAX_NR_RESERVED_IOAPIC_PINS	48	/* arch/x86/include/asm/kvm_host.h */
#define KVM_MAX_IRQ_ROUTES		4096	/* include/linux/kvm_host.h (x86) */
#define TDX_TSC_UNIT_KHZ		25000	/* TD params count the TSC in 25 MHz */
#define TDX_TSC_MIN_KHZ			(100 * 1000)
#define TDX_TSC_MAX_KHZ			(10 * 1000 * 1000)
#define TD_SHARED_BIT			(1ULL << 47)	/* GPAW 48: what the fake TDs get */
#define refuse kb_fake_refuse
#define PIO_DATA_OFFSET			4096	/* KVM_PIO_PAGE_OFFSET pages into kvm_run */

#ifndef KVM_MSI_VALID_DEVID
#define KVM_MSI_VALID_DEVID		(1U << 0)
#endif

/* ---- split irqchip --------------------------------------------------------- */

int kb_fake_split_irqchip(struct kb_recorder *r, const struct kvm_enable_cap *c)
{
	struct kb_fake_vm *vm = &r->vm;

	if (c->args[0] > MAX_NR_RESERVED_IOAPIC_PINS)
		return refuse(r, EINVAL, "KVM_CAP_SPLIT_IRQCHIP: %llu routes, at most %d",
			      (unsigned long long)c->args[0], MAX_NR_RESERVED_IOAPIC_PINS);
	/* one irqchip per VM, made before the first vCPU: -EEXIST both ways */
	if (vm->split_irqchip)
		return refuse(r, EEXIST, "KVM_CAP_SPLIT_IRQCHIP: the VM has an irqchip already");
	if (vm->n_vcpus)
		return refuse(r, EEXIST, "KVM_CAP_SPLIT_IRQCHIP after vCPUs exist");
	vm->split_irqchip = true;
	return 0;
}

/* ---- GSI routes, MSIs, irqfds ------------------------------------------------- */

static int set_gsi_routing(struct kb_recorder *r, const struct kvm_irq_routing *rt)
{
	/* kvm_arch_can_set_irq_routing(): only with an in-kernel irqchip */
	if (!r->vm.split_irqchip)
		return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: the VM has no irqchip");
	if (rt->nr > KVM_MAX_IRQ_ROUTES || rt->flags)
		return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: %u routes (at most %d) or flags 0x%x",
			      rt->nr, KVM_MAX_IRQ_ROUTES, rt->flags);
	for (uint32_t i = 0; i < rt->nr; i++) {
		const struct kvm_irq_routing_entry *e = &rt->entries[i];

		if (e->gsi >= KVM_MAX_IRQ_ROUTES)
			return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: GSI %u", e->gsi);
		if (e->flags & ~(e->type == KVM_IRQ_ROUTING_MSI ? KVM_MSI_VALID_DEVID : 0))
			return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: GSI %u: flags 0x%x", e->gsi,
				      e->flags);
		/* a split irqchip has no PIC or I/O APIC in KVM to route to */
		if (e->type == KVM_IRQ_ROUTING_IRQCHIP)
			return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: GSI %u: an irqchip route on a "
				      "split irqchip", e->gsi);
		if (e->type != KVM_IRQ_ROUTING_MSI)
			return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: GSI %u: type %u", e->gsi,
				      e->type);
		/* setup_routing_entry(): one non-irqchip route per GSI */
		for (uint32_t j = 0; j < i; j++)
			if (rt->entries[j].gsi == e->gsi)
				return refuse(r, EINVAL, "KVM_SET_GSI_ROUTING: GSI %u routed twice",
					      e->gsi);
	}
	return 0;
}

/*
 * kvm_send_userspace_msi(), kvm_irq_delivery_to_apic(): the number of vCPUs
 * the MSI went to, -1 (errno EPERM to userspace) when none matched. Physical
 * destinations are matched against the APIC IDs the vCPUs' CPUID gave; a
 * logical one is taken to reach every vCPU (the fake keeps no LDRs).
 */
static int signal_msi(struct kb_recorder *r, const struct kvm_msi *m)
{
	struct kb_fake_vm *vm = &r->vm;
	uint32_t dest = m->address_lo >> 12 & 0xff;
	int n = 0;

	if (!vm->split_irqchip)
		return refuse(r, EINVAL, "KVM_SIGNAL_MSI: the VM has no irqchip");
	if (m->flags & ~KVM_MSI_VALID_DEVID)
		return refuse(r, EINVAL, "KVM_SIGNAL_MSI: flags 0x%x", m->flags);
	for (int i = 0; i < vm->n_vcpus && i < KB_FAKE_VCPUS; i++)
		if (m->address_lo & 1u << 2 || dest == 0xff || vm->vcpu[i].apic_id == dest)
			n++;
	return n ? n : refuse(r, EPERM, "KVM_SIGNAL_MSI: no vCPU has APIC ID %u", dest);
}

/* Is fd an eventfd of this process (what eventfd_ctx_fdget() accepts)? -errno if not. */
static int eventfd_check(int fd)
{
	char path[40], link[64];
	ssize_t n;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -EBADF;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") ? -EINVAL : 0;
}

static int irqfd(struct kb_recorder *r, const struct kvm_irqfd *a)
{
	struct kb_fake_vm *vm = &r->vm;
	int e;

	if (a->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return refuse(r, EINVAL, "KVM_IRQFD: flags 0x%x", a->flags);
	e = eventfd_check((int)a->fd);
	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN) {
		if (e)
			return refuse(r, -e, "KVM_IRQFD deassign: fd %u is not an eventfd", a->fd);
		for (int i = 0; i < vm->n_irqfd; i++)
			if (vm->irqfd[i].fd == (int)a->fd && vm->irqfd[i].gsi == a->gsi)
				vm->irqfd[i] = vm->irqfd[--vm->n_irqfd];
		return 0;	/* one that was never assigned: nothing to do */
	}
	/* kvm_arch_irqfd_allowed(): resampling needs KVM's own I/O APIC */
	if (!vm->split_irqchip)
		return refuse(r, EINVAL, "KVM_IRQFD: the VM has no irqchip");
	if (a->flags & KVM_IRQFD_FLAG_RESAMPLE)
		return refuse(r, EINVAL, "KVM_IRQFD: resampling needs a full in-kernel irqchip, "
			      "not a split one");
	if (e)
		return refuse(r, -e, "KVM_IRQFD: fd %u is not an eventfd", a->fd);
	for (int i = 0; i < vm->n_irqfd; i++)
		if (vm->irqfd[i].fd == (int)a->fd)
			return refuse(r, EBUSY, "KVM_IRQFD: eventfd %u is assigned already", a->fd);
	if (vm->n_irqfd == (int)(sizeof(vm->irqfd) / sizeof(vm->irqfd[0])))
		return refuse(r, ENOMEM, "fake host: too many irqfds");
	vm->irqfd[vm->n_irqfd].fd = (int)a->fd;
	vm->irqfd[vm->n_irqfd++].gsi = a->gsi;
	return 0;
}

/* ---- the TSC frequency ----------------------------------------------------------- */

static int set_tsc_khz(struct kb_recorder *r, int idx, unsigned long khz)
{
	struct kb_fake_vm *vm = &r->vm;

	if (r->fds[idx].vcpu_id >= 0) {
		/* guest_tsc_protected: a TD's TSC is the module's, fixed at INIT_VM */
		if (vm->type == KVM_X86_TDX_VM)
			return refuse(r, EINVAL, "KVM_SET_TSC_KHZ on a TD vCPU: the guest's TSC is "
				      "protected");
		return 0;
	}
	if (vm->n_vcpus)
		return refuse(r, EINVAL, "KVM_SET_TSC_KHZ on the VM after vCPUs exist");
	vm->tsc_khz = khz ? (uint32_t)khz : r->host.tsc_khz;
	return 0;
}

uint32_t kb_fake_tsc_khz(const struct kb_recorder *r)
{
	return r->vm.tsc_khz ? r->vm.tsc_khz : r->host.tsc_khz;
}

int kb_fake_td_tsc(struct kb_recorder *r)
{
	uint32_t khz = kb_fake_tsc_khz(r);

	/* setup_tdparams(): the module takes multiples of 25 MHz, 100 MHz to 10 GHz */
	if (khz < TDX_TSC_MIN_KHZ || khz > TDX_TSC_MAX_KHZ)
		return refuse(r, EINVAL, "TDX INIT_VM: TSC %u kHz outside 100 MHz..10 GHz", khz);
	r->vm.td_tsc_25mhz = khz / TDX_TSC_UNIT_KHZ;
	return 0;
}

bool kb_fake_td_leaf_15(const struct kb_recorder *r, struct kvm_cpuid_entry2 *e)
{
	if (!r->vm.td_tsc_25mhz)
		return false;
	/* the module's CPUID 0x15: TSC = 25 MHz crystal * EBX / EAX */
	*e = (struct kvm_cpuid_entry2){ .function = 0x15, .eax = 1, .ebx = r->vm.td_tsc_25mhz,
					.ecx = TDX_TSC_UNIT_KHZ * 1000 };
	return true;
}

/* ---- KVM_RUN -------------------------------------------------------------------- */

/* The run area's answer to the previous read step (KVM completes it on entry). */
static void complete_read(struct kb_recorder *r, const struct kvm_run *run)
{
	const struct kb_run_step *s;
	uint64_t v = 0;

	if (r->script_pending < 0)
		return;
	s = &r->host.script[r->script_pending];
	if (s->kind == KB_STEP_MMIO_READ)
		memcpy(&v, run->mmio.data, s->len);
	else
		memcpy(&v, (const uint8_t *)run + run->io.data_offset, s->len);
	r->script_read[r->script_pending] = v;
	r->script_pending = -1;
}

static int run_script(struct kb_recorder *r, int idx, struct kvm_run *run)
{
	struct kb_fake_vm *vm = &r->vm;
	/* KVM's LAPICs: every vCPU of a VM with a (split) irqchip */
	bool lapic_in_kernel = vm->split_irqchip;

	if (r->fds[idx].vcpu_id != 0)
		return refuse(r, EINVAL, "fake host: a scripted guest runs on vCPU 0 only");
	complete_read(r, run);
	while (r->script_at < r->host.n_script) {
		size_t at = r->script_at++;
		const struct kb_run_step *s = &r->host.script[at];
		bool write = s->kind == KB_STEP_MMIO_WRITE || s->kind == KB_STEP_PIO_OUT;

		switch (s->kind) {
		case KB_STEP_HLT:
			/* __kvm_emulate_halt(): userspace sees HLT only without KVM's LAPIC;
			 * a TD's HLT is a TDVMCALL KVM handles the same way */
			if (lapic_in_kernel) {
				r->halts_in_kernel++;
				continue;
			}
			run->exit_reason = KVM_EXIT_HLT;
			return 0;
		case KB_STEP_EXIT:
			run->exit_reason = s->exit_reason;
			return 0;
		case KB_STEP_MMIO_WRITE:
		case KB_STEP_MMIO_READ:
			run->exit_reason = KVM_EXIT_MMIO;
			/* tdx_emulate_mmio(): the shared bit is not part of the address */
			run->mmio.phys_addr = vm->type == KVM_X86_TDX_VM ? s->addr & ~TD_SHARED_BIT
									   : s->addr;
			run->mmio.len = s->len;
			run->mmio.is_write = write;
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (write)
				memcpy(run->mmio.data, &s->data, s->len);
			break;
		case KB_STEP_PIO_OUT:
		case KB_STEP_PIO_IN:
			run->exit_reason = KVM_EXIT_IO;
			run->io.direction = write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
			run->io.size = (uint8_t)s->len;
			run->io.port = (uint16_t)s->addr;
			run->io.count = 1;
			run->io.data_offset = PIO_DATA_OFFSET;
			memset((uint8_t *)run + PIO_DATA_OFFSET, 0, 8);
			if (write)
				memcpy((uint8_t *)run + PIO_DATA_OFFSET, &s->data, s->len);
			break;
		}
		if (!write && at < KB_SCRIPT_MAX)
			r->script_pending = (int)at;
		return 0;
	}
	return refuse(r, EIO, "fake host: the scripted guest has nothing more to run");
}

int kb_fake_run(struct kb_recorder *r, int idx)
{
	struct kvm_run *run = r->fds[idx].run;
	const struct kb_fake_host *h = &r->host;

	if (!run)
		return refuse(r, EINVAL, "KVM_RUN on a fd that is no vCPU");
	if (r->vm.type != KVM_X86_DEFAULT_VM && !r->vm.sealed)
		return refuse(r, EINVAL, "KVM_RUN before the launch is sealed");
	if (h->script)
		return run_script(r, idx, run);
	/* no script: the guest powers off at once (the run loop and teardown run) */
	if (h->run_exit) {
		run->exit_reason = h->run_exit;
		return 0;
	}
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	run->system_event.ndata = 0;
	return 0;
}

/* ---- dispatch ----------------------------------------------------------------------- */

int kb_fake_irq_ioctl(struct kb_recorder *r, int idx, unsigned long req, void *arg, bool *handled)
{
	*handled = true;
	switch (req) {
	case KVM_SET_GSI_ROUTING:
		return set_gsi_routing(r, arg);
	case KVM_SIGNAL_MSI:
		return signal_msi(r, arg);
	case KVM_IRQFD:
		return irqfd(r, arg);
	case KVM_SET_TSC_KHZ:
		return set_tsc_khz(r, idx, (unsigned long)(uintptr_t)arg);
	case KVM_GET_TSC_KHZ:
		if (r->fds[idx].vcpu_id >= 0 && r->vm.type == KVM_X86_TDX_VM && r->vm.td_tsc_25mhz)
			return (int)(r->vm.td_tsc_25mhz * TDX_TSC_UNIT_KHZ);
		return (int)kb_fake_tsc_khz(r);
	case KVM_RUN:
		return kb_fake_run(r, idx);
	}
	*handled = false;
	return 0;
}
