/*
 * Capturing stderr in unit tests: every failure a user or a file can cause
 * must print exactly one line (cvmm_err), and the tests check that line.
 */
#ifndef CVMM_TEST_CAPTURE_H
#define CVMM_TEST_CAPTURE_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"

static char captured[32768];
static int saved_stderr = -1;
static FILE *cap_file;

static inline void capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	saved_stderr = dup(2);
	dup2(fileno(cap_file), 2);
}

static inline const char *capture_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(cap_file);
	n = fread(captured, 1, sizeof(captured) - 1, cap_file);
	captured[n] = '\0';
	fclose(cap_file);
	return captured;
}

/* The process's open descriptors (leak checks). */
static inline int count_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static inline int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One line on stderr, naming `name` and containing `reason`. */
#define ck_one_line(out, name, reason) do {					\
	ck_assert_msg(count_lines(out) == 1, "want one line, got: %s", out);	\
	ck_assert_msg(strstr(out, name), "'%s' not named in: %s", name, out);	\
	ck_assert_msg(strstr(out, reason), "'%s' not in: %s", reason, out);	\
} while (0)

#endif
