/*
 * One writer for `cvmm attest` output, two renderings: aligned "name  value"
 * lines for people and a JSON document for scripts. Dump and verify code
 * emit each field once and never format for one rendering only, so the two
 * cannot drift apart. Key names are the JSON keys and the human labels.
 */
#ifndef CVMM_ATTEST_OUT_H
#define CVMM_ATTEST_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MAX_DEPTH 12

struct out {
	FILE *f;
	bool json;
	int depth;
	bool first[OUT_MAX_DEPTH];	/* JSON: nothing written yet at this depth */
	bool array[OUT_MAX_DEPTH];	/* this level is an array */
	int index[OUT_MAX_DEPTH];	/* human: next array element number */
};

void out_init(struct out *o, FILE *f, bool json);
/* s as a quoted JSON string (valid UTF-8 whatever bytes s holds). */
void out_json_str(FILE *f, const char *s);
/* s for a terminal: controls and bytes that are not UTF-8 shown as \\xNN. */
void out_text_str(FILE *f, const char *s);
void out_finish(struct out *o);

/* Nested object (JSON) / indented block under a heading (human). */
void out_begin(struct out *o, const char *key);
void out_end(struct out *o);
/* Array of objects: out_begin_array, then out_begin(o, NULL) per element. */
void out_begin_array(struct out *o, const char *key);
void out_end_array(struct out *o);

void out_u64(struct out *o, const char *key, uint64_t v);	/* decimal number */
void out_x64(struct out *o, const char *key, uint64_t v, int digits); /* "0x.." string */
void out_bool(struct out *o, const char *key, bool v);
void out_str(struct out *o, const char *key, const char *s);	/* NULL: JSON null */
/* Byte strings as contiguous lowercase hex; humans get 48 bytes a line. */
void out_hex(struct out *o, const char *key, const uint8_t *p, size_t n);

struct bit_name {
	int bit;
	const char *name;
};
/*
 * A bit field decoded: raw value, each named bit as a boolean, and the bits
 * no table entry names as "unknown_bits" (the raw mask), so that evidence
 * newer than this code still shows everything it holds.
 */
void out_bits(struct out *o, const char *key, uint64_t v, int digits,
	      const struct bit_name *names, size_t n_names);

/* The same inside an open block; bits in `known` are decoded elsewhere by the caller. */
void out_bit_fields(struct out *o, uint64_t v, int digits, uint64_t known,
		    const struct bit_name *names, size_t n_names);

#endif
