/*
 * virtio-blk figures (printed, never asserted): throughput and per-request
 * latency of 4 KiB and 64 KiB reads through the device model -- split
 * queue, request parsing, the guest-memory door, pread into the guest's
 * buffer -- beside plain pread of the same file on the host, in one run;
 * and what a confidential guest pays on top: the bounce copy between its
 * private buffer and the shared window (swiotlb), per request.
 *
 * The "guest" is tests/unit/virtio_driver.h writing rings into an
 * anonymous guest_mem and poking the transport as MMIO exits would; the
 * exit itself (about 9 us here) is measured by bench/parts/virtio.sh with a
 * real guest. The file is read from the page cache in both columns.
 *   virtioblk [FILE] [MiB]     (default: a temporary 64 MiB file)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "devices/virtio/virtio_devices.h"
#include "virtio_driver.h"
#include "vmm/log.h"
#include "tests/support/gm_test.h"

#define MEM	(64ULL << 20)
#define RING	0x10000ULL
#define HDR	0x20000ULL
#define STATUS	0x20010ULL
#define WINDOW	0x100000ULL	/* the shared buffer the request points at */
#define PRIV	0x800000ULL	/* where the guest's own (private) data would be */
#define PRIV_SPAN (32ULL << 20)

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double mbps, med_us, p99_us;
};

static struct stats summarise(double *lat, unsigned n, uint64_t bytes, double total_ns)
{
	qsort(lat, n, sizeof(*lat), cmp_d);
	return (struct stats){ .mbps = (double)bytes / (total_ns / 1e9) / 1e6,
			       .med_us = lat[n / 2] / 1e3, .p99_us = lat[n * 99 / 100] / 1e3 };
}

