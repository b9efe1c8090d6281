/*
 * OVMF's footer GUID table and what SNP launches read from it: the SEV-ES
 * reset block (AP entry point), the SEV hash table and secret block, the
 * SEV ("ASEV") metadata sections and the TDX metadata offset. Facts:
 * shared/docs/measurement.md section 1. Every offset and length comes from
 * the file, so every one is checked against the file size before use.
 */
#ifndef CVMM_OVMF_H
#define CVMM_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An EFI GUID in its stored (little-endian first three fields) byte form. */
struct efi_guid { uint8_t b[16]; };

/* The canonical text form a-b-c-d-e, stored with a, b, c little-endian. */
#define EFI_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7) {{			\
	(a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff,	\
	(b) & 0xff, ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff,		\
	d0, d1, d2, d3, d4, d5, d6, d7 }}

extern const struct efi_guid OVMF_GUID_FOOTER, OVMF_GUID_SEV_ES_RESET,
	OVMF_GUID_SEV_SECRET, OVMF_GUID_SEV_HASH_TABLE, OVMF_GUID_SEV_META,
	OVMF_GUID_TDX_META;

/* SEV metadata section types (ASEV items). */
enum sev_section_type {
	SEV_SECTION_SNP_SEC_MEM = 1,
	SEV_SECTION_SNP_SECRETS = 2,
	SEV_SECTION_CPUID = 3,
	SEV_SECTION_SVSM_CAA = 4,
	SEV_SECTION_SNP_KERNEL_HASHES = 0x10,
};

#define OVMF_TABLE_MAX_ENTRIES	64	/* each entry is >= 18 bytes of a u16-sized table */
#define SEV_META_MAX_ITEMS	64	/* Debian: 5, AmdSev builds: 7 */

struct ovmf_entry {
	struct efi_guid guid;
	size_t data_off;		/* file offset of the entry's data */
	size_t data_len;
};

struct sev_section {
	uint32_t gpa, size, type;
};

struct ovmf_info {
	size_t size;			/* image size */
	uint64_t gpa;			/* where it maps: 4 GiB - size */
	struct ovmf_entry entries[OVMF_TABLE_MAX_ENTRIES];
	size_t n_entries;		/* 0: no footer table */

	bool has_reset_block;
	uint32_t ap_eip;		/* SEV-ES reset block: AP entry point */
	bool has_hash_table;
	uint32_t hash_table_gpa, hash_table_size;
	bool has_secret_block;
	uint32_t secret_gpa, secret_size;

	bool has_sev_meta;
	size_t sev_meta_off;		/* file offset of 'ASEV' */
	struct sev_section sev[SEV_META_MAX_ITEMS];
	size_t n_sev;

	bool has_tdx_meta;
	size_t tdx_meta_off;		/* file offset of 'TDVF' (from the table) */
};

/*
 * Parses the footer table and the SEV metadata of an image of len bytes.
 * An image without a footer table is valid (n_entries 0); a table or a
 * metadata block that is there but malformed is an error: -1 and one line
 * naming what (name) is wrong.
 */
int ovmf_parse(const uint8_t *img, size_t len, const char *name, struct ovmf_info *out);

/* The entry with this GUID, or NULL. */
const struct ovmf_entry *ovmf_find(const struct ovmf_info *fw, const struct efi_guid *g);

/* Whether a metadata section of this type exists; its index in *idx. */
bool ovmf_has_section(const struct ovmf_info *fw, enum sev_section_type t, size_t *idx);

const char *sev_section_name(uint32_t type);
/* "96b582de-1fb2-..." into buf (37 bytes). */
void efi_guid_format(const struct efi_guid *g, char buf[37]);

#endif
