/*
 * The command line's number and hex parsers: one rule for every option, so
 * that `--policy`, `--td-attributes`, `--xfam`, `--guest-features`,
 * `--policy-max` and the rest refuse and accept the same spellings. No
 * blanks, no signs, never octal: strtoull's leniency (" +10000000" is a
 * number to it) is not passed on to the user.
 */
#ifndef CVMM_PARSE_H
#define CVMM_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* [0x]HEXDIGITS within 64 bits ("30000", "0x30000"). -1 otherwise. */
int parse_u64_hex(const char *s, uint64_t *out);
/* DIGITS (decimal) no greater than max. -1 otherwise. */
int parse_u64_dec(const char *s, uint64_t max, uint64_t *out);
/*
 * "512M", "4G", "65536", "2m", "0x1000", "2KiB" -> bytes: decimal or 0x hex,
 * then an optional K/M/G/T (and i, B). -1 on syntax error or overflow.
 */
int parse_size(const char *s, uint64_t *out);
/*
 * [0x]HEX, an even number of digits, at most cap bytes, into buf; *len the
 * byte count. -1 otherwise.
 */
int parse_hex_bytes(const char *s, uint8_t *buf, size_t cap, size_t *len);

#endif
