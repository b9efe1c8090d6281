/* The device tree: read back with libfdt's own parser and compared with the inputs. */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "check_compat.h"
#include "loader/boot/fdt.h"
#include "loader/virtio_slots.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"

static uint64_t be64_at(const void *p)
{
	fdt64_t v;

	memcpy(&v, p, 8);
	return fdt64_to_cpu(v);
}

START_TEST(nodes_match_inputs)
{
	struct launch_opts o;
	struct virtio_slot s[VIRTIO_MAX_SLOTS];
	struct fdt_in in = { .slots = s, .pool_gpa = 0xe00000, .pool_size = 0x200000,
			     .bootargs = "console=hvc0 quiet" };
	void *f;
	size_t len;
	int node, plen, n_virtio = 0;
	const void *p;

	launch_opts_init(&o);
	o.disk = "x.img";
	o.rng = true;
	o.console_virtio = true;
	in.n_slots = virtio_slots(&o, s);
	ck_assert_int_eq(in.n_slots, 3);
	ck_assert_int_eq(fdt_build(&in, &f, &len), 0);
	ck_assert_int_eq(fdt_check_header(f), 0);
	ck_assert_uint_eq(len, fdt_totalsize(f));

	node = fdt_path_offset(f, "/chosen");
	ck_assert_int_ge(node, 0);
	ck_assert_str_eq(fdt_getprop(f, node, "bootargs", NULL), in.bootargs);

	fdt_for_each_subnode(node, f, 0) {
		const char *compat = fdt_getprop(f, node, "compatible", NULL);
		int pool;

		if (!compat || strcmp(compat, "virtio,mmio"))
			continue;
		ck_assert_int_lt(n_virtio, in.n_slots);
		p = fdt_getprop(f, node, "reg", &plen);
		ck_assert_int_eq(plen, 16);
		ck_assert_uint_eq(be64_at(p), s[n_virtio].base);
		ck_assert_uint_eq(be64_at((const uint8_t *)p + 8), s[n_virtio].size);
		p = fdt_getprop(f, node, "interrupts", &plen);
		ck_assert_int_eq(plen, 8);
		ck_assert_uint_eq(fdt32_ld(p), s[n_virtio].irq);
		/* memory-region leads to the restricted-dma-pool covering the window */
		p = fdt_getprop(f, node, "memory-region", &plen);
		ck_assert_int_eq(plen, 4);
		pool = fdt_node_offset_by_phandle(f, fdt32_ld(p));
		ck_assert_int_ge(pool, 0);
		ck_assert_str_eq(fdt_getprop(f, pool, "compatible", NULL), "restricted-dma-pool");
		p = fdt_getprop(f, pool, "reg", &plen);
		ck_assert_int_eq(plen, 16);
		ck_assert_uint_eq(be64_at(p), in.pool_gpa);
		ck_assert_uint_eq(be64_at((const uint8_t *)p + 8), in.pool_size);
		n_virtio++;
	}
	ck_assert_int_eq(n_virtio, 3);
	/* slots: distinct, consecutive, the order documented */
	ck_assert_uint_eq(s[0].kind, VIRTIO_KIND_CONSOLE);
	ck_assert_uint_eq(s[1].kind, VIRTIO_KIND_BLK);
	ck_assert_uint_eq(s[2].kind, VIRTIO_KIND_RNG);
	ck_assert_uint_eq(s[1].base, s[0].base + s[0].size);
	ck_assert_uint_ne(s[1].irq, s[0].irq);
	free(f);
}
END_TEST

START_TEST(no_window_no_pool)
{
	struct virtio_slot s = { .kind = VIRTIO_KIND_RNG, .base = 0xd0000000, .size = 0x200, .irq = 5 };
	struct fdt_in in = { .slots = &s, .n_slots = 1 };
	void *f;
	size_t len;
	int node;

	ck_assert_int_eq(fdt_build(&in, &f, &len), 0);
	ck_assert_int_lt(fdt_path_offset(f, "/reserved-memory"), 0);
	node = fdt_path_offset(f, "/virtio_mmio@d0000000");
	ck_assert_int_ge(node, 0);
	ck_assert_ptr_null(fdt_getprop(f, node, "memory-region", NULL));
	ck_assert_ptr_null(fdt_getprop(f, fdt_path_offset(f, "/chosen"), "bootargs", NULL));
	free(f);
}
END_TEST

START_TEST(long_bootargs_grow_the_buffer)
{
	struct fdt_in in = { 0 };
	char *big = malloc(20000);
	void *f;
	size_t len;

	memset(big, 'a', 19999);
	big[19999] = 0;
	in.bootargs = big;
	ck_assert_int_eq(fdt_build(&in, &f, &len), 0);
	ck_assert_uint_gt(len, 20000);
	ck_assert_str_eq(fdt_getprop(f, fdt_path_offset(f, "/chosen"), "bootargs", NULL), big);
	free(f);
	free(big);
}
END_TEST

START_TEST(cmdline_form)
{
	struct launch_opts o;
	char *c;

	cvmm_verbosity = LOG_QUIET;
	launch_opts_init(&o);
	c = virtio_cmdline(&o);
	ck_assert_str_eq(c, "");
	free(c);
	o.cmdline = "root=/dev/vda";
	o.rng = true;
	o.disk = "d.img";
	c = virtio_cmdline(&o);
	/* built independently from the documented slot rule */
	char want[256];
	snprintf(want, sizeof(want), "root=/dev/vda virtio_mmio.device=%u@0x%llx:%u "
		 "virtio_mmio.device=%u@0x%llx:%u", 0x200, 0xd0000000ULL, VIRTIO_FIRST_IRQ,
		 0x200, 0xd0000000ULL + 0x200, VIRTIO_FIRST_IRQ + 1);
	ck_assert_str_eq(c, want);
	free(c);
	o.console_virtio = true;
	o.cmdline = NULL;
	o.disk = NULL;
	o.rng = false;
	c = virtio_cmdline(&o);
	ck_assert_str_eq(c, "virtio_mmio.device=512@0xd0000000:5 console=hvc0");
	free(c);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("fdt");

	tcase_add_test(tc, nodes_match_inputs);
	tcase_add_test(tc, no_window_no_pool);
	tcase_add_test(tc, long_bootargs_grow_the_buffer);
	tcase_add_test(tc, cmdline_form);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
