/*
 * The conversion routine. Only the pieces of the range whose state actually
 * changes are touched (converting a shared page to shared again must not
 * wipe it), so the cost is O(log n + pieces) plus the system calls.
 *
 * Order of steps, chosen so that every failure can be undone (a refusal
 * changes nothing, contents included) and no device access ever sees
 * private contents:
 *   to private: revoke the view; KVM attributes; discard the shared side.
 *   to shared:  KVM attributes; restore the view (under the exclusive
 *               lock: no access can look yet); discard the private side
 *               (punch the guest_memfd, or zero it where that fails), the
 *               one step that cannot be undone, last.
 * The view is revoked in blocks (vmm/mem.h), so that a guest fragmenting
 * its memory page by page cannot run the host out of mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader/layout.h"
#include "vmm/mem/attr_map.h"
#include "vmm/mem/convert.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"

struct piece {
	uint64_t start, end;	/* page numbers */
};

struct pieces {
	struct piece *p;	/* inline, or on the heap when there are many */
	size_t n, cap;
	bool to_private;
	struct piece inline_p[8];
};

/* Collects the pieces whose state differs from the target. */
static int collect(void *arg, uint64_t s, uint64_t e, bool priv)
{
	struct pieces *ps = arg;

	if (priv == ps->to_private)
		return 0;
	if (ps->n == ps->cap) {
		size_t ncap = ps->cap * 2;
		struct piece *np = ps->p == ps->inline_p ? malloc(ncap * sizeof(*np)) :
				   realloc(ps->p, ncap * sizeof(*np));

		if (!np)
			return -1;
		if (ps->p == ps->inline_p)
			memcpy(np, ps->inline_p, sizeof(ps->inline_p));
		ps->p = np;
		ps->cap = ncap;
	}
	ps->p[ps->n++] = (struct piece){ s, e };
	return 0;
}

