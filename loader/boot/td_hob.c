#include <stdlib.h>
#include <string.h>

#include "loader/layout.h"
#include "loader/plan.h"
#include "loader/boot/td_hob.h"
#include "vmm/log.h"

#define HOB_HANDOFF_LEN		56
#define HOB_RESOURCE_LEN	48
#define HOB_END_LEN		8

struct hob_writer {
	uint8_t *buf;
	size_t len, pos;
	int err;
};

static uint8_t *hob_put(struct hob_writer *w, uint16_t type, uint16_t len)
{
	uint8_t *h = w->buf + w->pos;

	if (w->err || w->len - w->pos < len) {
		w->err = 1;
		return NULL;
	}
	memset(h, 0, len);
	memcpy(h, &type, 2);
	memcpy(h + 2, &len, 2);
	w->pos += len;
	return h;
}

static void resource(struct hob_writer *w, uint32_t type, uint64_t start, uint64_t size)
{
	uint32_t attr = HOB_RESOURCE_ATTR_TDVF;
	uint8_t *h;

	if (!size || !(h = hob_put(w, HOB_TYPE_RESOURCE_DESC, HOB_RESOURCE_LEN)))
		return;
	/* header (8), owner GUID (16, zero), type, attributes, start, length */
	memcpy(h + 24, &type, 4);
	memcpy(h + 28, &attr, 4);
	memcpy(h + 32, &start, 8);
	memcpy(h + 40, &size, 8);
}

static int by_gpa(const void *a, const void *b)
{
	const struct plan_piece *x = *(struct plan_piece *const *)a;
	const struct plan_piece *y = *(struct plan_piece *const *)b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* One RAM range: added pieces inside it are accepted memory, the rest not. */
static void ram_range(struct hob_writer *w, struct plan_piece **sorted, size_t n,
		      uint64_t start, uint64_t end)
{
	uint64_t at = start;

	for (size_t i = 0; i < n && at < end; i++) {
		const struct plan_piece *q = sorted[i];
		uint64_t qs = q->gpa, qe = q->gpa + q->len;

		if (q->type == PIECE_SHARED || qe <= at || qs >= end)
			continue;
		if (qs > at)
			resource(w, HOB_RESOURCE_MEMORY_UNACCEPTED, at, qs - at);
		if (qs < at)
			qs = at;
		if (qe > end)
			qe = end;
		resource(w, HOB_RESOURCE_SYSTEM_MEMORY, qs, qe - qs);
		at = qe;
	}
	if (at < end)
		resource(w, HOB_RESOURCE_MEMORY_UNACCEPTED, at, end - at);
}

int td_hob_build(uint8_t *buf, size_t len, uint64_t gpa, const struct launch_plan *p)
{
	struct hob_writer w = { .buf = buf, .len = len };
	uint64_t low = layout_low_ram(p->mem_size);
	struct plan_piece **sorted = calloc(p->n_pieces + 1, sizeof(*sorted));
	uint8_t *phit;
	uint32_t version = 9;	/* EFI_HOB_HANDOFF_TABLE_VERSION */
	uint64_t end;

	if (!sorted) {
		cvmm_err("TD HOB: out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->n_pieces; i++)
		sorted[i] = &p->pieces[i];
	qsort(sorted, p->n_pieces, sizeof(*sorted), by_gpa);

	phit = hob_put(&w, HOB_TYPE_HANDOFF, HOB_HANDOFF_LEN);
	ram_range(&w, sorted, p->n_pieces, 0, low);
	ram_range(&w, sorted, p->n_pieces, LAYOUT_HIGH_RAM, LAYOUT_HIGH_RAM + (p->mem_size - low));
	hob_put(&w, HOB_TYPE_END, HOB_END_LEN);
	free(sorted);
	if (w.err) {
		cvmm_err("TD HOB: the RAM map does not fit the %zu-byte TD_HOB section", len);
		return -1;
	}
	/* PHIT: version, boot mode 0, then the HOB region and its end. */
	end = gpa + w.pos;
	memcpy(phit + 8, &version, 4);
	memcpy(phit + 16, &(uint64_t){ gpa + len }, 8);	/* EfiMemoryTop */
	memcpy(phit + 24, &gpa, 8);				/* EfiMemoryBottom */
	memcpy(phit + 32, &(uint64_t){ gpa + len }, 8);	/* EfiFreeMemoryTop */
	memcpy(phit + 40, &end, 8);				/* EfiFreeMemoryBottom */
	memcpy(phit + 48, &end, 8);				/* EfiEndOfHobList */
	return 0;
}
