/*
 * The bzImage loader and the boot_params builder: against a real Debian
 * kernel (build/testdata/vmlinuz, unpacked from the linux-image package by
 * tests/tools/fetch-debian-kernel.sh, with facts about it read by od), and
 * against synthetic images for every bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "check_compat.h"
#include "loader/boot/boot_params.h"
#include "loader/image/bzimage.h"
#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

#define MiB (1ULL << 20)

static uint16_t g16(const uint8_t *b, size_t o) { uint16_t v; memcpy(&v, b + o, 2); return v; }
static uint32_t g32(const uint8_t *b, size_t o) { uint32_t v; memcpy(&v, b + o, 4); return v; }
static uint64_t g64(const uint8_t *b, size_t o) { uint64_t v; memcpy(&v, b + o, 8); return v; }
static void p16(uint8_t *b, size_t o, uint16_t v) { memcpy(b + o, &v, 2); }
static void p32(uint8_t *b, size_t o, uint32_t v) { memcpy(b + o, &v, 4); }
static void p64(uint8_t *b, size_t o, uint64_t v) { memcpy(b + o, &v, 8); }

static const struct plan_piece *find_piece(const struct launch_plan *p, const char *what)
{
	for (size_t i = 0; i < p->n_pieces; i++)
		if (!strcmp(p->pieces[i].what, what))
			return &p->pieces[i];
	return NULL;
}

/* ---- a synthetic image, built field by field from boot.rst -------------- */

#define SYN_SECTS	1
#define SYN_SETUP	((SYN_SECTS + 1) * 512)
#define SYN_KERNEL	0x3000
#define SYN_PREF	(4 * MiB)

static uint8_t *synth(size_t *len, size_t kernel_len)
{
	uint8_t *b = calloc(1, SYN_SETUP + kernel_len);

	b[0x1f1] = SYN_SECTS;
	p32(b, 0x1f4, (uint32_t)(kernel_len / 16));
	p16(b, 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;				/* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	p16(b, 0x206, 0x020f);
	b[0x211] = 0x01;				/* LOADED_HIGH */
	p32(b, 0x22c, 0x7fffffff);
	p32(b, 0x230, 2 * MiB);
	b[0x234] = 0;
	b[0x235] = 21;
	p16(b, 0x236, 0x3);
	p32(b, 0x238, 255);
	p64(b, 0x258, SYN_PREF);
	p32(b, 0x260, 0x100000);			/* init_size: 1 MiB */
	for (size_t i = 0; i < kernel_len; i++)
		b[SYN_SETUP + i] = (uint8_t)(i * 7 + 1);
	*len = SYN_SETUP + kernel_len;
	return b;
}

static int load(struct launch_plan *p, const uint8_t *img, size_t len, const uint8_t *rd,
		size_t rd_len, const char *cmdline, uint64_t *entry)
{
	struct bzimage_in in = {
		.img = img, .len = len, .name = "test.bz", .initrd = rd, .initrd_len = rd_len,
		.initrd_name = "test.rd", .cmdline = cmdline,
	};
	return bzimage_load(p, &in, entry, NULL);
}

START_TEST(synthetic_loads)
{
	struct launch_plan p;
	size_t len;
	uint8_t *img = synth(&len, SYN_KERNEL), rd[5000];
	uint64_t entry = 0, rd_gpa;
	const struct plan_piece *k, *r, *b, *c;
	const uint8_t *bp;

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i ^ 0x5a);
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(load(&p, img, len, rd, sizeof(rd), "console=ttyS0 quiet", &entry), 0);
	ck_assert_str_eq(p.image_kind, "bzImage");
	/* Not relocatable: at pref_address; 64-bit entry at +0x200. */
	ck_assert_uint_eq(entry, SYN_PREF + 0x200);
	k = find_piece(&p, "kernel");
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->gpa, SYN_PREF);
	ck_assert_uint_eq(k->data_len, SYN_KERNEL);
	ck_assert_ptr_eq(k->data, img + SYN_SETUP);
	/* initrd: as high as RAM goes (64 MiB < initrd_addr_max), page-aligned. */
	r = find_piece(&p, "initrd");
	ck_assert_ptr_nonnull(r);
	rd_gpa = (64 * MiB - sizeof(rd)) & ~0xfffULL;
	ck_assert_uint_eq(r->gpa, rd_gpa);
	ck_assert_uint_eq(r->data_len, sizeof(rd));
	ck_assert(memcmp(r->data, rd, sizeof(rd)) == 0);

	b = find_piece(&p, "boot_params");
	c = find_piece(&p, "cmdline");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	bp = b->data;
	ck_assert_uint_eq(b->gpa, LAYOUT_BOOT_PARAMS);
	ck_assert_uint_eq(g32(bp, 0x228) | (uint64_t)g32(bp, 0x0c8) << 32, c->gpa);
	ck_assert_str_eq((const char *)c->data, "console=ttyS0 quiet");
	ck_assert_uint_eq(g32(bp, 0x218) | (uint64_t)g32(bp, 0x0c0) << 32, rd_gpa);
	ck_assert_uint_eq(g32(bp, 0x21c) | (uint64_t)g32(bp, 0x0c4) << 32, sizeof(rd));
	ck_assert_uint_eq(g32(bp, 0x214), SYN_PREF);		/* code32_start */
	ck_assert_uint_ne(bp[0x210], 0);			/* type_of_loader */
	ck_assert_uint_eq(g16(bp, 0x1fe), 0xaa55);
	ck_assert(memcmp(bp + 0x202, "HdrS", 4) == 0);
	plan_free(&p);

	/* No initrd: both ramdisk fields stay zero; empty command line. */
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(load(&p, img, len, NULL, 0, NULL, &entry), 0);
	bp = find_piece(&p, "boot_params")->data;
	ck_assert_uint_eq(g32(bp, 0x218), 0);
	ck_assert_uint_eq(g32(bp, 0x21c), 0);
	ck_assert_ptr_null(find_piece(&p, "initrd"));
	ck_assert_str_eq((const char *)find_piece(&p, "cmdline")->data, "");
	plan_free(&p);
	free(img);
}
END_TEST

