#include <stdlib.h>
#include <string.h>

#include "loader/layout.h"
#include "loader/image/ovmf.h"
#include "loader/plan_coco.h"
#include "loader/plan_shim.h"
#include "loader/boot/snp_cpu.h"
#include "loader/boot/snp_hashes.h"
#include "loader/boot/vmsa.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

static int add(struct launch_plan *p, uint64_t gpa, uint64_t len, const uint8_t *data,
	       uint64_t data_len, enum piece_type t, const char *what)
{
	struct plan_piece piece = {
		.gpa = gpa, .len = len, .data = data, .data_len = data_len, .type = t,
		.measured = t == PIECE_NORMAL, .what = what,
	};

	return plan_add(p, &piece);
}

/* The kernel hashes page: the table at the hash-table GPA's page offset. */
static int add_hashes_page(struct launch_plan *p, const struct ovmf_info *fw,
			   const struct sev_section *s, const struct launch_opts *o,
			   const char *name)
{
	struct sev_hashes h;
	uint32_t off = fw->hash_table_gpa & 0xfff;
	uint8_t *page;

	if (!fw->has_hash_table || fw->hash_table_gpa < s->gpa ||
	    (uint64_t)fw->hash_table_gpa + SEV_HASH_TABLE_PADDED > (uint64_t)s->gpa + 0x1000 ||
	    fw->hash_table_size < SEV_HASH_TABLE_PADDED) {
		cvmm_err("%s: the SEV hash table (0x%x, 0x%x bytes) does not lie in the first page of the SNP_KERNEL_HASHES section at 0x%x",
			 name, fw->hash_table_gpa, fw->hash_table_size, s->gpa);
		return -1;
	}
	if (sev_hashes_compute(&h, o->kernel, o->initrd, o->cmdline))
		return -1;
	page = plan_own(p, calloc(1, PAGE_SIZE));
	if (!page) {
		cvmm_err("launch plan: out of memory");
		return -1;
	}
	sev_hashes_table(page + off, &h);
	/*
	 * One page, as the reference tools measure it; the firmware reads only
	 * the table, so further pages of a longer section stay out of the plan.
	 */
	return add(p, s->gpa, PAGE_SIZE, page, PAGE_SIZE, PIECE_NORMAL, "kernel hashes");
}

static int add_section(struct launch_plan *p, const struct ovmf_info *fw,
		       const struct sev_section *s, const struct launch_opts *o,
		       const char *name)
{
	if (!plan_range_in_ram(p, s->gpa, s->size)) {
		cvmm_err("%s: SEV metadata section %s at 0x%x lies outside the %llu MiB of guest RAM",
			 name, sev_section_name(s->type), s->gpa,
			 (unsigned long long)(p->mem_size >> 20));
		return -1;
	}
	/*
	 * QEMU hands every page of a section to LAUNCH_UPDATE, sev-snp-measure
	 * one page (or asserts): for a longer section no digest matches both.
	 */
	if (s->size != PAGE_SIZE && (s->type == SEV_SECTION_SNP_SECRETS ||
				     s->type == SEV_SECTION_CPUID ||
				     (s->type == SEV_SECTION_SNP_KERNEL_HASHES && o->kernel))) {
		cvmm_err("%s: SEV metadata section %s at 0x%x is 0x%x bytes; cvmm launches and "
			 "measures only a one-page %s section", name, sev_section_name(s->type),
			 s->gpa, s->size, sev_section_name(s->type));
		return -1;
	}
	switch (s->type) {
	case SEV_SECTION_SNP_SEC_MEM:
		/* GCE adds the pre-validated firmware memory unmeasured. */
		return add(p, s->gpa, s->size, NULL, 0,
			   o->vmm_type == VMSA_VMM_GCE ? PIECE_UNMEASURED : PIECE_ZERO,
			   "SNP_SEC_MEM");
	case SEV_SECTION_SNP_SECRETS:
		return add(p, s->gpa, PAGE_SIZE, NULL, 0, PIECE_SECRETS, "secrets page");
	case SEV_SECTION_CPUID:
		return add(p, s->gpa, PAGE_SIZE, NULL, 0, PIECE_CPUID, "CPUID page");
	case SEV_SECTION_SVSM_CAA:
		return add(p, s->gpa, s->size, NULL, 0, PIECE_ZERO, "SVSM_CAA");
	case SEV_SECTION_SNP_KERNEL_HASHES:
		if (o->kernel)
			return add_hashes_page(p, fw, s, o, name);
		return add(p, s->gpa, s->size, NULL, 0, PIECE_ZERO, "SNP_KERNEL_HASHES");
	}
	cvmm_err("%s: SEV metadata section type 0x%x", name, s->type);
	return -1;
}

