/* The ELF loader against the project's own guests and broken copies of them. */
#include <elf.h>
#include <string.h>

#include "check_compat.h"
#include "loader/image/elf.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

extern const uint8_t demo_guest_elf[], demo_guest_elf_end[];

static uint8_t img[64 << 10];
static size_t img_len;

static void setup(void)
{
	cvmm_verbosity = LOG_QUIET;
	img_len = (size_t)(demo_guest_elf_end - demo_guest_elf);
	ck_assert_uint_le(img_len, sizeof(img));
	memcpy(img, demo_guest_elf, img_len);
}

static int load(size_t len, uint64_t mem, uint64_t *entry)
{
	struct launch_plan p;
	int r;

	plan_init(&p, mem);
	r = elf_load(&p, img, len, "test", entry);
	plan_free(&p);
	return r;
}

START_TEST(demo_loads_at_1mib)
{
	struct launch_plan p;
	Elf64_Ehdr eh;
	uint64_t entry;

	memcpy(&eh, img, sizeof(eh));
	plan_init(&p, 64ULL << 20);
	ck_assert_int_eq(elf_load(&p, img, img_len, "demo", &entry), 0);
	/* independent facts: the linker script puts _start first at 1 MiB */
	ck_assert_uint_eq(entry, 0x100000);
	ck_assert_uint_eq(entry, eh.e_entry);
	ck_assert_uint_ge(p.n_pieces, 1);
	ck_assert_uint_eq(p.pieces[0].gpa, LAYOUT_KERNEL);
	ck_assert_mem_eq(p.pieces[0].data, img + 0x1000, 16);	/* first segment at file offset 0x1000 */
	plan_free(&p);
}
END_TEST

START_TEST(bad_images)
{
	uint64_t entry;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph;

	ck_assert_int_eq(load(0, 64 << 20, &entry), -1);			/* empty */
	ck_assert_int_eq(load(40, 64 << 20, &entry), -1);			/* truncated header */
	ck_assert_int_eq(load(eh->e_phoff + 10, 64 << 20, &entry), -1);	/* truncated phdrs */
	ck_assert_int_eq(load(img_len, 1 << 20, &entry), -1);		/* 1 MiB of RAM: no room */

	setup(); eh->e_ident[EI_CLASS] = ELFCLASS32;
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); eh->e_machine = EM_AARCH64;
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); eh->e_type = ET_DYN;
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); eh->e_entry = 0x5000;					/* entry outside */
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); eh->e_phnum = 0xffff;
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);

	setup(); ph = (Elf64_Phdr *)(img + eh->e_phoff);
	ph->p_filesz = ~0ULL;						/* past the file */
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); ph = (Elf64_Phdr *)(img + eh->e_phoff);
	ph->p_paddr = 0x8000;						/* over boot data */
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
	setup(); ph = (Elf64_Phdr *)(img + eh->e_phoff);
	ph->p_paddr = ~0ULL - 100;					/* wraps */
	ck_assert_int_eq(load(img_len, 64 << 20, &entry), -1);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("elf");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, demo_loads_at_1mib);
	tcase_add_test(tc, bad_images);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