START_TEST(synthetic_relocatable_and_setup_sects_zero)
{
	struct launch_plan p;
	size_t len, big;
	uint8_t *img = synth(&len, SYN_KERNEL), *img4;
	uint64_t entry;
	struct bzimage_info bi;

	/* Relocatable, pref 3 MiB, alignment 2 MiB: placed at 4 MiB. */
	img[0x234] = 1;
	p64(img, 0x258, 3 * MiB);
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(load(&p, img, len, NULL, 0, "", &entry), 0);
	ck_assert_uint_eq(entry, 4 * MiB + 0x200);
	plan_free(&p);

	/* setup_sects 0 means 4: the kernel starts at (4 + 1) * 512. */
	big = len + 3 * 512;
	img4 = calloc(1, big);
	memcpy(img4, img, SYN_SETUP);
	memcpy(img4 + 5 * 512, img + SYN_SETUP, SYN_KERNEL);
	img4[0x1f1] = 0;
	ck_assert_int_eq(bzimage_parse(img4, big, "four", &bi), 0);
	ck_assert_uint_eq(bi.setup_sects, 4);
	ck_assert_uint_eq(bi.setup_len, 5 * 512);
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(load(&p, img4, big, NULL, 0, "", &entry), 0);
	ck_assert_ptr_eq(find_piece(&p, "kernel")->data, img4 + 5 * 512);
	plan_free(&p);
	free(img4);
	free(img);
}
END_TEST

/* initrd_addr_max too low for it: above 4 GiB if the kernel says it can. */
START_TEST(synthetic_initrd_above_4g)
{
	struct launch_plan p;
	size_t len, rd_len = 12 * MiB;
	uint8_t *img = synth(&len, SYN_KERNEL), *rd = calloc(1, rd_len);
	uint64_t entry, high = 8192 * MiB - LAYOUT_LOW_RAM_MAX;
	const struct plan_piece *r;
	const uint8_t *bp;

	p32(img, 0x22c, 16 * MiB - 1);		/* below it: 4 MiB, the kernel ends at 5 */
	plan_init(&p, 8192 * MiB);
	ck_assert_int_eq(load(&p, img, len, rd, rd_len, "", &entry), 0);
	r = find_piece(&p, "initrd");
	ck_assert_uint_eq(r->gpa, (LAYOUT_HIGH_RAM + high - rd_len) & ~0xfffULL);
	bp = find_piece(&p, "boot_params")->data;
	ck_assert_uint_eq(g32(bp, 0x218), (uint32_t)r->gpa);
	ck_assert_uint_eq(g32(bp, 0x0c0), r->gpa >> 32);
	plan_free(&p);

	/* Without XLF_CAN_BE_LOADED_ABOVE_4G: refused. */
	p16(img, 0x236, XLF_KERNEL_64);
	plan_init(&p, 8192 * MiB);
	capture_begin();
	ck_assert_int_eq(load(&p, img, len, rd, rd_len, "", &entry), -1);
	capture_end();
	ck_one_line(captured, "test.rd", "do not fit");
	plan_free(&p);

	/* Below 4 GiB when it fits under initrd_addr_max, even with high RAM. */
	p32(img, 0x22c, 0x7fffffff);
	plan_init(&p, 8192 * MiB);
	ck_assert_int_eq(load(&p, img, len, rd, rd_len, "", &entry), 0);
	ck_assert_uint_eq(find_piece(&p, "initrd")->gpa, (0x80000000ULL - rd_len) & ~0xfffULL);
	plan_free(&p);
	free(rd);
	free(img);
}
END_TEST

