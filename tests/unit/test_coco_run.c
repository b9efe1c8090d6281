/*
 * Sealed SNP and TDX guests through the run loop: scripted guests on the
 * recorder run by vm_boot() on real --tdx/--snp --kernel plans (the I/O
 * APIC, idle, ACPI power-off), what is said of a protected vCPU that
 * fails, the split irqchip in --dry-run, and the TD's TSC frequency.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coco_launch.h"
#include "loader/plan_coco.h"

/* ---- what is said about a protected vCPU that fails -------------------------------- */

/* KVM refuses KVM_GET_REGS of a sealed SNP or TD vCPU: no invented rip. */
START_TEST(protected_vcpu_failure_names_no_rip)
{
	plan_fn plans[] = { plan_snp_fw, plan_tdx_fw };

	for (size_t i = 0; i < 2; i++) {
		struct launch_plan p;
		struct kb_recorder rec;
		sigset_t w;
		int ret;

		plans[i](&p, 1);
		kb_recorder_init(&rec);
		rec.host.run_exit = KVM_EXIT_SHUTDOWN;
		run_signals(&w);
		capture_begin();
		ret = boot(&rec.ops, &p, &w);
		const char *err = capture_end();

		ck_assert_int_eq(ret, -1);
		ck_assert_msg(strstr(err, "guest triple fault (shutdown) on vCPU 0\n") &&
			      !strstr(err, "rip 0x"), "%s", err);
		kb_recorder_free(&rec);
		plan_free(&p);
	}
}
END_TEST

/* ---- interrupts, idle and power-off on a TD and an SNP guest --------------------- */

/* A direct-boot plan as `cvmm run --tdx/--snp --kernel` builds it (one vCPU). */
static void kernel_plan(struct launch_plan *p, enum platform_id plat)
{
	launch_opts_init(&opts);
	opts.platform = plat;
	opts.kernel = "build/guests/hello.bzImage";
	opts.cpus = 1;
	ck_assert_msg(access(opts.kernel, R_OK) == 0, "%s missing: run make test-build", opts.kernel);
	ck_assert_int_eq(plan_build_coco(p, &opts), 0);
	ck_assert(p->wants_irqchip);
}

static uint64_t rd64(const uint8_t *b) { uint64_t v; memcpy(&v, b, 8); return v; }
static uint32_t rd32(const uint8_t *b) { uint32_t v; memcpy(&v, b, 4); return v; }

/*
 * What a guest's ACPI code reads of the plan's tables (RSDP -> XSDT): the
 * MADT's I/O APIC address, the FADT's sleep control port (ACPI 6.5
 * 5.2.9, the GAS at 244) and the SLP_TYP of the DSDT's \_S5 package.
 */
struct guest_acpi { uint64_t ioapic, sleep_port; unsigned s5; };

static struct guest_acpi acpi_of(const struct launch_plan *p)
{
	const struct plan_piece *acpi = NULL;
	struct guest_acpi g = { 0, 0, ~0u };
	const uint8_t *b, *x, *dsdt = NULL;

	for (size_t i = 0; i < p->n_pieces; i++)
		if (!strcmp(p->pieces[i].what, "ACPI tables"))
			acpi = &p->pieces[i];
	ck_assert_ptr_nonnull(acpi);
	b = acpi->data;
	ck_assert_mem_eq(b, "RSD PTR ", 8);
	x = b + (rd64(b + 24) - acpi->gpa);
	ck_assert_mem_eq(x, "XSDT", 4);
	for (uint32_t o = 36; o < rd32(x + 4); o += 8) {
		const uint8_t *t = b + (rd64(x + o) - acpi->gpa);

		if (!memcmp(t, "FACP", 4)) {
			g.sleep_port = rd64(t + 244 + 4);
			dsdt = b + (rd64(t + 140) - acpi->gpa);
		}
		if (!memcmp(t, "APIC", 4))
			for (uint32_t e = 44; e < rd32(t + 4); e += t[e + 1])
				if (t[e] == 1)		/* I/O APIC structure */
					g.ioapic = rd32(t + e + 4);
	}
	ck_assert_ptr_nonnull(dsdt);
	for (uint32_t o = 36; o + 8 < rd32(dsdt + 4); o++) {
		const uint8_t *n = dsdt + o;

		/* Name(_S5_, Package(){ SLP_TYPa, ... }): PackageOp, PkgLength, count, first */
		if (memcmp(n, "_S5_", 4) || n[4] != 0x12)
			continue;
		n += 7;
		g.s5 = n[0] == 0x0a ? n[1] : n[0] <= 1 ? n[0] : ~0u;	/* BytePrefix, Zero, One */
	}
	ck_assert_uint_ne(g.s5, ~0u);
	return g;
}

