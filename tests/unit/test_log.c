/*
 * Diagnostics: a long line keeps its end (the reason usually comes last,
 * after a long path), and cvmm_err_capture() takes a thread's errors off
 * stderr for a caller that reports them in its own line.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "check_compat.h"
#include "vmm/log.h"

static const char *out;

/* Run f(arg) with stderr captured; its text lands in out. */
static void with_stderr(void (*f)(const char *), const char *arg)
{
	capture_begin();
	f(arg);
	out = capture_end();
}

static void err_path(const char *path)
{
	cvmm_err("%s: the reason at the end", path);
}

static char *long_path(size_t n)
{
	char *p = malloc(n + 1);

	ck_assert_ptr_nonnull(p);
	memset(p, 'p', n);
	p[n] = '\0';
	return p;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

START_TEST(long_line_whole)
{
	char *p = long_path(3000);	/* past the old 1 KiB cut */

	with_stderr(err_path, p);
	ck_assert_msg(ends_with(out, ": the reason at the end\n"), "%.80s...", out);
	ck_assert_uint_eq(strlen(out), strlen("cvmm: ") + 3000 + strlen(": the reason at the end\n"));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	free(p);
}
END_TEST

START_TEST(huge_line_elides_middle)
{
	char *p = long_path(20000);

	with_stderr(err_path, p);
	ck_assert_msg(ends_with(out, ": the reason at the end\n"), "%.80s...", out);
	ck_assert_ptr_nonnull(strstr(out, " [...] "));
	ck_assert_uint_lt(strlen(out), 6000);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	free(p);
}
END_TEST

START_TEST(capture_takes_errors_off_stderr)
{
	char buf[64];

	cvmm_err_capture(buf, sizeof(buf));
	with_stderr(err_path, "x");
	cvmm_err_capture(NULL, 0);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(buf, "x: the reason at the end");
	with_stderr(err_path, "y");
	ck_assert_str_eq(out, "cvmm: y: the reason at the end\n");
	ck_assert_str_eq(buf, "x: the reason at the end");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, long_line_whole);
	tcase_add_test(tc, huge_line_elides_middle);
	tcase_add_test(tc, capture_takes_errors_off_stderr);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
