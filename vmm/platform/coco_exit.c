/*
 * The exits only confidential guests cause (kvm-coco-abi.md 6): conversion
 * requests (MAP_GPA_RANGE hypercalls, memory faults) go to the one
 * conversion routine; TDX's forwarded TDVMCALLs are answered; SNP
 * termination requests and TDX fatal errors end the VM with their reason.
 * Everything here is guest-controlled input: checked, never trusted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader/layout.h"
#include "loader/shim/shim_abi.h"
#include "vmm/platform/coco.h"
#include "vmm/platform/coco_exit.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/platform/qgs.h"

#define SAME_FAULT_LIMIT 8	/* api.rst: guard against the same fault forever */

static enum exit_action stop(struct coco_stop *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum exit_action stop(struct coco_stop *s, int code, const char *fmt, ...)
{
	va_list ap;

	s->code = code;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	return EXIT_STOP;
}

/*
 * THE call site of the conversion routine for the TDX/SNP platforms
 * (vmm/mem/convert.c's gm_convert, wired in through c->convert). Answers a conv
 * status (0 ok, >0 the guest's request was refused) or -1 (host broken).
 */
static int coco_convert(struct coco *c, uint64_t gpa, uint64_t pages, bool to_private)
{
	if (!c->convert) {
		cvmm_err("conversion of 0x%llx (+%llu pages) requested, but no conversion "
			 "routine is wired to this VM", U(gpa), U(pages));
		return -1;
	}
	return c->convert(c->convert_opaque, gpa, pages, to_private);
}

/* Guest asks for a conversion: 0 = done, >0 = refused (tell the guest), -1 = stop. */
static int convert_request(struct coco *c, uint64_t gpa, uint64_t pages, bool to_private)
{
	uint64_t bytes, end;

	if (!pages || gpa & 0xfff || __builtin_mul_overflow(pages, 4096, &bytes) ||
	    __builtin_add_overflow(gpa, bytes, &end))
		return COCO_CONV_BAD_RANGE;
	int r = coco_convert(c, gpa, pages, to_private);

	/* TDVF makes MMIO holes shared: nothing to do there (QEMU agrees) */
	if (r == COCO_CONV_NOT_RAM && !to_private)
		return 0;
	return r;
}

static enum exit_action map_gpa_range(struct coco *c, struct kvm_run *run, struct coco_stop *s)
{
	struct cvmm_exit_hypercall *h = kvm_run_hypercall(run);
	uint64_t gpa = h->args[0], pages = h->args[1], attrs = h->args[2];

	if (attrs & ~0x1fULL || (attrs & 0xf) > KVM_MAP_GPA_RANGE_PAGE_SZ_1G) {
		h->ret = (uint64_t)-KVM_EINVAL;	/* reserved bits: the guest sees a failure */
		return EXIT_HANDLED;
	}
	int r = convert_request(c, gpa, pages, attrs & KVM_MAP_GPA_RANGE_ENCRYPTED);

	if (r < 0)
		return stop(s, 1, "conversion of 0x%llx (+%llu pages) left the host inconsistent",
			    U(gpa), U(pages));
	h->ret = r ? (uint64_t)-KVM_EINVAL : 0;
	return EXIT_HANDLED;
}

static enum exit_action memory_fault(struct coco *c, struct kvm_run *run, int vcpu,
				     int kvm_errno, struct coco_stop *s)
{
	struct cvmm_exit_memory_fault *f = kvm_run_memory_fault(run);
	bool to_private = f->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE;
	typeof(c->last_fault[0]) *last = &c->last_fault[vcpu];

	if (kvm_errno == EHWPOISON)
		return stop(s, 1, "guest memory at 0x%llx is poisoned (hardware error)", U(f->gpa));
	if (f->flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE)
		return stop(s, 1, "memory fault at 0x%llx with unknown flags 0x%llx", U(f->gpa),
			    U(f->flags));
	if (f->gpa == last->gpa && f->flags == last->flags) {
		if (++last->count > SAME_FAULT_LIMIT)
			return stop(s, 1, "the guest faults on 0x%llx (%s) again and again after "
				    "conversion", U(f->gpa), to_private ? "private" : "shared");
	} else {
		last->gpa = f->gpa;
		last->flags = f->flags;
		last->count = 0;
	}
	/* an implicit conversion: the access type is what the guest wants */
	int r = convert_request(c, f->gpa & ~0xfffULL, PAGES(f->size), to_private);

	if (r)
		return stop(s, 1, "%s access to 0x%llx (+0x%llx) that cvmm cannot make %s",
			    to_private ? "private" : "shared", U(f->gpa), U(f->size),
			    to_private ? "private" : "shared");
	return EXIT_HANDLED;
}

static enum exit_action tdx_exit(struct coco *c, struct kvm_run *run, int vcpu,
				 struct coco_stop *s)
{
	struct cvmm_exit_tdx *t = kvm_run_tdx(run);

	switch (t->nr) {
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		if (t->get_tdvmcall_info.leaf != 1) {
			t->get_tdvmcall_info.ret = TDVMCALL_STATUS_INVALID_OPERAND;
			break;
		}
		/* what KVM does, plus what cvmm answers itself (QEMU's rule) */
		t->get_tdvmcall_info.r11 = (c->caps ? c->caps->kernel_tdvmcallinfo_1_r11 |
					    (c->caps->user_tdvmcallinfo_1_r11 &
					     COCO_TDVMCALL_R11_SETUP_EVENT_NOTIFY) : 0);
		t->get_tdvmcall_info.r12 = c->caps ? c->caps->kernel_tdvmcallinfo_1_r12 : 0;
		t->get_tdvmcall_info.r13 = 0;
		t->get_tdvmcall_info.r14 = 0;
		t->get_tdvmcall_info.ret = TDVMCALL_STATUS_SUCCESS;
		break;
	case TDVMCALL_GET_QUOTE:
		t->get_quote.ret = tdx_handle_get_quote(c, vcpu, t->get_quote.gpa,
							t->get_quote.size);
		break;
	case TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT:
		if (t->setup_event_notify.vector < 32 || t->setup_event_notify.vector > 255) {
			t->setup_event_notify.ret = TDVMCALL_STATUS_INVALID_OPERAND;
			break;
		}
		/* the vCPU that asked gets the notifications (QEMU: event_notify_apicid) */
		__atomic_store_n(&c->notify_vector, t->setup_event_notify.vector |
				 (uint64_t)vcpu << 32, __ATOMIC_RELEASE);
		t->setup_event_notify.ret = TDVMCALL_STATUS_SUCCESS;
		break;
	default:
		/* KVM pre-filled SUBFUNC_UNSUPPORTED: re-entering answers it */
		break;
	}
	return EXIT_HANDLED;
}

static const char *ghcb_term_reason(unsigned set, unsigned code)
{
	if (set == SHIM_TERM_SET) {	/* cvmm's boot shim (loader/shim/shim_abi.h) */
		if (code & SHIM_ERR_EXCEPTION)
			return "cvmm boot shim: CPU exception (vector in code bits 6:0)";
		switch (code) {
		case SHIM_ERR_AP: return "cvmm boot shim: an AP reached the BSP's path";
		case SHIM_ERR_MEMMAP: return "cvmm boot shim: the memory map was refused";
		case SHIM_ERR_ACCEPT: return "cvmm boot shim: PVALIDATE failed";
		}
		return "cvmm boot shim: unknown reason";
	}
	if (set != 0)
		return "vendor-specific";
	switch (code) {
	case 0: return "general termination";
	case 1: return "GHCB protocol version not supported";
	case 2: return "SEV-SNP features not supported";
	}
	return "unknown reason";
}

/*
 * The NUL-terminated ASCII message TDX ReportFatalError left in registers:
 * R14 R15 RBX RDI RSI R8 R9 RDX in that order, each only where the mask
 * in RCX has its bit (by register number), as QEMU reads it.
 */
static void tdx_fatal_message(const __u64 *d, uint64_t mask, char *msg, size_t n)
{
	static const int order[] = { 14, 15, 3, 7, 6, 8, 9, 2 };	/* R14 R15 RBX RDI RSI R8 R9 RDX */
	size_t o = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && o + 1 < n; i++) {
		const char *p = (const char *)&d[order[i]];

		if (!(mask & 1ULL << order[i]))
			continue;
		for (int j = 0; j < 8 && o + 1 < n; j++) {
			if (!p[j])
				goto done;
			msg[o++] = (p[j] >= 0x20 && p[j] < 0x7f) ? p[j] : '?';
		}
	}
done:
	msg[o] = '\0';
}