/* A reserved range (the shared window) is kept clear and marked in e820. */
START_TEST(synthetic_reserved_window)
{
	struct launch_plan p;
	size_t len;
	uint8_t *img = synth(&len, SYN_KERNEL), rd[3 * 4096 + 1];
	struct bzimage_in in = {
		.img = img, .len = 0, .name = "test.bz", .initrd = rd, .initrd_len = sizeof(rd),
		.initrd_name = "test.rd", .reserved_gpa = 62 * MiB, .reserved_len = 2 * MiB,
	};
	const struct plan_piece *r;
	const uint8_t *bp;
	uint64_t entry;
	bool seen = false;

	in.len = len;
	memset(rd, 1, sizeof(rd));
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(bzimage_load(&p, &in, &entry, NULL), 0);
	r = find_piece(&p, "initrd");
	ck_assert_uint_eq(r->gpa, (62 * MiB - sizeof(rd)) & ~0xfffULL);
	bp = find_piece(&p, "boot_params")->data;
	for (unsigned i = 0; i < bp[0x1e8]; i++) {
		const uint8_t *e = bp + 0x2d0 + 20 * i;

		if (g64(e, 0) == 62 * MiB && g64(e, 8) == 2 * MiB && g32(e, 16) == 2)
			seen = true;
	}
	ck_assert_msg(seen, "the reserved range is not an e820 reserved entry");
	plan_free(&p);

	/* No room between the kernel's end and the window: refused. */
	in.reserved_gpa = 5 * MiB + 8192;
	plan_init(&p, 64 * MiB);
	in.reserved_len = 64 * MiB - in.reserved_gpa;
	capture_begin();
	ck_assert_int_eq(bzimage_load(&p, &in, &entry, NULL), -1);
	capture_end();
	ck_one_line(captured, "test.rd", "less the shared window");
	plan_free(&p);

	/* The kernel's init_size room may not overlap it either. */
	in.reserved_gpa = 4 * MiB + 0x80000;
	in.reserved_len = 4096;
	plan_init(&p, 64 * MiB);
	capture_begin();
	ck_assert_int_eq(bzimage_load(&p, &in, &entry, NULL), -1);
	capture_end();
	ck_one_line(captured, "test.bz", "overlaps the shared window");
	plan_free(&p);
	free(img);
}
END_TEST

/* Each bad input: refused with one line naming the file or option. */
struct bad_case {
	const char *what, *name, *reason;
	void (*mutate)(uint8_t *img, size_t *len);
	uint64_t mem;
	size_t initrd_len;
	size_t cmdline_len;
};

static void m_empty(uint8_t *b, size_t *l) { *l = 0; }
static void m_trunc_hdr(uint8_t *b, size_t *l) { *l = 0x230; }
static void m_trunc_tiny(uint8_t *b, size_t *l) { *l = 0x1f0; }
static void m_trunc_setup(uint8_t *b, size_t *l) { *l = 0x300; }
static void m_trunc_kernel(uint8_t *b, size_t *l) { *l -= 0x10; }
static void m_boot_flag(uint8_t *b, size_t *l) { b[0x1fe] = 0; }
static void m_hdrs(uint8_t *b, size_t *l) { b[0x205] = 'T'; }
static void m_old(uint8_t *b, size_t *l) { p16(b, 0x206, 0x020b); }
static void m_no64(uint8_t *b, size_t *l) { p16(b, 0x236, 0x2); }
static void m_zimage(uint8_t *b, size_t *l) { b[0x211] = 0; }
static void m_short_hdr(uint8_t *b, size_t *l) { b[0x201] = 0x50; }
static void m_big_init(uint8_t *b, size_t *l) { p32(b, 0x260, 64 * MiB); }
static void m_small_init(uint8_t *b, size_t *l) { p32(b, 0x260, 0x1000); }
static void m_no_sys(uint8_t *b, size_t *l) { p32(b, 0x1f4, 0); }
static void m_payload(uint8_t *b, size_t *l) { p32(b, 0x248, 0x100); p32(b, 0x24c, SYN_KERNEL); }
static void m_align(uint8_t *b, size_t *l) { b[0x234] = 1; p32(b, 0x230, 3 * MiB); }
static void m_low(uint8_t *b, size_t *l) { p64(b, 0x258, 0x90000); }
static void m_none(uint8_t *b, size_t *l) { }

