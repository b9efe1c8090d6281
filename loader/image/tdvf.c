#include <string.h>

#include "loader/image/ovmf.h"
#include "loader/image/tdvf.h"
#include "vmm/log.h"

#define TDVF_HDR	16	/* 'TDVF', length, version, section count */
#define TDVF_SEC	32

static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

const char *tdvf_section_name(uint32_t type)
{
	static const char *const names[] = {
		[TDVF_BFV] = "BFV", [TDVF_CFV] = "CFV", [TDVF_TD_HOB] = "TD_HOB",
		[TDVF_TEMP_MEM] = "TempMem", [TDVF_PERM_MEM] = "PermMem",
		[TDVF_PAYLOAD] = "Payload", [TDVF_PAYLOAD_PARAM] = "PayloadParam",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

static int check_section(const struct tdvf_section *s, size_t i, size_t len,
			 const char *name)
{
	const char *tn = tdvf_section_name(s->type);
	uint64_t end;

	if (!tn) {
		cvmm_err("%s: TDVF section %zu has type %u, which cvmm cannot launch", name, i, s->type);
		return -1;
	}
	if (s->attributes & ~(uint32_t)(TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG)) {
		cvmm_err("%s: TDVF section %zu (%s) has unknown attributes 0x%x",
			 name, i, tn, s->attributes);
		return -1;
	}
	if (s->mem_size == 0 || (s->gpa | s->mem_size) & 0xfff ||
	    __builtin_add_overflow(s->gpa, s->mem_size, &end) || end > (1ULL << 52)) {
		cvmm_err("%s: TDVF section %zu (%s) at 0x%llx size 0x%llx is empty, unaligned or beyond the guest address space",
			 name, i, tn, (unsigned long long)s->gpa, (unsigned long long)s->mem_size);
		return -1;
	}
	if (s->raw_size > s->mem_size) {
		cvmm_err("%s: TDVF section %zu (%s) has 0x%x file bytes for 0x%llx bytes of memory",
			 name, i, tn, s->raw_size, (unsigned long long)s->mem_size);
		return -1;
	}
	if ((uint64_t)s->data_offset + s->raw_size > len) {
		cvmm_err("%s: TDVF section %zu (%s) takes file bytes [0x%x, 0x%llx) but the image has 0x%zx%s",
			 name, i, tn, s->data_offset,
			 (unsigned long long)s->data_offset + s->raw_size, len,
			 " (TDX needs the unified image, e.g. /usr/share/ovmf/OVMF.fd)");
		return -1;
	}
	if ((s->type == TDVF_BFV || s->type == TDVF_CFV) && s->raw_size == 0) {
		cvmm_err("%s: TDVF section %zu (%s) carries no file data", name, i, tn);
		return -1;
	}
	if ((s->type == TDVF_TD_HOB || s->type == TDVF_TEMP_MEM) && s->raw_size != 0) {
		cvmm_err("%s: TDVF section %zu (%s) must not carry file data", name, i, tn);
		return -1;
	}
	if (s->type == TDVF_TD_HOB && s->attributes & TDVF_ATTR_PAGE_AUG) {
		cvmm_err("%s: TDVF section %zu: the TD HOB cannot be a PAGE.AUG section", name, i);
		return -1;
	}
	return 0;
}

int tdvf_parse(const uint8_t *img, size_t len, const struct ovmf_info *fw,
	       const char *name, struct tdvf_info *t)
{
	uint32_t dlen, version, count;
	size_t off;

	memset(t, 0, sizeof(*t));
	if (!fw->has_tdx_meta) {
		cvmm_err("%s: no TDVF metadata (the OVMF footer table has no TDX metadata entry)", name);
		return -1;
	}
	off = fw->tdx_meta_off;
	if (len - off < TDVF_HDR || memcmp(img + off, "TDVF", 4)) {
		cvmm_err("%s: no 'TDVF' descriptor at the TDX metadata offset 0x%zx", name, off);
		return -1;
	}
	dlen = get_u32(img + off + 4);
	version = get_u32(img + off + 8);
	count = get_u32(img + off + 12);
	if (version != 1) {
		cvmm_err("%s: TDVF descriptor version %u (cvmm knows version 1)", name, version);
		return -1;
	}
	if (count == 0 || count > TDVF_MAX_SECTIONS) {
		cvmm_err("%s: TDVF descriptor claims %u sections (1..%d)", name, count, TDVF_MAX_SECTIONS);
		return -1;
	}
	if (dlen < TDVF_HDR + count * TDVF_SEC || dlen > len - off) {
		cvmm_err("%s: TDVF descriptor length %u does not hold %u sections inside the image",
			 name, dlen, count);
		return -1;
	}
	t->desc_off = off;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = img + off + TDVF_HDR + i * TDVF_SEC;
		struct tdvf_section *s = &t->sec[i];

		s->data_offset = get_u32(p);
		s->raw_size = get_u32(p + 4);
		s->gpa = get_u64(p + 8);
		s->mem_size = get_u64(p + 16);
		s->type = get_u32(p + 24);
		s->attributes = get_u32(p + 28);
		if (check_section(s, i, len, name))
			return -1;
		for (uint32_t j = 0; j < i; j++) {
			const struct tdvf_section *o = &t->sec[j];

			if (s->gpa < o->gpa + o->mem_size && o->gpa < s->gpa + s->mem_size) {
				cvmm_err("%s: TDVF sections %u (%s) and %u (%s) overlap", name,
					 j, tdvf_section_name(o->type), i, tdvf_section_name(s->type));
				return -1;
			}
		}
		if (s->type == TDVF_TD_HOB) {
			if (t->has_td_hob) {
				cvmm_err("%s: TDVF descriptor has two TD_HOB sections", name);
				return -1;
			}
			t->has_td_hob = true;
			t->td_hob_gpa = s->gpa;
		}
	}
	t->n_sec = count;
	return 0;
}