static enum exit_action system_event(struct coco *c, struct kvm_run *run, struct coco_stop *s)
{
	struct cvmm_exit_system_event *e = kvm_run_system_event(run);
	uint64_t d0 = e->ndata ? e->data[0] : 0;

	switch (e->type) {
	case KVM_SYSTEM_EVENT_SEV_TERM:
		if ((d0 & 0xfff) == COCO_GHCB_MSR_TERM_REQ) {
			unsigned set = (d0 >> 12) & 0xf, code = (d0 >> 16) & 0xff;

			if (set == SHIM_TERM_SET && code & SHIM_ERR_EXCEPTION)
				return stop(s, 1, "SNP guest asked to terminate: reason set %u code 0x%x "
					    "(cvmm boot shim: CPU exception %u)", set, code,
					    code & ~SHIM_ERR_EXCEPTION);
			return stop(s, 1, "SNP guest asked to terminate: reason set %u code %u (%s)",
				    set, code, ghcb_term_reason(set, code));
		}
		return stop(s, 1, "SNP guest asked to terminate through its GHCB at 0x%llx", U(d0));
	case KVM_SYSTEM_EVENT_TDX_FATAL: {
		char msg[70] = "";
		uint64_t code = e->ndata > 12 ? e->data[12] : 0;

		/* GHCI: bits 15:0 of the error code are reserved, 0 (QEMU refuses others) */
		if (code & 0xffff)
			return stop(s, 1, "TD reported a fatal error with a malformed error code "
				    "0x%llx", U(code));
		if (e->ndata >= 16)
			tdx_fatal_message(e->data, e->data[1], msg, sizeof(msg));
		if (code >> 63 && e->ndata > 13)
			return stop(s, 1, "TD reported a fatal error: code 0x%llx, data at 0x%llx%s%s%s",
				    U(code), U(e->data[13]), msg[0] ? ": \"" : "", msg,
				    msg[0] ? "\"" : "");
		return stop(s, 1, "TD reported a fatal error: code 0x%llx%s%s%s", U(code),
			    msg[0] ? ": \"" : "", msg, msg[0] ? "\"" : "");
	}
	}
	return EXIT_UNHANDLED;
}

