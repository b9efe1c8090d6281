/*
 * Split virtqueue and virtio-mmio transport: every rule a guest can break,
 * checked against a guest_mem of anonymous memory (no KVM needed).
 */
#include <string.h>

#include "check_compat.h"
#include "devices/virtio/virtio_devices.h"
#include "devices/virtio/virtqueue.h"
#include "virtio_driver.h"
#include "loader/layout.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "tests/support/gm_test.h"

#define MEM	(16ULL << 20)
#define RING	0x10000ULL
#define BUF	0x100000ULL

static struct guest_mem gm;
static struct virtqueue vq;
static struct vq_chain chain;
static char why[160];

static void setup(void)
{
	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(gm_init(&gm, MEM, -1, false), 0);
	vq = (struct virtqueue){ .gm = &gm, .num = 8, .desc = RING, .avail = RING + 0x1000,
				 .used = RING + 0x2000, .ready = true };
	why[0] = 0;
}

static void teardown(void)
{
	gm_destroy(&gm);
}

static void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct tdrv d = { .gm = &gm, .desc = vq.desc };

	tdrv_desc(&d, i, addr, len, flags, next);
}

/* Publishes `head` as avail entry number `slot` and sets avail idx to idx. */
static void avail(uint16_t slot, uint16_t head, uint16_t idx)
{
	gm_write(&gm, vq.avail + 4 + 2ULL * (slot % vq.num), &head, 2);
	gm_write(&gm, vq.avail + 2, &idx, 2);
}

START_TEST(good_chain_and_used)
{
	uint8_t in[8], out[12] = "hello world";
	uint32_t e[2];
	uint16_t idx;

	gm_write(&gm, BUF, out, sizeof(out));
	desc(3, BUF, 5, VIRTQ_DESC_F_NEXT, 5);
	desc(5, BUF + 5, 7, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF + 0x1000, 8, VIRTQ_DESC_F_WRITE, 0);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_EMPTY);
	avail(0, 3, 1);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_uint_eq(chain.head, 3);
	ck_assert_uint_eq(chain.n_out, 2);
	ck_assert_uint_eq(chain.n_in, 1);
	ck_assert_uint_eq(chain.out_len, 12);
	ck_assert_uint_eq(chain.in_len, 8);
	/* the out stream reads across buffer boundaries */
	memset(in, 0, sizeof(in));
	ck_assert_int_eq(vq_read_out(&vq, &chain, 3, in, 6), 6);
	ck_assert_mem_eq(in, out + 3, 6);
	ck_assert_int_eq(vq_read_out(&vq, &chain, 10, in, 6), 2);
	ck_assert_int_eq(vq_write_in(&vq, &chain, 0, "abcdefgh", 8), 8);
	gm_read(&gm, BUF + 0x1000, in, 8);
	ck_assert_mem_eq(in, "abcdefgh", 8);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_EMPTY);

	ck_assert_int_eq(vq_push(&vq, 3, 8), 0);
	gm_read(&gm, vq.used + 4, e, 8);
	gm_read(&gm, vq.used + 2, &idx, 2);
	ck_assert_uint_eq(e[0], 3);
	ck_assert_uint_eq(e[1], 8);
	ck_assert_uint_eq(idx, 1);
}
END_TEST

