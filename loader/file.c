#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/file.h"
#include "vmm/log.h"

int file_read_all(const char *path, const char *what, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *b;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cvmm_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cvmm_err("%s %s: %s", what, path,
			 S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > FILE_MAX_SIZE) {
		cvmm_err("%s %s: %s", what, path, st.st_size ? "larger than 4 GiB" : "empty file");
		close(fd);
		return -1;
	}
	b = malloc((size_t)st.st_size);
	if (!b) {
		cvmm_err("%s %s: out of memory", what, path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			cvmm_err("%s %s: %s", what, path, r < 0 ? strerror(errno) : "file shrank while reading");
			free(b);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}