static const struct bad_case bad_cases[] = {
	{ .what = "empty file", .name = "test.bz",
	  .reason = "too short", .mutate = m_empty, .mem = 64 * MiB },
	{ .what = "shorter than the magic", .name = "test.bz",
	  .reason = "too short", .mutate = m_trunc_tiny, .mem = 64 * MiB },
	{ .what = "truncated header", .name = "test.bz",
	  .reason = "truncated setup header", .mutate = m_trunc_hdr, .mem = 64 * MiB },
	{ .what = "truncated setup", .name = "test.bz",
	  .reason = "truncated", .mutate = m_trunc_setup, .mem = 64 * MiB },
	{ .what = "truncated kernel", .name = "test.bz",
	  .reason = "truncated", .mutate = m_trunc_kernel, .mem = 64 * MiB },
	{ .what = "wrong boot flag", .name = "test.bz",
	  .reason = "not a bzImage", .mutate = m_boot_flag, .mem = 64 * MiB },
	{ .what = "wrong HdrS", .name = "test.bz",
	  .reason = "not a bzImage", .mutate = m_hdrs, .mem = 64 * MiB },
	{ .what = "protocol 2.11", .name = "test.bz",
	  .reason = "2.11 is too old", .mutate = m_old, .mem = 64 * MiB },
	{ .what = "no XLF_KERNEL_64", .name = "test.bz",
	  .reason = "XLF_KERNEL_64", .mutate = m_no64, .mem = 64 * MiB },
	{ .what = "zImage", .name = "test.bz",
	  .reason = "zImage", .mutate = m_zimage, .mem = 64 * MiB },
	{ .what = "header too short", .name = "test.bz",
	  .reason = "before the protocol 2.12", .mutate = m_short_hdr, .mem = 64 * MiB },
	{ .what = "syssize 0", .name = "test.bz",
	  .reason = "no kernel", .mutate = m_no_sys, .mem = 64 * MiB },
	{ .what = "payload outside", .name = "test.bz",
	  .reason = "payload", .mutate = m_payload, .mem = 64 * MiB },
	{ .what = "init_size < kernel", .name = "test.bz",
	  .reason = "smaller than the kernel", .mutate = m_small_init, .mem = 64 * MiB },
	{ .what = "kernel_alignment", .name = "test.bz",
	  .reason = "power of two", .mutate = m_align, .mem = 64 * MiB },
	{ .what = "below 1 MiB", .name = "test.bz",
	  .reason = "below 1 MiB", .mutate = m_low, .mem = 64 * MiB },
	{ .what = "init_size beyond RAM", .name = "test.bz",
	  .reason = "beyond guest RAM", .mutate = m_big_init, .mem = 32 * MiB },
	{ .what = "kernel larger than RAM", .name = "test.bz",
	  .reason = "larger than guest memory", .mutate = m_none, .mem = 8192 },
	{ .what = "initrd larger than RAM", .name = "test.rd",
	  .reason = "larger than guest memory", .mutate = m_none, .mem = 16 * MiB, .initrd_len = 16 * MiB + 1 },
	{ .what = "initrd does not fit", .name = "test.rd",
	  .reason = "do not fit", .mutate = m_none, .mem = 16 * MiB, .initrd_len = 12 * MiB },
	{ .what = "cmdline too long", .name = "--cmdline",
	  .reason = "at most 255", .mutate = m_none, .mem = 64 * MiB, .initrd_len = 0, .cmdline_len = 256 },
};

START_TEST(synthetic_bad_inputs)
{
	const struct bad_case *c = &bad_cases[_i];
	struct launch_plan p;
	size_t len;
	uint8_t *img = synth(&len, SYN_KERNEL), *rd = NULL;
	char *cmd = calloc(1, c->cmdline_len + 1);
	uint64_t entry = 0;
	int rc;

	memset(cmd, 'x', c->cmdline_len);
	if (c->initrd_len)
		rd = calloc(1, c->initrd_len);
	c->mutate(img, &len);
	plan_init(&p, c->mem);
	capture_begin();
	rc = load(&p, img, len, rd, c->initrd_len, cmd, &entry);
	capture_end();
	ck_assert_msg(rc == -1, "%s: accepted", c->what);
	ck_one_line(captured, c->name, c->reason);
	ck_assert_uint_eq(entry, 0);
	plan_free(&p);

	/* The same image without the one defect loads (the case tests one thing). */
	if (c->cmdline_len) {
		cmd[c->cmdline_len - 1] = '\0';
		plan_init(&p, c->mem);
		ck_assert_int_eq(load(&p, img, len, rd, c->initrd_len, cmd, &entry), 0);
		plan_free(&p);
	}
	free(rd);
	free(cmd);
	free(img);
}
END_TEST

