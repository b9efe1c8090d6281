#include <ctype.h>

#include "vmm/cli/parse.h"

static int digit_value(int c, unsigned base)
{
	int v = isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;

	return v >= 0 && (unsigned)v < base ? v : -1;
}

/* One or more digits of base from *s; *s left after them. -1 on none or overflow. */
static int scan_digits(const char **s, unsigned base, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	int d;

	for (; (d = digit_value((unsigned char)*p, base)) >= 0; p++) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
	}
	if (p == *s)
		return -1;
	*s = p;
	*out = v;
	return 0;
}

static const char *skip_0x(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? s + 2 : s;
}

int parse_u64_hex(const char *s, uint64_t *out)
{
	if (!s)
		return -1;
	s = skip_0x(s);
	return scan_digits(&s, 16, out) || *s ? -1 : 0;
}

int parse_u64_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!s || scan_digits(&s, 10, &v) || *s || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	const char *hex;
	uint64_t v;
	unsigned shift = 0;

	if (!s)
		return -1;
	/* Decimal or 0x hex; never octal, which would make 010G eight GiB. */
	hex = skip_0x(s);
	if (scan_digits(&hex, hex == s ? 10 : 16, &v))
		return -1;
	s = hex;
	switch (tolower((unsigned char)*s)) {
	case '\0': break;
	case 'k': shift = 10; s++; break;
	case 'm': shift = 20; s++; break;
	case 'g': shift = 30; s++; break;
	case 't': shift = 40; s++; break;
	default: return -1;
	}
	if (shift && (*s == 'i' || *s == 'I'))	/* accept "MiB"-style too */
		s++;
	if (shift && (*s == 'b' || *s == 'B'))
		s++;
	if (*s != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int parse_hex_bytes(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	if (!s)
		return -1;
	s = skip_0x(s);
	for (; s[0] && n < cap; s += 2, n++) {
		int hi = digit_value((unsigned char)s[0], 16);
		int lo = hi < 0 ? -1 : digit_value((unsigned char)s[1], 16);

		if (lo < 0)
			return -1;
		buf[n] = (uint8_t)(hi << 4 | lo);
	}
	if (n == 0 || *s)
		return -1;
	*len = n;
	return 0;
}