enum exit_action coco_handle_exit(struct coco *c, struct kvm_run *run, int vcpu, int kvm_ret,
				  int kvm_errno, struct coco_stop *s)
{
	if (vcpu < 0 || vcpu >= COCO_MAX_VCPUS)
		return stop(s, 1, "exit from vCPU %d, beyond cvmm's %d", vcpu, COCO_MAX_VCPUS);
	if (kvm_ret < 0) {
		/* the one exit delivered with KVM_RUN failing (6.2) */
		if ((kvm_errno == EFAULT || kvm_errno == EHWPOISON) &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT)
			return memory_fault(c, run, vcpu, kvm_errno, s);
		return EXIT_UNHANDLED;
	}
	switch (run->exit_reason) {
	case KVM_EXIT_HYPERCALL:
		if (kvm_run_hypercall(run)->nr == KVM_HC_MAP_GPA_RANGE)
			return map_gpa_range(c, run, s);
		return EXIT_UNHANDLED;
	case KVM_EXIT_TDX:
		return tdx_exit(c, run, vcpu, s);
	case KVM_EXIT_SYSTEM_EVENT:
		return system_event(c, run, s);
	case KVM_EXIT_SNP_REQ_CERTS:
		/* never enabled by cvmm: say "firmware error" rather than fail KVM_RUN */
		kvm_run_snp_req_certs(run)->ret = EIO;
		return EXIT_HANDLED;
	}
	return EXIT_UNHANDLED;
}
