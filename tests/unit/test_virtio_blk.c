/*
 * virtio-blk against a temporary raw file, driven through the transport the
 * way a guest would: reads, writes, flush, get-id, read-only, requests
 * beyond the end and buffers outside RAM.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"
#include "devices/virtio/virtio_devices.h"
#include "virtio_driver.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "tests/support/gm_test.h"

#define MEM	(16ULL << 20)
#define RING	0x10000ULL
#define HDR	0x80000ULL
#define DATA	0x100000ULL
#define STATUS	0x90000ULL
#define SECTORS	64

static struct guest_mem gm;
static char path[64];

/* Sector s, byte i: a pattern nobody could mistake for another sector's. */
static uint8_t pattern(uint64_t s, unsigned i)
{
	return (uint8_t)(s * 31 + i * 7 + (i >> 8));
}

static void setup(void)
{
	uint8_t sec[512];
	int fd;

	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(gm_init(&gm, MEM, -1, false), 0);
	strcpy(path, "/tmp/cvmm-blk-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (uint64_t s = 0; s < SECTORS; s++) {
		for (unsigned i = 0; i < 512; i++)
			sec[i] = pattern(s, i);
		ck_assert_int_eq(write(fd, sec, 512), 512);
	}
	ck_assert_int_eq(write(fd, "tail", 4), 4);	/* a partial sector the guest never sees */
	close(fd);
}

static void teardown(void)
{
	unlink(path);
	gm_destroy(&gm);
}

static struct virtio_mmio *open_disk(struct tdrv *d, bool ro, bool direct)
{
	struct virtio_blk_opts o = { .path = path, .read_only = ro, .direct = direct };
	struct virtio_mmio *t = virtio_blk_new(&gm, &o);

	ck_assert_ptr_nonnull(t);
	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(d, t, &gm, 0, 16, RING);
	tdrv_driver_ok(t);
	return t;
}

/*
 * One request: header, then data (split into two descriptors when len >
 * 512, to cross a buffer boundary), then the status byte. Returns the
 * status; *used_len gets the used length.
 */
static int request(struct tdrv *d, uint32_t type, uint64_t sector, uint64_t data_gpa,
		   uint32_t len, uint32_t *used_len)
{
	uint8_t hdr[16] = { 0 }, status = 0xee;
	uint16_t wflag = type == VIRTIO_BLK_T_OUT ? 0 : VIRTQ_DESC_F_WRITE;
	uint16_t n = 0;
	uint32_t id, ulen;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	gm_write(&gm, HDR, hdr, 16);
	gm_write(&gm, STATUS, &status, 1);
	tdrv_desc(d, n, HDR, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1)); n++;
	if (len > 512) {
		tdrv_desc(d, n, data_gpa, 512, wflag | VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1)); n++;
		tdrv_desc(d, n, data_gpa + 512, len - 512, wflag | VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1)); n++;
	} else if (len) {
		tdrv_desc(d, n, data_gpa, len, wflag | VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1)); n++;
	}
	tdrv_desc(d, n, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(d, 0);
	ck_assert_int_eq(tdrv_used(d, &id, &ulen), 1);
	ck_assert_uint_eq(id, 0);
	if (used_len)
		*used_len = ulen;
	gm_read(&gm, STATUS, &status, 1);
	return status;
}

static void read_write_flush(bool direct)
{
	struct tdrv d;
	struct virtio_mmio *t = open_disk(&d, false, direct);
	uint8_t buf[2048], file[512];
	uint32_t ulen;
	int fd;

	ck_assert_uint_eq(virtio_blk_capacity(t), SECTORS * 512);
	/* config: capacity in sectors */
	uint64_t cap;
	for (int i = 0; i < 8; i++)
		virtio_mmio_access(t, VIRTIO_MMIO_CONFIG + i, (uint8_t *)&cap + i, 1, false);
	ck_assert_uint_eq(cap, SECTORS);

	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 5, DATA, 2048, &ulen), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(ulen, 2048 + 1);
	gm_read(&gm, DATA, buf, sizeof(buf));
	for (unsigned i = 0; i < 2048; i++)
		ck_assert_uint_eq(buf[i], pattern(5 + i / 512, i % 512));

	for (unsigned i = 0; i < 1024; i++)
		buf[i] = (uint8_t)(i ^ 0xa5);
	gm_write(&gm, DATA, buf, 1024);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_OUT, SECTORS - 2, DATA, 1024, &ulen), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(ulen, 1);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_FLUSH, 0, 0, 0, NULL), VIRTIO_BLK_S_OK);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(pread(fd, file, 512, (SECTORS - 1) * 512), 512);
	close(fd);
	ck_assert_mem_eq(file, buf + 512, 512);

	/* beyond the end, straddling the end, sector * 512 overflowing */
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, SECTORS, DATA, 512, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_OUT, SECTORS - 1, DATA, 1024, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, ~0ULL / 256, DATA, 512, NULL), VIRTIO_BLK_S_IOERR);
	/* not whole sectors */
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, DATA, 100, NULL), VIRTIO_BLK_S_IOERR);
	/* data buffer outside RAM: an error status, not a crash */
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, MEM - 512, 1024, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_OUT, 0, MEM, 512, NULL), VIRTIO_BLK_S_IOERR);
	/* an unknown request type */
	ck_assert_int_eq(request(&d, 0x77, 0, DATA, 512, NULL), VIRTIO_BLK_S_UNSUPP);
	/* none of that broke the device */
	ck_assert(!(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, DATA, 512, NULL), VIRTIO_BLK_S_OK);
	virtio_device_free(t);
}