/* Runs the plan's VM on the recorder: vm_boot()'s status. */
static int run_status(struct kb_recorder *rec, const struct launch_plan *p, char *err, size_t n)
{
	struct kvm_host h = { .fd = -1 };
	sigset_t w;
	int st;

	run_signals(&w);
	ck_assert_int_eq(coco_check_inputs(&opts, p), 0);
	h.fd = rec->ops.open_dev(&rec->ops, "/dev/kvm");
	kb_fake_host_probe(rec, &h);
	capture_begin();
	st = vm_boot(&opts, platform_by_id(opts.platform), &h, p, &rec->ops, &w);
	snprintf(err, n, "%s", capture_end());
	rec->ops.close(&rec->ops, h.fd);
	return st;
}

static int count_calls_named(const struct kb_recorder *r, const char *cmd, const char *args)
{
	int n = 0;

	for (size_t i = 0; i < r->n_calls; i++)
		n += !strcmp(r->calls[i].cmd, cmd) && (!args || strstr(r->calls[i].args, args));
	return n;
}

static void no_call_failed(const struct kb_recorder *r)
{
	for (size_t i = 0; i < r->n_calls; i++)
		ck_assert_msg(r->calls[i].ret >= 0 || !strcmp(r->calls[i].cmd, "KVM_RUN"),
			      "call %zu %s %s failed: %s", i + 1, r->calls[i].cmd, r->calls[i].args,
			      r->calls[i].why);
}

/*
 * A guest on a real --tdx/--snp --kernel plan, as Linux goes: it programs
 * the I/O APIC the MADT names (COM1's pin 4 to vector 0x31) and reads the
 * entry back, idles (HLT, which KVM keeps: the TD's split irqchip, the
 * SNP guest's I/O APIC), then powers off through the FADT's sleep control
 * port with the DSDT's \_S5 type. The VM ends powered off, status 0, as
 * on a plain VM; the route reached KVM; the split irqchip was made once.
 */
