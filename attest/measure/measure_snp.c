#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/measure/measure.h"
#include "loader/layout.h"
#include "loader/plan_coco.h"
#include "loader/boot/vmsa.h"
#include "vmm/log.h"

#define PAGE_INFO_LEN	0x70

struct snp_ctx {
	EVP_MD_CTX *md;
	EVP_MD *sha384;		/* fetched once: an implicit fetch per page costs locks */
	uint8_t ld[MEASURE_DIGEST_LEN];
	uint8_t zero_page_hash[MEASURE_DIGEST_LEN];
	struct measure_stats *st;
	bool failed;		/* an OpenSSL call failed: the digest is wrong */
};

static void sha384(struct snp_ctx *c, const void *a, size_t n, uint8_t out[48])
{
	if (EVP_DigestInit_ex2(c->md, c->sha384, NULL) != 1 ||
	    EVP_DigestUpdate(c->md, a, n) != 1 || EVP_DigestFinal_ex(c->md, out, NULL) != 1)
		c->failed = true;
	c->st->bytes_hashed += n;
}

/* LD = SHA-384(PAGE_INFO{LD, contents, 0x70, type, imi 0, vmpl perms 0, gpa}). */
static void page_info(struct snp_ctx *c, const uint8_t contents[48], uint8_t type, uint64_t gpa)
{
	uint8_t pi[PAGE_INFO_LEN] = { 0 };
	uint16_t len = PAGE_INFO_LEN;

	memcpy(pi, c->ld, 48);
	if (contents)
		memcpy(pi + 0x30, contents, 48);
	memcpy(pi + 0x60, &len, 2);
	pi[0x62] = type;
	memcpy(pi + 0x68, &gpa, 8);
	sha384(c, pi, sizeof(pi), c->ld);
	c->st->pages[type]++;
}

/* The hash of one 4 KiB page of a piece, zero-filled past its data. */
static void page_hash(struct snp_ctx *c, const struct plan_piece *q, uint64_t off, uint8_t out[48])
{
	uint8_t buf[PAGE_SIZE];

	if (!q->data || off >= q->data_len) {
		memcpy(out, c->zero_page_hash, 48);
		c->st->bytes_hashed += PAGE_SIZE;	/* what the PSP hashes */
	} else if (q->data_len - off >= PAGE_SIZE) {
		sha384(c, q->data + off, PAGE_SIZE, out);
	} else {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, q->data + off, q->data_len - off);
		sha384(c, buf, sizeof(buf), out);
	}
}

static int check_piece(const struct plan_piece *q)
{
	switch (q->type) {
	case PIECE_NORMAL: case PIECE_ZERO: case PIECE_UNMEASURED:
	case PIECE_SECRETS: case PIECE_CPUID:
		break;
	default:
		cvmm_err("SNP measurement: plan piece %s has type %s, which SNP cannot add",
			 q->what, piece_type_name(q->type));
		return -1;
	}
	if (!PAGE_ALIGNED(q->gpa) || !PAGE_ALIGNED(q->len)) {
		cvmm_err("SNP measurement: plan piece %s at 0x%llx (+0x%llx) is not page aligned",
			 q->what, (unsigned long long)q->gpa, (unsigned long long)q->len);
		return -1;
	}
	if ((q->type == PIECE_SECRETS || q->type == PIECE_CPUID) && q->len != PAGE_SIZE) {
		cvmm_err("SNP measurement: the %s piece must be exactly one page", q->what);
		return -1;
	}
	return 0;
}

int measure_snp_plan(const struct launch_plan *p, uint8_t ld[MEASURE_DIGEST_LEN],
		     struct measure_stats *st)
{
	static const uint8_t zero[PAGE_SIZE];
	struct measure_stats local;
	struct snp_ctx c = {
		.md = EVP_MD_CTX_new(), .sha384 = EVP_MD_fetch(NULL, "SHA384", NULL),
		.st = st ? st : &local,
	};
	uint8_t h[48];

	memset(c.st, 0, sizeof(*c.st));
	if (!c.md || !c.sha384) {
		cvmm_err("SNP measurement: OpenSSL SHA-384 unavailable");
		goto fail;
	}
	sha384(&c, zero, sizeof(zero), c.zero_page_hash);
	c.st->bytes_hashed = 0;
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		if (q->type == PIECE_SHARED)	/* stays shared: never added */
			continue;
		if (check_piece(q))
			goto fail;
		for (uint64_t off = 0; off < q->len; off += PAGE_SIZE) {
			if (q->type == PIECE_NORMAL) {
				page_hash(&c, q, off, h);
				page_info(&c, h, q->type, q->gpa + off);
			} else {
				page_info(&c, NULL, q->type, q->gpa + off);
			}
		}
	}
	for (int i = 0; i < p->coco.n_vcpus; i++) {
		if (!p->coco.vmsa || !p->coco.vmsa[i]) {
			cvmm_err("SNP measurement: the plan has no VMSA for vCPU %d", i);
			goto fail;
		}
		sha384(&c, p->coco.vmsa[i], VMSA_SIZE, h);
		page_info(&c, h, PIECE_VMSA, SNP_VMSA_GPA);
	}
	if (c.failed) {
		cvmm_err("SNP measurement: OpenSSL SHA-384 failed");
		goto fail;
	}
	memcpy(ld, c.ld, 48);
	EVP_MD_CTX_free(c.md);
	EVP_MD_free(c.sha384);
	return 0;
fail:
	EVP_MD_CTX_free(c.md);
	EVP_MD_free(c.sha384);
	return -1;
}
