/*
 * Reading the small inputs of `cvmm attest` (evidence, certificates, CRLs,
 * event logs): through stdio, so that /dev/stdin and <(...) work, but never
 * from a named FIFO, where a read would wait for a writer for ever (inputs
 * elsewhere refuse non-regular files the same way).
 */
#ifndef CVMM_ATTEST_INPUT_H
#define CVMM_ATTEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* As file_read_stream(): at most max bytes, NUL after *len; -1 after one line naming path. */
int attest_read(const char *path, size_t max, const char *kind, uint8_t **buf, size_t *len);

#endif
