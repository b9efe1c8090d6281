/* virtio-console over pipes: guest output reaches the host fd, host input reaches posted buffers. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_compat.h"
#include "devices/term.h"
#include "devices/virtio/virtio_devices.h"
#include "virtio_driver.h"
#include "vmm/log.h"
#include "tests/support/gm_test.h"

#define MEM	(4ULL << 20)
#define RXRING	0x10000ULL
#define TXRING	0x20000ULL
#define BUF	0x100000ULL

/* Waits (up to 2 s) for the input thread to complete an rx buffer. */
static int wait_used(struct tdrv *d, uint32_t *len)
{
	uint32_t id;

	for (int i = 0; i < 2000; i++) {
		if (tdrv_used(d, &id, len))
			return 1;
		usleep(1000);
	}
	return 0;
}

START_TEST(output_and_input)
{
	struct guest_mem gm;
	int in[2], out[2];
	struct virtio_mmio *t;
	struct tdrv rx, tx;
	char got[32] = { 0 };
	uint32_t len;

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(gm_init(&gm, MEM, -1, false), 0);
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	term_open(NULL, in[0]);	/* a pipe: no raw mode, no escapes */
	t = virtio_console_new(&gm, out[1], true);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(virtio_console_start(t), 0);
	ck_assert_uint_eq(tdrv_r(t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(&rx, t, &gm, 0, 8, RXRING);
	tdrv_queue(&tx, t, &gm, 1, 8, TXRING);
	tdrv_driver_ok(t);

	/* output: two descriptors, one stream */
	gm_write(&gm, BUF, "hello, ", 7);
	gm_write(&gm, BUF + 0x100, "host\n", 5);
	tdrv_desc(&tx, 0, BUF, 7, VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&tx, 1, BUF + 0x100, 5, 0, 0);
	tdrv_kick(&tx, 0);
	ck_assert_int_eq(read(out[0], got, sizeof(got)), 12);
	ck_assert_str_eq(got, "hello, host\n");
	ck_assert_int_eq(tdrv_used(&tx, &(uint32_t){ 0 }, &len), 1);

	/* input arriving after the guest posted a buffer */
	tdrv_desc(&rx, 0, BUF + 0x1000, 16, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&rx, 0);
	ck_assert_int_eq(write(in[1], "abc", 3), 3);
	ck_assert(wait_used(&rx, &len));
	ck_assert_uint_eq(len, 3);
	memset(got, 0, sizeof(got));
	gm_read(&gm, BUF + 0x1000, got, 3);
	ck_assert_str_eq(got, "abc");

	/* input arriving first waits for a buffer; a 2-byte buffer takes part of it */
	ck_assert_int_eq(write(in[1], "wxyz", 4), 4);
	usleep(20000);
	tdrv_desc(&rx, 1, BUF + 0x2000, 2, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&rx, 1);
	ck_assert(wait_used(&rx, &len));
	ck_assert_uint_eq(len, 2);
	tdrv_desc(&rx, 2, BUF + 0x2002, 16, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&rx, 2);
	ck_assert(wait_used(&rx, &len));
	ck_assert_uint_eq(len, 2);
	memset(got, 0, sizeof(got));
	gm_read(&gm, BUF + 0x2000, got, 4);
	ck_assert_str_eq(got, "wxyz");

	virtio_device_free(t);	/* detaches from the terminal */
	term_close();		/* joins the input thread */
	close(in[0]); close(in[1]); close(out[0]); close(out[1]);
	gm_destroy(&gm);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("virtio_console");
	TCase *tc = tcase_create("virtio_console");

	tcase_add_test(tc, output_and_input);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
