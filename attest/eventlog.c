#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/bytes.h"
#include "attest/eventlog.h"
#include "vmm/log.h"

#define SPEC_ID_SIG	"Spec ID Event03"	/* with its NUL: 16 bytes */
#define EVENTS_MAX	65536

/* The first event, TCG_PCClientPCREvent: index, type, SHA-1 digest, size, data. */
static int parse_spec(struct cc_eventlog *l, const char *name)
{
	const uint8_t *p = l->p, *d;
	uint32_t size, n;

	if (l->len < 32) {
		cvmm_err("%s: %zu bytes: too short for the log's first event (32-byte header)", name,
			 l->len);
		return -1;
	}
	size = ld32(p + 28);
	if (ld32(p + 4) != EV_NO_ACTION || size < 16 + 13 || size > l->len - 32 ||
	    memcmp(p + 32, SPEC_ID_SIG, 16)) {
		cvmm_err("%s: the first event (offset 0) is not the EV_NO_ACTION \"" SPEC_ID_SIG "\" "
			 "event a crypto-agile TCG2 event log starts with", name);
		return -1;
	}
	d = p + 32;
	n = ld32(d + 24);	/* after signature, platformClass, versions, errata, uintnSize */
	if (n == 0 || n > sizeof(l->algs) / sizeof(l->algs[0]) || 28 + 4 * (size_t)n + 1 > size) {
		cvmm_err("%s: the Spec ID event (offset 0) lists %u digest algorithms in %u bytes",
			 name, n, size);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++) {
		l->algs[i].alg = ld16(d + 28 + 4 * i);
		l->algs[i].size = ld16(d + 30 + 4 * i);
		if (l->algs[i].size == 0 || l->algs[i].size > 64) {
			cvmm_err("%s: the Spec ID event (offset 0) gives algorithm 0x%04x a %u-byte "
				 "digest", name, l->algs[i].alg, l->algs[i].size);
			return -1;
		}
	}
	l->n_algs = n;
	l->spec = (struct cc_event){ .offset = 0, .mr = ld32(p), .type = EV_NO_ACTION,
				     .data = d, .data_len = size };
	l->used = 32 + size;
	return 0;
}

static int alg_size(const struct cc_eventlog *l, uint16_t alg)
{
	for (size_t i = 0; i < l->n_algs; i++)
		if (l->algs[i].alg == alg)
			return l->algs[i].size;
	return -1;
}

/* An unused log area is filled with 0xff (CCEL) or zeros: no event starts there. */
static bool area_end(const uint8_t *p, size_t left)
{
	bool ff = true, zero = true;

	for (size_t i = 0; i < left && i < 8; i++) {
		ff &= p[i] == 0xff;
		zero &= p[i] == 0;
	}
	return ff || zero;	/* a few bytes of a header that are neither: cut */
}

