#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/image/file.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

const char *piece_type_name(enum piece_type t)
{
	switch (t) {
	case PIECE_NORMAL:	return "normal";
	case PIECE_VMSA:	return "vmsa";
	case PIECE_ZERO:	return "zero";
	case PIECE_UNMEASURED:	return "unmeasured";
	case PIECE_SECRETS:	return "secrets";
	case PIECE_CPUID:	return "cpuid";
	case PIECE_TD_HOB:	return "td_hob";
	case PIECE_TEMP_MEM:	return "temp_mem";
	case PIECE_SHARED:	return "shared";
	}
	return "?";
}

void plan_init(struct launch_plan *p, uint64_t mem_size)
{
	memset(p, 0, sizeof(*p));
	p->mem_size = mem_size;
}

void plan_free(struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	for (size_t i = 0; i < p->n_maps; i++)
		munmap(p->maps[i].addr, p->maps[i].len);
	free(p->owned);
	free(p->pieces);
	memset(p, 0, sizeof(*p));
}

void *plan_own(struct launch_plan *p, void *buf)
{
	if (!buf)
		return NULL;
	if (p->n_owned == p->cap_owned) {
		size_t cap = p->cap_owned ? p->cap_owned * 2 : 16;
		void **o = realloc(p->owned, cap * sizeof(*o));

		if (!o) {
			free(buf);
			return NULL;
		}
		p->owned = o;
		p->cap_owned = cap;
	}
	p->owned[p->n_owned++] = buf;
	return buf;
}

int plan_map_file(struct launch_plan *p, const char *path, const char *what, uint64_t max,
		  const uint8_t **buf, size_t *len)
{
	size_t size;
	void *m;
	int fd;

	if (p->n_maps == sizeof(p->maps) / sizeof(p->maps[0])) {
		cvmm_err("%s %s: too many mapped files in one launch plan", what, path);
		return -1;
	}
	fd = file_open(path, what, max, &size);
	if (fd < 0)
		return -1;
	/* Like every input, the file must not change while cvmm uses it. */
	m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		cvmm_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	p->maps[p->n_maps++] = (struct plan_map){ m, size };
	*buf = m;
	*len = size;
	return 0;
}

int plan_add(struct launch_plan *p, const struct plan_piece *piece)
{
	uint64_t end;

	if (piece->len == 0 || piece->data_len > piece->len ||
	    __builtin_add_overflow(piece->gpa, piece->len, &end)) {
		cvmm_err("launch plan: %s at 0x%llx (+0x%llx) is empty or wraps",
			 piece->what, (unsigned long long)piece->gpa,
			 (unsigned long long)piece->len);
		return -1;
	}
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		if (piece->gpa < q->gpa + q->len && q->gpa < end) {
			cvmm_err("launch plan: %s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
				 piece->what, (unsigned long long)piece->gpa,
				 (unsigned long long)end, q->what,
				 (unsigned long long)q->gpa,
				 (unsigned long long)(q->gpa + q->len));
			return -1;
		}
	}
	if (p->n_pieces == p->cap_pieces) {
		size_t cap = p->cap_pieces ? p->cap_pieces * 2 : 16;
		struct plan_piece *n = realloc(p->pieces, cap * sizeof(*n));

		if (!n) {
			cvmm_err("launch plan: out of memory");
			return -1;
		}
		p->pieces = n;
		p->cap_pieces = cap;
	}
	p->pieces[p->n_pieces++] = *piece;
	return 0;
}

uint8_t *plan_add_buffer(struct launch_plan *p, uint64_t gpa, uint64_t len,
			 enum piece_type type, bool measured, const char *what)
{
	uint8_t *buf = plan_own(p, calloc(1, len ? len : 1));
	struct plan_piece piece = {
		.gpa = gpa, .len = len, .data = buf, .data_len = len,
		.type = type, .measured = measured, .what = what,
	};

	if (!buf) {
		cvmm_err("launch plan: out of memory for %s", what);
		return NULL;
	}
	return plan_add(p, &piece) ? NULL : buf;
}

bool plan_range_in_ram(const struct launch_plan *p, uint64_t gpa, uint64_t len)
{
	uint64_t low = layout_low_ram(p->mem_size);
	uint64_t high = p->mem_size - low;
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return false;
	if (end <= low)
		return true;
	return gpa >= LAYOUT_HIGH_RAM && end - LAYOUT_HIGH_RAM <= high;
}
