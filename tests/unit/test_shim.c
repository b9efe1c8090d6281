/*
 * The boot shim's memory-map check (loader/shim/shim.c), compiled for the
 * host: the map comes from an untrusted VMM, so every way it can lie must
 * be refused before the shim accepts or validates a byte. The shim's
 * TDX/SNP instructions are compiled in but never executed here.
 */
#include <string.h>

#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan_shim.h"
#include "loader/shim/shim_abi.h"

#define shim_main shim_main_under_test
#define SHIM_HOST_TEST
#include "loader/shim/shim.c"
#include "loader/accept_cost.h"

/*
 * The host behind the shim's TDG.MEM.PAGE.ACCEPT and PVALIDATE, as KVM
 * behaves (accept_cost.h): private memory is mapped 4 KiB-wise, so every
 * 2 MiB operation costs one exit and is refused, every 4 KiB one costs one
 * exit and succeeds. It counts, and checks that no 4 KiB page is done twice
 * and that each lies in what the shim was meant to touch.
 */
static struct {
	uint64_t exits, tries_2m, ops_4k, bytes, last;
	int bad;
} host;

uint64_t shim_tdx_accept_page(uint64_t gpa, int level)
{
	host.exits++;
	if (level) {
		host.tries_2m++;
		return 0xc0000b0b00000001ULL;	/* TDX_PAGE_SIZE_MISMATCH class: refused */
	}
	host.bad |= gpa & 0xfff || (host.ops_4k && gpa <= host.last);
	host.last = gpa;
	host.ops_4k++;
	host.bytes += 4096;
	return 0;
}

uint32_t shim_snp_pvalidate(uint64_t va, int huge)
{
	host.exits++;
	if (huge) {
		host.tries_2m++;
		return 6;			/* FAIL_SIZEMISMATCH */
	}
	host.bad |= va & 0xfff || (host.ops_4k && va <= host.last);
	host.last = va;
	host.ops_4k++;
	host.bytes += 4096;
	return 0;
}

void shim_jump(uint64_t entry, uint64_t boot_params)
{
	(void)entry; (void)boot_params;
	abort();
}

static struct shim_memmap m;
const uint8_t shim_exc_stubs[SHIM_IDT_VECTORS * 8];	/* entry.S's, for the IDT's addresses */

START_TEST(memmap_from_cvmm_is_accepted)
{
	static const uint64_t sizes[] = { 2ULL << 20, 256ULL << 20, 3ULL << 30, 8ULL << 30, 64ULL << 30 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t ram = 0;

		for (int snp = 0; snp <= 1; snp++) {
			ram = 0;
			shim_memmap_build(&m, sizes[i], snp);
			ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, snp ? SHIM_PLAT_SNP : SHIM_PLAT_PLAIN));
			if (!snp)	/* the SNP map has no mailbox: see memmap_lies_are_refused */
				ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX));
			for (uint32_t j = 0; j < m.count; j++)
				if (m.r[j].type == SHIM_MEM_RAM)
					ram += m.r[j].size;
			/* all of --mem but the page-aligned BIOS hole (and SNP's two pages) */
			ck_assert_uint_eq(ram, sizes[i] - (LAYOUT_KERNEL - (LAYOUT_EBDA & ~0xfffULL)) -
					  (snp ? 2 * 4096 : 0));
		}
	}
}
END_TEST

/* The entry of cvmm's map that starts at addr (the layout is cvmm's, not the test's). */
static uint32_t at(uint64_t addr)
{
	for (uint32_t i = 0; i < m.count; i++)
		if (m.r[i].addr == addr)
			return i;
	ck_abort_msg("no memory-map entry at 0x%llx", (unsigned long long)addr);
	return 0;
}

