#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/image/file.h"
#include "vmm/log.h"

int file_open(const char *path, const char *what, uint64_t max, size_t *size)
{
	struct stat st;
	int fd;

	if (!path || !*path) {
		cvmm_err("%s: empty file name", what);
		return -1;
	}
	/* O_NONBLOCK: a FIFO must be refused below, not block us in open(). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		cvmm_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		cvmm_err("%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		cvmm_err("%s %s: is a directory, not a file", what, path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		cvmm_err("%s %s: not a regular file", what, path);
		goto fail;
	}
	if (st.st_size == 0) {
		cvmm_err("%s %s: empty file", what, path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		cvmm_err("%s %s: file too large (%lld bytes, cvmm reads at most %llu)", what,
			 path, (long long)st.st_size, (unsigned long long)max);
		goto fail;
	}
	*size = (size_t)st.st_size;
	return fd;
fail:
	close(fd);
	return -1;
}

int file_read_all(const char *path, const char *what, uint8_t **buf, size_t *len)
{
	uint8_t *b = NULL;
	size_t size, got = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = file_open(path, what, FILE_MAX_SIZE, &size);
	if (fd < 0)
		return -1;
	b = malloc(size);
	if (!b) {
		cvmm_err("%s %s: out of memory for %zu bytes", what, path, size);
		goto fail;
	}
	while (got < size) {
		ssize_t n = read(fd, b + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cvmm_err("%s %s: read error: %s", what, path,
				 errno == EISDIR ? "is a directory" : strerror(errno));
			goto fail;
		}
		if (n == 0) {
			cvmm_err("%s %s: file shrank while reading (%zu of %zu bytes)", what,
				 path, got, size);
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = size;
	return 0;
fail:
	free(b);
	close(fd);
	return -1;
}

int file_read_stream(const char *path, size_t max, const char *kind, uint8_t **buf,
		     size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	uint8_t *p = NULL, *np;

	*buf = NULL;
	*len = 0;
	if (!f) {
		cvmm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		np = realloc(p, cap + 1);	/* + 1: the NUL after the data */
		if (!np) {
			cvmm_err("%s: out of memory", path);
			goto fail;
		}
		p = np;
		n += fread(p + n, 1, cap - n, f);
		if (n < cap || ferror(f) || n > max)
			break;
		cap = cap > max / 2 ? max + 1 : cap * 2;
	}
	if (ferror(f)) {
		cvmm_err("%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	if (n > max) {
		cvmm_err("%s: larger than %zu bytes, not %s", path, max, kind);
		goto fail;
	}
	fclose(f);
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
fail:
	free(p);
	fclose(f);
	return -1;
}
