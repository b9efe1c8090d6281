/*
 * libFuzzer: arbitrary guest memory contents and register writes against
 * the virtio-mmio transport, the split virtqueue and the request parsers of
 * virtio-blk, virtio-rng and virtio-console.
 *
 * Input: [0] device, [1] log2 queue size, [2] feature mask bits,
 * [3] register-write count, then that many 8-byte (offset, value) register
 * writes, then bytes copied into guest RAM from the descriptor table on
 * (descriptor table, available ring, and whatever buffers or indirect tables
 * the descriptors point at). The top of RAM is private, as on a confidential
 * guest. ASan/UBSan report what goes wrong; touching a private page through
 * the revoked view would fault.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/virtio_devices.h"
#include "virtio_driver.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "tests/support/gm_test.h"

#define MEM	(256ULL << 10)
#define RING	0x1000ULL
#define PRIV	0x30000ULL	/* [PRIV, MEM) is private: the door must refuse it */

static struct guest_mem gm;
static struct virtio_mmio *devs[3];

static int init_once(void)
{
	char path[] = "/tmp/cvmm-fuzz-blk-XXXXXX";
	uint8_t zero[4096] = { 0 };
	struct virtio_blk_opts o = { .path = path };
	int fd;

	cvmm_verbosity = LOG_QUIET;
	if (gm_init_backing(&gm, MEM, -1, GM_MEMFD) || gm_private_enable(&gm, -1) ||
	    gm_convert(&gm, PRIV, (MEM - PRIV) / 4096, CONV_TO_PRIVATE, 0) != CONV_OK)
		return -1;
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (int i = 0; i < 16; i++)
		if (write(fd, zero, sizeof(zero)) != sizeof(zero))
			return -1;
	close(fd);
	devs[0] = virtio_blk_new(&gm, &o);
	unlink(path);
	devs[1] = virtio_rng_new(&gm);
	devs[2] = virtio_console_new(&gm, open("/dev/null", O_WRONLY | O_CLOEXEC), false);
	return devs[0] && devs[1] && devs[2] ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct virtio_mmio *t;
	struct tdrv d;
	uint16_t num;
	uint64_t mask;
	size_t nregs;

	if (!ready) {
		if (init_once())
			abort();
		ready = 1;
	}
	if (size < 4)
		return 0;
	t = devs[data[0] % 3];
	num = (uint16_t)(1u << (data[1] % 10));	/* 1..512: 512 must be refused */
	mask = ~0ULL;
	if (data[2] & 1)
		mask &= ~(1ULL << VIRTIO_F_INDIRECT_DESC);
	t->require_access_platform = data[2] & 2;
	nregs = data[3] % 16;
	data += 4;
	size -= 4;

	/* guest RAM: zero, then the input's tail from the descriptor table on */
	{
		struct gm_view v;
		size_t skip = nregs * 8 < size ? nregs * 8 : size;

		if (gm_view_begin(&gm, 0, PRIV, &v))
			abort();
		memset(v.hva, 0, PRIV);
		memcpy(v.hva + RING, data + skip, size - skip < PRIV - RING ? size - skip : PRIV - RING);
		gm_view_end(&v);
	}

	tdrv_negotiate(t, mask);
	tdrv_queue(&d, t, &gm, 0, num, RING);
	tdrv_driver_ok(t);
	/* kick every queue the device has, then the fuzzer's own register writes */
	for (unsigned q = 0; q < t->ops->n_queues; q++)
		tdrv_w(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	for (size_t i = 0; i < nregs && (i + 1) * 8 <= size; i++) {
		uint32_t off, v;

		memcpy(&off, data + 8 * i, 4);
		memcpy(&v, data + 8 * i + 4, 4);
		tdrv_w(t, off % VIRTIO_MMIO_SIZE & ~3u, v);
	}
	for (unsigned q = 0; q < t->ops->n_queues; q++)
		tdrv_w(t, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	tdrv_w(t, VIRTIO_MMIO_STATUS, 0);
	t->complaints = 0;
	return 0;
}