START_TEST(header_copy_and_loader_fields)
{
	struct launch_plan p;
	size_t len;
	uint8_t *img = synth(&len, SYN_KERNEL);
	const uint8_t *bp;
	uint64_t entry;
	/* boot.rst: fields the boot loader writes or modifies */
	static const struct { size_t off, len; } loader_owned[] = {
		{ 0x210, 1 }, { 0x211, 1 }, { 0x214, 4 }, { 0x218, 4 }, { 0x21c, 4 },
		{ 0x224, 2 }, { 0x228, 4 }, { 0x23c, 4 }, { 0x250, 8 },
	};

	/* An image that tries to hand the kernel its own setup_data and heap. */
	p64(img, 0x250, 0xdeadbeef000ULL);
	img[0x211] |= 0x80 | 0x40;
	p16(img, 0x224, 0x1234);
	p32(img, 0x23c, 3);
	plan_init(&p, 64 * MiB);
	ck_assert_int_eq(load(&p, img, len, NULL, 0, "x", &entry), 0);
	bp = find_piece(&p, "boot_params")->data;
	for (size_t off = 0x1f1; off < 0x26c; off++) {
		bool owned = false;

		for (size_t i = 0; i < sizeof(loader_owned) / sizeof(loader_owned[0]); i++)
			owned |= off >= loader_owned[i].off &&
				 off < loader_owned[i].off + loader_owned[i].len;
		if (!owned)
			ck_assert_msg(bp[off] == img[off], "header byte 0x%zx not copied", off);
	}
	ck_assert_uint_eq(g64(bp, 0x250), 0);
	ck_assert_uint_eq(bp[0x211], 0x01);
	ck_assert_uint_eq(g16(bp, 0x224), 0);
	ck_assert_uint_eq(g32(bp, 0x23c), 0);
	/* Past the header's end (0x26c) nothing of the image is copied. */
	for (size_t off = 0x26c; off < 0x290; off++)
		ck_assert_uint_eq(bp[off], 0);
	plan_free(&p);
	free(img);
}
END_TEST

/* e820: sorted, RAM adding up to mem_size, holes where layout.h puts them. */
static void check_e820(const uint8_t *bp, uint64_t mem)
{
	uint64_t ram = 0, prev_end = 0;
	unsigned n = bp[0x1e8];

	ck_assert_uint_gt(n, 0);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = bp + 0x2d0 + 20 * i;
		uint64_t a = g64(e, 0), s = g64(e, 8);
		uint32_t t = g32(e, 16);

		ck_assert_uint_ge(a, prev_end);
		ck_assert_uint_gt(s, 0);
		prev_end = a + s;
		if (t == 1)
			ram += s;
		else
			ck_assert_uint_eq(t, 2);
		/* No RAM in the 32-bit MMIO hole. */
		if (t == 1)
			ck_assert(a + s <= LAYOUT_LOW_RAM_MAX || a >= LAYOUT_HIGH_RAM);
	}
	/* All of guest memory, less the reserved BIOS area, is RAM. */
	ck_assert_uint_eq(ram, mem - (LAYOUT_KERNEL - LAYOUT_EBDA));
}

START_TEST(e820_small_and_large)
{
	static const uint64_t mems[] = { 2 * MiB, 64 * MiB, 3072 * MiB, 8192 * MiB, 64ULL << 30 };

	for (size_t i = 0; i < sizeof(mems) / sizeof(mems[0]); i++) {
		struct launch_plan p;
		struct boot_params_in in = { .cmdline = "e820" };
		const uint8_t *bp;

		plan_init(&p, mems[i]);
		bp = boot_params_build(&p, &in);
		ck_assert_ptr_nonnull(bp);
		check_e820(bp, mems[i]);
		/* No setup header given: the kernel fields stay zero. */
		ck_assert_uint_eq(g16(bp, 0x1fe), 0);
		plan_free(&p);
	}
}
END_TEST

