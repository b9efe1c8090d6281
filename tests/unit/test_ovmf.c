/*
 * Firmware table parsing: Debian's real OVMF images checked field by field
 * against shared/docs/measurement.md section 1, and malformed images
 * (truncated tables, entry-length loops, metadata outside the image,
 * overlaps, absurd sizes) that must end in one clear error without a read
 * past the buffer (ASan watches: every image is an exact-size allocation).
 */
#include <stdio.h>
#include <string.h>

#include "check_compat.h"
#include "loader/image/file.h"
#include "loader/image/ovmf.h"
#include "loader/image/tdvf.h"
#include "vmm/log.h"

#define OVMF_CODE	"/usr/share/OVMF/OVMF_CODE.fd"
#define OVMF_VARS	"/usr/share/OVMF/OVMF_VARS.fd"
#define OVMF_UNIFIED	"/usr/share/ovmf/OVMF.fd"
#define OVMF_CODE_4M	"/usr/share/OVMF/OVMF_CODE_4M.fd"

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *b;

	ck_assert_int_eq(file_read_all(path, "test", &b, len), 0);
	return b;
}

static void check_sev_items(const struct ovmf_info *fw)
{
	static const struct sev_section want[] = {
		{ 0x800000, 0x9000, SEV_SECTION_SNP_SEC_MEM },
		{ 0x80a000, 0x3000, SEV_SECTION_SNP_SEC_MEM },
		{ 0x80d000, 0x1000, SEV_SECTION_SNP_SECRETS },
		{ 0x80e000, 0x1000, SEV_SECTION_CPUID },
		{ 0x80f000, 0x11000, SEV_SECTION_SNP_SEC_MEM },
	};

	ck_assert(fw->has_sev_meta);
	ck_assert_uint_eq(fw->n_sev, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_uint_eq(fw->sev[i].gpa, want[i].gpa);
		ck_assert_uint_eq(fw->sev[i].size, want[i].size);
		ck_assert_uint_eq(fw->sev[i].type, want[i].type);
	}
	ck_assert(!ovmf_has_section(fw, SEV_SECTION_SNP_KERNEL_HASHES, NULL));
}

/* The footer table of the 2 MiB images, at image offset base. */
static void check_table(const struct ovmf_info *fw, size_t base)
{
	static const struct efi_guid *const order[] = {
		&OVMF_GUID_SEV_ES_RESET, &OVMF_GUID_SEV_SECRET, &OVMF_GUID_SEV_HASH_TABLE,
		&OVMF_GUID_SEV_META, &OVMF_GUID_TDX_META,
	};
	static const size_t data_off[] = { 0x1dffb8, 0x1dff9e, 0x1dff84, 0x1dff6e, 0x1dff58 };
	static const size_t data_len[] = { 4, 8, 8, 4, 4 };

	ck_assert_uint_eq(fw->n_entries, 5);
	for (size_t i = 0; i < 5; i++) {
		ck_assert_mem_eq(&fw->entries[i].guid, order[i], 16);
		ck_assert_uint_eq(fw->entries[i].data_off, base + data_off[i]);
		ck_assert_uint_eq(fw->entries[i].data_len, data_len[i]);
	}
	ck_assert(fw->has_reset_block);
	ck_assert_uint_eq(fw->ap_eip, 0x0080b004);
	ck_assert(fw->has_secret_block && fw->secret_gpa == 0 && fw->secret_size == 0);
	ck_assert(fw->has_hash_table && fw->hash_table_gpa == 0 && fw->hash_table_size == 0);
	ck_assert_uint_eq(fw->sev_meta_off, base + 0x1dfad4);
	ck_assert(fw->has_tdx_meta);
	ck_assert_uint_eq(fw->tdx_meta_off, base + 0x1df7c0);
	check_sev_items(fw);
}

START_TEST(debian_ovmf_code)
{
	struct ovmf_info fw;
	struct tdvf_info td;
	size_t len;
	uint8_t *img = load(OVMF_CODE, &len);
	char g[37];

	ck_assert_uint_eq(len, 0x1e0000);
	ck_assert_int_eq(ovmf_parse(img, len, OVMF_CODE, &fw), 0);
	ck_assert_uint_eq(fw.gpa, 0xffe20000);
	check_table(&fw, 0);
	efi_guid_format(&fw.entries[0].guid, g);
	ck_assert_str_eq(g, "00f771de-1a7e-4fcb-890e-68c77e2fb44e");
	/* Its TDVF offsets refer to the unified image: unusable alone. */
	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(tdvf_parse(img, len, &fw, OVMF_CODE, &td), -1);
	free(img);
}
END_TEST

