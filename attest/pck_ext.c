#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "attest/pck_ext.h"

#define SGX_OID "1.2.840.113741.1.13.1"

/* The SEQUENCE OF SEQUENCE { OID, value } Intel uses at every level. */
static STACK_OF(ASN1_TYPE) *seq_of(const unsigned char *p, long n)
{
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, n);
}

/* The arc after the extension's OID ("2.17" for PCESVN), or NULL. */
static const char *arc(ASN1_OBJECT *o, char *buf, int n)
{
	size_t l = strlen(SGX_OID);

	if (OBJ_obj2txt(buf, n, o, 1) <= 0 || strncmp(buf, SGX_OID ".", l + 1))
		return NULL;
	return buf + l + 1;
}

static int entry(ASN1_TYPE *t, ASN1_OBJECT **oid, ASN1_TYPE **val, STACK_OF(ASN1_TYPE) **pair)
{
	*pair = NULL;
	if (t->type != V_ASN1_SEQUENCE)
		return -1;
	*pair = seq_of(t->value.sequence->data, t->value.sequence->length);
	if (!*pair || sk_ASN1_TYPE_num(*pair) != 2 ||
	    sk_ASN1_TYPE_value(*pair, 0)->type != V_ASN1_OBJECT)
		return -1;
	*oid = sk_ASN1_TYPE_value(*pair, 0)->value.object;
	*val = sk_ASN1_TYPE_value(*pair, 1);
	return 0;
}

static int small_int(ASN1_TYPE *v, unsigned max, unsigned *out)
{
	long x;

	if (v->type != V_ASN1_INTEGER)
		return -1;
	x = ASN1_INTEGER_get(v->value.integer);
	if (x < 0 || (unsigned long)x > max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int octets(ASN1_TYPE *v, uint8_t *out, int n)
{
	if (v->type != V_ASN1_OCTET_STRING || v->value.octet_string->length != n)
		return -1;
	memcpy(out, v->value.octet_string->data, (size_t)n);
	return 0;
}

static int parse_tcb(ASN1_TYPE *v, struct pck_ext *e, unsigned *seen)
{
	STACK_OF(ASN1_TYPE) *sk;
	int rc = 0;

	if (v->type != V_ASN1_SEQUENCE)
		return -1;
	sk = seq_of(v->value.sequence->data, v->value.sequence->length);
	if (!sk)
		return -1;
	for (int i = 0; rc == 0 && i < sk_ASN1_TYPE_num(sk); i++) {
		STACK_OF(ASN1_TYPE) *pair;
		ASN1_OBJECT *o;
		ASN1_TYPE *val;
		char buf[80];
		const char *a;
		unsigned k, x;

		if (entry(sk_ASN1_TYPE_value(sk, i), &o, &val, &pair) || !(a = arc(o, buf, sizeof(buf))))
			rc = -1;
		else if (sscanf(a, "2.%u", &k) == 1 && k >= 1 && k <= 16 && !small_int(val, 255, &x)) {
			e->comp[k - 1] = (uint8_t)x;
			*seen |= 1u << (k - 1);
		} else if (!strcmp(a, "2.17")) {
			rc = small_int(val, 65535, &e->pcesvn);
			*seen |= 1u << 16;
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
	return rc;
}

int pck_ext_parse(X509 *c, struct pck_ext *e)
{
	ASN1_OBJECT *want = OBJ_txt2obj(SGX_OID, 1);
	int idx = want ? X509_get_ext_by_OBJ(c, want, -1) : -1;
	ASN1_OCTET_STRING *d;
	STACK_OF(ASN1_TYPE) *sk = NULL;
	unsigned seen = 0;
	int rc = -1;

	ASN1_OBJECT_free(want);
	memset(e, 0, sizeof(*e));
	if (idx < 0 || !(d = X509_EXTENSION_get_data(X509_get_ext(c, idx))) ||
	    !(sk = seq_of(d->data, d->length)))
		goto out;
	rc = 0;
	for (int i = 0; rc == 0 && i < sk_ASN1_TYPE_num(sk); i++) {
		STACK_OF(ASN1_TYPE) *pair;
		ASN1_OBJECT *o;
		ASN1_TYPE *val;
		char buf[80];
		const char *a;

		if (entry(sk_ASN1_TYPE_value(sk, i), &o, &val, &pair) || !(a = arc(o, buf, sizeof(buf))))
			rc = -1;
		else if (!strcmp(a, "2"))
			rc = parse_tcb(val, e, &seen);
		else if (!strcmp(a, "3"))
			rc = octets(val, e->pceid, 2), seen |= 1u << 17;
		else if (!strcmp(a, "4"))
			rc = octets(val, e->fmspc, 6), seen |= 1u << 18;
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	if (seen != 0x7ffff)	/* all 16 components, PCESVN, PCE ID, FMSPC */
		rc = -1;
out:
	sk_ASN1_TYPE_pop_free(sk, ASN1_TYPE_free);
	ERR_clear_error();
	return rc;
}
