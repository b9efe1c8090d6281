#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "attest/bytes.h"
#include "attest/snp_certs.h"
#include "attest/x509.h"

/* GHCB specification GUIDs, in table byte order (the text's bytes, left to right). */
static const struct { uint8_t guid[16]; const char *kind; } known[] = {
	{ { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
	    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd }, "vcek" },
	{ { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
	    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 }, "vlek" },
	{ { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
	    0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 }, "ask" },
	{ { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
	    0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae }, "ark" },
	{ { 0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
	    0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea }, "crl" },
};

static const char *guid_kind(const uint8_t *g)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!memcmp(known[i].guid, g, 16))
			return known[i].kind;
	return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int snp_cert_table_parse(struct snp_cert_table *t, const uint8_t *p, size_t len)
{
	size_t n = 0, end, hdr;

	memset(t, 0, sizeof(*t));
	for (;; n++) {
		const uint8_t *e = p + n * SNP_CERT_ENTRY_SIZE;

		if ((n + 1) * SNP_CERT_ENTRY_SIZE > len || n == SNP_CERT_TABLE_MAX)
			return -1;
		if (all_zero(e, SNP_CERT_ENTRY_SIZE))
			break;
		t->e[n].guid = e;
		t->e[n].kind = guid_kind(e);
		t->e[n].offset = ld32(e + 16);
		t->e[n].length = ld32(e + 20);
	}
	if (n == 0)
		return -1;
	hdr = (n + 1) * SNP_CERT_ENTRY_SIZE;
	end = hdr;
	for (size_t i = 0; i < n; i++) {
		uint64_t last = (uint64_t)t->e[i].offset + t->e[i].length;

		if (t->e[i].offset < hdr || !t->e[i].length || last > len)
			return -1;
		if (last > end)
			end = (size_t)last;
	}
	t->p = p;
	t->len = end;
	t->n = n;
	return 0;
}

static void guid_str(const uint8_t *g, char *buf, size_t n)
{
	snprintf(buf, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
		 g[13], g[14], g[15]);
}

static X509 *entry_cert(const struct snp_cert_table *t, size_t i)
{
	const unsigned char *q = t->p + t->e[i].offset;
	X509 *c = d2i_X509(NULL, &q, (long)t->e[i].length);

	ERR_clear_error();
	return c;
}

void snp_cert_table_dump(struct out *o, const struct snp_cert_table *t)
{
	char g[40];

	out_begin_array(o, "cert_table");
	for (size_t i = 0; i < t->n; i++) {
		X509 *c = t->e[i].kind && strcmp(t->e[i].kind, "crl") ? entry_cert(t, i) : NULL;

		out_begin(o, NULL);
		guid_str(t->e[i].guid, g, sizeof(g));
		out_str(o, "guid", g);
		out_str(o, "kind", t->e[i].kind);
		out_u64(o, "offset", t->e[i].offset);
		out_u64(o, "length", t->e[i].length);
		if (c)
			x509_cert_fields(o, c);
		X509_free(c);
		out_end(o);
	}
	out_end_array(o);
}

int snp_cert_table_certs(const struct snp_cert_table *t, STACK_OF(X509) *sk)
{
	int added = 0;

	for (size_t i = 0; i < t->n; i++) {
		X509 *c;

		if (!t->e[i].kind || !strcmp(t->e[i].kind, "crl"))
			continue;
		c = entry_cert(t, i);
		if (c && sk_X509_push(sk, c))
			added++;
		else
			X509_free(c);
	}
	return added;
}