START_TEST(debian_ovmf_unified)
{
	static const struct tdvf_section want[] = {
		{ 0x20000, 0x1e0000, 0xffe20000, 0x1e0000, TDVF_BFV, TDVF_ATTR_MR_EXTEND },
		{ 0, 0x20000, 0xffe00000, 0x20000, TDVF_CFV, 0 },
		{ 0, 0, 0x810000, 0x10000, TDVF_TEMP_MEM, 0 },
		{ 0, 0, 0x80b000, 0x2000, TDVF_TEMP_MEM, 0 },
		{ 0, 0, 0x809000, 0x2000, TDVF_TD_HOB, 0 },
		{ 0, 0, 0x800000, 0x6000, TDVF_TEMP_MEM, 0 },
	};
	struct ovmf_info fw;
	struct tdvf_info td;
	size_t len, clen, vlen;
	uint8_t *img = load(OVMF_UNIFIED, &len);
	uint8_t *code = load(OVMF_CODE, &clen), *vars = load(OVMF_VARS, &vlen);

	/* The unified image is VARS followed by CODE, byte for byte. */
	ck_assert_uint_eq(len, vlen + clen);
	ck_assert_mem_eq(img, vars, vlen);
	ck_assert(!memcmp(img + vlen, code, clen));
	ck_assert_int_eq(ovmf_parse(img, len, OVMF_UNIFIED, &fw), 0);
	ck_assert_uint_eq(fw.gpa, 0xffe00000);
	check_table(&fw, 0x20000);
	ck_assert_int_eq(tdvf_parse(img, len, &fw, OVMF_UNIFIED, &td), 0);
	ck_assert_uint_eq(td.desc_off, 0x1ff7c0);
	ck_assert_uint_eq(td.n_sec, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_uint_eq(td.sec[i].data_offset, want[i].data_offset);
		ck_assert_uint_eq(td.sec[i].raw_size, want[i].raw_size);
		ck_assert_uint_eq(td.sec[i].gpa, want[i].gpa);
		ck_assert_uint_eq(td.sec[i].mem_size, want[i].mem_size);
		ck_assert_uint_eq(td.sec[i].type, want[i].type);
		ck_assert_uint_eq(td.sec[i].attributes, want[i].attributes);
	}
	ck_assert(td.has_td_hob && td.td_hob_gpa == 0x809000);
	free(img);
	free(code);
	free(vars);
}
END_TEST

START_TEST(debian_ovmf_4m)
{
	struct ovmf_info fw;
	size_t len;
	uint8_t *img = load(OVMF_CODE_4M, &len);

	ck_assert_uint_eq(len, 0x37c000);
	ck_assert_int_eq(ovmf_parse(img, len, OVMF_CODE_4M, &fw), 0);
	ck_assert_uint_eq(fw.n_entries, 3);
	ck_assert(fw.has_reset_block && fw.ap_eip == 0x00808004);
	ck_assert(fw.has_secret_block && fw.has_hash_table);
	ck_assert(!fw.has_sev_meta && !fw.has_tdx_meta);
	free(img);
}
END_TEST

/* ---- synthetic images ---------------------------------------------------- */

#define IMG	0x10000

struct ent { const struct efi_guid *g; uint8_t data[16]; uint16_t dlen; int len_fix; };

/* Entries are laid low to high; the walk meets the last one first. */
static uint8_t *mkimg(const struct ent *e, size_t n, int total_fix)
{
	uint8_t *img = calloc(1, IMG);
	size_t pos = IMG - 32 - 18, tot = 0;
	uint16_t total;

	for (size_t i = 0; i < n; i++)
		tot += e[i].dlen + 18;
	pos -= tot;
	for (size_t i = 0; i < n; i++) {
		uint16_t len = e[i].dlen + 18 + e[i].len_fix;

		memcpy(img + pos, e[i].data, e[i].dlen);
		memcpy(img + pos + e[i].dlen, &len, 2);
		memcpy(img + pos + e[i].dlen + 2, e[i].g, 16);
		pos += e[i].dlen + 18;
	}
	total = tot + 18 + total_fix;
	memcpy(img + pos, &total, 2);
	memcpy(img + pos + 2, &OVMF_GUID_FOOTER, 16);
	return img;
}

