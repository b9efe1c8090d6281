#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/input.h"
#include "loader/image/file.h"
#include "vmm/log.h"

int attest_read(const char *path, size_t max, const char *kind, uint8_t **buf, size_t *len)
{
	struct stat st;

	*buf = NULL;
	*len = 0;
	/*
	 * lstat: /dev/stdin and /dev/fd/N (process substitution) are links
	 * to pipes that have a writer already; a FIFO named on the command
	 * line may have none.
	 */
	if (lstat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		cvmm_err("%s: a named FIFO, not %s (cvmm does not wait for a writer; use < or a "
			 "regular file)", path, kind);
		return -1;
	}
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		cvmm_err("%s: a directory, not %s", path, kind);
		return -1;
	}
	return file_read_stream(path, max, kind, buf, len);
}
