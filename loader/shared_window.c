#include <string.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/shared_window.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

bool shared_window_wanted(const struct launch_opts *o)
{
	return o->platform == PLATFORM_SW;
}

int shared_window_resolve(const struct launch_opts *o, uint64_t mem_size, struct shared_window *w)
{
	uint64_t low = layout_low_ram(mem_size);
	uint64_t end;

	*w = (struct shared_window){ 0 };
	if (!shared_window_wanted(o)) {
		if (o->window_set) {
			cvmm_err("--shared-window: only platforms with private memory (--sw) have one");
			return -1;
		}
		return 0;
	}
	w->size = o->window_set ? o->window_size : SHARED_WINDOW_DEFAULT;
	if (w->size == 0)
		return 0;
	if (o->window_gpa_set) {
		w->gpa = o->window_gpa;
	} else {
		/* The top of low RAM, 2 MiB aligned: far from where images load. */
		uint64_t top = low & ~(SHARED_WINDOW_DEFAULT - 1);

		if (!o->window_set && top < (8ULL << 20)) {
			w->size = 0;
			return 0;
		}
		w->gpa = top > w->size ? (top - w->size) & ~(PAGE_SIZE - 1) : 0;
	}
	if (!PAGE_ALIGNED(w->gpa) || !PAGE_ALIGNED(w->size)) {
		cvmm_err("--shared-window 0x%llx@0x%llx: size and address must be multiples of 4 KiB",
			 (unsigned long long)w->size, (unsigned long long)w->gpa);
		return -1;
	}
	if (__builtin_add_overflow(w->gpa, w->size, &end) ||
	    !((end <= low && w->gpa >= LAYOUT_KERNEL) ||
	      (w->gpa >= LAYOUT_HIGH_RAM && end - LAYOUT_HIGH_RAM <= mem_size - low))) {
		cvmm_err("--shared-window 0x%llx@0x%llx: not inside guest RAM above 1 MiB "
			 "([1 MiB, 0x%llx) and, above 4 GiB, 0x%llx bytes)",
			 (unsigned long long)w->size, (unsigned long long)w->gpa,
			 (unsigned long long)low, (unsigned long long)(mem_size - low));
		return -1;
	}
	return 0;
}

int shared_window_check_plan(const struct shared_window *w, const struct launch_plan *p)
{
	for (size_t i = 0; w->size && i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		if (q->gpa < w->gpa + w->size && w->gpa < q->gpa + q->len) {
			cvmm_err("--shared-window [0x%llx, 0x%llx) overlaps the %s at 0x%llx",
				 (unsigned long long)w->gpa, (unsigned long long)(w->gpa + w->size),
				 q->what, (unsigned long long)q->gpa);
			return -1;
		}
	}
	return 0;
}
