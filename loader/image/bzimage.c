#include <string.h>

#include "loader/boot/boot_params.h"
#include "loader/image/bzimage.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

#define MIB(x)	((unsigned long long)(x) >> 20)

static uint16_t get_u16(const uint8_t *b, size_t off) { uint16_t v; memcpy(&v, b + off, 2); return v; }
static uint32_t get_u32(const uint8_t *b, size_t off) { uint32_t v; memcpy(&v, b + off, 4); return v; }
static uint64_t get_u64(const uint8_t *b, size_t off) { uint64_t v; memcpy(&v, b + off, 8); return v; }


bool bzimage_probe(const uint8_t *img, size_t len)
{
	return len >= BP_HEADER + 4 && get_u16(img, BP_BOOT_FLAG) == BP_BOOT_FLAG_MAGIC &&
	       get_u32(img, BP_HEADER) == BP_HDR_MAGIC;
}

/* Where the protected-mode kernel goes: boot.rst, "64-bit boot protocol". */
static int choose_load_addr(const char *name, struct bzimage_info *bi)
{
	uint64_t a = bi->pref_address ? bi->pref_address : LAYOUT_KERNEL;

	if (bi->relocatable) {
		uint64_t align = bi->kernel_alignment;

		if (align < PAGE_SIZE || (align & (align - 1))) {
			cvmm_err("--kernel %s: relocatable, but kernel_alignment 0x%x is not a power "
				 "of two of at least 4 KiB", name, bi->kernel_alignment);
			return -1;
		}
		if (bi->min_alignment > 31 || (1ULL << bi->min_alignment) > align) {
			cvmm_err("--kernel %s: min_alignment 2^%u exceeds kernel_alignment 0x%x",
				 name, bi->min_alignment, bi->kernel_alignment);
			return -1;
		}
		/*
		 * The kernel decompresses to max(load aligned up, pref_address)
		 * whatever we do, so loading at pref_address (aligned) keeps
		 * the image where it runs and needs no extra room.
		 */
		if (a > UINT64_MAX - (align - 1)) {
			cvmm_err("--kernel %s: pref_address 0x%llx out of range", name,
				 (unsigned long long)a);
			return -1;
		}
		a = (a + align - 1) & ~(align - 1);
	}
	if (a < LAYOUT_KERNEL || !PAGE_ALIGNED(a)) {
		cvmm_err("--kernel %s: load address 0x%llx is %s", name, (unsigned long long)a,
			 a < LAYOUT_KERNEL ? "below 1 MiB" : "not page-aligned");
		return -1;
	}
	bi->load_addr = a;
	return 0;
}

/* The version string is informative only: a bad pointer leaves it empty. */
static void read_kernel_version(const uint8_t *img, struct bzimage_info *bi)
{
	size_t off = get_u16(img, BP_KERNEL_VERSION), n = 0;

	if (!off)
		return;
	off += BP_JUMP;
	while (off + n < bi->setup_len && n < sizeof(bi->kernel_version) - 1 &&
	       img[off + n] >= 0x20 && img[off + n] < 0x7f) {
		bi->kernel_version[n] = (char)img[off + n];
		n++;
	}
	bi->kernel_version[n] = '\0';
}

