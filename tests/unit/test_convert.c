/*
 * The conversion routine and the accessor on guest memory built without KVM
 * (a memfd stands in for guest_memfd, GM_MEMFD): statuses, round trips,
 * what the device view really maps, and conversions racing device accesses.
 *
 * Whether a view page is mapped is asked of the kernel, not of cvmm's map:
 * process_vm_readv() on our own pid honours page protections (EFAULT on a
 * PROT_NONE page) where /proc/self/mem would not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "check_compat.h"
#include "devices/bus.h"
#include "devices/convport.h"
#include "loader/layout.h"
#include "vmm/mem/attr_map.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"
#include "tests/support/gm_test.h"
#include "tests/support/kb_failing.h"

#define MEM (16ULL << 20)

static struct guest_mem gm;

static void setup(void)
{
	cvmm_verbosity = LOG_QUIET;
	ck_assert_int_eq(gm_init_backing(&gm, MEM, -1, GM_MEMFD), 0);
	ck_assert_int_eq(gm_private_enable(&gm, -1), 0);
	ck_assert_ptr_ne(gm.regions[0].view, gm.regions[0].kvm_map);
}

static void teardown(void)
{
	gm_destroy(&gm);
}

/* Is the device view of this page readable, per the kernel? */
static bool view_mapped(uint64_t gpa)
{
	char b;
	struct iovec local = { &b, 1 };
	struct iovec remote = { gm.regions[0].view + gpa, 1 };
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	ck_assert_msg(n == 1 || errno == EFAULT, "process_vm_readv: %s", strerror(errno));
	return n == 1;
}

static uint8_t *guest_side(uint64_t gpa)	/* what the guest sees (kvm_map) */
{
	return gm_launch_ptr(&gm, gpa, 1);
}

START_TEST(bad_requests_get_statuses)
{
	ck_assert_int_eq(gm_convert(&gm, 0x1001, 1, CONV_TO_PRIVATE, 0), CONV_BAD_RANGE);
	ck_assert_int_eq(gm_convert(&gm, 0x1000, 0, CONV_TO_PRIVATE, 0), CONV_BAD_RANGE);
	ck_assert_int_eq(gm_convert(&gm, 0x1000, 1, 0, 0), CONV_BAD_RANGE);
	ck_assert_int_eq(gm_convert(&gm, 0x1000, 1, 3, 0), CONV_BAD_RANGE);
	/* wraps the address space; count overflows the byte length */
	ck_assert_int_eq(gm_convert(&gm, ~0xfffULL, 2, CONV_TO_SHARED, 0), CONV_BAD_RANGE);
	ck_assert_int_eq(gm_convert(&gm, 0, 1ULL << 53, CONV_TO_PRIVATE, 0), CONV_BAD_RANGE);
	ck_assert_int_eq(gm_convert(&gm, 0, ~0ULL, CONV_TO_PRIVATE, 0), CONV_BAD_RANGE);
	/* past the end of RAM, by one page and by a 32-bit count */
	ck_assert_int_eq(gm_convert(&gm, MEM - PAGE_SIZE, 2, CONV_TO_PRIVATE, 0), CONV_NOT_RAM);
	ck_assert_int_eq(gm_convert(&gm, MEM, 1, CONV_TO_SHARED, 0), CONV_NOT_RAM);
	ck_assert_int_eq(gm_convert(&gm, 0, 0xffffffffULL, CONV_TO_PRIVATE, 0), CONV_NOT_RAM);
	/* nothing changed */
	ck_assert_uint_eq(attr_map_pages(gm.attrs), 0);
	ck_assert_uint_eq(gm.conversions, 0);
}
END_TEST