START_TEST(setup_data_chain)
{
	struct launch_plan p;
	struct boot_params_in in = { .cmdline = "" };
	uint8_t *bp, big[0x60000];
	const char dtb[] = "fake dtb";
	static const uint8_t blob[5000] = { 1, 2, 3 };
	uint64_t a, b;
	const uint8_t *e;

	plan_init(&p, 64 * MiB);
	bp = boot_params_build(&p, &in);
	ck_assert_ptr_nonnull(bp);
	a = boot_params_add_setup_data(&p, bp, SETUP_DTB, dtb, sizeof(dtb));
	b = boot_params_add_setup_data(&p, bp, SETUP_CC_BLOB, blob, 5000);
	ck_assert_uint_eq(a, LAYOUT_SETUP_DATA);
	ck_assert_uint_eq(b, LAYOUT_SETUP_DATA + PAGE_SIZE);	/* own page(s) each */
	ck_assert_uint_eq(g64(bp, 0x250), a);
	e = NULL;
	for (size_t i = 0; i < p.n_pieces; i++)
		if (p.pieces[i].gpa == a)
			e = p.pieces[i].data;
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(g64(e, 0), b);			/* next */
	ck_assert_uint_eq(g32(e, 8), SETUP_DTB);
	ck_assert_uint_eq(g32(e, 12), sizeof(dtb));
	ck_assert(memcmp(e + 16, dtb, sizeof(dtb)) == 0);
	for (size_t i = 0; i < p.n_pieces; i++)
		if (p.pieces[i].gpa == b)
			e = p.pieces[i].data;
	ck_assert_uint_eq(g64(e, 0), 0);
	ck_assert_uint_eq(g32(e, 8), SETUP_CC_BLOB);
	ck_assert_uint_eq(g32(e, 12), 5000);
	/* 5000 + 16 bytes take two pages: the next entry starts after them. */
	ck_assert_uint_eq(boot_params_add_setup_data(&p, bp, 9, NULL, 0), b + 2 * PAGE_SIZE);

	/* Full window: one line, nothing added. */
	memset(big, 0, sizeof(big));
	capture_begin();
	ck_assert_uint_eq(boot_params_add_setup_data(&p, bp, 2, big, sizeof(big)), 0);
	capture_end();
	ck_one_line(captured, "setup_data", "no room");

	/* A chain pointer cvmm did not make is refused, not followed. */
	p64(bp, 0x250, 0x12345000);
	capture_begin();
	ck_assert_uint_eq(boot_params_add_setup_data(&p, bp, 2, dtb, 1), 0);
	capture_end();
	ck_one_line(captured, "setup_data", "not an entry cvmm placed");
	plan_free(&p);
}
END_TEST

/* ---- the real Debian kernel ---------------------------------------------- */

static const char *testdata(void)
{
	const char *d = getenv("CVMM_TESTDATA");

	return d ? d : "build/testdata";
}

static uint8_t *kimg;
static size_t klen;