int bzimage_parse(const uint8_t *img, size_t len, const char *name, struct bzimage_info *bi)
{
	size_t hdr_end, rest;

	memset(bi, 0, sizeof(*bi));
	if (len < BP_HEADER + 4) {
		cvmm_err("--kernel %s: %zu bytes, too short for a bzImage setup header%s", name, len,
			 len == 0 ? " (empty)" : "");
		return -1;
	}
	if (get_u16(img, BP_BOOT_FLAG) != BP_BOOT_FLAG_MAGIC ||
	    get_u32(img, BP_HEADER) != BP_HDR_MAGIC) {
		cvmm_err("--kernel %s: not a bzImage (no 0xAA55 boot flag and \"HdrS\" magic)", name);
		return -1;
	}
	if (len < BP_VERSION + 2) {
		cvmm_err("--kernel %s: truncated setup header (%zu bytes)", name, len);
		return -1;
	}
	bi->version = get_u16(img, BP_VERSION);
	if (bi->version < BZ_MIN_VERSION) {
		cvmm_err("--kernel %s: boot protocol %u.%02u is too old; cvmm needs 2.12 or later "
			 "(64-bit entry)", name, bi->version >> 8, bi->version & 0xff);
		return -1;
	}
	/* The header ends at 0x202 + the short jump's displacement (boot.rst). */
	hdr_end = BP_HEADER + img[BP_JUMP + 1];
	if (hdr_end < BP_HANDOVER_OFFSET + 4) {
		cvmm_err("--kernel %s: setup header ends at 0x%zx, before the protocol 2.12 fields "
			 "(0x%x)", name, hdr_end, BP_HANDOVER_OFFSET + 4);
		return -1;
	}
	if (len < hdr_end) {
		cvmm_err("--kernel %s: truncated setup header (file ends at 0x%zx, header at 0x%zx)",
			 name, len, hdr_end);
		return -1;
	}
	bi->hdr_len = hdr_end - BP_HDR;
	bi->loadflags = img[BP_LOADFLAGS];
	bi->xloadflags = get_u16(img, BP_XLOADFLAGS);
	bi->relocatable = img[BP_RELOCATABLE] != 0;
	bi->kernel_alignment = get_u32(img, BP_KERNEL_ALIGNMENT);
	bi->min_alignment = img[BP_MIN_ALIGNMENT];
	bi->initrd_addr_max = get_u32(img, BP_INITRD_ADDR_MAX);
	bi->cmdline_size = get_u32(img, BP_CMDLINE_SIZE);
	bi->pref_address = get_u64(img, BP_PREF_ADDRESS);
	bi->init_size = get_u32(img, BP_INIT_SIZE);
	bi->syssize = get_u32(img, BP_SYSSIZE);
	bi->setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;

	if (!(bi->xloadflags & XLF_KERNEL_64)) {
		cvmm_err("--kernel %s: no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags "
			 "0x%x)", name, bi->xloadflags);
		return -1;
	}
	if (!(bi->loadflags & LF_LOADED_HIGH)) {
		cvmm_err("--kernel %s: a zImage (loaded at 0x10000), not a bzImage", name);
		return -1;
	}
	bi->setup_len = (size_t)(bi->setup_sects + 1) * BZ_SECTOR;
	if (len < bi->setup_len) {
		cvmm_err("--kernel %s: truncated: %zu bytes, the real-mode setup alone is %zu", name,
			 len, bi->setup_len);
		return -1;
	}
	read_kernel_version(img, bi);
	rest = len - bi->setup_len;
	/* Anything after syssize * 16 (e.g. a Secure Boot signature) is not loaded. */
	bi->kernel_len = (size_t)bi->syssize * 16;
	if (bi->kernel_len == 0 || bi->kernel_len > rest) {
		cvmm_err("--kernel %s: %s: syssize says %zu bytes of protected-mode kernel, the file "
			 "has %zu", name, bi->kernel_len ? "truncated" : "no kernel",
			 bi->kernel_len, rest);
		return -1;
	}
	if (bi->kernel_len <= BZ_ENTRY64_OFFSET) {
		cvmm_err("--kernel %s: protected-mode kernel (%zu bytes) ends before its 64-bit entry "
			 "at +0x%x", name, bi->kernel_len, BZ_ENTRY64_OFFSET);
		return -1;
	}
	if ((uint64_t)get_u32(img, BP_PAYLOAD_OFFSET) + get_u32(img, BP_PAYLOAD_LENGTH) >
	    bi->kernel_len) {
		cvmm_err("--kernel %s: compressed payload (0x%x + 0x%x) lies outside the kernel "
			 "(0x%zx bytes)", name, get_u32(img, BP_PAYLOAD_OFFSET),
			 get_u32(img, BP_PAYLOAD_LENGTH), bi->kernel_len);
		return -1;
	}
	if (bi->init_size < bi->kernel_len) {
		cvmm_err("--kernel %s: init_size 0x%x is smaller than the kernel itself (0x%zx)",
			 name, bi->init_size, bi->kernel_len);
		return -1;
	}
	return choose_load_addr(name, bi);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* The highest page-aligned size bytes in [floor, top), clear of the reserved range. */
static bool fit_below(const struct bzimage_in *in, uint64_t top, uint64_t floor, uint64_t size,
		      uint64_t *gpa)
{
	uint64_t g;

	if (top < size)
		return false;
	g = (top - size) & ~(PAGE_SIZE - 1);
	if (overlaps(g, size, in->reserved_gpa, in->reserved_len)) {
		if (in->reserved_gpa < size)
			return false;
		g = (in->reserved_gpa - size) & ~(PAGE_SIZE - 1);
	}
	if (g < floor)
		return false;
	*gpa = g;
	return true;
}

static int place_initrd(struct launch_plan *p, const struct bzimage_in *in,
			const struct bzimage_info *bi, uint64_t kernel_end, uint64_t *gpa)
{
	uint64_t size = in->initrd_len;
	uint64_t low = layout_low_ram(p->mem_size);
	uint64_t high = p->mem_size - low;
	uint64_t top = (uint64_t)bi->initrd_addr_max + 1;

	if (size > p->mem_size) {
		cvmm_err("--initrd %s: %zu bytes, larger than guest memory (%llu MiB, --mem)",
			 in->initrd_name, in->initrd_len, MIB(p->mem_size));
		return -1;
	}
	/* As high as allowed, below the kernel's limit, clear of the kernel. */
	if (top > low)
		top = low;
	if (fit_below(in, top, kernel_end, size, gpa))
		return 0;
	if ((bi->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && high &&
	    fit_below(in, LAYOUT_HIGH_RAM + high, LAYOUT_HIGH_RAM, size, gpa))
		return 0;
	cvmm_err("--initrd %s: %zu bytes do not fit between the kernel's end (0x%llx) and 0x%llx "
		 "(guest RAM %llu MiB, initrd_addr_max 0x%x%s)", in->initrd_name, in->initrd_len,
		 (unsigned long long)kernel_end, (unsigned long long)top, MIB(p->mem_size),
		 bi->initrd_addr_max, in->reserved_len ? ", less the shared window" : "");
	return -1;
}

int bzimage_load(struct launch_plan *p, const struct bzimage_in *in, uint64_t *entry,
		 struct bzimage_info *info)
{
	struct bzimage_info bi;
	struct boot_params_in bpi = { .cmdline = in->cmdline };
	uint64_t kernel_end, initrd_gpa = 0;
	size_t cmd_len = in->cmdline ? strlen(in->cmdline) : 0;
	struct plan_piece kernel;

	if (bzimage_parse(in->img, in->len, in->name, &bi))
		return -1;
	if (info)
		*info = bi;
	if (in->len > p->mem_size) {
		cvmm_err("--kernel %s: %zu bytes, larger than guest memory (%llu MiB, --mem)",
			 in->name, in->len, MIB(p->mem_size));
		return -1;
	}
	if (__builtin_add_overflow(bi.load_addr, (uint64_t)bi.init_size, &kernel_end) ||
	    kernel_end > LAYOUT_LOW_RAM_MAX || !plan_range_in_ram(p, bi.load_addr, bi.init_size)) {
		cvmm_err("--kernel %s: needs 0x%llx-0x%llx (init_size %llu MiB at %llu MiB), beyond "
			 "guest RAM (%llu MiB, --mem)", in->name,
			 (unsigned long long)bi.load_addr,
			 (unsigned long long)bi.load_addr + bi.init_size, MIB(bi.init_size),
			 MIB(bi.load_addr), MIB(p->mem_size));
		return -1;
	}
	if (overlaps(bi.load_addr, bi.init_size, in->reserved_gpa, in->reserved_len)) {
		cvmm_err("--kernel %s: needs 0x%llx-0x%llx (init_size), which overlaps the shared "
			 "window [0x%llx, 0x%llx)", in->name, (unsigned long long)bi.load_addr,
			 (unsigned long long)kernel_end, (unsigned long long)in->reserved_gpa,
			 (unsigned long long)(in->reserved_gpa + in->reserved_len));
		return -1;
	}
	if (cmd_len > bi.cmdline_size) {
		cvmm_err("--cmdline: %zu bytes, kernel %s accepts at most %u", cmd_len, in->name,
			 bi.cmdline_size);
		return -1;
	}
	kernel_end = PAGE_UP(kernel_end);
	if (in->initrd && place_initrd(p, in, &bi, kernel_end, &initrd_gpa))
		return -1;

	kernel = (struct plan_piece){
		.gpa = bi.load_addr, .len = PAGE_UP(bi.kernel_len),
		.data = in->img + bi.setup_len, .data_len = bi.kernel_len,
		.type = PIECE_NORMAL, .measured = true, .what = "kernel",
	};
	if (plan_add(p, &kernel))
		return -1;
	if (in->initrd) {
		struct plan_piece rd = {
			.gpa = initrd_gpa, .len = PAGE_UP(in->initrd_len),
			.data = in->initrd, .data_len = in->initrd_len,
			.type = PIECE_NORMAL, .measured = true, .what = "initrd",
		};

		if (plan_add(p, &rd))
			return -1;
		bpi.initrd_gpa = initrd_gpa;
		bpi.initrd_size = in->initrd_len;
	}
	bpi.setup_header = in->img + BP_HDR;
	bpi.setup_header_len = bi.hdr_len;
	bpi.kernel_load = bi.load_addr;
	bpi.reserved_gpa = in->reserved_gpa;
	bpi.reserved_len = in->reserved_len;
	if (!boot_params_build(p, &bpi))
		return -1;
	p->image_kind = "bzImage";
	*entry = bi.load_addr + BZ_ENTRY64_OFFSET;
	cvmm_verbose("--kernel %s: bzImage %.*s, boot protocol %u.%02u; kernel at 0x%llx "
		     "(init_size 0x%x), entry 0x%llx%s", in->name,
		     (int)strcspn(bi.kernel_version, " "), bi.kernel_version, bi.version >> 8,
		     bi.version & 0xff, (unsigned long long)bi.load_addr,
		     bi.init_size, (unsigned long long)*entry,
		     bi.relocatable ? ", relocatable" : "");
	if (in->initrd)
		cvmm_verbose("--initrd %s: %zu bytes at 0x%llx", in->initrd_name, in->initrd_len,
			     (unsigned long long)initrd_gpa);
	return 0;
}