START_TEST(read_write_flush_buffered)
{
	read_write_flush(false);
}
END_TEST

START_TEST(read_write_flush_direct)
{
	read_write_flush(true);
}
END_TEST

START_TEST(get_id_and_read_only)
{
	struct tdrv d;
	struct virtio_mmio *t = open_disk(&d, true, false);
	const char *base = strrchr(path, '/') + 1;
	char id[VIRTIO_BLK_ID_BYTES + 1] = { 0 };
	uint32_t ulen;

	tdrv_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert(tdrv_r(t, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO));
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_GET_ID, 0, DATA, VIRTIO_BLK_ID_BYTES, &ulen),
			 VIRTIO_BLK_S_OK);
	gm_read(&gm, DATA, id, VIRTIO_BLK_ID_BYTES);
	ck_assert_str_eq(id, base);
	ck_assert_uint_eq(ulen, VIRTIO_BLK_ID_BYTES + 1);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_OUT, 0, DATA, 512, NULL), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, DATA, 512, NULL), VIRTIO_BLK_S_OK);
	virtio_device_free(t);
}
END_TEST

START_TEST(malformed_requests)
{
	struct tdrv d;
	struct virtio_mmio *t = open_disk(&d, false, false);
	uint32_t id, ulen;

	/* no writable status byte at all: returned with length 0 */
	tdrv_desc(&d, 0, HDR, 16, 0, 0);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &ulen), 1);
	ck_assert_uint_eq(ulen, 0);
	/* a short header: IOERR in the status byte */
	tdrv_desc(&d, 0, HDR, 8, VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&d, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &ulen), 1);
	uint8_t st;
	gm_read(&gm, STATUS, &st, 1);
	ck_assert_uint_eq(st, VIRTIO_BLK_S_IOERR);
	/* header outside RAM */
	tdrv_desc(&d, 0, MEM - 8, 16, VIRTQ_DESC_F_NEXT, 1);
	tdrv_kick(&d, 0);
	ck_assert_int_eq(tdrv_used(&d, &id, &ulen), 1);
	gm_read(&gm, STATUS, &st, 1);
	ck_assert_uint_eq(st, VIRTIO_BLK_S_IOERR);
	ck_assert(!(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	virtio_device_free(t);
}
END_TEST

/* A data buffer in private memory: IOERR, and the private page is never written. */
START_TEST(private_buffer_refused)
{
	struct virtio_blk_opts o = { .path = path };
	struct virtio_mmio *t;
	struct tdrv d;
	uint8_t st;
	uint32_t ulen;

	gm_destroy(&gm);
	ck_assert_int_eq(gm_init_backing(&gm, MEM, -1, GM_MEMFD), 0);
	ck_assert_int_eq(gm_private_enable(&gm, -1), 0);
	t = virtio_blk_new(&gm, &o);
	ck_assert_ptr_nonnull(t);
	ck_assert(tdrv_negotiate(t, ~0ULL) & VIRTIO_STATUS_FEATURES_OK);
	tdrv_queue(&d, t, &gm, 0, 16, RING);
	tdrv_driver_ok(t);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, DATA, 1024, NULL), VIRTIO_BLK_S_OK);
	/* second half of the buffer private: the request fails as a whole */
	ck_assert_int_eq(gm_convert(&gm, DATA + 0x1000, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_IN, 0, DATA + 0x1000 - 512, 1024, &ulen),
			 VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(request(&d, VIRTIO_BLK_T_OUT, 0, DATA + 0x1000, 512, NULL), VIRTIO_BLK_S_IOERR);
	/* the status byte itself private: nothing written, returned with length 0 */
	ck_assert_int_eq(gm_convert(&gm, STATUS, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	tdrv_desc(&d, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	tdrv_desc(&d, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tdrv_kick(&d, 0);
	uint32_t id;
	ck_assert_int_eq(tdrv_used(&d, &id, &ulen), 1);
	ck_assert_uint_eq(ulen, 0);
	ck_assert_int_eq(gm_read(&gm, STATUS, &st, 1), GM_E_PRIVATE);
	ck_assert(!(tdrv_r(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET));
	virtio_device_free(t);
}
END_TEST

START_TEST(missing_file_is_one_error)
{
	struct virtio_blk_opts o = { .path = "/nonexistent/disk.img" };

	ck_assert_ptr_null(virtio_blk_new(&gm, &o));
	o.path = "/dev/null";		/* not a regular file */
	ck_assert_ptr_null(virtio_blk_new(&gm, &o));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("virtio_blk");
	TCase *tc = tcase_create("virtio_blk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, read_write_flush_buffered);
	tcase_add_test(tc, read_write_flush_direct);
	tcase_add_test(tc, get_id_and_read_only);
	tcase_add_test(tc, malformed_requests);
	tcase_add_test(tc, private_buffer_refused);
	tcase_add_test(tc, missing_file_is_one_error);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