/* A fact recorded by the test set-up with od (tests/tools/fetch-debian-kernel.sh). */
static uint64_t fact(const char *key)
{
	char path[256], k[64], v[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vmlinuz.facts", testdata());
	f = fopen(path, "r");
	ck_assert_msg(f, "%s missing", path);
	while (fscanf(f, "%63s %127s", k, v) == 2)
		if (!strcmp(k, key)) {
			fclose(f);
			return strtoull(v, NULL, 0);
		}
	fclose(f);
	ck_abort_msg("fact %s missing", key);
	return 0;
}

static const char *fact_str(const char *key)
{
	static char v[128];
	char path[256], k[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vmlinuz.facts", testdata());
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fscanf(f, "%63s %127s", k, v) == 2)
		if (!strcmp(k, key)) {
			fclose(f);
			return v;
		}
	fclose(f);
	return "";
}

static void debian_setup(void)
{
	char path[256];

	cvmm_verbosity = LOG_QUIET;
	snprintf(path, sizeof(path), "%s/vmlinuz", testdata());
	ck_assert_int_eq(file_read_all(path, "test data", &kimg, &klen), 0);
}

static void debian_teardown(void)
{
	free(kimg);
	kimg = NULL;
}

START_TEST(debian_header_matches_od)
{
	struct bzimage_info bi;
	uint64_t align;

	ck_assert(bzimage_probe(kimg, klen));
	ck_assert_int_eq(bzimage_parse(kimg, klen, "vmlinuz", &bi), 0);
	ck_assert_uint_eq(klen, fact("file_size"));
	ck_assert_uint_eq(bi.version, fact("version"));
	ck_assert_uint_eq(bi.setup_sects, fact("setup_sects") ? fact("setup_sects") : 4);
	ck_assert_uint_eq(bi.setup_len, (bi.setup_sects + 1) * 512);
	ck_assert_uint_eq(bi.syssize, fact("syssize"));
	ck_assert_uint_eq(bi.kernel_len, fact("syssize") * 16);
	ck_assert_uint_eq(bi.hdr_len, 0x202 + fact("jump_disp") - 0x1f1);
	ck_assert_uint_eq(bi.loadflags, fact("loadflags"));
	ck_assert_uint_eq(bi.xloadflags, fact("xloadflags"));
	ck_assert_uint_eq(bi.relocatable, fact("relocatable") != 0);
	ck_assert_uint_eq(bi.kernel_alignment, fact("kernel_alignment"));
	ck_assert_uint_eq(bi.min_alignment, fact("min_alignment"));
	ck_assert_uint_eq(bi.initrd_addr_max, fact("initrd_addr_max"));
	ck_assert_uint_eq(bi.cmdline_size, fact("cmdline_size"));
	ck_assert_uint_eq(bi.pref_address, fact("pref_address"));
	ck_assert_uint_eq(bi.init_size, fact("init_size"));

	/* The package's ABI name is what the kernel says it is. */
	ck_assert_msg(!strncmp(bi.kernel_version, fact_str("abi"), strlen(fact_str("abi"))),
		      "kernel_version '%s', package ABI '%s'", bi.kernel_version, fact_str("abi"));

	/* boot.rst invariants of any 64-bit-capable bzImage. */
	ck_assert_uint_ge(bi.version, 0x020c);
	ck_assert(bi.xloadflags & XLF_KERNEL_64);
	ck_assert(bi.loadflags & LF_LOADED_HIGH);
	ck_assert_uint_le(bi.setup_len + bi.kernel_len, klen);
	ck_assert_uint_ge(bi.init_size, bi.kernel_len);
	ck_assert_uint_le(fact("payload_offset") + fact("payload_length"), bi.kernel_len);
	/* Load address: pref_address (LOAD_PHYSICAL_ADDR) aligned as the kernel asks. */
	align = bi.relocatable ? bi.kernel_alignment : 1;
	ck_assert_uint_eq(bi.load_addr % align, 0);
	ck_assert_uint_ge(bi.load_addr, bi.pref_address);
	ck_assert_uint_lt(bi.load_addr, bi.pref_address + align);
}
END_TEST

/* What a Linux kernel would read from boot_params after cvmm's load. */
static void check_debian_load(uint64_t mem, size_t rd_len)
{
	struct launch_plan p;
	struct bzimage_in in = { .img = kimg, .len = klen, .name = "vmlinuz",
				 .initrd_name = "rd", .cmdline = "console=ttyS0 root=/dev/vda ro" };
	struct bzimage_info bi;
	uint8_t *rd = malloc(rd_len);
	const struct plan_piece *k, *r, *c;
	const uint8_t *bp;
	uint64_t entry, rd_gpa, rd_size, load_end;
	size_t setup_len = (fact("setup_sects") + 1) * 512;

	for (size_t i = 0; i < rd_len; i++)
		rd[i] = (uint8_t)(i * 13);
	in.initrd = rd;
	in.initrd_len = rd_len;
	plan_init(&p, mem);
	ck_assert_int_eq(bzimage_load(&p, &in, &entry, &bi), 0);
	ck_assert_uint_eq(entry, bi.load_addr + 0x200);

	k = find_piece(&p, "kernel");
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->gpa, bi.load_addr);
	ck_assert_ptr_eq(k->data, kimg + setup_len);
	ck_assert_uint_eq(k->data_len, fact("syssize") * 16);
	load_end = bi.load_addr + fact("init_size");

	bp = find_piece(&p, "boot_params")->data;
	check_e820(bp, mem);
	/* The header as the file has it (od's values), loader fields set. */
	ck_assert(memcmp(bp + 0x1f1, kimg + 0x1f1, 0x210 - 0x1f1) == 0);
	ck_assert_uint_eq(g32(bp, 0x260), fact("init_size"));
	ck_assert_uint_eq(g64(bp, 0x258), fact("pref_address"));
	ck_assert_uint_eq(g32(bp, 0x238), fact("cmdline_size"));
	ck_assert_uint_eq(g16(bp, 0x236), fact("xloadflags"));
	ck_assert_uint_eq(g32(bp, 0x214), bi.load_addr);
	ck_assert_uint_eq(bp[0x210], 0xff);

	c = find_piece(&p, "cmdline");
	ck_assert_uint_eq(g32(bp, 0x228) | (uint64_t)g32(bp, 0x0c8) << 32, c->gpa);
	ck_assert_str_eq((const char *)c->data, in.cmdline);

	r = find_piece(&p, "initrd");
	rd_gpa = g32(bp, 0x218) | (uint64_t)g32(bp, 0x0c0) << 32;
	rd_size = g32(bp, 0x21c) | (uint64_t)g32(bp, 0x0c4) << 32;
	ck_assert_uint_eq(rd_gpa, r->gpa);
	ck_assert_uint_eq(rd_size, rd_len);
	ck_assert_ptr_eq(r->data, rd);
	ck_assert_uint_eq(rd_gpa % PAGE_SIZE, 0);
	ck_assert_uint_le(rd_gpa + rd_size - 1, fact("initrd_addr_max"));
	ck_assert_uint_ge(rd_gpa, load_end);			/* clear of the kernel */
	ck_assert(plan_range_in_ram(&p, rd_gpa, rd_size));
	/* High: no page-aligned slot above it fits below min(RAM end, max). */
	{
		uint64_t top = fact("initrd_addr_max") + 1;

		if (mem < top)
			top = mem < LAYOUT_LOW_RAM_MAX ? mem : LAYOUT_LOW_RAM_MAX;
		ck_assert_uint_gt(rd_gpa + PAGE_SIZE + rd_size, top);
	}
	plan_free(&p);
	free(rd);
}