static void ioapic_idle_poweroff(enum platform_id plat)
{
	struct launch_plan p;
	struct kb_recorder rec;
	char err[1024];
	bool tdx = plat == PLATFORM_TDX;

	kernel_plan(&p, plat);
	struct guest_acpi a = acpi_of(&p);
	/* Linux maps a TD's MMIO shared: the GPA carries the shared bit (GPAW 48) */
	uint64_t io = a.ioapic | (tdx ? 1ULL << 47 : 0);
	const struct kb_run_step guest[] = {
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io + 0x10, .len = 4, .data = 0x31 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 + 1 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io + 0x10, .len = 4, .data = 0 },
		{ .kind = KB_STEP_MMIO_WRITE, .addr = io, .len = 4, .data = 0x10 + 2 * 4 },
		{ .kind = KB_STEP_MMIO_READ, .addr = io + 0x10, .len = 4 },
		{ .kind = KB_STEP_HLT },
		{ .kind = KB_STEP_PIO_OUT, .addr = a.sleep_port, .len = 1,
		  .data = a.s5 << 2 | 1u << 5 /* SLP_EN */ },
	};

	ck_assert_uint_eq(a.ioapic, 0xfec00000);
	kb_recorder_init(&rec);
	rec.host.script = guest;
	rec.host.n_script = sizeof(guest) / sizeof(guest[0]);
	ck_assert_int_eq(run_status(&rec, &p, err, sizeof(err)), CVMM_EXIT_OK);
	ck_assert_msg(!strstr(err, "error") && !strstr(err, "warning"), "%s", err);
	ck_assert_uint_eq(rec.script_at, rec.host.n_script);	/* it got as far as the power-off */
	ck_assert_int_eq(rec.halts_in_kernel, 1);
	ck_assert_uint_eq(rec.script_read[5], 0x31);		/* unmasked, edge, vector 0x31 */
	ck_assert_int_eq(count_calls_named(&rec, "KVM_SET_GSI_ROUTING", "4:0xfee00000/0x31"), 1);
	ck_assert_int_eq(count_calls_named(&rec, "KVM_ENABLE_CAP", "KVM_CAP_SPLIT_IRQCHIP"), 1);
	ck_assert_int_lt(find(&rec, "vm", "KVM_ENABLE_CAP", false), find(&rec, NULL, "KVM_CREATE_VCPU", false));
	no_call_failed(&rec);
	kb_recorder_free(&rec);
	plan_free(&p);
}

START_TEST(td_ioapic_idle_and_poweroff) { ioapic_idle_poweroff(PLATFORM_TDX); }
END_TEST
START_TEST(snp_ioapic_idle_and_poweroff) { ioapic_idle_poweroff(PLATFORM_SNP); }
END_TEST

/*
 * A TD that only idles has not finished: with the script done after its
 * HLT, KVM_RUN fails and cvmm says so, status 1. The same when an HLT exit
 * reaches userspace although KVM has the LAPICs (no upstream KVM sends
 * one): back into KVM_RUN, not "guest halted".
 */
START_TEST(td_idle_is_not_finished)
{
	const struct kb_run_step idle[] = { { .kind = KB_STEP_HLT } };
	const struct kb_run_step hlt_exit[] = { { .kind = KB_STEP_EXIT, .exit_reason = KVM_EXIT_HLT } };
	const struct kb_run_step *scripts[] = { idle, hlt_exit };
	enum platform_id plats[] = { PLATFORM_TDX, PLATFORM_SNP };

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < 2; i++) {
			struct launch_plan p;
			struct kb_recorder rec;
			char err[1024];

			kernel_plan(&p, plats[k]);
			kb_recorder_init(&rec);
			rec.host.script = scripts[i];
			rec.host.n_script = 1;
			ck_assert_int_eq(run_status(&rec, &p, err, sizeof(err)), CVMM_EXIT_FAIL);
			ck_assert_msg(strstr(err, "vCPU 0: KVM_RUN: Input/output error") &&
				      !strstr(err, "halted"), "%s", err);
			ck_assert_uint_eq(rec.script_at, 1);
			kb_recorder_free(&rec);
			plan_free(&p);
		}
}
END_TEST

/*
 * --dry-run launches on the host `run` would have probed: a TD's and an
 * SNP guest's --kernel plan get their I/O APIC, and the transcript shows
 * the split irqchip made once (the TD's by the launch, which the I/O APIC
 * and --virtio-irq's lines leave: KVM answers a second one -EEXIST),
 * before the vCPUs, nothing failed.
 */
START_TEST(dry_run_has_the_split_irqchip_once)
{
	enum platform_id plats[] = { PLATFORM_TDX, PLATFORM_SNP };

	for (size_t i = 0; i < 4; i++) {
		struct launch_plan p;
		char *t;

		kernel_plan(&p, plats[i % 2]);
		if (i >= 2) {	/* --rng --virtio-irq: the lines' split irqchip, no I/O APIC */
			plan_free(&p);
			opts.rng = opts.virtio_irq = true;
			ck_assert_int_eq(plan_build_coco(&p, &opts), 0);
		}
		t = dry_run_text(&p);
		const char *cap = strstr(t, "KVM_CAP_SPLIT_IRQCHIP");

		ck_assert_msg(cap && !strstr(cap + 1, "KVM_CAP_SPLIT_IRQCHIP") &&
			      cap < strstr(t, "KVM_CREATE_VCPU") && !strstr(t, " = -"), "%s", t);
		free(t);
		plan_free(&p);
	}
}
END_TEST

