/*
 * Conversion figures (printed, never asserted): pages per second through
 * the conversion routine itself for 4 KiB and 2 MiB runs, the attribute
 * map alone, and what bookkeeping costs for a 64 GiB guest with 10,000
 * alternating private/shared ranges (cvmm's map, and the kernel's mappings
 * of the device view).
 *
 * Guest memory here is a memfd standing in for guest_memfd (GM_MEMFD): the
 * same routine, system calls and view mapping as the sw fallback, without
 * a VM. The port path is measured by bench/convport.sh with a real guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loader/layout.h"
#include "vmm/mem/attr_map.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"
#include "tests/support/gm_test.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void touch(struct guest_mem *gm, uint64_t gpa, uint64_t pages)
{
	for (uint64_t p = 0; p < pages; p++)
		gm_launch_ptr(gm, gpa + p * PAGE_SIZE, 1)[0] = 1;
}

/*
 * Converts `total` pages in runs of `run` pages to private and back. With
 * populate, every page holds data first, so the discards free real pages.
 */
static int routine_rate(const char *what, uint64_t run, uint64_t total, bool populate)
{
	struct guest_mem gm;
	double t0, t_priv = 0, t_shared = 0;
	int rounds = 3;

	if (gm_init_backing(&gm, total * PAGE_SIZE, -1, GM_MEMFD) ||
	    gm_private_enable(&gm, -1))
		return -1;
	for (int r = 0; r < rounds; r++) {
		if (populate)
			touch(&gm, 0, total);
		t0 = now();
		for (uint64_t p = 0; p < total; p += run)
			if (gm_convert(&gm, p * PAGE_SIZE, run, CONV_TO_PRIVATE, 0) != CONV_OK)
				goto fail;
		t_priv += now() - t0;
		if (populate)
			touch(&gm, 0, total);	/* the guest writes while private */
		t0 = now();
		for (uint64_t p = 0; p < total; p += run)
			if (gm_convert(&gm, p * PAGE_SIZE, run, CONV_TO_SHARED, 0) != CONV_OK)
				goto fail;
		t_shared += now() - t0;
	}
	printf("  %-34s to private %10.0f pages/s (%7.2f us/call)   to shared %10.0f pages/s (%7.2f us/call)\n",
	       what, rounds * total / t_priv, t_priv * 1e6 / (rounds * (total / run)),
	       rounds * total / t_shared, t_shared * 1e6 / (rounds * (total / run)));
	gm_destroy(&gm);
	return 0;
fail:
	fprintf(stderr, "convbench: a conversion failed\n");
	gm_destroy(&gm);
	return -1;
}

static long count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* 64 GiB, 10,000 private ranges alternating with shared ones. */
static int bookkeeping(void)
{
	const uint64_t mem = 64ULL << 30, n = 10000;
	struct guest_mem gm;
	struct attr_map *m = attr_map_new();
	uint64_t pages = (mem - (LAYOUT_HIGH_RAM - LAYOUT_LOW_RAM_MAX)) / PAGE_SIZE;
	uint64_t stride = (LAYOUT_LOW_RAM_MAX / PAGE_SIZE) / n;	/* all in low RAM */
	long maps0, maps1;
	double t0;

	if (!m)
		return -1;
	/* the map alone, on the whole 64 GiB page range */
	t0 = now();
	for (uint64_t i = 0; i < n; i++)
		attr_map_set(m, i * (pages / n), i * (pages / n) + pages / n / 2, true);
	t0 = now() - t0;
	printf("  attribute map, %llu alternating ranges over 64 GiB: %zu runs, %zu bytes "
	       "(a byte per page would be %llu MiB); %.2f us per insert\n",
	       (unsigned long long)n, attr_map_runs(m), attr_map_bytes(m),
	       (unsigned long long)(mem / PAGE_SIZE >> 20), t0 * 1e6 / n);
	t0 = now();
	for (int rep = 0; rep < 100000; rep++) {
		uint64_t i = (uint64_t)rep * 7919 % n;

		attr_map_set(m, i * (pages / n) + 1, i * (pages / n) + 2, false);
		attr_map_set(m, i * (pages / n) + 1, i * (pages / n) + 2, true);
	}
	printf("  attribute map, split + re-merge one page among %llu runs: %.3f us\n",
	       (unsigned long long)n, (now() - t0) * 1e6 / 100000);
	attr_map_free(m);

	/* the whole routine on a real 64 GiB (sparse) guest */
	if (gm_init_backing(&gm, mem, -1, GM_MEMFD) || gm_private_enable(&gm, -1))
		return -1;
	maps0 = count_maps();
	t0 = now();
	for (uint64_t i = 0; i < n; i++)
		if (gm_convert(&gm, i * stride * PAGE_SIZE, stride / 2, CONV_TO_PRIVATE, 0)) {
			fprintf(stderr, "convbench: conversion %llu failed\n", (unsigned long long)i);
			gm_destroy(&gm);
			return -1;
		}
	t0 = now() - t0;
	maps1 = count_maps();
	printf("  64 GiB guest, %llu private ranges via the routine: map %zu bytes, "
	       "device view +%ld kernel mappings (VMAs); %.2f us per conversion\n",
	       (unsigned long long)n, attr_map_bytes(gm.attrs), maps1 - maps0, t0 * 1e6 / n);
	gm_destroy(&gm);
	return 0;
}

int main(void)
{
	cvmm_verbosity = LOG_NORMAL;
	printf("conversion routine (memfd-backed guest memory, no VM):\n");
	if (routine_rate("4 KiB runs, pages populated", 1, 16384, true) ||
	    routine_rate("4 KiB runs, pages never touched", 1, 16384, false) ||
	    routine_rate("2 MiB runs, pages populated", 512, 131072, true) ||
	    routine_rate("2 MiB runs, pages never touched", 512, 131072, false))
		return 1;
	printf("bookkeeping:\n");
	return bookkeeping() ? 1 : 0;
}