START_TEST(round_trip_zeroes_private_data)
{
	const uint64_t gpa = 0x40000;
	uint8_t buf[64], zero[64] = { 0 };

	memset(buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(gm_write(&gm, gpa + 100, buf, sizeof(buf)), GM_OK);
	ck_assert_int_eq(gm_convert(&gm, gpa, 4, CONV_TO_PRIVATE, 0), CONV_OK);
	/* the accessor refuses, and the view is really unmapped */
	ck_assert_int_eq(gm_read(&gm, gpa + 100, buf, 1), GM_E_PRIVATE);
	ck_assert_int_eq(gm_write(&gm, gpa + 4 * PAGE_SIZE - 1, buf, 2), GM_E_PRIVATE);
	for (uint64_t p = 0; p < 4; p++)
		ck_assert(!view_mapped(gpa + p * PAGE_SIZE));
	/*
	 * The view is revoked per 2 MiB block (no mapping per page): the
	 * shared neighbours are out of the view too, and the accessor, which
	 * checks the map, still serves them.
	 */
	ck_assert(!view_mapped(gpa - PAGE_SIZE) && !view_mapped(gpa + 4 * PAGE_SIZE));
	ck_assert(view_mapped(4ULL << 20));	/* another block, all shared */
	ck_assert_int_eq(gm_read(&gm, gpa - PAGE_SIZE, buf, 1), GM_OK);
	ck_assert_int_eq(gm_write(&gm, gpa + 4 * PAGE_SIZE, buf, 1), GM_OK);
	/* shared data did not survive into private memory */
	ck_assert_int_eq(memcmp(guest_side(gpa + 100), zero, sizeof(zero)), 0);
	/* the guest writes a secret while the pages are private */
	memset(guest_side(gpa + 2 * PAGE_SIZE), 0x5e, PAGE_SIZE);
	ck_assert_int_eq(gm_convert(&gm, gpa, 4, CONV_TO_SHARED, 0), CONV_OK);
	for (uint64_t p = 0; p < 4; p++)
		ck_assert(view_mapped(gpa + p * PAGE_SIZE));
	ck_assert_int_eq(gm_read(&gm, gpa + 2 * PAGE_SIZE + 7, buf, sizeof(buf)), GM_OK);
	ck_assert_int_eq(memcmp(buf, zero, sizeof(zero)), 0);
	ck_assert_uint_eq(gm.conversions, 2);
}
END_TEST

START_TEST(same_state_keeps_contents)
{
	uint8_t v = 0x77, r = 0;

	ck_assert_int_eq(gm_write(&gm, 0x5000, &v, 1), GM_OK);
	ck_assert_int_eq(gm_convert(&gm, 0x4000, 4, CONV_TO_SHARED, 0), CONV_OK);
	ck_assert_int_eq(gm_read(&gm, 0x5000, &r, 1), GM_OK);
	ck_assert_uint_eq(r, 0x77);
	/* launch-time privatisation keeps the contents (CONV_F_KEEP) */
	ck_assert_int_eq(gm_convert(&gm, 0x4000, 4, CONV_TO_PRIVATE, CONV_F_KEEP), CONV_OK);
	ck_assert_uint_eq(*guest_side(0x5000), 0x77);
	ck_assert(!view_mapped(0x5000));
}
END_TEST

START_TEST(single_pages_in_a_large_run_and_all_of_ram)
{
	const uint64_t pages = MEM / PAGE_SIZE;
	uint8_t b;

	ck_assert_int_eq(gm_convert(&gm, 0, pages, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_uint_eq(attr_map_runs(gm.attrs), 1);
	ck_assert_int_eq(gm_read(&gm, MEM - 1, &b, 1), GM_E_PRIVATE);
	for (uint64_t p = 1; p < pages; p += 997)
		ck_assert_int_eq(gm_convert(&gm, p * PAGE_SIZE, 1, CONV_TO_SHARED, 0), CONV_OK);
	for (uint64_t p = 1; p < pages; p += 997) {
		/* its block holds private pages: out of the view, served by the accessor */
		ck_assert(!view_mapped(p * PAGE_SIZE));
		ck_assert(!view_mapped((p - 1) * PAGE_SIZE) && !view_mapped((p + 1) * PAGE_SIZE));
		ck_assert_int_eq(gm_read(&gm, p * PAGE_SIZE, &b, 1), GM_OK);
		ck_assert_int_eq(gm_read(&gm, p * PAGE_SIZE, &b, PAGE_SIZE + 1), GM_E_PRIVATE);
	}
	ck_assert_uint_eq(attr_map_pages(gm.attrs), pages - (pages - 2) / 997 - 1);
	ck_assert_int_eq(gm_convert(&gm, 0, pages, CONV_TO_SHARED, 0), CONV_OK);
	ck_assert_uint_eq(attr_map_runs(gm.attrs), 0);
	ck_assert(view_mapped(0) && view_mapped(MEM - PAGE_SIZE));
}
END_TEST

/* A device model with a bug reads a private page through its view: it dies. */
START_TEST(stray_view_pointer_faults)
{
	const uint64_t gpa = 0x9000;
	pid_t pid;
	int st;

	memset(guest_side(gpa), 0x42, 16);
	ck_assert_int_eq(gm_convert(&gm, gpa, 1, CONV_TO_PRIVATE, CONV_F_KEEP), CONV_OK);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		volatile uint8_t *p = gm.regions[0].view + gpa;

		_exit(*p == 0x42 ? 42 : 43);	/* must not get here */
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "status 0x%x", st);
}
END_TEST

/* Conversions on RAM split by the 32-bit hole. */
START_TEST(two_regions_and_the_hole)
{
	struct guest_mem big;
	uint8_t b = 1;

	ck_assert_int_eq(gm_init_backing(&big, LAYOUT_LOW_RAM_MAX + (64ULL << 20), -1, GM_MEMFD), 0);
	ck_assert_int_eq(gm_private_enable(&big, -1), 0);
	ck_assert_int_eq(big.n_regions, 2);
	ck_assert_int_eq(gm_convert(&big, LAYOUT_LOW_RAM_MAX - PAGE_SIZE, 2, CONV_TO_PRIVATE, 0),
			 CONV_NOT_RAM);
	ck_assert_int_eq(gm_convert(&big, LAYOUT_LOW_RAM_MAX, 1, CONV_TO_PRIVATE, 0), CONV_NOT_RAM);
	ck_assert_int_eq(gm_convert(&big, LAYOUT_HIGH_RAM + (32ULL << 20), 512,
				    CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_int_eq(gm_read(&big, LAYOUT_HIGH_RAM + (32ULL << 20) + 5, &b, 1), GM_E_PRIVATE);
	ck_assert_int_eq(gm_read(&big, LAYOUT_HIGH_RAM + (34ULL << 20), &b, 1), GM_OK);
	ck_assert_int_eq(gm_convert(&big, LAYOUT_HIGH_RAM + (64ULL << 20), 1, CONV_TO_PRIVATE, 0),
			 CONV_NOT_RAM);
	gm_destroy(&big);
}
END_TEST

/* ---- conversions against device accesses ---------------------------------- */

#define AREA_PAGES 64
static atomic_bool stop, converted;
static atomic_ulong views_ok, views_refused, view_faults;

static uint64_t xs(uint64_t *s)
{
	*s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
	return *s;
}

static void *device_thread(void *arg)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	uint8_t buf[3 * PAGE_SIZE];

	while (!atomic_load(&stop)) {
		uint64_t gpa = (xs(&seed) % (AREA_PAGES * PAGE_SIZE - 8));
		uint64_t len = 1 + xs(&seed) % (AREA_PAGES * PAGE_SIZE - gpa);
		struct gm_view v;

		if (len > sizeof(buf))
			len = 1 + len % sizeof(buf);
		if (gm_view_begin(&gm, gpa, len, &v) != GM_OK) {
			atomic_fetch_add(&views_refused, 1);
			continue;
		}
		/* While we hold it, every page of the view is mapped. */
		struct iovec local = { buf, len }, remote = { v.hva, len };

		if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)len)
			atomic_fetch_add(&view_faults, 1);
		memset(v.hva, 0xd7, len);	/* would fault on a revoked page */
		gm_view_end(&v);
		atomic_fetch_add(&views_ok, 1);
	}
	return arg;
}

/* Waits up to 10 s for *c to pass was (the device thread's next outcome). */
static void wait_for_count(atomic_ulong *c, unsigned long was)
{
	struct timespec ms1 = { 0, 1000 * 1000 };

	for (int i = 0; i < 10000 && atomic_load(c) <= was; i++)
		nanosleep(&ms1, NULL);
}

START_TEST(conversions_race_device_accesses)
{
	pthread_t dev;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int counts[4] = { 0 };

	atomic_store(&stop, false);
	ck_assert_int_eq(pthread_create(&dev, NULL, device_thread, NULL), 0);
	for (int i = 0; i < 4000; i++) {
		uint64_t first = xs(&seed) % AREA_PAGES;
		uint64_t n = 1 + xs(&seed) % (AREA_PAGES - first);
		int st = gm_convert(&gm, first * PAGE_SIZE, n,
				    xs(&seed) % 2 ? CONV_TO_PRIVATE : CONV_TO_SHARED, 0);

		ck_assert_int_ge(st, 0);
		ck_assert_int_le(st, 3);
		counts[st]++;
	}
	/*
	 * Both outcomes seen, whatever the scheduler let the device thread do
	 * during the race (on a loaded 2-CPU host it may barely have run):
	 * all shared until a view succeeds, then all private until one is
	 * refused. A bounded wait for an event, not a timing assertion.
	 */
	ck_assert_int_eq(gm_convert(&gm, 0, AREA_PAGES, CONV_TO_SHARED, 0), CONV_OK);
	wait_for_count(&views_ok, atomic_load(&views_ok));
	ck_assert_int_eq(gm_convert(&gm, 0, AREA_PAGES, CONV_TO_PRIVATE, 0), CONV_OK);
	wait_for_count(&views_refused, atomic_load(&views_refused));
	atomic_store(&stop, true);
	pthread_join(dev, NULL);
	ck_assert_int_eq(counts[CONV_OK], 4000);
	ck_assert_uint_eq(atomic_load(&view_faults), 0);
	ck_assert_uint_gt(atomic_load(&views_ok), 0);
	ck_assert_uint_gt(atomic_load(&views_refused), 0);
	/* The kernel's page tables agree with the map, per view block (2 MiB). */
	for (uint64_t p = 0; p < AREA_PAGES + 1; p++)
		ck_assert_msg(view_mapped(p * PAGE_SIZE) ==
			      !attr_map_any(gm.attrs, 0, 512), "page %lu", p);
}
END_TEST

static void *convert_thread(void *arg)
{
	int st = gm_convert(&gm, 0x3000, 1, CONV_TO_PRIVATE, 0);

	atomic_store(&converted, true);
	return (void *)(intptr_t)st;
}

/* A conversion waits for the view in flight to end before revoking it. */
START_TEST(conversion_waits_for_views_in_flight)
{
	struct gm_view v;
	pthread_t t;
	void *st;
	struct timespec ms50 = { 0, 50 * 1000 * 1000 };

	atomic_store(&converted, false);
	ck_assert_int_eq(gm_view_begin(&gm, 0x3000, 8, &v), GM_OK);
	ck_assert_int_eq(pthread_create(&t, NULL, convert_thread, NULL), 0);
	nanosleep(&ms50, NULL);
	ck_assert(!atomic_load(&converted));
	ck_assert(view_mapped(0x3000));
	memset(v.hva, 1, 8);			/* still ours to use */
	gm_view_end(&v);
	pthread_join(t, &st);
	ck_assert_int_eq((int)(intptr_t)st, CONV_OK);
	ck_assert(!view_mapped(0x3000));
}
END_TEST

/*
 * A guest fragmenting its memory at will: every other page private, as
 * many as vm.max_map_count (which a mapping per page used to exhaust,
 * refusing from then on). Every conversion succeeds and the process gains
 * at most one mapping per view block.
 */
static long maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	ck_assert_ptr_nonnull(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

START_TEST(fragmentation_has_no_mapping_cliff)
{
	struct guest_mem g;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long max = 0, before;
	uint64_t i, limit, size;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
	fclose(f);
	limit = max > 200000 ? 200000 : (uint64_t)max;
	size = 2 * limit * PAGE_SIZE;
	ck_assert_int_eq(gm_init_backing(&g, size, -1, GM_MEMFD), 0);
	ck_assert_int_eq(gm_private_enable(&g, -1), 0);
	before = maps_count();
	for (i = 0; i < limit; i++)
		ck_assert_int_eq(gm_convert(&g, 2 * i * PAGE_SIZE, 1, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert_uint_eq(attr_map_runs(g.attrs), limit);
	ck_assert_int_le(maps_count() - before, (long)(size / g.regions[0].vblock) + 1);
	for (i = 0; i < limit; i += 1000) {
		uint8_t b;

		ck_assert_int_eq(gm_read(&g, (2 * i + 1) * PAGE_SIZE, &b, 1), GM_OK);
		ck_assert_int_eq(gm_read(&g, 2 * i * PAGE_SIZE, &b, 1), GM_E_PRIVATE);
	}
	gm_destroy(&g);
}
END_TEST

/*
 * All or nothing, for real: a conversion to shared whose view step fails
 * (here a block of the view is unmapped under it, so mprotect fails) is
 * refused and changes nothing: the pages stay private and keep what the
 * guest wrote (the discard used to come first, wiping them).
 */
START_TEST(refused_conversion_changes_nothing)
{
	const uint64_t blk = 4ULL << 20, pages = 512;
	uint8_t *view = gm.regions[0].view;
	uint8_t b;

	ck_assert_int_eq(gm_convert(&gm, blk, pages, CONV_TO_PRIVATE, 0), CONV_OK);
	memset(guest_side(blk + PAGE_SIZE), 0x5e, 64);		/* the guest's secret */
	ck_assert_int_eq(munmap(view + blk, pages * PAGE_SIZE), 0);
	ck_assert_int_eq(gm_convert(&gm, blk, pages, CONV_TO_SHARED, 0), CONV_REFUSED);
	ck_assert_uint_eq(*guest_side(blk + PAGE_SIZE), 0x5e);
	ck_assert_uint_eq(*guest_side(blk + PAGE_SIZE + 63), 0x5e);
	ck_assert_int_eq(gm_read(&gm, blk + PAGE_SIZE, &b, 1), GM_E_PRIVATE);
	ck_assert(attr_map_all(gm.attrs, blk / PAGE_SIZE, blk / PAGE_SIZE + pages));
	/* the view back (as gm_private_enable made it, revoked): now it goes through */
	ck_assert_ptr_eq(mmap(view + blk, pages * PAGE_SIZE, PROT_NONE, MAP_SHARED | MAP_FIXED,
			      gm.regions[0].shared_fd, (off_t)blk), view + blk);
	ck_assert_int_eq(gm_convert(&gm, blk, pages, CONV_TO_SHARED, 0), CONV_OK);
	ck_assert_int_eq(gm_read(&gm, blk + PAGE_SIZE, &b, 1), GM_OK);
	ck_assert_uint_eq(b, 0);			/* wiped only now */
	ck_assert(view_mapped(blk + PAGE_SIZE));
}
END_TEST

/*
 * KVM's side of a refusal: KVM_SET_MEMORY_ATTRIBUTES cannot be read back
 * from KVM (no GET ioctl) nor made to fail on demand, so these calls go to
 * a recorder of what each page was last set to, behind kb_failing. A
 * refused conversion must leave KVM's attributes (and the view) as before.
 */
static uint8_t kvm_attr[MEM / PAGE_SIZE];	/* 1: KVM was last told private */

static int rec_ioctl(struct kvm_backend *b, int fd, unsigned long req, void *arg)
{
	const struct kvm_memory_attributes *a = arg;

	(void)b;
	(void)fd;
	if (req != KVM_SET_MEMORY_ATTRIBUTES) {
		errno = ENOTTY;
		return -1;
	}
	ck_assert_uint_le(a->address + a->size, MEM);
	memset(kvm_attr + a->address / PAGE_SIZE, a->attributes == KVM_MEMORY_ATTRIBUTE_PRIVATE,
	       a->size / PAGE_SIZE);
	return 0;
}

static bool kvm_attr_all(uint64_t gpa, uint64_t len, uint8_t v)
{
	for (uint64_t i = gpa / PAGE_SIZE; i < (gpa + len) / PAGE_SIZE; i++)
		if (kvm_attr[i] != v)
			return false;
	return true;
}

START_TEST(refusals_restore_kvm_attributes)
{
	struct kvm_backend rec = { .name = "recorder", .ioctl = rec_ioctl };
	struct kvm_backend *kb = gm.kb;
	struct kb_failing f;
	const uint64_t M = 1ULL << 20, np = (2 * M) / PAGE_SIZE;
	uint8_t *view = gm.regions[0].view;

	memset(kvm_attr, 0, sizeof(kvm_attr));
	kb_failing_init(&f, &rec, 0, EIO);
	gm.kb = &f.ops;
	gm.attr_vm_fd = 1000;	/* never a real ioctl: the recorder answers */

	/* To shared, the view cannot open (a block unmapped): KVM's attributes go back. */
	ck_assert_int_eq(gm_convert(&gm, 4 * M, np, CONV_TO_PRIVATE, 0), CONV_OK);
	ck_assert(kvm_attr_all(4 * M, 2 * M, 1));
	ck_assert_int_eq(munmap(view + 4 * M, 2 * M), 0);
	ck_assert_int_eq(gm_convert(&gm, 4 * M, np, CONV_TO_SHARED, 0), CONV_REFUSED);
	ck_assert(kvm_attr_all(4 * M, 2 * M, 1));
	ck_assert_ptr_eq(mmap(view + 4 * M, 2 * M, PROT_NONE, MAP_SHARED | MAP_FIXED,
			      gm.regions[0].shared_fd, (off_t)(4 * M)), view + 4 * M);

	/*
	 * [4M, 14M) private but for three shared 2 MiB blocks A (4M), B (8M),
	 * C (12M): converting it all takes one KVM call a block. The second
	 * failing, A's must be undone, and the view of A and B open again.
	 */
	ck_assert_int_eq(gm_convert(&gm, 4 * M, 10 * M / PAGE_SIZE, CONV_TO_PRIVATE, 0), CONV_OK);
	for (uint64_t b = 4; b <= 12; b += 4)
		ck_assert_int_eq(gm_convert(&gm, b * M, np, CONV_TO_SHARED, 0), CONV_OK);
	f.fail_at = f.calls + 2;
	ck_assert_int_eq(gm_convert(&gm, 4 * M, 10 * M / PAGE_SIZE, CONV_TO_PRIVATE, 0), CONV_REFUSED);
	ck_assert_msg(f.failed, "the second KVM call did not come");
	ck_assert(kvm_attr_all(4 * M, 2 * M, 0) && kvm_attr_all(8 * M, 2 * M, 0));
	ck_assert(kvm_attr_all(6 * M, 2 * M, 1) && kvm_attr_all(10 * M, 2 * M, 1));
	ck_assert(view_mapped(4 * M) && view_mapped(8 * M + PAGE_SIZE) && view_mapped(12 * M));
	ck_assert(!view_mapped(6 * M));

	/* The same blocks made private, the way back failing at B: A private again. */
	ck_assert_int_eq(gm_convert(&gm, 4 * M, 10 * M / PAGE_SIZE, CONV_TO_PRIVATE, 0), CONV_OK);
	for (uint64_t b = 6; b <= 10; b += 4)
		ck_assert_int_eq(gm_convert(&gm, b * M, np, CONV_TO_SHARED, 0), CONV_OK);
	f.failed = false;
	f.fail_at = f.calls + 2;
	ck_assert_int_eq(gm_convert(&gm, 4 * M, 10 * M / PAGE_SIZE, CONV_TO_SHARED, 0), CONV_REFUSED);
	ck_assert(f.failed);
	ck_assert(kvm_attr_all(4 * M, 2 * M, 1) && kvm_attr_all(8 * M, 2 * M, 1));
	ck_assert(attr_map_all(gm.attrs, 4 * M / PAGE_SIZE, 6 * M / PAGE_SIZE));

	gm.kb = kb;
	gm.attr_vm_fd = -1;
}
END_TEST

/*
 * The discard failing. The wrappers cannot make fallocate() fail (it is
 * not a KVM call), so the region's descriptors are swapped for a read-only
 * one on the same file: the mappings stay as they are, and the punch fails
 * with EBADF, as the kernel itself refuses it.
 */
static int unpunchable(struct mem_region *r)
{
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", r->shared_fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(ro, 0);
	ck_assert(fallocate(ro, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE_SIZE) == -1 &&
		  errno == EBADF);
	return ro;
}

static void all_bytes(uint64_t gpa, uint8_t v, const char *what)
{
	uint8_t page[PAGE_SIZE];

	/* through the accessor (the device view) and as the guest sees it */
	ck_assert_int_eq(gm_read(&gm, gpa, page, PAGE_SIZE), GM_OK);
	for (size_t i = 0; i < PAGE_SIZE; i++) {
		ck_assert_msg(page[i] == v && guest_side(gpa)[i] == v,
			      "%s: page 0x%llx byte %zu: 0x%x (guest 0x%x), not 0x%x", what,
			      (unsigned long long)gpa, i, page[i], guest_side(gpa)[i], v);
	}
}

/*
 * To shared, the private side's discard refused: guest_memfd is behind
 * both sides, so the page the device view opens onto is the page the guest
 * wrote while private. It is erased by hand, piece by piece; the shared
 * pages between the pieces keep their contents; the conversion is complete
 * (map, view and KVM all say shared), as the discard is its last step.
 */
START_TEST(failed_discard_to_shared_still_wipes)
{
	struct kvm_backend rec = { .name = "recorder", .ioctl = rec_ioctl };
	struct kvm_backend *kb = gm.kb;
	struct mem_region *r = &gm.regions[0];
	const uint64_t blk = 4ULL << 20, n = 16;
	const int fd = r->shared_fd;
	uint8_t shared[PAGE_SIZE];
	int ro;

	memset(kvm_attr, 0, sizeof(kvm_attr));
	gm.kb = &rec;
	gm.attr_vm_fd = 1000;	/* the recorder answers */
	/* 16 private pages but 5 and 10: three pieces to make shared */
	ck_assert_int_eq(gm_convert(&gm, blk, n, CONV_TO_PRIVATE, 0), CONV_OK);
	memset(shared, 0x33, sizeof(shared));
	for (uint64_t p = 0; p < n; p++) {
		if (p == 5 || p == 10) {
			ck_assert_int_eq(gm_convert(&gm, blk + p * PAGE_SIZE, 1, CONV_TO_SHARED, 0),
					 CONV_OK);
			ck_assert_int_eq(gm_write(&gm, blk + p * PAGE_SIZE, shared, PAGE_SIZE), GM_OK);
		} else {
			memset(guest_side(blk + p * PAGE_SIZE), 0x5e, PAGE_SIZE);	/* secrets */
		}
	}
	ro = unpunchable(r);
	r->gmem_fd = r->shared_fd = ro;
	ck_assert_int_eq(gm_convert(&gm, blk, n, CONV_TO_SHARED, 0), CONV_OK);
	r->gmem_fd = r->shared_fd = fd;
	close(ro);
	for (uint64_t p = 0; p < n; p++)
		all_bytes(blk + p * PAGE_SIZE, p == 5 || p == 10 ? 0x33 : 0, "after a failed discard");
	ck_assert_uint_eq(attr_map_pages(gm.attrs), 0);
	ck_assert(view_mapped(blk) && view_mapped(blk + (n - 1) * PAGE_SIZE));
	ck_assert(kvm_attr_all(blk, n * PAGE_SIZE, 0));
	gm.kb = kb;
	gm.attr_vm_fd = -1;
}
END_TEST

/*
 * To private, the shared side's discard refused: it costs memory, not
 * secrecy (the pages are out of the device view already), so the
 * conversion goes through with a warning, complete, and converts back
 * (wiping what the guest wrote) once the discard works again.
 */
START_TEST(failed_discard_to_private_completes)
{
	struct mem_region *r = &gm.regions[0];
	const uint64_t gpa = 0x60000;
	const int fd = r->shared_fd;
	const char *err;
	uint8_t b;
	int ro;

	ro = unpunchable(r);
	r->gmem_fd = r->shared_fd = ro;
	cvmm_verbosity = LOG_NORMAL;
	capture_begin();
	ck_assert_int_eq(gm_convert(&gm, gpa, 4, CONV_TO_PRIVATE, 0), CONV_OK);
	err = capture_end();
	cvmm_verbosity = LOG_QUIET;
	r->gmem_fd = r->shared_fd = fd;
	close(ro);
	ck_assert_msg(strstr(err, "shared pages at 0x60000 not discarded") && strchr(err, '\n') ==
		      err + strlen(err) - 1, "'%s'", err);
	ck_assert(attr_map_all(gm.attrs, gpa / PAGE_SIZE, gpa / PAGE_SIZE + 4));
	ck_assert_int_eq(gm_read(&gm, gpa, &b, 1), GM_E_PRIVATE);
	ck_assert(!view_mapped(gpa));
	memset(guest_side(gpa), 0x5e, 4 * PAGE_SIZE);
	ck_assert_int_eq(gm_convert(&gm, gpa, 4, CONV_TO_SHARED, 0), CONV_OK);
	for (uint64_t p = 0; p < 4; p++)
		all_bytes(gpa + p * PAGE_SIZE, 0, "back to shared");
}
END_TEST

/* ---- the port, driven through the bus as a vCPU would ------------------- */

static int fatals;
static void on_fatal(void *arg) { fatals++; }

static uint32_t port_op(struct bus *b, uint64_t gpa, uint32_t count, uint32_t op)
{
	uint32_t v[4] = { (uint32_t)gpa, (uint32_t)(gpa >> 32), count, op }, st;

	for (int i = 0; i < 4; i++)
		ck_assert(bus_dispatch(b, CONVPORT_BASE + 4 * i, (uint8_t *)&v[i], 4, true));
	ck_assert(bus_dispatch(b, CONVPORT_BASE + 12, (uint8_t *)&st, 4, false));
	return st;
}

START_TEST(port_ops_and_statuses)
{
	struct bus b = { .name = "pio" };
	struct convport *cp = convport_new(&b, &gm, on_fatal, NULL);
	uint8_t v = 0x3c, narrow[2] = { 0 };
	uint32_t byte;

	ck_assert_ptr_nonnull(cp);
	ck_assert_int_eq(gm_write(&gm, 0x7000, &v, 1), GM_OK);
	ck_assert_uint_eq(port_op(&b, 0x7000, 0, CONVPORT_PROBE), CONV_OK);
	ck_assert(bus_dispatch(&b, CONVPORT_BASE + 8, (uint8_t *)&byte, 4, false));
	ck_assert_uint_eq(byte, 0x3c);
	ck_assert_uint_eq(port_op(&b, 0x7000, 1, CONV_TO_PRIVATE), CONV_OK);
	ck_assert_uint_eq(port_op(&b, 0x7000, 0, CONVPORT_PROBE), CONV_REFUSED);
	ck_assert_uint_eq(port_op(&b, 0x7000, 0, CONVPORT_PROBE_VIEW), CONV_REFUSED);
	/* the view is revoked per 2 MiB block: a page of another block is in it */
	ck_assert_uint_eq(port_op(&b, 0x8000, 0, CONVPORT_PROBE_VIEW), CONV_REFUSED);
	ck_assert_uint_eq(port_op(&b, 0x8000, 0, CONVPORT_PROBE), CONV_OK);
	ck_assert_uint_eq(port_op(&b, 0x208000, 0, CONVPORT_PROBE_VIEW), CONV_OK);
	ck_assert_uint_eq(port_op(&b, 0x7000, 1, CONV_TO_SHARED), CONV_OK);
	ck_assert_uint_eq(port_op(&b, 0x7000, 0, CONVPORT_PROBE_VIEW), CONV_OK);
	ck_assert(bus_dispatch(&b, CONVPORT_BASE + 8, (uint8_t *)&byte, 4, false));
	ck_assert_uint_eq(byte, 0);			/* round trip wiped it */
	ck_assert_uint_eq(port_op(&b, 0x7001, 1, CONV_TO_PRIVATE), CONV_BAD_RANGE);
	ck_assert_uint_eq(port_op(&b, 0x7000, 0, CONV_TO_PRIVATE), CONV_BAD_RANGE);
	ck_assert_uint_eq(port_op(&b, 0x7000, 1, 9), CONV_BAD_RANGE);
	ck_assert_uint_eq(port_op(&b, 1ULL << 40, 1, CONV_TO_SHARED), CONV_NOT_RAM);
	ck_assert_uint_eq(port_op(&b, ~0xfffULL, 2, CONV_TO_SHARED), CONV_BAD_RANGE);
	ck_assert_uint_eq(port_op(&b, 0, 0xffffffff, CONV_TO_PRIVATE), CONV_NOT_RAM);
	ck_assert_uint_eq(port_op(&b, MEM, 0, CONVPORT_PROBE), CONV_NOT_RAM);
	/* narrow accesses neither run ops nor change the status */
	narrow[0] = CONV_TO_PRIVATE;
	ck_assert(bus_dispatch(&b, CONVPORT_BASE + 12, narrow, 2, true));
	ck_assert(bus_dispatch(&b, CONVPORT_BASE + 12, narrow, 2, false));
	ck_assert_uint_eq(narrow[0], 0xff);
	ck_assert_uint_eq(port_op(&b, 0x7000, 1, CONV_TO_SHARED), CONV_OK);
	ck_assert_int_eq(fatals, 0);
	ck_assert_uint_eq(attr_map_pages(gm.attrs), 0);
	convport_free(cp);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("convert");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bad_requests_get_statuses);
	tcase_add_test(tc, round_trip_zeroes_private_data);
	tcase_add_test(tc, same_state_keeps_contents);
	tcase_add_test(tc, single_pages_in_a_large_run_and_all_of_ram);
	tcase_add_test(tc, stray_view_pointer_faults);
	tcase_add_test(tc, two_regions_and_the_hole);
	tcase_add_test(tc, conversions_race_device_accesses);
	tcase_add_test(tc, conversion_waits_for_views_in_flight);
	tcase_add_test(tc, port_ops_and_statuses);
	tcase_add_test(tc, refused_conversion_changes_nothing);
	tcase_add_test(tc, refusals_restore_kvm_attributes);
	tcase_add_test(tc, failed_discard_to_shared_still_wipes);
	tcase_add_test(tc, failed_discard_to_private_completes);
	tcase_add_test(tc, fragmentation_has_no_mapping_cliff);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
