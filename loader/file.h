/* Reading input files whole, with one-line errors that name the file. */
#ifndef CVMM_FILE_H
#define CVMM_FILE_H

#include <stddef.h>
#include <stdint.h>

#define FILE_MAX_SIZE (4ULL << 30)	/* no kernel, initrd or firmware is larger */

/*
 * Reads path into a malloc'ed buffer. what names the input in messages
 * ("--kernel"). -1 with one line when missing, unreadable, a directory,
 * empty or larger than FILE_MAX_SIZE.
 */
int file_read_all(const char *path, const char *what, uint8_t **buf, size_t *len);

#endif
