#include <stdio.h>
#include <string.h>

#include "loader/image/ovmf.h"
#include "vmm/log.h"

const struct efi_guid OVMF_GUID_FOOTER = EFI_GUID(0x96b582de, 0x1fb2, 0x45f7,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d);
const struct efi_guid OVMF_GUID_SEV_ES_RESET = EFI_GUID(0x00f771de, 0x1a7e, 0x4fcb,
	0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e);
const struct efi_guid OVMF_GUID_SEV_SECRET = EFI_GUID(0x4c2eb361, 0x7d9b, 0x4cc3,
	0x80, 0x81, 0x12, 0x7c, 0x90, 0xd3, 0xd2, 0x94);
const struct efi_guid OVMF_GUID_SEV_HASH_TABLE = EFI_GUID(0x7255371f, 0x3a3b, 0x4b04,
	0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54);
const struct efi_guid OVMF_GUID_SEV_META = EFI_GUID(0xdc886566, 0x984a, 0x4798,
	0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc);
const struct efi_guid OVMF_GUID_TDX_META = EFI_GUID(0xe47a6535, 0x984a, 0x4798,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2);

#define ENTRY_TAIL	18u	/* u16 length + GUID after each entry's data */
#define FOOTER_FROM_END	32	/* the reset-vector code follows the table */
#define SEV_META_HDR	16	/* 'ASEV', length, version, item count */
#define SEV_META_ITEM	12

static uint16_t get_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