START_TEST(memmap_lies_are_refused)
{
#define LIE(field, value) do {						\
		shim_memmap_build(&m, 8ULL << 30, false);		\
		field = value;						\
		ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX)); \
		ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_PLAIN)); \
	} while (0)
	const uint64_t k = LAYOUT_KERNEL, hi = LAYOUT_HIGH_RAM;

	LIE(m.magic, 0);
	LIE(m.count, 0);
	LIE(m.count, SHIM_MEMMAP_MAX + 1);
	LIE(m.r[at(k)].size, 0);				/* empty */
	LIE(m.r[at(k)].addr, LAYOUT_KERNEL + 1);		/* unaligned */
	LIE(m.r[at(hi)].size, ~0ULL - 0xfff);			/* wraps */
	LIE(m.r[at(hi)].addr, 1ULL << 52);			/* beyond 52 bits */
	LIE(m.r[at(0xa0000)].type, 5);				/* unknown type */
	LIE(m.r[at(0xa0000)].type, 0);
	LIE(m.r[at(0x9f000)].addr, 0x9e000);			/* overlaps the RAM below */
	LIE(m.r[at(hi)].addr, 0x40000000);			/* not sorted */
	LIE(m.r[at(k)].size, SHIM_BASE);			/* RAM over the shim */
	LIE(m.r[0].size, 0x10000);				/* no RAM under the stack */
	LIE(m.r[at(k)].type, SHIM_MEM_RESERVED);		/* no RAM at the kernel */
	/* The hole holds the mailbox, the AP page tables and code: never RAM. */
	LIE(m.r[at(0x9f000)].type, SHIM_MEM_RAM);
	LIE(m.r[at(0xa0000)].type, SHIM_MEM_RAM);
	LIE(m.r[at(0xc0000)].type, SHIM_MEM_RAM);
	LIE(m.r[0].size, 0xa0000);				/* RAM runs into the hole */
	/* A TD maps reserved memory shared: ACPI tables must be ACPI, the mailbox NVS. */
	LIE(m.r[at(SHIM_ACPI)].type, SHIM_MEM_RESERVED);
	LIE(m.r[at(0x9f000)].type, SHIM_MEM_RESERVED);
#undef LIE
	/* SNP: a map that hands the secrets or CPUID page to the kernel as RAM */
	shim_memmap_build(&m, 8ULL << 30, false);
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	shim_memmap_build(&m, 8ULL << 30, true);
	m.r[1].type = SHIM_MEM_RAM;
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	/* SNP has no mailbox (AP creation): its hole is reserved, and that is fine there only. */
	shim_memmap_build(&m, 8ULL << 30, true);
	ck_assert_uint_eq(m.r[at(0x9f000)].type, SHIM_MEM_RESERVED);
	ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX));
}
END_TEST

/* The e820 Linux gets below 1 MiB, entry by entry (ACPI 6.4 / e820 type numbers). */
START_TEST(memmap_bios_hole_types)
{
	shim_memmap_build(&m, 256ULL << 20, false);
	ck_assert_uint_eq(m.r[0].addr, 0);
	ck_assert_uint_eq(m.r[0].size, 0x9f000);
	ck_assert_uint_eq(m.r[1].addr, 0x9f000);
	ck_assert_uint_eq(m.r[1].size, 0x1000);
	ck_assert_uint_eq(m.r[1].type, 4);			/* NVS: the mailbox */
	ck_assert_uint_eq(m.r[2].addr, 0xa0000);
	ck_assert_uint_eq(m.r[2].type, 2);
	ck_assert_uint_eq(m.r[2].size, 0x10000);
	ck_assert_uint_eq(m.r[3].addr, 0xb0000);
	ck_assert_uint_eq(m.r[3].size, 0x10000);
	ck_assert_uint_eq(m.r[3].type, 3);			/* ACPI, below the ROM range */
	ck_assert_uint_eq(m.r[4].addr, 0xc0000);		/* the ROMs Linux probes (SNP: validates) */
	ck_assert_uint_eq(m.r[4].size, 0x40000);
	ck_assert_uint_eq(m.r[4].type, 2);
	ck_assert_uint_eq(m.r[5].addr, 0x100000);
	ck_assert_uint_eq(m.r[5].type, 1);
	ck_assert_uint_eq(m.count, 6);
}
END_TEST

/*
 * Issue 13 item 3: the exits the shim's own walk costs per GiB, on the host
 * above, against the figure the plan prints (--dry-run, --boot-trace) and
 * against the arithmetic done here by hand: per 2 MiB one refused try plus
 * 512 pages; the first MiB (RAM + the BIOS hole on TDX: 256 pages) and
 * [1 MiB, 2 MiB) (256 pages) have no aligned 2 MiB. 1 GiB of TDX RAM is
 * 256 + 256 + 511 * 513 = 262655 exits; none reaches userspace (SNP no
 * longer asks for a page-state change per 4 KiB page).
 */
