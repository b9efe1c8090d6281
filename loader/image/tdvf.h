/*
 * TDVF metadata: the descriptor ('TDVF') that an Intel TDX firmware image
 * carries, located through OVMF's footer table. It lists the sections the
 * VMM adds to the TD before it runs (TDVF spec; shared/docs/measurement.md
 * section 1.2 and 3). Everything is checked against the image size.
 */
#ifndef CVMM_TDVF_H
#define CVMM_TDVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ovmf_info;

enum tdvf_section_type {
	TDVF_BFV = 0,
	TDVF_CFV = 1,
	TDVF_TD_HOB = 2,
	TDVF_TEMP_MEM = 3,
	TDVF_PERM_MEM = 4,
	TDVF_PAYLOAD = 5,
	TDVF_PAYLOAD_PARAM = 6,
};

#define TDVF_ATTR_MR_EXTEND	0x1
#define TDVF_ATTR_PAGE_AUG	0x2
#define TDVF_MAX_SECTIONS	32

struct tdvf_section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, mem_size;
	uint32_t type, attributes;
};

struct tdvf_info {
	size_t desc_off;		/* file offset of 'TDVF' */
	struct tdvf_section sec[TDVF_MAX_SECTIONS];
	size_t n_sec;
	bool has_td_hob;
	uint64_t td_hob_gpa;
};

/*
 * Parses and validates the descriptor (fw from ovmf_parse). -1 with one
 * line when there is none or it is malformed: sections outside the file,
 * overlapping, unaligned, of unknown type or absurd size.
 */
int tdvf_parse(const uint8_t *img, size_t len, const struct ovmf_info *fw,
	       const char *name, struct tdvf_info *out);

const char *tdvf_section_name(uint32_t type);

#endif
