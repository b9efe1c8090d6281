#include <inttypes.h>
#include <string.h>

#include "attest/out.h"

#define LABEL_WIDTH 32
#define HEX_PER_LINE 48

void out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->first[0] = true;
	if (json)
		fputc('{', f);
}

void out_finish(struct out *o)
{
	if (o->json)
		fputs("\n}\n", o->f);
}

static void indent(struct out *o, int extra)
{
	for (int i = 0; i < o->depth * 2 + extra; i++)
		fputc(' ', o->f);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 when there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * A JSON string: valid UTF-8 as it is, control characters escaped, and each
 * byte that is not UTF-8 as U+FFFD, so that the document stays valid UTF-8
 * whatever bytes a file name or a certificate holds.
 */
static void json_str(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = utf8_len(s + i, n - i);

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (!len)
			fputs("\\ufffd", f);
		else
			fwrite(s + i, 1, len, f);
		i += len ? len : 1;
	}
	fputc('"', f);
}

void out_json_str(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

/*
 * Text for a terminal: a string from evidence or a certificate must not add
 * a line or carry an escape sequence (it could fake a "passed"), so C0 and
 * C1 controls, DEL and bytes that are not UTF-8 are shown as \xNN.
 */
void out_text_str(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);
		bool c1 = len == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0;

		if (!len || c1 || s[i] < 0x20 || s[i] == 0x7f) {
			for (size_t j = 0; j < (len ? len : 1); j++)
				fprintf(f, "\\x%02x", s[i + j]);
		} else {
			fwrite(s + i, 1, len, f);
		}
		i += len ? len : 1;
	}
}

/* JSON: separator, newline, indent and the key. Human: indent and label. */
static void key_start(struct out *o, const char *key)
{
	if (o->json) {
		if (!o->first[o->depth])
			fputc(',', o->f);
		o->first[o->depth] = false;
		fputc('\n', o->f);
		indent(o, 2);
		if (key && !o->array[o->depth]) {
			json_str(o->f, key, strlen(key));
			fputs(": ", o->f);
		}
		return;
	}
	indent(o, 0);
	if (key)
		fprintf(o->f, "%-*s ", LABEL_WIDTH - o->depth * 2 > 8 ?
			LABEL_WIDTH - o->depth * 2 : 8, key);
}

static void push(struct out *o, bool array)
{
	if (o->depth + 1 < OUT_MAX_DEPTH) {
		o->depth++;
		o->first[o->depth] = true;
		o->array[o->depth] = array;
		o->index[o->depth] = 0;
	}
}

void out_begin(struct out *o, const char *key)
{
	if (o->json) {
		key_start(o, key);
		fputc('{', o->f);
	} else if (key) {
		indent(o, 0);
		fprintf(o->f, "%s:\n", key);
	} else {
		indent(o, 0);
		fprintf(o->f, "[%d]\n", o->index[o->depth]++);
	}
	push(o, false);
}

/* Close the innermost object ('}') or array (']'). */
static void pop(struct out *o, char close)
{
	if (o->json) {
		fputc('\n', o->f);
		indent(o, 0);
		fputc(close, o->f);
	}
	if (o->depth > 0)
		o->depth--;
}

void out_end(struct out *o)
{
	pop(o, '}');
}

void out_begin_array(struct out *o, const char *key)
{
	if (o->json) {
		key_start(o, key);
		fputc('[', o->f);
	} else {
		indent(o, 0);
		fprintf(o->f, "%s:\n", key);
	}
	push(o, true);
}

void out_end_array(struct out *o)
{
	pop(o, ']');
}

void out_u64(struct out *o, const char *key, uint64_t v)
{
	key_start(o, key);
	fprintf(o->f, o->json ? "%" PRIu64 : "%" PRIu64 "\n", v);
}

void out_x64(struct out *o, const char *key, uint64_t v, int digits)
{
	key_start(o, key);
	fprintf(o->f, o->json ? "\"0x%0*" PRIx64 "\"" : "0x%0*" PRIx64 "\n", digits, v);
}

void out_bool(struct out *o, const char *key, bool v)
{
	key_start(o, key);
	if (o->json)
		fputs(v ? "true" : "false", o->f);
	else
		fputs(v ? "yes\n" : "no\n", o->f);
}

void out_str(struct out *o, const char *key, const char *s)
{
	key_start(o, key);
	if (o->json) {
		if (s)
			json_str(o->f, s, strlen(s));
		else
			fputs("null", o->f);
	} else {
		out_text_str(o->f, s ? s : "(none)");
		fputc('\n', o->f);
	}
}

void out_hex(struct out *o, const char *key, const uint8_t *p, size_t n)
{
	key_start(o, key);
	if (o->json) {
		fputc('"', o->f);
		for (size_t i = 0; i < n; i++)
			fprintf(o->f, "%02x", p[i]);
		fputc('"', o->f);
		return;
	}
	if (n == 0)
		fputs("(empty)", o->f);
	for (size_t i = 0; i < n; i++) {
		if (i && i % HEX_PER_LINE == 0) {
			fputc('\n', o->f);
			indent(o, 0);
			fprintf(o->f, "%*s ", LABEL_WIDTH - o->depth * 2 > 8 ?
				LABEL_WIDTH - o->depth * 2 : 8, "");
		}
		fprintf(o->f, "%02x", p[i]);
	}
	fputc('\n', o->f);
}

void out_bit_fields(struct out *o, uint64_t v, int digits, uint64_t known,
		    const struct bit_name *names, size_t n_names)
{
	for (size_t i = 0; i < n_names; i++) {
		known |= 1ULL << names[i].bit;
		out_bool(o, names[i].name, (v >> names[i].bit) & 1);
	}
	out_x64(o, "unknown_bits", v & ~known, digits);
}

void out_bits(struct out *o, const char *key, uint64_t v, int digits,
	      const struct bit_name *names, size_t n_names)
{
	out_begin(o, key);
	out_x64(o, "raw", v, digits);
	out_bit_fields(o, v, digits, 0, names, n_names);
	out_end(o);
}
