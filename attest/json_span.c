#include <string.h>

#include <json-c/json.h>

#include "attest/json_span.h"

static size_t skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

/* One JSON value starting at t[i]: its length, or 0 when it is not one. */
static size_t value_len(const char *t, size_t len, size_t i, json_object **obj)
{
	json_tokener *tok = json_tokener_new();
	size_t n = 0;

	*obj = NULL;
	if (!tok || len - i > (size_t)0x7fffffff)
		goto out;
	*obj = json_tokener_parse_ex(tok, t + i, (int)(len - i));
	if (*obj)
		n = json_tokener_get_parse_end(tok);
	else if (json_tokener_get_error(tok) == json_tokener_continue) {
		/* A number at the very end is only complete once the tokener sees the end. */
		*obj = json_tokener_parse_ex(tok, "", 1);
		if (*obj)
			n = len - i;
	}
out:
	json_tokener_free(tok);
	/* The tokener eats whitespace after a value; the value itself never ends in any. */
	while (n && (t[i + n - 1] == ' ' || t[i + n - 1] == '\t' || t[i + n - 1] == '\n' ||
		     t[i + n - 1] == '\r'))
		n--;
	return n;
}

int json_member_span(const char *t, size_t len, const char *key, size_t *off, size_t *n)
{
	size_t i = skip_ws(t, len, 0);

	if (i >= len || t[i] != '{')
		return -1;
	i = skip_ws(t, len, i + 1);
	if (i < len && t[i] == '}')
		return 1;
	while (i < len) {
		json_object *k, *v = NULL;
		size_t kl = t[i] == '"' ? value_len(t, len, i, &k) : 0, vl;
		int match;

		if (!kl || !json_object_is_type(k, json_type_string)) {
			json_object_put(k);
			return -1;
		}
		match = !strcmp(json_object_get_string(k), key);
		json_object_put(k);
		i = skip_ws(t, len, i + kl);
		if (i >= len || t[i] != ':')
			return -1;
		i = skip_ws(t, len, i + 1);
		vl = i < len ? value_len(t, len, i, &v) : 0;
		json_object_put(v);
		if (!vl)
			return -1;
		if (match) {
			*off = i;
			*n = vl;
			return 0;
		}
		i = skip_ws(t, len, i + vl);
		if (i < len && t[i] == '}')
			return 1;
		if (i >= len || t[i] != ',')
			return -1;
		i = skip_ws(t, len, i + 1);
	}
	return -1;
}