static int add_vmsas(struct launch_plan *p, const struct ovmf_info *fw, const struct launch_opts *o)
{
	struct vmsa_params vp = {
		.sev_features = p->coco.sev_features, .vcpu_sig = p->coco.vcpu_sig,
		.vmm = o->vmm_type, .legacy_fpu = o->legacy_vmsa,
	};

	p->coco.vmsa = plan_own(p, calloc(o->cpus, sizeof(*p->coco.vmsa)));
	if (!p->coco.vmsa)
		goto oom;
	for (int i = 0; i < o->cpus; i++) {
		p->coco.vmsa[i] = plan_own(p, malloc(VMSA_SIZE));
		if (!p->coco.vmsa[i])
			goto oom;
		vp.eip = i == 0 ? VMSA_BSP_EIP : fw->ap_eip;
		vmsa_build(p->coco.vmsa[i], &vp);
	}
	return 0;
oom:
	cvmm_err("launch plan: out of memory for %d VMSAs", o->cpus);
	return -1;
}

static int check_inputs(const struct launch_opts *o, const struct ovmf_info *fw, const char *name)
{
	if ((o->initrd || o->cmdline) && !o->kernel) {
		cvmm_err("--initrd and --cmdline need --kernel");
		return -1;
	}
	if (o->cpus < 1) {
		cvmm_err("--cpus %d: an SNP guest needs at least one vCPU", o->cpus);
		return -1;
	}
	if (o->guest_features_set && !(o->guest_features & SEV_FEATURE_SNP_ACTIVE)) {
		cvmm_err("--guest-features 0x%llx: an SNP VMSA always has SNPActive (bit 0) set",
			 (unsigned long long)o->guest_features);
		return -1;
	}
	if (!fw->has_reset_block) {
		cvmm_err("%s: no SEV-ES reset block in the OVMF footer table: not an SEV-capable firmware",
			 name);
		return -1;
	}
	if (o->kernel && !ovmf_has_section(fw, SEV_SECTION_SNP_KERNEL_HASHES, NULL)) {
		cvmm_err("%s: --kernel needs a firmware whose SEV metadata has an SNP_KERNEL_HASHES section (Debian's OVMF has none; edk2's AmdSevX64 build does)",
			 name);
		return -1;
	}
	return 0;
}

int plan_build_snp(struct launch_plan *p, const struct launch_opts *o)
{
	const struct snp_cpu_model *cpu;
	struct ovmf_info *fw = malloc(sizeof(*fw));
	const uint8_t *img;
	size_t len;

	plan_init(p, o->mem);
	if (!fw) {
		cvmm_err("launch plan: out of memory");
		return -1;
	}
	if (!o->firmware) {
		/* Direct boot: the kernel through cvmm's boot shim. */
		if (plan_add_shim_boot(p, o, SHIM_FOR_SNP))
			goto fail;
		free(fw);
		return 0;
	}
	cpu = snp_cpu_model(o->vcpu_type ? o->vcpu_type : SNP_CPU_DEFAULT);
	if (!cpu || plan_map_file(p, o->firmware, "--firmware", FIRMWARE_MAX_SIZE, &img, &len))
		goto fail;
	if (ovmf_parse(img, len, o->firmware, fw) || check_inputs(o, fw, o->firmware))
		goto fail;
	/* No CPUID or secrets page and nothing pre-validated: it cannot run (QEMU refuses it too) */
	if (!fw->has_sev_meta) {
		cvmm_err("--firmware %s: no SEV metadata, so no CPUID or secrets page for an SNP "
			 "launch (use an SEV build of OVMF, e.g. Debian's OVMF_CODE.fd)", o->firmware);
		goto fail;
	}

	p->image_kind = "firmware";
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){
		.platform = PLATFORM_SNP,
		.n_vcpus = o->cpus,
		.sev_features = o->guest_features_set ? o->guest_features : SEV_FEATURE_SNP_ACTIVE,
		.policy = launch_snp_policy(o),
		.vcpu_sig = snp_cpu_signature(cpu->family, cpu->model, cpu->stepping),
		.ap_eip = fw->ap_eip,
		.fw_gpa = fw->gpa, .fw_size = len,
	};
	if (add(p, fw->gpa, len, img, len, PIECE_NORMAL, "firmware"))
		goto fail;
	for (size_t i = 0; i < fw->n_sev; i++)
		if (add_section(p, fw, &fw->sev[i], o, o->firmware))
			goto fail;
	/* EC2 adds the CPUID page after every other section. */
	if (o->vmm_type == VMSA_VMM_EC2) {
		for (size_t i = 0; i < p->n_pieces; i++) {
			if (p->pieces[i].type == PIECE_CPUID) {
				struct plan_piece c = p->pieces[i];

				memmove(&p->pieces[i], &p->pieces[i + 1],
					(p->n_pieces - i - 1) * sizeof(c));
				p->pieces[p->n_pieces - 1] = c;
				break;
			}
		}
	}
	if (add_vmsas(p, fw, o))
		goto fail;
	free(fw);
	return 0;
fail:
	free(fw);
	plan_free(p);
	return -1;
}

int plan_build_coco(struct launch_plan *p, const struct launch_opts *o)
{
	if (o->platform == PLATFORM_SNP)
		return plan_build_snp(p, o);
	if (o->platform == PLATFORM_TDX)
		return plan_build_tdx(p, o);
	cvmm_err("a confidential launch plan needs --snp or --tdx");
	return -1;
}