int cc_eventlog_parse(struct cc_eventlog *l, const uint8_t *p, size_t len, const char *name)
{
	size_t off, cap = 0;

	memset(l, 0, sizeof(*l));
	l->p = p;
	l->len = len;
	if (parse_spec(l, name))
		return -1;
	for (off = l->used; !area_end(p + off, len - off); ) {
		struct cc_event e = { .offset = off };
		size_t at = off + 8;
		uint32_t count, size;

		if (len - off < 8)
			goto cut;
		e.mr = ld32(p + off);
		e.type = ld32(p + off + 4);
		if (len - at < 4)
			goto cut;
		count = ld32(p + at);
		at += 4;
		if (count == 0 || count > l->n_algs) {
			cvmm_err("%s: event %zu at offset 0x%zx: %u digests, the Spec ID event lists %zu "
				 "algorithms", name, l->n + 1, off, count, l->n_algs);
			goto fail;
		}
		for (uint32_t i = 0; i < count; i++) {
			int sz;
			uint16_t alg;

			if (len - at < 2)
				goto cut;
			alg = ld16(p + at);
			sz = alg_size(l, alg);
			if (sz < 0) {
				cvmm_err("%s: event %zu at offset 0x%zx: digest algorithm 0x%04x is not "
					 "one the Spec ID event lists", name, l->n + 1, off, alg);
				goto fail;
			}
			if (len - at - 2 < (size_t)sz)
				goto cut;
			if (alg == TPM_ALG_SHA384 && sz == CC_DIGEST_SIZE)
				e.sha384 = p + at + 2;
			at += 2 + (size_t)sz;
		}
		if (len - at < 4)
			goto cut;
		size = ld32(p + at);
		at += 4;
		if (size > len - at)
			goto cut;
		e.data = p + at;
		e.data_len = size;
		if (l->n == cap) {
			struct cc_event *ne;

			if (cap == EVENTS_MAX) {
				cvmm_err("%s: more than %d events", name, EVENTS_MAX);
				goto fail;
			}
			cap = cap ? cap * 2 : 64;
			ne = realloc(l->ev, cap * sizeof(*ne));
			if (!ne) {
				cvmm_err("%s: out of memory", name);
				goto fail;
			}
			l->ev = ne;
		}
		l->ev[l->n++] = e;
		off = at + size;
	}
	l->used = off;
	return 0;
cut:
	cvmm_err("%s: event %zu at offset 0x%zx runs past the end of the %zu-byte log area", name,
		 l->n + 1, off, len);
fail:
	cc_eventlog_free(l);
	return -1;
}

void cc_eventlog_free(struct cc_eventlog *l)
{
	free(l->ev);
	l->ev = NULL;
	l->n = 0;
}

int ccel_table_parse(struct ccel_table *t, const uint8_t *p, size_t len, const char *name)
{
	uint8_t sum = 0;
	uint32_t tlen;

	if (len < CCEL_TABLE_MIN || memcmp(p, "CCEL", 4)) {
		cvmm_err("%s: not an ACPI CCEL table (signature \"CCEL\", %d bytes)", name,
			 CCEL_TABLE_MIN);
		return -1;
	}
	tlen = ld32(p + 4);
	if (tlen < CCEL_TABLE_MIN || tlen > len) {
		cvmm_err("%s: the CCEL table's length field says %u bytes, the file has %zu", name,
			 tlen, len);
		return -1;
	}
	for (uint32_t i = 0; i < tlen; i++)
		sum = (uint8_t)(sum + p[i]);
	if (sum) {
		cvmm_err("%s: the CCEL table's checksum does not add up (sum 0x%02x)", name, sum);
		return -1;
	}
	t->cc_type = p[36];
	t->cc_subtype = p[37];
	t->laml = ld64(p + 40);
	t->lasa = ld64(p + 48);
	return 0;
}

void cc_eventlog_replay(const struct cc_eventlog *l, uint8_t rtmr[CC_RTMRS][CC_DIGEST_SIZE])
{
	memset(rtmr, 0, CC_RTMRS * CC_DIGEST_SIZE);
	for (size_t i = 0; i < l->n; i++) {
		const struct cc_event *e = &l->ev[i];
		uint8_t buf[2 * CC_DIGEST_SIZE];
		unsigned int n = CC_DIGEST_SIZE;

		/* EV_NO_ACTION is informational: never extended (TCG PFP). */
		if (e->type == EV_NO_ACTION || !e->sha384 || e->mr < 1 || e->mr > CC_RTMRS)
			continue;
		memcpy(buf, rtmr[e->mr - 1], CC_DIGEST_SIZE);
		memcpy(buf + CC_DIGEST_SIZE, e->sha384, CC_DIGEST_SIZE);
		EVP_Digest(buf, sizeof(buf), rtmr[e->mr - 1], &n, EVP_sha384(), NULL);
	}
}

const char *cc_mr_name(uint32_t mr)
{
	static const char *const names[] = { "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3" };

	return mr < sizeof(names) / sizeof(names[0]) ? names[mr] : NULL;
}
