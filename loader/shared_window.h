/*
 * The shared window: guest RAM that a confidential launch leaves shared,
 * for the buffers devices exchange with the guest (swiotlb-style). The
 * guest finds it as the E820_RESERVED entry at or above 1 MiB; everything
 * else in RAM starts private.
 */
#ifndef CVMM_SHARED_WINDOW_H
#define CVMM_SHARED_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

struct launch_opts;
struct launch_plan;

#define SHARED_WINDOW_DEFAULT	(2ULL << 20)

struct shared_window {
	uint64_t gpa, size;	/* size 0: no window */
};

/* Does this platform have private memory, hence a window? */
bool shared_window_wanted(const struct launch_opts *o);

/*
 * From --shared-window, or the default: 2 MiB at the top of RAM below the
 * 32-bit hole (none when that RAM is under 8 MiB). -1 with one line when
 * the window is unaligned or not inside one RAM region.
 */
int shared_window_resolve(const struct launch_opts *o, uint64_t mem_size, struct shared_window *w);

/* -1 with one line when a launch piece lies in the window. */
int shared_window_check_plan(const struct shared_window *w, const struct launch_plan *p);

#endif
