/* file_read_all(): the one door for input files and its one-line refusals. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "check_compat.h"
#include "loader/image/file.h"
#include "loader/plan.h"
#include "loader/boot/snp_hashes.h"

static char tmpdir[64];

static void mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/cvmm-test-file-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void read_fails(const char *path, const char *reason)
{
	uint8_t *buf = (uint8_t *)1;
	size_t len = 1;

	capture_begin();
	ck_assert_int_eq(file_read_all(path, "--kernel", &buf, &len), -1);
	capture_end();
	ck_one_line(captured, path, reason);
	ck_assert(strstr(captured, "--kernel"));
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
}

START_TEST(file_reads_and_refuses)
{
	char path[128], fifo[128], big[128];
	uint8_t *buf;
	size_t len;
	int fd;

	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/good", tmpdir);
	write_file(path, "hello\0world", 11);
	ck_assert_int_eq(file_read_all(path, "--initrd", &buf, &len), 0);
	ck_assert_uint_eq(len, 11);
	ck_assert(memcmp(buf, "hello\0world", 11) == 0);
	free(buf);

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	read_fails(path, "No such file or directory");
	read_fails(tmpdir, "is a directory");
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	write_file(path, "", 0);
	read_fails(path, "empty file");
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	read_fails(fifo, "not a regular file");
	snprintf(path, sizeof(path), "%s/good/x", tmpdir);
	read_fails(path, "Not a directory");
	/* Sparse: the size is refused before a byte is read. */
	snprintf(big, sizeof(big), "%s/big", tmpdir);
	fd = open(big, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)FILE_MAX_SIZE + 1), 0);
	close(fd);
	read_fails(big, "too large");

	unlink(big);
	unlink(fifo);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/good", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

/* Permission bits do not stop root, so the unreadable case drops to nobody. */
START_TEST(file_unreadable)
{
	char path[128];
	struct passwd *nobody = getpwnam("nobody");
	uid_t uid = nobody ? nobody->pw_uid : 65534;
	gid_t gid = nobody ? nobody->pw_gid : 65534;
	int status;
	pid_t pid;

	mk_tmpdir();
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/secret", tmpdir);
	write_file(path, "x", 1);
	ck_assert_int_eq(chmod(path, 0), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t *buf;
		size_t len;

		if (geteuid() == 0 && (setgid(gid) || setuid(uid)))
			_exit(3);
		capture_begin();
		if (file_read_all(path, "--initrd", &buf, &len) != -1)
			_exit(1);
		capture_end();
		_exit(count_lines(captured) == 1 && strstr(captured, path) &&
		      strstr(captured, "Permission denied") ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "unreadable file: child status 0x%x", status);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

/*
 * The other doors that open input files by name: the streamed digest
 * (`cvmm measure`, SEV kernel hashes) and the firmware mapping. A FIFO or a
 * character device must be refused at once, not block in open() or stream
 * forever; alarm() turns a hang into a failure.
 */
static void digest_fails(const char *path, const char *reason)
{
	uint8_t h[32];

	capture_begin();
	ck_assert_int_eq(sha256_file(path, "--kernel", h, NULL), -1);
	capture_end();
	ck_one_line(captured, path, reason);
}

static void map_fails(const char *path, const char *reason)
{
	struct launch_plan p;
	const uint8_t *buf = NULL;
	size_t len = 0;

	plan_init(&p, 64ULL << 20);
	capture_begin();
	ck_assert_int_eq(plan_map_file(&p, path, "--firmware", 1 << 20, &buf, &len), -1);
	capture_end();
	ck_one_line(captured, path, reason);
	ck_assert(strstr(captured, "--firmware"));
	plan_free(&p);
}

START_TEST(digest_and_map_refuse_non_regular)
{
	char path[128], fifo[128];
	uint8_t h[32];
	uint64_t size = 0;

	alarm(20);
	mk_tmpdir();
	snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	snprintf(path, sizeof(path), "%s/good", tmpdir);
	write_file(path, "abc", 3);
	ck_assert_int_eq(sha256_file(path, "--kernel", h, &size), 0);
	ck_assert_uint_eq(size, 3);
	digest_fails("/dev/zero", "not a regular file");
	digest_fails(fifo, "not a regular file");
	digest_fails(tmpdir, "is a directory");
	map_fails(fifo, "not a regular file");
	map_fails(tmpdir, "is a directory");
	map_fails("/dev/zero", "not a regular file");
	alarm(0);
	unlink(fifo);
	unlink(path);
	rmdir(tmpdir);
}
END_TEST

/* The stdio door for evidence and certificates: pipes work, limits hold. */
static void stream_fails(const char *path, size_t max, const char *reason)
{
	uint8_t *buf = (uint8_t *)1;
	size_t len = 1;

	capture_begin();
	ck_assert_int_eq(file_read_stream(path, max, "a test input", &buf, &len), -1);
	capture_end();
	ck_one_line(captured, path, reason);
	ck_assert_ptr_null(buf);
}

START_TEST(stream_reads_and_refuses)
{
	char path[128];
	uint8_t *buf;
	size_t len;

	mk_tmpdir();
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path, "0123456789", 10);
	ck_assert_int_eq(file_read_stream(path, 10, "x", &buf, &len), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq((char *)buf, "0123456789");	/* NUL-terminated */
	free(buf);
	stream_fails(path, 9, "larger than 9 bytes, not a test input");
	stream_fails(tmpdir, 1 << 20, "Is a directory");
	unlink(path);
	stream_fails(path, 1 << 20, "No such file");
	rmdir(tmpdir);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("file");

	tcase_add_test(tc, file_reads_and_refuses);
	tcase_add_test(tc, file_unreadable);
	tcase_add_test(tc, digest_and_map_refuse_non_regular);
	tcase_add_test(tc, stream_reads_and_refuses);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()