START_TEST(debian_boot_params)
{
	check_debian_load(256 * MiB, MiB + 123);
	check_debian_load(8192 * MiB, 3 * MiB);		/* initrd still below 2 GiB */
}
END_TEST

static void debian_refuses(const uint8_t *img, size_t len, uint64_t mem, size_t rd_len,
			   size_t cmd_len, const char *name, const char *reason)
{
	struct launch_plan p;
	struct bzimage_in in = { .img = img, .len = len, .name = "vmlinuz", .initrd_name = "rd" };
	uint8_t *rd = rd_len ? calloc(1, rd_len) : NULL;
	char *cmd = calloc(1, cmd_len + 1);
	uint64_t entry = 0;
	int rc;

	memset(cmd, 'a', cmd_len);
	in.initrd = rd;
	in.initrd_len = rd_len;
	in.cmdline = cmd;
	plan_init(&p, mem);
	capture_begin();
	rc = bzimage_load(&p, &in, &entry, NULL);
	capture_end();
	ck_assert_int_eq(rc, -1);
	ck_one_line(captured, name, reason);
	plan_free(&p);
	free(rd);
	free(cmd);
}

START_TEST(debian_bad_inputs)
{
	uint8_t *m = malloc(klen);
	uint64_t need = fact("pref_address") + fact("init_size");
	struct launch_plan p;
	struct bzimage_in in = { .img = kimg, .len = klen, .name = "vmlinuz" };
	char *cmd;
	uint64_t entry;

	/* init_size beyond RAM: one page less than the kernel needs. */
	debian_refuses(kimg, klen, (need - 1) & ~(PAGE_SIZE - 1), 0, 0, "vmlinuz",
		       "beyond guest RAM");
	debian_refuses(kimg, klen, klen - 1, 0, 0, "vmlinuz", "larger than guest memory");
	debian_refuses(kimg, klen, 256 * MiB, 256 * MiB + 1, 0, "rd", "larger than guest memory");
	debian_refuses(kimg, klen, 256 * MiB, 0, fact("cmdline_size") + 1, "--cmdline",
		       "accepts at most");
	debian_refuses(kimg, 0x230, 256 * MiB, 0, 0, "vmlinuz", "truncated");
	debian_refuses(kimg, klen / 2, 256 * MiB, 0, 0, "vmlinuz", "truncated");
	memcpy(m, kimg, klen);
	p16(m, 0x206, 0x020b);
	debian_refuses(m, klen, 256 * MiB, 0, 0, "vmlinuz", "too old");
	memcpy(m, kimg, klen);
	p16(m, 0x236, g16(kimg, 0x236) & ~XLF_KERNEL_64);
	debian_refuses(m, klen, 256 * MiB, 0, 0, "vmlinuz", "XLF_KERNEL_64");
	free(m);

	/* Exactly cmdline_size bytes, and exactly the RAM the kernel needs: fine. */
	cmd = calloc(1, fact("cmdline_size") + 1);
	memset(cmd, 'a', fact("cmdline_size"));
	in.cmdline = cmd;
	plan_init(&p, (need + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	ck_assert_int_eq(bzimage_load(&p, &in, &entry, NULL), 0);
	plan_free(&p);
	free(cmd);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("synthetic");
	char path[256];

	cvmm_verbosity = LOG_QUIET;
	tcase_add_test(tc, synthetic_loads);
	tcase_add_test(tc, synthetic_relocatable_and_setup_sects_zero);
	tcase_add_test(tc, synthetic_initrd_above_4g);
	tcase_add_test(tc, synthetic_reserved_window);
	tcase_add_loop_test(tc, synthetic_bad_inputs, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, header_copy_and_loader_fields);
	tcase_add_test(tc, e820_small_and_large);
	tcase_add_test(tc, setup_data_chain);
	suite_add_tcase(s, tc);

	snprintf(path, sizeof(path), "%s/vmlinuz", testdata());
	if (access(path, R_OK) == 0) {
		TCase *deb = tcase_create("debian");

		tcase_add_checked_fixture(deb, debian_setup, debian_teardown);
		tcase_add_test(deb, debian_header_matches_od);
		tcase_add_test(deb, debian_boot_params);
		tcase_add_test(deb, debian_bad_inputs);
		suite_add_tcase(s, deb);
	} else {
		char why[256] = "not fetched (run make test-build)";
		FILE *f;

		snprintf(path, sizeof(path), "%s/vmlinuz.missing", testdata());
		f = fopen(path, "r");
		if (f) {
			if (!fgets(why, sizeof(why), f))
				why[0] = '\0';
			why[strcspn(why, "\n")] = '\0';
			fclose(f);
		}
		printf("*** SKIPPED: 3 tests against a real Debian kernel: %s ***\n", why);
	}
	return s;
}

CVMM_CHECK_MAIN()