static struct stats bench_virtio(struct tdrv *d, struct guest_mem *gm, uint32_t size,
				 uint64_t sectors, unsigned n, double *lat)
{
	uint64_t per = size / 512, sector = 0;
	double t0 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		uint8_t hdr[16] = { 0 }, st = 0xff;
		uint32_t id, len;
		double a = now_ns();

		memcpy(hdr + 8, &sector, 8);
		gm_write(gm, HDR, hdr, 16);
		tdrv_desc(d, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
		tdrv_desc(d, 1, WINDOW, size, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
		tdrv_desc(d, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
		tdrv_kick(d, 0);
		if (!tdrv_used(d, &id, &len) || gm_read(gm, STATUS, &st, 1) || st != 0) {
			fprintf(stderr, "virtioblk: request %u failed (status %u)\n", i, st);
			exit(1);
		}
		lat[i] = now_ns() - a;
		sector = sector + per * 2 <= sectors ? sector + per : 0;
	}
	return summarise(lat, n, (uint64_t)size * n, now_ns() - t0);
}

static struct stats bench_raw(int fd, uint8_t *buf, uint32_t size, uint64_t file_size,
			      unsigned n, double *lat)
{
	uint64_t off = 0;
	double t0 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		double a = now_ns();

		if (pread(fd, buf, size, (off_t)off) != (ssize_t)size) {
			perror("virtioblk: pread");
			exit(1);
		}
		lat[i] = now_ns() - a;
		off = off + 2ULL * size <= file_size ? off + size : 0;
	}
	return summarise(lat, n, (uint64_t)size * n, now_ns() - t0);
}

/* The swiotlb bounce: private buffer -> shared window (a read bounces the other way; same cost). */
static double bench_bounce(struct guest_mem *gm, uint32_t size, unsigned n, double *lat)
{
	struct gm_view win, priv;

	/*
	 * Both views held for the loop: nothing converts memory in this
	 * program. The private side walks PRIV_SPAN, larger than the caches,
	 * as a guest's page-cache pages would.
	 */
	if (gm_view_begin(gm, WINDOW, size, &win) || gm_view_begin(gm, PRIV, PRIV_SPAN, &priv)) {
		fprintf(stderr, "virtioblk: guest memory\n");
		exit(1);
	}
	memset(priv.hva, 1, PRIV_SPAN);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *dst = priv.hva + (uint64_t)i * size % PRIV_SPAN;
		double a = now_ns();

		memcpy(dst, win.hva, size);
		__asm__ volatile("" : : "r"(dst) : "memory");
		lat[i] = now_ns() - a;
	}
	gm_view_end(&priv);
	gm_view_end(&win);
	qsort(lat, n, sizeof(*lat), cmp_d);
	return lat[n / 2] / 1e3;
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/cvmm-virtioblk-XXXXXX";
	const char *path = argc > 1 ? argv[1] : NULL;
	uint64_t mib = argc > 2 ? strtoull(argv[2], NULL, 0) : 64, file_size = mib << 20;
	static uint8_t chunk[1 << 20];
	struct guest_mem gm;
	uint8_t *buf;
	double *lat;
	int fd;

	cvmm_verbosity = LOG_QUIET;
	if (!path) {
		fd = mkstemp(tmp);
		if (fd < 0) {
			perror("virtioblk: mkstemp");
			return 1;
		}
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(i * 2654435761u >> 13);
		for (uint64_t i = 0; i < mib; i++)
			if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk)) {
				perror("virtioblk: write");
				return 1;
			}
		close(fd);
		path = tmp;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || gm_init(&gm, MEM, -1, false) || posix_memalign((void **)&buf, 4096, 1 << 16)) {
		perror("virtioblk: set-up");
		return 1;
	}
	/* warm the page cache so both columns read from memory */
	for (uint64_t off = 0; pread(fd, chunk, sizeof(chunk), (off_t)off) > 0; off += sizeof(chunk))
		;

	struct virtio_blk_opts o = { .path = path, .read_only = true };
	struct virtio_mmio *t = virtio_blk_new(&gm, &o);
	struct tdrv d;

	if (!t) {
		fprintf(stderr, "virtioblk: cannot open %s\n", path);
		return 1;
	}
	tdrv_negotiate(t, ~0ULL);
	tdrv_queue(&d, t, &gm, 0, 16, RING);
	tdrv_driver_ok(t);

	printf("virtio-blk device model vs raw pread (%llu MiB file, page cache; one run)\n",
	       (unsigned long long)mib);
	printf("  %-7s %12s %12s %7s %14s %14s %12s %12s\n", "request", "raw MB/s", "virtio MB/s",
	       "ratio", "raw med/p99us", "virtio med/p99", "bounce us", "bounce/req");
	const uint32_t sizes[] = { 4096, 65536 };
	for (unsigned k = 0; k < 2; k++) {
		uint32_t size = sizes[k];
		unsigned n = size == 4096 ? 20000 : 4000;
		struct stats raw, vio;
		double bounce;

		lat = calloc(n, sizeof(*lat));
		raw = bench_raw(fd, buf, size, file_size, n, lat);
		vio = bench_virtio(&d, &gm, size, file_size / 512, n, lat);
		bounce = bench_bounce(&gm, size, n, lat);
		printf("  %4u KiB %12.0f %12.0f %6.2fx %6.2f/%-7.2f %6.2f/%-7.2f %12.2f %11.0f%%\n",
		       size >> 10, raw.mbps, vio.mbps, vio.mbps / raw.mbps, raw.med_us, raw.p99_us,
		       vio.med_us, vio.p99_us, bounce, 100.0 * bounce / vio.med_us);
		/* machine-readable lines for bench/parts/virtio.sh: figure, unit, value */
		fprintf(stderr, "virtio-blk %u KiB read, raw pread\tMB/s\t%.0f\n", size >> 10, raw.mbps);
		fprintf(stderr, "virtio-blk %u KiB read, device model\tMB/s\t%.0f\n", size >> 10, vio.mbps);
		fprintf(stderr, "virtio-blk %u KiB read, device model latency\tus\t%.2f\n", size >> 10, vio.med_us);
		fprintf(stderr, "virtio-blk %u KiB bounce copy (swiotlb)\tus\t%.2f\n", size >> 10, bounce);
		free(lat);
	}
	virtio_device_free(t);
	gm_destroy(&gm);
	close(fd);
	free(buf);
	if (argc <= 1)
		unlink(tmp);
	return 0;
}