void efi_guid_format(const struct efi_guid *g, char buf[37])
{
	const uint8_t *b = g->b;

	snprintf(buf, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 get_u32(b), get_u16(b + 4), get_u16(b + 6), b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

const char *sev_section_name(uint32_t type)
{
	switch (type) {
	case SEV_SECTION_SNP_SEC_MEM:		return "SNP_SEC_MEM";
	case SEV_SECTION_SNP_SECRETS:		return "SNP_SECRETS";
	case SEV_SECTION_CPUID:			return "CPUID";
	case SEV_SECTION_SVSM_CAA:		return "SVSM_CAA";
	case SEV_SECTION_SNP_KERNEL_HASHES:	return "SNP_KERNEL_HASHES";
	}
	return NULL;
}

const struct ovmf_entry *ovmf_find(const struct ovmf_info *fw, const struct efi_guid *g)
{
	for (size_t i = 0; i < fw->n_entries; i++)
		if (!memcmp(&fw->entries[i].guid, g, sizeof(*g)))
			return &fw->entries[i];
	return NULL;
}

bool ovmf_has_section(const struct ovmf_info *fw, enum sev_section_type t, size_t *idx)
{
	for (size_t i = 0; i < fw->n_sev; i++) {
		if (fw->sev[i].type == t) {
			if (idx)
				*idx = i;
			return true;
		}
	}
	return false;
}

/*
 * The table sits right before the last 32 bytes: [entries][u16 len][footer
 * GUID]. Entries are walked downwards; each one's length includes its
 * 18-byte tail and must be at least that, so the walk strictly descends and
 * cannot loop.
 */
static int parse_table(const uint8_t *img, size_t len, const char *name,
		       struct ovmf_info *fw)
{
	size_t foot, start, pos;
	uint16_t total;

	if (len < FOOTER_FROM_END + ENTRY_TAIL)
		return 0;
	foot = len - FOOTER_FROM_END - ENTRY_TAIL;
	if (memcmp(img + foot + 2, &OVMF_GUID_FOOTER, 16))
		return 0;
	total = get_u16(img + foot);
	if (total < ENTRY_TAIL || (size_t)total - ENTRY_TAIL > foot) {
		cvmm_err("%s: OVMF footer table length %u does not fit the %zu-byte image",
			 name, total, len);
		return -1;
	}
	start = foot - (total - ENTRY_TAIL);
	/* Like QEMU and sev-snp-measure, ignore a remainder too short for an entry. */
	for (pos = foot; pos - start >= ENTRY_TAIL;) {
		struct ovmf_entry *e;
		uint16_t elen = get_u16(img + pos - ENTRY_TAIL);
		char g[37];

		if (elen < ENTRY_TAIL || elen > pos - start) {
			cvmm_err("%s: OVMF footer table entry at 0x%zx has length %u (needs %d..%zu)",
				 name, pos - ENTRY_TAIL, elen, ENTRY_TAIL, pos - start);
			return -1;
		}
		if (fw->n_entries == OVMF_TABLE_MAX_ENTRIES) {
			cvmm_err("%s: OVMF footer table has more than %d entries",
				 name, OVMF_TABLE_MAX_ENTRIES);
			return -1;
		}
		e = &fw->entries[fw->n_entries];
		memcpy(&e->guid, img + pos - 16, 16);
		e->data_off = pos - elen;
		e->data_len = elen - ENTRY_TAIL;
		/* QEMU takes the first copy, sev-snp-measure the last: refuse both. */
		if (ovmf_find(fw, &e->guid)) {
			efi_guid_format(&e->guid, g);
			cvmm_err("%s: OVMF footer table lists GUID %s twice", name, g);
			return -1;
		}
		fw->n_entries++;
		pos -= elen;
	}
	return 0;
}

/* Data of a known entry, at least min bytes; NULL when absent. */
static const uint8_t *entry_data(const uint8_t *img, const struct ovmf_info *fw,
				 const struct efi_guid *g, size_t min, const char *what,
				 const char *name, int *err)
{
	const struct ovmf_entry *e = ovmf_find(fw, g);

	if (!e)
		return NULL;
	if (e->data_len < min) {
		cvmm_err("%s: OVMF %s entry has %zu data bytes, needs %zu",
			 name, what, e->data_len, min);
		*err = 1;
		return NULL;
	}
	return img + e->data_off;
}

static int parse_sev_meta(const uint8_t *img, size_t len, const char *name,
			  uint32_t from_end, struct ovmf_info *fw)
{
	size_t off, need;
	uint32_t mlen, version, count;

	if (from_end > len || from_end < SEV_META_HDR) {
		cvmm_err("%s: SEV metadata offset 0x%x from the end lies outside the %zu-byte image",
			 name, from_end, len);
		return -1;
	}
	off = len - from_end;
	if (memcmp(img + off, "ASEV", 4)) {
		cvmm_err("%s: no 'ASEV' signature at the SEV metadata offset 0x%zx", name, off);
		return -1;
	}
	mlen = get_u32(img + off + 4);
	version = get_u32(img + off + 8);
	count = get_u32(img + off + 12);
	if (version != 1) {
		cvmm_err("%s: SEV metadata version %u (cvmm knows version 1)", name, version);
		return -1;
	}
	if (count > SEV_META_MAX_ITEMS) {
		cvmm_err("%s: SEV metadata claims %u sections (at most %d)",
			 name, count, SEV_META_MAX_ITEMS);
		return -1;
	}
	need = SEV_META_HDR + (size_t)count * SEV_META_ITEM;
	if (mlen < need || mlen > from_end) {
		cvmm_err("%s: SEV metadata length %u does not hold %u sections inside the image",
			 name, mlen, count);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *it = img + off + SEV_META_HDR + i * SEV_META_ITEM;
		struct sev_section *s = &fw->sev[i];
		uint64_t end;

		s->gpa = get_u32(it);
		s->size = get_u32(it + 4);
		s->type = get_u32(it + 8);
		end = (uint64_t)s->gpa + s->size;
		if (!sev_section_name(s->type)) {
			cvmm_err("%s: SEV metadata section %u has unknown type 0x%x", name, i, s->type);
			return -1;
		}
		if (s->size == 0 || (s->gpa | s->size) & 0xfff) {
			cvmm_err("%s: SEV metadata section %u (%s) at 0x%x size 0x%x is empty or not page aligned",
				 name, i, sev_section_name(s->type), s->gpa, s->size);
			return -1;
		}
		for (uint32_t j = 0; j < i; j++) {
			const struct sev_section *o = &fw->sev[j];

			if (s->gpa < (uint64_t)o->gpa + o->size && o->gpa < end) {
				cvmm_err("%s: SEV metadata sections %u and %u overlap at 0x%x",
					 name, j, i, s->gpa > o->gpa ? s->gpa : o->gpa);
				return -1;
			}
		}
	}
	fw->has_sev_meta = true;
	fw->sev_meta_off = off;
	fw->n_sev = count;
	return 0;
}

int ovmf_parse(const uint8_t *img, size_t len, const char *name, struct ovmf_info *fw)
{
	const uint8_t *d;
	int err = 0;

	memset(fw, 0, sizeof(*fw));
	fw->size = len;
	if (len == 0 || len > (1ULL << 32) || len & 0xfff) {
		cvmm_err("%s: a firmware image must be a non-empty multiple of 4 KiB up to 4 GiB (got %zu bytes)",
			 name, len);
		return -1;
	}
	fw->gpa = (1ULL << 32) - len;
	if (parse_table(img, len, name, fw))
		return -1;

	if ((d = entry_data(img, fw, &OVMF_GUID_SEV_ES_RESET, 4, "SEV-ES reset block", name, &err))) {
		fw->has_reset_block = true;
		fw->ap_eip = get_u32(d);
	}
	if ((d = entry_data(img, fw, &OVMF_GUID_SEV_HASH_TABLE, 8, "SEV hash table", name, &err))) {
		fw->has_hash_table = true;
		fw->hash_table_gpa = get_u32(d);
		fw->hash_table_size = get_u32(d + 4);
	}
	if ((d = entry_data(img, fw, &OVMF_GUID_SEV_SECRET, 8, "SEV secret block", name, &err))) {
		fw->has_secret_block = true;
		fw->secret_gpa = get_u32(d);
		fw->secret_size = get_u32(d + 4);
	}
	if ((d = entry_data(img, fw, &OVMF_GUID_TDX_META, 4, "TDX metadata offset", name, &err))) {
		uint32_t from_end = get_u32(d);

		if (from_end > len || from_end == 0) {
			cvmm_err("%s: TDX metadata offset 0x%x from the end lies outside the %zu-byte image",
				 name, from_end, len);
			return -1;
		}
		fw->has_tdx_meta = true;
		fw->tdx_meta_off = len - from_end;
	}
	if (err)
		return -1;
	if ((d = entry_data(img, fw, &OVMF_GUID_SEV_META, 4, "SEV metadata offset", name, &err)) &&
	    parse_sev_meta(img, len, name, get_u32(d), fw))
		return -1;
	return err ? -1 : 0;
}
