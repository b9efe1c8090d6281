#include <stdlib.h>
#include <string.h>

#include "loader/image/ovmf.h"
#include "loader/plan_coco.h"
#include "loader/plan_shim.h"
#include "loader/boot/td_hob.h"
#include "loader/image/tdvf.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

static int add_section(struct launch_plan *p, const uint8_t *img, uint64_t fw_gpa,
		       const struct tdvf_section *s, uint8_t **hob, const char *name)
{
	uint64_t end = s->gpa + s->mem_size;	/* tdvf_parse() checked: no wrap */

	struct plan_piece piece = {
		.gpa = s->gpa, .len = s->mem_size,
		.measured = s->attributes & TDVF_ATTR_MR_EXTEND,
		.what = tdvf_section_name(s->type),
	};

	/*
	 * Sections without file data are guest RAM the firmware uses early;
	 * checked first, as the TD HOB buffer has the size the file gives.
	 */
	if (!s->raw_size && !plan_range_in_ram(p, s->gpa, s->mem_size)) {
		cvmm_err("%s: TDVF section %s at 0x%llx lies outside the %llu MiB of guest RAM",
			 name, piece.what, (unsigned long long)s->gpa,
			 (unsigned long long)(p->mem_size >> 20));
		return -1;
	}
	/*
	 * Sections with file data live in the firmware's own range below
	 * 4 GiB (or in RAM): only that bounds mem_size, which the file may
	 * set to 2^52 for a few bytes of data.
	 */
	if (s->raw_size && !plan_range_in_ram(p, s->gpa, s->mem_size) &&
	    !(s->gpa >= fw_gpa && end <= (1ULL << 32))) {
		cvmm_err("%s: TDVF section %s [0x%llx, 0x%llx) lies outside both guest RAM and "
			 "the firmware's range [0x%llx, 4 GiB)", name, piece.what,
			 (unsigned long long)s->gpa, (unsigned long long)end,
			 (unsigned long long)fw_gpa);
		return -1;
	}
	if (s->raw_size) {
		piece.type = PIECE_NORMAL;
		piece.data = img + s->data_offset;
		piece.data_len = s->raw_size;
	} else if (s->type == TDVF_TD_HOB) {
		piece.type = PIECE_TD_HOB;
		piece.data = *hob = plan_own(p, calloc(1, s->mem_size));
		piece.data_len = s->mem_size;
		if (!*hob) {
			cvmm_err("launch plan: out of memory for the TD HOB");
			return -1;
		}
	} else {
		piece.type = PIECE_TEMP_MEM;
	}
	return plan_add(p, &piece);
}

int plan_build_tdx(struct launch_plan *p, const struct launch_opts *o)
{
	struct ovmf_info *fw = malloc(sizeof(*fw));
	struct tdvf_info *td = malloc(sizeof(*td));
	const uint8_t *img;
	uint8_t *hob = NULL;
	size_t len;

	plan_init(p, o->mem);
	if (!fw || !td) {
		cvmm_err("launch plan: out of memory");
		goto fail;
	}
	if (!o->firmware) {
		/* Direct boot: the kernel through cvmm's boot shim. */
		if (plan_add_shim_boot(p, o, SHIM_FOR_TDX))
			goto fail;
		free(fw);
		free(td);
		return 0;
	}
	if (o->kernel || o->initrd || o->cmdline) {
		cvmm_err("--tdx --firmware: cvmm cannot hand a kernel to TDVF (no fw_cfg); boot the kernel from the guest's disk");
		goto fail;
	}
	if (o->cpus < 1) {
		cvmm_err("--cpus %d: a TD needs at least one vCPU", o->cpus);
		goto fail;
	}
	if (plan_map_file(p, o->firmware, "--firmware", FIRMWARE_MAX_SIZE, &img, &len))
		goto fail;
	if (ovmf_parse(img, len, o->firmware, fw) || tdvf_parse(img, len, fw, o->firmware, td))
		goto fail;

	p->image_kind = "firmware";
	p->boot.mode = CPU_MODE_RESET;
	p->coco = (struct coco_plan){
		.platform = PLATFORM_TDX,
		.n_vcpus = o->cpus,
		.td_hob_gpa = td->has_td_hob ? td->td_hob_gpa : 0,
		.mrtd_two_pass = o->mrtd_two_pass,
		.fw_gpa = fw->gpa, .fw_size = len,
	};
	for (size_t i = 0; i < td->n_sec; i++) {
		const struct tdvf_section *s = &td->sec[i];

		/* PAGE.AUG: the guest accepts these pages itself; nothing to add. */
		if (s->attributes & TDVF_ATTR_PAGE_AUG) {
			p->coco.n_aug++;
			continue;
		}
		if (add_section(p, img, fw->gpa, s, &hob, o->firmware))
			goto fail;
	}
	/* The HOB describes the finished plan, so it is written last. */
	for (size_t i = 0; hob && i < td->n_sec; i++)
		if (td->sec[i].type == TDVF_TD_HOB &&
		    td_hob_build(hob, td->sec[i].mem_size, td->sec[i].gpa, p))
			goto fail;
	free(fw);
	free(td);
	return 0;
fail:
	free(fw);
	free(td);
	plan_free(p);
	return -1;
}