static void put32(uint8_t *b, uint32_t v) { memcpy(b, &v, 4); }

static int parse(uint8_t *img, size_t len)
{
	struct ovmf_info fw;
	struct tdvf_info td;
	int r = ovmf_parse(img, len, "synthetic", &fw);

	if (r == 0 && fw.has_tdx_meta)
		r = tdvf_parse(img, len, &fw, "synthetic", &td);
	free(img);
	return r;
}

START_TEST(footer_table_malformed)
{
	struct ent e[2] = {
		{ &OVMF_GUID_SEV_SECRET, { 0 }, 8, 0 },
		{ &OVMF_GUID_SEV_ES_RESET, { 0x04, 0xb0, 0x80 }, 4, 0 },
	};
	uint8_t *img;

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(parse(mkimg(e, 2, 0), IMG), 0);
	/* total length past the start of the image */
	ck_assert_int_eq(parse(mkimg(e, 2, 0xffa0), IMG), -1);
	/* total shorter than the footer itself */
	ck_assert_int_eq(parse(mkimg(e, 2, -100), IMG), -1);
	/* an entry of length 0 (would loop forever in a naive walk) */
	e[1].len_fix = -22;
	ck_assert_int_eq(parse(mkimg(e, 2, 0), IMG), -1);
	/* an entry claiming more than the table */
	e[1].len_fix = 200;
	ck_assert_int_eq(parse(mkimg(e, 2, 0), IMG), -1);
	/* the reset block too short for its EIP */
	e[1].len_fix = 0;
	e[1].dlen = 2;
	ck_assert_int_eq(parse(mkimg(e, 2, 0), IMG), -1);
	/* the same GUID twice */
	e[1] = e[0];
	ck_assert_int_eq(parse(mkimg(e, 2, 0), IMG), -1);
	/* images too small for a footer, or not page sized */
	img = calloc(1, 40);
	ck_assert_int_eq(parse(img, 40), -1);
	img = calloc(1, 4096);
	ck_assert_int_eq(parse(img, 4096), 0);
	img = calloc(1, 4097);
	ck_assert_int_eq(parse(img, 4097), -1);
	/* truncated: the table of a real image cut off at its start */
	img = mkimg(e, 1, 0);
	memmove(img, img + IMG - 4096, 4096);
	ck_assert_int_eq(parse(img, 4096), 0);
}
END_TEST

/* An image whose SEV metadata block at IMG - 0x600 is given by the caller. */
static uint8_t *sev_img(uint32_t from_end, const uint32_t *hdr, const uint32_t *items, size_t n)
{
	struct ent e = { &OVMF_GUID_SEV_META, { 0 }, 4, 0 };
	uint8_t *img;

	put32(e.data, from_end);
	img = mkimg(&e, 1, 0);
	if (hdr) {
		memcpy(img + IMG - 0x600, hdr, 16);
		memcpy(img + IMG - 0x600 + 16, items, n * 12);
	}
	return img;
}

START_TEST(sev_metadata_malformed)
{
	const uint32_t asev = 0x56455341;	/* 'ASEV' */
	uint32_t hdr[4] = { asev, 16 + 24, 1, 2 };
	uint32_t items[6] = { 0x800000, 0x9000, 1, 0x80d000, 0x1000, 2 };

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), 0);
	ck_assert_int_eq(parse(sev_img(IMG + 1, hdr, items, 2), IMG), -1);	/* outside */
	ck_assert_int_eq(parse(sev_img(8, hdr, items, 2), IMG), -1);		/* header cut */
	hdr[3] = 0x40000000;						/* absurd count */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	hdr[3] = 2;
	hdr[1] = 16 + 12;						/* length too short */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	hdr[1] = 0x601;							/* past the end */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	hdr[1] = 40;
	hdr[2] = 2;							/* unknown version */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	hdr[2] = 1;
	items[3] = 0x808000;						/* overlap */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	items[3] = 0x80d800;						/* unaligned */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	items[3] = 0x80d000;
	items[5] = 0x77;						/* unknown type */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
	items[5] = 2;
	hdr[0] = 0;							/* no signature */
	ck_assert_int_eq(parse(sev_img(0x600, hdr, items, 2), IMG), -1);
}
END_TEST

