#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/measure/measure.h"
#include "loader/layout.h"
#include "vmm/log.h"

#define TDX_RECORD	128	/* one SEAMCALL record in the MRTD hash input */
#define TDX_CHUNK	256	/* TDH.MR.EXTEND measures 256 bytes at a time */
#define CHUNKS_PER_PAGE	(PAGE_SIZE / TDX_CHUNK)

static void record(uint8_t r[TDX_RECORD], const char *op, uint64_t gpa)
{
	memset(r, 0, TDX_RECORD);
	memcpy(r, op, strlen(op));
	memcpy(r + 16, &gpa, 8);
}

/* Each returns false when OpenSSL failed: the digest would be wrong. */
static bool page_add(EVP_MD_CTX *md, uint64_t gpa, struct measure_stats *st)
{
	uint8_t r[TDX_RECORD];

	record(r, "MEM.PAGE.ADD", gpa);
	st->page_adds++;
	st->bytes_hashed += sizeof(r);
	return EVP_DigestUpdate(md, r, sizeof(r)) == 1;
}

/* 16 MR.EXTENDs of one page: each a record followed by its 256 bytes. */
static bool page_extend(EVP_MD_CTX *md, const struct plan_piece *q, uint64_t off,
			struct measure_stats *st)
{
	uint8_t buf[CHUNKS_PER_PAGE * (TDX_RECORD + TDX_CHUNK)];

	memset(buf, 0, sizeof(buf));
	for (unsigned j = 0; j < CHUNKS_PER_PAGE; j++) {
		uint8_t *r = buf + j * (TDX_RECORD + TDX_CHUNK);
		uint64_t at = off + j * TDX_CHUNK;

		record(r, "MR.EXTEND", q->gpa + at);
		if (q->data && at < q->data_len)
			memcpy(r + TDX_RECORD, q->data + at,
			       q->data_len - at < TDX_CHUNK ? q->data_len - at : TDX_CHUNK);
	}
	st->extends += CHUNKS_PER_PAGE;
	st->bytes_hashed += sizeof(buf);
	return EVP_DigestUpdate(md, buf, sizeof(buf)) == 1;
}

static int check_piece(const struct plan_piece *q)
{
	switch (q->type) {
	case PIECE_NORMAL: case PIECE_ZERO: case PIECE_TD_HOB: case PIECE_TEMP_MEM:
		break;
	default:
		cvmm_err("TDX measurement: plan piece %s has type %s, which TDX cannot add",
			 q->what, piece_type_name(q->type));
		return -1;
	}
	if (!PAGE_ALIGNED(q->gpa) || !PAGE_ALIGNED(q->len)) {
		cvmm_err("TDX measurement: plan piece %s at 0x%llx (+0x%llx) is not page aligned",
			 q->what, (unsigned long long)q->gpa, (unsigned long long)q->len);
		return -1;
	}
	return 0;
}

int measure_tdx_plan(const struct launch_plan *p, uint8_t mrtd[MEASURE_DIGEST_LEN],
		     struct measure_stats *st)
{
	struct measure_stats local;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = true;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	if (!md || !EVP_DigestInit_ex(md, EVP_sha384(), NULL)) {
		cvmm_err("TDX measurement: OpenSSL SHA-384 unavailable");
		EVP_MD_CTX_free(md);
		return -1;
	}
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		if (q->type == PIECE_SHARED)
			continue;
		if (check_piece(q)) {
			EVP_MD_CTX_free(md);
			return -1;
		}
		st->pages[q->type] += q->len / PAGE_SIZE;
		if (p->coco.mrtd_two_pass) {
			for (uint64_t off = 0; off < q->len; off += PAGE_SIZE)
				ok &= page_add(md, q->gpa + off, st);
			for (uint64_t off = 0; q->measured && off < q->len; off += PAGE_SIZE)
				ok &= page_extend(md, q, off, st);
		} else {
			for (uint64_t off = 0; off < q->len; off += PAGE_SIZE) {
				ok &= page_add(md, q->gpa + off, st);
				if (q->measured)
					ok &= page_extend(md, q, off, st);
			}
		}
	}
	if (!ok || EVP_DigestFinal_ex(md, mrtd, NULL) != 1) {
		cvmm_err("TDX measurement: OpenSSL SHA-384 failed");
		EVP_MD_CTX_free(md);
		return -1;
	}
	EVP_MD_CTX_free(md);
	return 0;
}