START_TEST(acceptance_exits_per_gib)
{
	static const struct { uint64_t mem; uint32_t plat; uint64_t exits, bytes; } want[] = {
		{ 1ULL << 30, SHIM_PLAT_TDX, 262655, 1ULL << 30 },
		/* SNP: RAM only (no hole, minus the secrets and CPUID pages) */
		{ 1ULL << 30, SHIM_PLAT_SNP, 262655 - 97 - 2, (1ULL << 30) - 0x61000 - 0x2000 },
		/* 8 GiB: [3 GiB, 4 GiB) is the hole, RAM resumes at 4 GiB (512 more tries of 513) */
		{ 8ULL << 30, SHIM_PLAT_TDX, 262655 + 7 * 512 * 513, 8ULL << 30 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int snp = want[i].plat == SHIM_PLAT_SNP;
		struct accept_cost c;

		memset(&host, 0, sizeof(host));
		shim_memmap_build(&m, want[i].mem, snp);
		ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, want[i].plat));
		ck_assert_ptr_null(make_ram_usable(&m, want[i].plat));
		ck_assert_int_eq(host.bad, 0);
		ck_assert_uint_eq(host.bytes, want[i].bytes);
		ck_assert_uint_eq(host.exits, want[i].exits);
		/* what the plan says the same walk costs */
		accept_cost_of(&m, snp ? ACCEPT_SNP : ACCEPT_TDX, &c);
		ck_assert_uint_eq(c.vm_exits, host.exits);
		ck_assert_uint_eq(c.tries_2m, host.tries_2m);
		ck_assert_uint_eq(c.ops_4k, host.ops_4k);
		ck_assert_uint_eq(c.bytes, host.bytes);
		ck_assert_uint_eq(c.user_exits, 0);
		/* about 2^18 exits per GiB, never one more than 1 + 512 per 2 MiB */
		ck_assert_uint_le(accept_exits_per_gib(&c), 262656);
		ck_assert_uint_ge(accept_exits_per_gib(&c), 262144);
	}
	/* plain: nothing to accept, nothing printed */
	memset(&host, 0, sizeof(host));
	shim_memmap_build(&m, 1ULL << 30, false);
	ck_assert_ptr_null(make_ram_usable(&m, SHIM_PLAT_PLAIN));
	ck_assert_uint_eq(host.exits, 0);
}
END_TEST

/* Issue 13 item 5: the BSP's IDT sends every exception vector to its stub. */
START_TEST(idt_gates_reach_the_stubs)
{
	static uint8_t idt[SHIM_IDT_VECTORS * 16 + 8];
	const uint64_t stubs = 0xffffc1b8ULL;

	memset(idt, 0xa5, sizeof(idt));
	idt_build(idt, SHIM_PLAT_SNP, stubs);
	for (int v = 0; v < SHIM_IDT_VECTORS; v++) {
		const uint8_t *g = idt + 16 * v;
		uint64_t h = stubs + 8 * (uint64_t)v, off;
		uint16_t sel, lo;
		uint32_t mid, hi, rsv;

		memcpy(&lo, g, 2);
		memcpy(&sel, g + 2, 2);
		memcpy(&mid, g + 6, 2);
		mid &= 0xffff;
		memcpy(&hi, g + 8, 4);
		memcpy(&rsv, g + 12, 4);
		off = lo | (uint64_t)mid << 16 | (uint64_t)hi << 32;
		ck_assert_uint_eq(off, h);
		ck_assert_uint_eq(sel, 0x10);		/* the shim's 64-bit CS */
		ck_assert_uint_eq(g[4], 0);		/* IST 0 */
		ck_assert_uint_eq(g[5], 0x8e);		/* present interrupt gate */
		ck_assert_uint_eq(rsv, 0);
	}
	/* the platform for the handler, right behind the gates */
	ck_assert_uint_eq(idt[SHIM_IDT_VECTORS * 16], SHIM_PLAT_SNP);
	ck_assert_uint_eq(idt[SHIM_IDT_VECTORS * 16 + 1], 0);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("shim");
	TCase *tc = tcase_create("shim");

	tcase_add_test(tc, memmap_from_cvmm_is_accepted);
	tcase_add_test(tc, memmap_lies_are_refused);
	tcase_add_test(tc, memmap_bios_hole_types);
	tcase_add_test(tc, acceptance_exits_per_gib);
	tcase_add_test(tc, idt_gates_reach_the_stubs);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