struct tdsec { uint32_t off, raw; uint64_t gpa, size; uint32_t type, attr; } __attribute__((packed));

static uint8_t *tdvf_img(uint32_t from_end, const uint32_t *hdr, const struct tdsec *s, size_t n)
{
	struct ent e = { &OVMF_GUID_TDX_META, { 0 }, 4, 0 };
	uint8_t *img;

	put32(e.data, from_end);
	img = mkimg(&e, 1, 0);
	memcpy(img + IMG - 0x900, hdr, 16);
	memcpy(img + IMG - 0x900 + 16, s, n * sizeof(*s));
	return img;
}

START_TEST(tdvf_malformed)
{
	const uint32_t sig = 0x46564454;	/* 'TDVF' */
	uint32_t hdr[4] = { sig, 16 + 3 * 32, 1, 3 };
	struct tdsec s[3] = {
		{ 0x2000, 0xe000, 0xffff2000, 0xe000, TDVF_BFV, TDVF_ATTR_MR_EXTEND },
		{ 0, 0x2000, 0xffff0000, 0x2000, TDVF_CFV, 0 },
		{ 0, 0, 0x809000, 0x2000, TDVF_TD_HOB, 0 },
	};
	struct tdsec t[3];

	cvmm_verbosity = LOG_QUIET;
	ck_assert_uint_eq(sizeof(struct tdsec), 32);
	ck_assert_int_eq(parse(tdvf_img(0x900, hdr, s, 3), IMG), 0);
	ck_assert_int_eq(parse(tdvf_img(IMG + 0x1000, hdr, s, 3), IMG), -1);	/* outside */
	hdr[3] = 0xffffff;							/* absurd count */
	ck_assert_int_eq(parse(tdvf_img(0x900, hdr, s, 3), IMG), -1);
	hdr[3] = 3;
	hdr[1] = 0x7fffffff;							/* length past end */
	ck_assert_int_eq(parse(tdvf_img(0x900, hdr, s, 3), IMG), -1);
	hdr[1] = 16 + 3 * 32;
#define VARIANT(field, value) do {						\
		memcpy(t, s, sizeof(t));					\
		field = value;							\
		ck_assert_int_eq(parse(tdvf_img(0x900, hdr, t, 3), IMG), -1);	\
	} while (0)
	VARIANT(t[0].raw, 0xf000);		/* file data past the image */
	VARIANT(t[0].off, 0xfffff000);		/* offset + size wraps in 32 bits */
	VARIANT(t[0].size, 0x1000);		/* raw data bigger than memory */
	VARIANT(t[2].gpa, 0xfffffffffffff000);	/* gpa + size wraps */
	VARIANT(t[2].size, 1ULL << 60);		/* absurd size */
	VARIANT(t[2].gpa, 0x809800);		/* unaligned */
	VARIANT(t[2].size, 0);			/* empty */
	VARIANT(t[2].gpa, 0xffff1000);		/* overlaps the CFV */
	VARIANT(t[2].type, 9);			/* unknown type */
	VARIANT(t[2].attr, 0x4);		/* unknown attribute */
	VARIANT(t[2].attr, TDVF_ATTR_PAGE_AUG);	/* TD HOB cannot be PAGE.AUG */
	VARIANT(t[2].raw, 0x1000);		/* TD HOB with file data */
	VARIANT(t[1].raw, 0);			/* CFV without file data */
	VARIANT(t[1], ((struct tdsec){ 0, 0, 0x80b000, 0x2000, TDVF_TD_HOB, 0 }));	/* two TD HOBs */
#undef VARIANT
	hdr[0] = 0;
	ck_assert_int_eq(parse(tdvf_img(0x900, hdr, s, 3), IMG), -1);		/* no signature */
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("ovmf");
	TCase *tc = tcase_create("ovmf");

	tcase_add_test(tc, debian_ovmf_code);
	tcase_add_test(tc, debian_ovmf_unified);
	tcase_add_test(tc, debian_ovmf_4m);
	tcase_add_test(tc, footer_table_malformed);
	tcase_add_test(tc, sev_metadata_malformed);
	tcase_add_test(tc, tdvf_malformed);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
