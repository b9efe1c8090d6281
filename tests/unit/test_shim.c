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
#include "loader/shim/shim.c"

void shim_jump(uint64_t entry, uint64_t boot_params)
{
	(void)entry; (void)boot_params;
	abort();
}

static struct shim_memmap m;

START_TEST(memmap_from_cvmm_is_accepted)
{
	static const uint64_t sizes[] = { 2ULL << 20, 256ULL << 20, 3ULL << 30, 8ULL << 30, 64ULL << 30 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t ram = 0;

		for (int snp = 0; snp <= 1; snp++) {
			ram = 0;
			shim_memmap_build(&m, sizes[i], snp);
			ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, snp ? SHIM_PLAT_SNP : SHIM_PLAT_PLAIN));
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

START_TEST(memmap_lies_are_refused)
{
#define LIE(field, value) do {						\
		shim_memmap_build(&m, 8ULL << 30, false);		\
		field = value;						\
		ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX)); \
	} while (0)
	LIE(m.magic, 0);
	LIE(m.count, 0);
	LIE(m.count, SHIM_MEMMAP_MAX + 1);
	LIE(m.r[2].size, 0);					/* empty */
	LIE(m.r[2].addr, LAYOUT_KERNEL + 1);			/* unaligned */
	LIE(m.r[3].size, ~0ULL - 0xfff);			/* wraps */
	LIE(m.r[3].addr, 1ULL << 52);				/* beyond 52 bits */
	LIE(m.r[1].type, 3);					/* unknown type */
	LIE(m.r[1].addr, 0x9e000);				/* overlaps the RAM below */
	LIE(m.r[3].addr, 0x40000000);				/* not sorted */
	LIE(m.r[2].size, SHIM_BASE);				/* RAM over the shim */
	LIE(m.r[0].size, 0x10000);				/* no RAM under the stack */
	LIE(m.r[2].type, SHIM_MEM_RESERVED);			/* no RAM at the kernel */
#undef LIE
	/* SNP: a map that hands the secrets or CPUID page to the kernel as RAM */
	shim_memmap_build(&m, 8ULL << 30, false);
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	shim_memmap_build(&m, 8ULL << 30, true);
	m.r[1].type = SHIM_MEM_RAM;
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("shim");
	TCase *tc = tcase_create("shim");

	tcase_add_test(tc, memmap_from_cvmm_is_accepted);
	tcase_add_test(tc, memmap_lies_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
