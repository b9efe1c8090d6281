/*
 * Shared <-> private conversion: the one routine that every source reaches
 * (the cvmm conversion port, KVM_EXIT_MEMORY_FAULT, the MAP_GPA_RANGE
 * hypercall, the platform exits of TDX and SNP).
 *
 * It validates the request, takes the guest_mem lock exclusively (so it
 * waits for every device access in flight and no new one starts until it is
 * done), tells KVM where KVM keeps attributes, discards the side being left
 * (conversion destroys contents, as on hardware), revokes or restores the
 * device view, and records the result in the attribute map. It is
 * all-or-nothing: on any failure the map, KVM and the view are as before.
 */
#ifndef CVMM_CONVERT_H
#define CVMM_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

struct guest_mem;

/* The ops and statuses of the conversion port (design.md). */
enum conv_op {
	CONV_TO_PRIVATE = 1,
	CONV_TO_SHARED = 2,
};

enum conv_status {
	CONV_OK = 0,
	CONV_BAD_RANGE = 1,	/* zero pages, unaligned, wraps, unknown op */
	CONV_NOT_RAM = 2,	/* not entirely inside one RAM region */
	CONV_REFUSED = 3,	/* the host could not do it; nothing changed */
};

/* Keep contents: only before the first vCPU runs (launch pieces). */
#define CONV_F_KEEP	(1u << 0)
/* A launch step: its caller reports a refusal (the guest's are logged once here). */
#define CONV_F_LAUNCH	(1u << 1)

/*
 * Converts [gpa, gpa + pages * 4 KiB). Returns a conv_status; a guest's bad
 * request prints nothing (it is the guest's error, reported to the guest).
 * Returns -1 with a message only when the host is left inconsistent (an undo
 * step failed): the caller must stop the VM.
 */
int gm_convert(struct guest_mem *gm, uint64_t gpa, uint64_t pages, int op, unsigned flags);

/* Is the page at gpa private now? (false outside RAM or without tracking) */
bool gm_is_private(struct guest_mem *gm, uint64_t gpa);

const char *conv_status_str(int status);

#endif
