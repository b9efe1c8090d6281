/* Core helpers: size parsing, the I/O bus, the launch plan container. */
#include <string.h>

#include "check_compat.h"
#include "devices/bus.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/cli/parse.h"
#include "vmm/platform/platform.h"

START_TEST(size_suffixes)
{
	uint64_t v;

	ck_assert_int_eq(parse_size("4096", &v), 0); ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("256M", &v), 0); ck_assert_uint_eq(v, 256ULL << 20);
	ck_assert_int_eq(parse_size("64g", &v), 0); ck_assert_uint_eq(v, 64ULL << 30);
	ck_assert_int_eq(parse_size("2KiB", &v), 0); ck_assert_uint_eq(v, 2048);
	ck_assert_int_eq(parse_size("0x1000", &v), 0); ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("1T", &v), 0); ck_assert_uint_eq(v, 1ULL << 40);
	/* a leading zero is not octal: 010G is ten GiB, as a user means it */
	ck_assert_int_eq(parse_size("010G", &v), 0); ck_assert_uint_eq(v, 10ULL << 30);
	ck_assert_int_eq(parse_size("0", &v), 0); ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(size_rejects)
{
	uint64_t v;
	const char *bad[] = { "", "M", "-1", "12Q", "1 G", "99999999999999999999",
			      "17179869184G", "1GG", "abc", "0x", "08x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_size(bad[i], &v) == -1, "accepted '%s'", bad[i]);
}
END_TEST

/*
 * One hex rule for every option (--policy, --td-attributes, --xfam,
 * --guest-features, --policy-max): strtoull's blanks and signs refused.
 */
START_TEST(hex_numbers)
{
	uint64_t v;
	const char *bad[] = { "", " 30000", " +10000000", "+1", "-1", "0x", "0x-1", "1 ", "g",
			      "10000000000000000", "0x10000000000000000", "0x 1" };

	ck_assert_int_eq(parse_u64_hex("30000", &v), 0); ck_assert_uint_eq(v, 0x30000);
	ck_assert_int_eq(parse_u64_hex("0x10000000", &v), 0); ck_assert_uint_eq(v, 0x10000000);
	ck_assert_int_eq(parse_u64_hex("0XaBc", &v), 0); ck_assert_uint_eq(v, 0xabc);
	ck_assert_int_eq(parse_u64_hex("0", &v), 0); ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_u64_hex("ffffffffffffffff", &v), 0); ck_assert_uint_eq(v, ~0ULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_u64_hex(bad[i], &v) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(decimal_counts)
{
	uint64_t v;
	const char *bad[] = { "", " 2", "+2", "-1", "2x", "0x2", "4097", "99999999999999999999" };

	ck_assert_int_eq(parse_u64_dec("4096", 4096, &v), 0); ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_u64_dec("007", 4096, &v), 0); ck_assert_uint_eq(v, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_u64_dec(bad[i], 4096, &v) == -1, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(hex_byte_strings)
{
	uint8_t b[4];
	size_t n;
	const char *bad[] = { "", "0x", "abc", " ab", "ab ", "zz", "0102030405", "+1ab" };

	ck_assert_int_eq(parse_hex_bytes("0x01aB", b, sizeof(b), &n), 0);
	ck_assert_uint_eq(n, 2); ck_assert_uint_eq(b[0], 0x01); ck_assert_uint_eq(b[1], 0xab);
	ck_assert_int_eq(parse_hex_bytes("deadbeef", b, sizeof(b), &n), 0);
	ck_assert_uint_eq(n, 4); ck_assert_uint_eq(b[3], 0xef);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_hex_bytes(bad[i], b, sizeof(b), &n) == -1, "accepted '%s'", bad[i]);
}
END_TEST

static int hits;
static uint64_t last_off;
static void dev(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool w)
{
	hits++; last_off = off;
	if (!w)
		memset(data, 0x5a, len);
}

START_TEST(bus_dispatch_and_misses)
{
	struct bus b = { .name = "pio" };
	uint8_t d[4];

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(bus_register(&b, 0x3f8, 8, dev, NULL, "uart"), 0);
	ck_assert_int_eq(bus_register(&b, 0xf4, 1, dev, NULL, "exit"), 0);
	ck_assert_int_eq(bus_register(&b, 0x600, 16, dev, NULL, "conv"), 0);
	ck_assert_int_eq(bus_register(&b, 0x3fc, 8, dev, NULL, "overlap"), -1);
	ck_assert_int_eq(bus_register(&b, ~0ULL, 2, dev, NULL, "wraps"), -1);
	ck_assert_int_eq(bus_register(&b, 0x10, 0, dev, NULL, "empty"), -1);

	ck_assert(bus_dispatch(&b, 0x3fd, d, 1, false));
	ck_assert_uint_eq(last_off, 5); ck_assert_uint_eq(d[0], 0x5a);
	ck_assert(bus_dispatch(&b, 0x60c, d, 4, true));
	ck_assert_uint_eq(last_off, 12);
	ck_assert(!bus_dispatch(&b, 0x3f7, d, 2, false));
	ck_assert_uint_eq(d[0], 0xff); ck_assert_uint_eq(d[1], 0xff);
	ck_assert(!bus_dispatch(&b, 0x400, d, 1, false));
	ck_assert(!bus_dispatch(&b, ~0ULL, d, 1, false));
	ck_assert_uint_eq(b.misses, 3);
	ck_assert_int_eq(hits, 2);
}
END_TEST

/* The platform table is where ids, names and the private-memory property meet. */
START_TEST(platform_table_ids)
{
	static const struct {
		const struct platform_ops *ops;
		enum platform_id id;
		const char *name;
		bool private_memory;
	} want[] = {
		{ &platform_plain, PLATFORM_PLAIN, "plain", false },
		{ &platform_sw, PLATFORM_SW, "sw", true },
		{ &platform_snp, PLATFORM_SNP, "snp", true },
		{ &platform_tdx, PLATFORM_TDX, "tdx", true },
	};
	enum platform_id id;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_ptr_eq(platform_by_id(want[i].id), want[i].ops);
		ck_assert_int_eq(want[i].ops->id, want[i].id);
		ck_assert_str_eq(want[i].ops->name, want[i].name);
		ck_assert_str_eq(platform_name(want[i].id), want[i].name);
		ck_assert_int_eq(platform_from_name(want[i].name, &id), 0);
		ck_assert_int_eq(id, want[i].id);
		ck_assert_int_eq(want[i].ops->has_private_memory, want[i].private_memory);
	}
	ck_assert_int_eq(platform_from_name("SNP", &id), -1);
	ck_assert_int_eq(platform_from_name(NULL, &id), -1);
	ck_assert_ptr_null(platform_by_id((enum platform_id)99));
}
END_TEST

START_TEST(plan_overlap_and_ram)
{
	struct launch_plan p;
	struct plan_piece a = { .gpa = 0x1000, .len = 0x2000, .type = PIECE_NORMAL, .what = "a" };
	struct plan_piece b = { .gpa = 0x2fff, .len = 1, .type = PIECE_NORMAL, .what = "b" };
	struct plan_piece c = { .gpa = 0x3000, .len = 1, .type = PIECE_NORMAL, .what = "c" };
	struct plan_piece w = { .gpa = ~0ULL - 10, .len = 100, .type = PIECE_NORMAL, .what = "w" };

	cvmm_verbosity = LOG_QUIET;
	plan_init(&p, 8ULL << 30);
	ck_assert_int_eq(plan_add(&p, &a), 0);
	ck_assert_int_eq(plan_add(&p, &b), -1);
	ck_assert_int_eq(plan_add(&p, &c), 0);
	ck_assert_int_eq(plan_add(&p, &w), -1);
	ck_assert_ptr_nonnull(plan_add_buffer(&p, 0x5000, 10, PIECE_NORMAL, false, "buf"));
	ck_assert_uint_eq(p.n_pieces, 3);

	/* 8 GiB: 3 GiB low, 5 GiB from 4 GiB */
	ck_assert(plan_range_in_ram(&p, 0, LAYOUT_LOW_RAM_MAX));
	ck_assert(!plan_range_in_ram(&p, LAYOUT_LOW_RAM_MAX - 1, 2));
	ck_assert(plan_range_in_ram(&p, LAYOUT_HIGH_RAM, 5ULL << 30));
	ck_assert(!plan_range_in_ram(&p, LAYOUT_HIGH_RAM, (5ULL << 30) + 1));
	ck_assert(!plan_range_in_ram(&p, ~0ULL, 2));
	plan_free(&p);

	plan_init(&p, 1ULL << 20);
	ck_assert(plan_range_in_ram(&p, 0, 1ULL << 20));
	ck_assert(!plan_range_in_ram(&p, 0, (1ULL << 20) + 1));
	ck_assert(!plan_range_in_ram(&p, LAYOUT_HIGH_RAM, 1));
	plan_free(&p);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, size_suffixes);
	tcase_add_test(tc, size_rejects);
	tcase_add_test(tc, hex_numbers);
	tcase_add_test(tc, decimal_counts);
	tcase_add_test(tc, hex_byte_strings);
	tcase_add_test(tc, bus_dispatch_and_misses);
	tcase_add_test(tc, plan_overlap_and_ram);
	tcase_add_test(tc, platform_table_ids);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
