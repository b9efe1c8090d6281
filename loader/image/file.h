/*
 * Reading a whole input file (kernel, initrd, firmware, evidence) into
 * memory, with the one-line diagnostics every input file deserves.
 */
#ifndef CVMM_FILE_H
#define CVMM_FILE_H

#include <stddef.h>
#include <stdint.h>

/* No kernel, initrd or firmware is larger; refused before a byte is read. */
#define FILE_MAX_SIZE	(4ULL << 30)

/*
 * Reads all of path into a malloc'ed buffer (*buf, *len; the caller frees
 * it). what names the file's role in messages, e.g. "--kernel". On failure
 * prints one line naming what, path and the reason (strerror's for open(),
 * or: a directory, not a regular file, empty file, too large, read error)
 * and returns -1.
 */
/*
 * Opens path for reading after the checks file_read_all() makes (a regular,
 * non-empty file of at most max bytes; never blocks on a FIFO). Returns the
 * descriptor and its size, or -1 after one line naming what and path.
 */
int file_open(const char *path, const char *what, uint64_t max, size_t *size);
int file_read_all(const char *path, const char *what, uint8_t **buf, size_t *len);

/*
 * Reads all of path through stdio, so that a pipe (<(...), /dev/stdin) works
 * too, for small inputs (evidence, certificates): at most max bytes, else
 * one line saying it is "not <kind>". The buffer has a NUL after *len bytes.
 */
int file_read_stream(const char *path, size_t max, const char *kind, uint8_t **buf,
		     size_t *len);

#endif
