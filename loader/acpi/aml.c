#include <string.h>

#include "loader/acpi/aml.h"

#define AML_NAME_OP	0x08
#define AML_SCOPE_OP	0x10
#define AML_BUFFER_OP	0x11
#define AML_PACKAGE_OP	0x12
#define AML_STRING_PREFIX 0x0d
#define AML_EXT_OP	0x5b
#define AML_DEVICE_OP	0x82
#define AML_ROOT_CHAR	'\\'
#define AML_DUAL_NAME	0x2e
#define AML_MULTI_NAME	0x2f

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->bad || n > a->cap - a->len) {
		a->bad = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t v)
{
	aml_bytes(a, &v, 1);
}

static void put_le(struct aml *a, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

void aml_name(struct aml *a, const char *path)
{
	size_t n;

	if (*path == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	}
	n = strlen(path);
	if (n % 4 || n == 0) {	/* a programming error, not an input one */
		a->bad = true;
		return;
	}
	if (n == 8)
		aml_byte(a, AML_DUAL_NAME);
	else if (n > 8) {
		aml_byte(a, AML_MULTI_NAME);
		aml_byte(a, (uint8_t)(n / 4));
	}
	aml_bytes(a, path, n);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, 0x00);	/* ZeroOp */
	else if (v == 1)
		aml_byte(a, 0x01);	/* OneOp */
	else if (v <= 0xff) {
		aml_byte(a, 0x0a);
		put_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, 0x0b);
		put_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, 0x0c);
		put_le(a, v, 4);
	} else {
		aml_byte(a, 0x0e);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

uint32_t aml_eisaid(const char *id)
{
	uint32_t v = 0;
	unsigned c[3], hex = 0;

	for (int i = 0; i < 3; i++)
		c[i] = (unsigned)(id[i] - 0x40) & 0x1f;
	for (int i = 3; i < 7; i++) {
		char ch = id[i];

		hex = hex << 4 | (unsigned)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
	}
	/* bytes, in memory order: the 15-bit vendor code big-endian, then the product */
	v |= ((c[0] << 2 | c[1] >> 3) & 0x7f);
	v |= ((c[1] << 5 | c[2]) & 0xff) << 8;
	v |= ((hex >> 8) & 0xff) << 16;
	v |= (hex & 0xff) << 24;
	return v;
}

static size_t open_pkg(struct aml *a)
{
	return a->len;	/* the PkgLength is inserted here by aml_end */
}

size_t aml_scope(struct aml *a, const char *name)
{
	size_t s;

	aml_byte(a, AML_SCOPE_OP);
	s = open_pkg(a);
	aml_name(a, name);
	return s;
}

size_t aml_device(struct aml *a, const char *name)
{
	size_t s;

	aml_byte(a, AML_EXT_OP);
	aml_byte(a, AML_DEVICE_OP);
	s = open_pkg(a);
	aml_name(a, name);
	return s;
}

size_t aml_package(struct aml *a, uint8_t n_elements)
{
	size_t s;

	aml_byte(a, AML_PACKAGE_OP);
	s = open_pkg(a);
	aml_byte(a, n_elements);
	return s;
}

size_t aml_buffer(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	return open_pkg(a);
}

/* Inserts n bytes of room at off. */
static void insert(struct aml *a, size_t off, const uint8_t *p, size_t n)
{
	if (a->bad || n > a->cap - a->len || off > a->len) {
		a->bad = true;
		return;
	}
	memmove(a->buf + off + n, a->buf + off, a->len - off);
	memcpy(a->buf + off, p, n);
	a->len += n;
}

/*
 * PkgLength (ACPI 6.5, 20.2.4) counts itself: one byte up to 63, else a
 * lead byte with the count of following bytes and the low nibble.
 */
void aml_end(struct aml *a, size_t start)
{
	size_t body = a->len - start, total;
	uint8_t enc[4];
	int n;

	if (a->bad)
		return;
	if (body + 1 < 0x40) {
		enc[0] = (uint8_t)(body + 1);
		insert(a, start, enc, 1);
		return;
	}
	for (n = 2; n <= 4; n++) {
		total = body + (size_t)n;
		if (total < (1ULL << (4 + 8 * (n - 1))))
			break;
	}
	if (n > 4) {
		a->bad = true;
		return;
	}
	enc[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
	for (int i = 1; i < n; i++)
		enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	insert(a, start, enc, (size_t)n);
}

void aml_end_buffer(struct aml *a, size_t start)
{
	struct aml sz = { .buf = (uint8_t[9]){ 0 }, .cap = 9 };

	aml_integer(&sz, a->len - start);
	insert(a, start, sz.buf, sz.len);
	aml_end(a, start);
}

void aml_name_decl(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, name);
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* I/O port descriptor: 16-bit decode, min == max, alignment 1 */
	uint8_t d[8] = { 0x47, 0x01, (uint8_t)base, (uint8_t)(base >> 8), (uint8_t)base,
			 (uint8_t)(base >> 8), 0x01, len };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq_noflags(struct aml *a, unsigned irq)
{
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	uint8_t d[3] = { 0x22, (uint8_t)mask, (uint8_t)(mask >> 8) };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	uint8_t d[12] = { 0x86, 0x09, 0x00, 0x01 /* read-write */ };

	memcpy(d + 4, &base, 4);
	memcpy(d + 8, &len, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_interrupt_level_high(struct aml *a, uint32_t gsi)
{
	/* Extended interrupt: consumer, level, active-high, exclusive, one GSI */
	uint8_t d[9] = { 0x89, 0x06, 0x00, 0x01, 0x01 };

	memcpy(d + 5, &gsi, 4);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_end(struct aml *a)
{
	uint8_t d[2] = { 0x79, 0x00 };	/* checksum 0: "treat as correct" */

	aml_bytes(a, d, sizeof(d));
}