static int set_kvm_attrs(struct guest_mem *gm, const struct piece *pc, bool priv)
{
	struct kvm_memory_attributes a = {
		.address = pc->start * PAGE_SIZE,
		.size = (pc->end - pc->start) * PAGE_SIZE,
		.attributes = priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	if (gm->attr_vm_fd < 0)
		return 0;
	return gm->kb->ioctl(gm->kb, gm->attr_vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

/* Gives back the pages of the side the range is leaving. */
static int discard(const struct mem_region *r, const struct piece *pc, bool leaving_private)
{
	const int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	uint64_t off = pc->start * PAGE_SIZE - r->gpa;
	uint64_t len = (pc->end - pc->start) * PAGE_SIZE;
	int fd = leaving_private ? r->gmem_fd : r->shared_fd;
	/* When guest_memfd backs both sides its offset applies to both. */
	uint64_t base = fd == r->gmem_fd ? r->gmem_offset : 0;

	if (fd >= 0)
		return fallocate(fd, mode, (off_t)(base + off), (off_t)len);
	if (leaving_private)
		return 0;
	return madvise(r->kvm_map + off, len, MADV_DONTNEED);
}

/* Undo helpers: an undo that fails leaves the host inconsistent. */
static int undo_attrs(struct guest_mem *gm, const struct pieces *ps, size_t n, bool priv)
{
	for (size_t i = 0; i < n; i++) {
		if (set_kvm_attrs(gm, &ps->p[i], priv)) {
			cvmm_err("conversion: cannot restore KVM memory attributes: %s",
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Puts the view back as the (unchanged) map says; failing that, the host is inconsistent. */
static int undo_view(struct guest_mem *gm, struct mem_region *r, uint64_t gpa, uint64_t end)
{
	if (gm_view_sync(gm, r, gpa, end, -1) == 0)
		return 0;
	cvmm_err("conversion: cannot restore the device view: %s", strerror(errno));
	return -1;
}

static int to_private(struct guest_mem *gm, struct mem_region *r, uint64_t gpa, uint64_t end,
		      const struct pieces *ps, unsigned flags, int *cause)
{
	size_t i;

	if (gm_view_sync(gm, r, gpa, end, 1)) {
		*cause = errno;
		return CONV_REFUSED;	/* gm_view_sync() left the view as it was */
	}
	for (i = 0; i < ps->n; i++) {
		if (set_kvm_attrs(gm, &ps->p[i], true)) {
			*cause = errno;
			if (undo_attrs(gm, ps, i, false) || undo_view(gm, r, gpa, end))
				return -1;
			return CONV_REFUSED;
		}
	}
	if (flags & CONV_F_KEEP)
		return CONV_OK;
	/*
	 * The shared side is out of every host view already, so a failed
	 * discard costs memory, not secrecy: warn and go on.
	 */
	for (i = 0; i < ps->n; i++)
		if (discard(r, &ps->p[i], false))
			cvmm_warn("conversion: shared pages at 0x%llx not discarded: %s",
				  (unsigned long long)(ps->p[i].start * PAGE_SIZE),
				  strerror(errno));
	return CONV_OK;
}

/*
 * Every step that can fail comes before the discard, which destroys the
 * private contents and cannot be undone: a refusal leaves every page, its
 * contents included, as it was. The view opens before the discard under
 * the exclusive lock, so no device access can see the page in between.
 */
static int to_shared(struct guest_mem *gm, struct mem_region *r, uint64_t gpa, uint64_t end,
		     const struct pieces *ps, int *cause)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		if (set_kvm_attrs(gm, &ps->p[i], false)) {
			*cause = errno;
			return undo_attrs(gm, ps, i, true) ? -1 : CONV_REFUSED;
		}
	}
	if (gm_view_sync(gm, r, gpa, end, 0)) {
		*cause = errno;
		return undo_attrs(gm, ps, ps->n, true) ? -1 : CONV_REFUSED;
	}
	for (i = 0; i < ps->n; i++) {
		if (discard(r, &ps->p[i], true) == 0)
			continue;
		/*
		 * The page is shared now and what the guest wrote while private
		 * must not show: erase it by hand where it is mapped (guest_memfd
		 * behind both sides); elsewhere the shared side never held it.
		 */
		if (r->gmem_fd >= 0 && r->gmem_fd == r->shared_fd)
			memset(r->kvm_map + (ps->p[i].start * PAGE_SIZE - r->gpa), 0,
			       (ps->p[i].end - ps->p[i].start) * PAGE_SIZE);
		else
			cvmm_warn("conversion: private pages at 0x%llx not discarded: %s",
				  (unsigned long long)(ps->p[i].start * PAGE_SIZE), strerror(errno));
	}
	return CONV_OK;
}

int gm_convert(struct guest_mem *gm, uint64_t gpa, uint64_t pages, int op, unsigned flags)
{
	struct pieces ps = { .to_private = op == CONV_TO_PRIVATE };
	struct mem_region *r;
	uint64_t len, end;
	int ret, cause = ENOMEM;

	if ((op != CONV_TO_PRIVATE && op != CONV_TO_SHARED) || pages == 0 ||
	    !PAGE_ALIGNED(gpa) || __builtin_mul_overflow(pages, PAGE_SIZE, &len) ||
	    __builtin_add_overflow(gpa, len, &end))
		return CONV_BAD_RANGE;
	r = (struct mem_region *)gm_region_of(gm, gpa, len);
	if (!r)
		return CONV_NOT_RAM;
	if (!gm->attrs)
		return CONV_REFUSED;	/* this VM has no private memory */

	ps.p = ps.inline_p;
	ps.cap = sizeof(ps.inline_p) / sizeof(ps.inline_p[0]);
	pthread_rwlock_wrlock(&gm->lock);
	if (attr_map_reserve(gm->attrs) ||
	    attr_map_walk(gm->attrs, gpa / PAGE_SIZE, end / PAGE_SIZE, collect, &ps)) {
		ret = CONV_REFUSED;	/* out of memory for the bookkeeping */
		goto out;
	}
	ret = ps.to_private ? to_private(gm, r, gpa, end, &ps, flags, &cause) :
			      to_shared(gm, r, gpa, end, &ps, &cause);
out:
	if (ret == CONV_REFUSED && !(flags & CONV_F_LAUNCH) && !gm->refusal_logged) {
		/* once: a guest can ask again and again */
		gm->refusal_logged = true;
		cvmm_warn("conversion of [0x%llx, 0x%llx) to %s refused: %s (later refusals are "
			  "not logged)", (unsigned long long)gpa, (unsigned long long)end,
			  ps.to_private ? "private" : "shared", strerror(cause));
	}
	if (ret == CONV_OK) {
		/* Reserved above: cannot fail. */
		attr_map_set(gm->attrs, gpa / PAGE_SIZE, end / PAGE_SIZE, ps.to_private);
		gm->conversions++;
		gm->converted_pages += pages;
	}
	pthread_rwlock_unlock(&gm->lock);
	if (ps.p != ps.inline_p)
		free(ps.p);
	if (ret == CONV_REFUSED)
		errno = cause;	/* launch callers name it */
	return ret;
}

bool gm_is_private(struct guest_mem *gm, uint64_t gpa)
{
	bool priv;

	if (!gm->attrs)
		return false;
	pthread_rwlock_rdlock(&gm->lock);
	priv = attr_map_any(gm->attrs, gpa / PAGE_SIZE, gpa / PAGE_SIZE + 1);
	pthread_rwlock_unlock(&gm->lock);
	return priv;
}

const char *conv_status_str(int status)
{
	switch (status) {
	case CONV_OK:		return "ok";
	case CONV_BAD_RANGE:	return "bad range or alignment";
	case CONV_NOT_RAM:	return "out of guest RAM";
	case CONV_REFUSED:	return "refused";
	}
	return "host error";
}