START_TEST(zero_length_descriptors_are_skipped)
{
	desc(0, BUF, 0, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	avail(0, 0, 1);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_uint_eq(chain.n_out + chain.n_in, 1);
}
END_TEST

static void expect_broken(const char *what, const char *needle)
{
	enum vq_result r = vq_pop(&vq, &chain, why, sizeof(why));

	ck_assert_msg(r == VQ_BROKEN, "%s: got %d, want VQ_BROKEN", what, r);
	ck_assert_msg(strstr(why, needle), "%s: reason '%s' lacks '%s'", what, why, needle);
}

START_TEST(loop_is_broken)
{
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	desc(1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	avail(0, 0, 1);
	expect_broken("two-descriptor loop", "loops");
}
END_TEST

START_TEST(self_loop_is_broken)
{
	desc(2, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	avail(0, 2, 1);
	expect_broken("self loop", "loops");
}
END_TEST

START_TEST(next_beyond_table)
{
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 8);
	avail(0, 0, 1);
	expect_broken("next == num", "beyond the table");
}
END_TEST

START_TEST(readable_after_writable)
{
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc(1, BUF, 4, 0, 0);
	avail(0, 0, 1);
	expect_broken("out after in", "readable descriptor after");
}
END_TEST

START_TEST(wrapping_buffer)
{
	desc(0, ~0ULL - 10, 100, 0, 0);
	avail(0, 0, 1);
	expect_broken("buffer wraps", "wraps");
}
END_TEST

START_TEST(buffer_outside_ram_fails_the_access_only)
{
	uint8_t b[4];

	/* Structurally fine: the request fails when the device touches it. */
	desc(0, MEM - 2, 4, 0, 0);
	avail(0, 0, 1);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_int_eq(vq_read_out(&vq, &chain, 0, b, 4), GM_E_RANGE);
	desc(1, LAYOUT_MMIO_BASE, 4, VIRTQ_DESC_F_WRITE, 0);
	avail(1, 1, 2);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_int_eq(vq_write_in(&vq, &chain, 0, b, 4), GM_E_RANGE);
}
END_TEST

START_TEST(avail_index_too_far_ahead)
{
	desc(0, BUF, 4, 0, 0);
	avail(0, 0, 9);			/* 9 pending in a queue of 8 */
	expect_broken("avail idx", "ahead");
	avail(0, 0, 0xffff);		/* "behind" is far ahead too, modulo 2^16 */
	expect_broken("avail idx wrapped", "ahead");
}
END_TEST

START_TEST(avail_index_wraps_normally)
{
	uint16_t n = 0;

	vq.last_avail = 0xfffe;
	desc(0, BUF, 4, 0, 0);
	for (int i = 0; i < 4; i++) {
		avail((uint16_t)(0xfffe + i), 0, (uint16_t)(0xffff + i));
		ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
		n++;
	}
	ck_assert_uint_eq(vq.last_avail, 2);
	ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(head_beyond_queue)
{
	avail(0, 8, 1);
	expect_broken("head == num", "beyond the queue");
}
END_TEST

START_TEST(ring_outside_ram)
{
	vq.avail = MEM;	/* the driver moved it after the check: reads fail */
	avail(0, 0, 1);
	expect_broken("avail outside RAM", "not guest RAM");
}
END_TEST

START_TEST(descriptor_table_outside_ram)
{
	vq.desc = MEM - 16;		/* entry 0 in RAM, entry 1 not */
	desc(0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	avail(0, 0, 1);
	expect_broken("descriptor outside RAM", "not guest RAM");
}
END_TEST

START_TEST(indirect_rules)
{
	struct tdrv it = { .gm = &gm, .desc = BUF + 0x4000 };

	/* a good indirect table: out, in */
	tdrv_desc(&it, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&it, 1, BUF + 0x1000, 4, VIRTQ_DESC_F_WRITE, 0);
	desc(0, it.desc, 32, VIRTQ_DESC_F_INDIRECT, 0);
	avail(0, 0, 1);
	expect_broken("indirect without the feature", "not negotiated");

	vq.indirect = true;
	vq.last_avail = 0;
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_uint_eq(chain.n_out, 1);
	ck_assert_uint_eq(chain.n_in, 1);
	ck_assert_uint_eq(chain.in_len, 4);

	struct { uint64_t addr; uint32_t len; uint16_t flags; const char *needle; } bad[] = {
		{ it.desc, 24, VIRTQ_DESC_F_INDIRECT, "not 16 *" },
		{ it.desc, 0, VIRTQ_DESC_F_INDIRECT, "not 16 *" },
		{ it.desc, 16 * 9, VIRTQ_DESC_F_INDIRECT, "not 16 *" },	/* > queue size */
		{ MEM - 16, 32, VIRTQ_DESC_F_INDIRECT, "not guest RAM" },
		{ it.desc, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, "NEXT" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		desc(0, bad[i].addr, bad[i].len, bad[i].flags, 1);
		vq.last_avail = 0;
		expect_broken(bad[i].needle, bad[i].needle);
	}

	/* nested indirect, and a loop inside the table */
	desc(0, it.desc, 32, VIRTQ_DESC_F_INDIRECT, 0);
	tdrv_desc(&it, 0, it.desc, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vq.last_avail = 0;
	expect_broken("nested", "nested");
	tdrv_desc(&it, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&it, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	vq.last_avail = 0;
	expect_broken("loop in indirect table", "loops");
	tdrv_desc(&it, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	vq.last_avail = 0;
	expect_broken("next beyond indirect table", "beyond the table");
}
END_TEST

START_TEST(chain_bounded_by_queue)
{
	/* a full-length chain of 8 is fine, through all 8 entries */
	for (uint16_t i = 0; i < 8; i++)
		desc(i, BUF, 1, i < 7 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	avail(0, 0, 1);
	ck_assert_int_eq(vq_pop(&vq, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_uint_eq(chain.n_out, 8);
	/* the 8th pointing back to the start makes 9 steps: refused */
	desc(7, BUF, 1, VIRTQ_DESC_F_NEXT, 0);
	avail(1, 0, 2);
	expect_broken("chain longer than queue", "loops");
}
END_TEST

START_TEST(check_rejects_bad_layouts)
{
	struct { uint16_t num; uint64_t desc, avail, used; const char *needle; } bad[] = {
		{ 0, RING, RING + 0x1000, RING + 0x2000, "power of two" },
		{ 3, RING, RING + 0x1000, RING + 0x2000, "power of two" },
		{ 512, RING, RING + 0x1000, RING + 0x2000, "power of two" },
		{ 8, RING + 8, RING + 0x1000, RING + 0x2000, "aligned" },
		{ 8, RING, RING + 0x1001, RING + 0x2000, "aligned" },
		{ 8, RING, RING + 0x1000, RING + 0x2002, "aligned" },
		{ 8, MEM, RING + 0x1000, RING + 0x2000, "not guest RAM" },
		{ 8, RING, MEM - 8, RING + 0x2000, "not guest RAM" },	/* straddles the end */
		{ 8, RING, RING + 0x1000, ~0ULL - 3, "not guest RAM" },	/* wraps */
	};

	vq.num = 8;
	ck_assert_int_eq(vq_check(&vq, VQ_MAX_SIZE, why, sizeof(why)), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtqueue q = { .gm = &gm, .num = bad[i].num, .desc = bad[i].desc,
				       .avail = bad[i].avail, .used = bad[i].used };

		why[0] = 0;
		ck_assert_msg(vq_check(&q, VQ_MAX_SIZE, why, sizeof(why)) == -1, "case %u accepted", i);
		ck_assert_msg(strstr(why, bad[i].needle), "case %u: '%s'", i, why);
	}
}
END_TEST

/* Private memory (the sw/confidential case): the door refuses it, so the queue does. */
START_TEST(private_memory_refused)
{
	struct guest_mem pm;
	struct virtqueue q;
	uint8_t b[4];

	ck_assert_int_eq(gm_init_backing(&pm, MEM, -1, GM_MEMFD), 0);
	ck_assert_int_eq(gm_private_enable(&pm, -1), 0);
	q = (struct virtqueue){ .gm = &pm, .num = 8, .desc = RING, .avail = RING + 0x1000,
				.used = RING + 0x2000, .ready = true };
	ck_assert_int_eq(vq_check(&q, VQ_MAX_SIZE, why, sizeof(why)), 0);

	/* a buffer in a private page: the chain is fine, the access fails */
	ck_assert_int_eq(gm_convert(&pm, BUF, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	struct tdrv d = { .gm = &pm, .desc = RING };
	uint16_t head = 0, idx = 1;
	tdrv_desc(&d, 0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	gm_write(&pm, q.avail + 4, &head, 2);
	gm_write(&pm, q.avail + 2, &idx, 2);
	ck_assert_int_eq(vq_pop(&q, &chain, why, sizeof(why)), VQ_GOT);
	ck_assert_int_eq(vq_write_in(&q, &chain, 0, "abcd", 4), GM_E_PRIVATE);
	ck_assert_int_eq(vq_read_out(&q, &chain, 0, b, 4), 0);	/* nothing readable */

	/* the descriptor table turned private under a ready queue */
	ck_assert_int_eq(gm_convert(&pm, RING, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_int_eq(vq_check(&q, VQ_MAX_SIZE, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "private memory"), "%s", why);
	idx = 2;
	gm_write(&pm, q.avail + 4 + 2, &head, 2);
	gm_write(&pm, q.avail + 2, &idx, 2);
	ck_assert_int_eq(vq_pop(&q, &chain, why, sizeof(why)), VQ_BROKEN);
	ck_assert_msg(strstr(why, "private memory"), "%s", why);
	/* the used ring too */
	ck_assert_int_eq(gm_convert(&pm, q.used, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_int_eq(vq_push(&q, 0, 4), -1);
	gm_destroy(&pm);
}
END_TEST

/* ---- the transport, with virtio-rng behind it ---- */

static int irqs;
static void count_irq(void *opaque, unsigned line)
{
	irqs++;
}

START_TEST(transport_identity_and_negotiation)
{
	struct virtio_mmio *t = virtio_rng_new(&gm);
	uint64_t all = ~0ULL;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	tdrv_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32)));
	ck_assert(tdrv_r(t, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_ACCESS_PLATFORM - 32)));

	/* a legacy driver (no VERSION_1) is refused FEATURES_OK */
	ck_assert(!(tdrv_negotiate(t, all & ~(1ULL << VIRTIO_F_VERSION_1)) & VIRTIO_STATUS_FEATURES_OK));
	/* a confidential guest must accept ACCESS_PLATFORM */
	t->require_access_platform = true;
	ck_assert(!(tdrv_negotiate(t, all & ~(1ULL << VIRTIO_F_ACCESS_PLATFORM)) & VIRTIO_STATUS_FEATURES_OK));
	ck_assert(tdrv_negotiate(t, all) & VIRTIO_STATUS_FEATURES_OK);
	/* features are frozen after FEATURES_OK */
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	tdrv_w(t, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	ck_assert(t->drv_features & (1ULL << VIRTIO_F_VERSION_1));
	/* non-32-bit register reads are refused (zero), config reads of any width work */
	uint8_t b[2] = { 1, 1 };
	virtio_mmio_access(t, VIRTIO_MMIO_MAGIC_VALUE, b, 2, false);
	ck_assert_uint_eq(b[0] | b[1], 0);
	virtio_device_free(t);
}
END_TEST

START_TEST(transport_rng_roundtrip_and_irq)
{
	struct virtio_mmio *t = virtio_rng_new(&gm);
	struct tdrv d;
	uint8_t bytes[64], zero[64] = { 0 };
	uint32_t id, len;

	t->irq_fn = count_irq;
	irqs = 0;
	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(&d, t, &gm, 0, 16, RING);
	tdrv_driver_ok(t);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_QUEUE_READY), 1);
	/* queue registers are frozen while ready */
	tdrv_w(t, VIRTIO_MMIO_QUEUE_NUM, 4);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_QUEUE_NUM), 16);

	gm_write(&gm, BUF, zero, sizeof(zero));
	tdrv_desc(&d, 0, BUF, 32, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&d, 1, BUF + 32, 32, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &len), 1);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 64);
	gm_read(&gm, BUF, bytes, sizeof(bytes));
	ck_assert(memcmp(bytes, zero, 32) != 0 && memcmp(bytes + 32, zero, 32) != 0);
	ck_assert_int_eq(irqs, 1);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_INT_USED);
	tdrv_w(t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* a broken chain: NEEDS_RESET, a config interrupt, later kicks ignored */
	tdrv_desc(&d, 2, BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	tdrv_kick(&d, 2);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG);
	ck_assert_int_eq(irqs, 2);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &len), 0);
	/* the driver cannot clear NEEDS_RESET except by a reset */
	tdrv_w(t, VIRTIO_MMIO_STATUS, 0x0f);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	tdrv_w(t, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_QUEUE_READY), 0);

	/* and it works again after the reset */
	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(&d, t, &gm, 0, 16, RING);
	tdrv_driver_ok(t);
	tdrv_desc(&d, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &len), 1);
	ck_assert_uint_eq(len, 8);
	virtio_device_free(t);
}
END_TEST

START_TEST(transport_bad_queue_at_ready)
{
	struct virtio_mmio *t = virtio_rng_new(&gm);
	struct tdrv d;

	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(&d, t, &gm, 0, 16, MEM - 0x100);	/* rings run off the end of RAM */
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* a queue that does not exist: reads as absent, writes ignored */
	tdrv_w(t, VIRTIO_MMIO_QUEUE_SEL, 7);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_READY, 1);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	tdrv_w(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	virtio_device_free(t);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("virtqueue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_chain_and_used);
	tcase_add_test(tc, zero_length_descriptors_are_skipped);
	tcase_add_test(tc, loop_is_broken);
	tcase_add_test(tc, self_loop_is_broken);
	tcase_add_test(tc, next_beyond_table);
	tcase_add_test(tc, readable_after_writable);
	tcase_add_test(tc, wrapping_buffer);
	tcase_add_test(tc, buffer_outside_ram_fails_the_access_only);
	tcase_add_test(tc, avail_index_too_far_ahead);
	tcase_add_test(tc, avail_index_wraps_normally);
	tcase_add_test(tc, head_beyond_queue);
	tcase_add_test(tc, ring_outside_ram);
	tcase_add_test(tc, descriptor_table_outside_ram);
	tcase_add_test(tc, indirect_rules);
	tcase_add_test(tc, chain_bounded_by_queue);
	tcase_add_test(tc, check_rejects_bad_layouts);
	tcase_add_test(tc, private_memory_refused);
	tcase_add_test(tc, transport_identity_and_negotiation);
	tcase_add_test(tc, transport_rng_roundtrip_and_irq);
	tcase_add_test(tc, transport_bad_queue_at_ready);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