/* ---- the TD's TSC ----------------------------------------------------------------- */

static int spy_open(struct kvm_backend *b, const char *path)
{
	return ((struct cpuid_spy *)b)->inner->open_dev(((struct cpuid_spy *)b)->inner, path);
}

static int spy_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	struct cpuid_spy *s = (struct cpuid_spy *)b;

	if (req == KVM_SET_CPUID2) {
		const struct kvm_cpuid2 *c = arg;

		for (uint32_t i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x15) {
				s->l15 = c->entries[i];
				s->seen++;
			} else if (c->entries[i].function == 1) {
				s->l1_ecx = c->entries[i].ecx;
			}
	}
	return s->inner->ioctl(s->inner, fd, req, arg);
}

static int spy_close(struct kvm_backend *b, int fd)
{
	return ((struct cpuid_spy *)b)->inner->close(((struct cpuid_spy *)b)->inner, fd);
}

/*
 * The TD's TSC frequency is fixed when INIT_VM makes the TD (the VM's
 * default, the host's TSC, in the module's 25 MHz units) and the guest
 * reads it from CPUID 0x15: TSC Hz = ECX * EBX / EAX. The vCPUs' CPUID
 * cvmm hands KVM carries that leaf and the host's TSC-deadline timer
 * (CPUID.1:ECX[24]), and cvmm issues no KVM_SET_TSC_KHZ,
 * which KVM refuses on a TD vCPU and on a VM whose vCPUs exist
 * (fake_host_is_as_strict_as_kvm).
 */
START_TEST(td_tsc_frequency_is_the_hosts)
{
	/* host TSC kHz -> the TD's: whole 25 MHz steps */
	static const uint32_t host_khz[][2] = { { 2100000, 2100000 }, { 2112345, 2100000 },
						{ 3000000, 3000000 } };

	for (size_t i = 0; i < 3; i++) {
		struct launch_plan p;
		struct kb_recorder rec;
		struct cpuid_spy spy = { .ops = { .name = "spy", .open_dev = spy_open,
						  .ioctl = spy_ioctl, .close = spy_close } };

		kernel_plan(&p, PLATFORM_TDX);
		opts.cpus = p.coco.n_vcpus = 2;
		kb_recorder_init(&rec);
		rec.host.tsc_khz = host_khz[i][0];
		spy.inner = &rec.ops;
		ck_assert_int_eq(boot(&spy.ops, &p, NULL), 0);
		ck_assert_int_eq(spy.seen, 2);			/* every vCPU */
		ck_assert_uint_ne(spy.l15.eax, 0);
		ck_assert_uint_eq((uint64_t)spy.l15.ecx * spy.l15.ebx / spy.l15.eax,
				  (uint64_t)host_khz[i][1] * 1000);
		ck_assert_int_eq(count_calls_named(&rec, "KVM_SET_TSC_KHZ", NULL), 0);
		ck_assert_uint_ne(spy.l1_ecx & 1u << 24, 0);	/* the TSC-deadline timer kept */
		no_call_failed(&rec);
		kb_recorder_free(&rec);
		plan_free(&p);
	}
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("coco_run");
	TCase *tc = tcase_create("coco_run");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, protected_vcpu_failure_names_no_rip);
	tcase_add_test(tc, td_ioapic_idle_and_poweroff);
	tcase_add_test(tc, snp_ioapic_idle_and_poweroff);
	tcase_add_test(tc, td_idle_is_not_finished);
	tcase_add_test(tc, td_tsc_frequency_is_the_hosts);
	tcase_add_test(tc, dry_run_has_the_split_irqchip_once);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
