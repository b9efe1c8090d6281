#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "loader/image/file.h"
#include "vmm/cli/argfile.h"
#include "vmm/log.h"

/* from: the argument file being read, or NULL for the command line. */
static int push(struct argfile *a, char *arg, const char *from)
{
	if (a->argc >= ARGFILE_MAX_ARGS) {
		if (from)
			cvmm_err("@%s: more than %d arguments in all", from, ARGFILE_MAX_ARGS);
		else
			cvmm_err("more than %d arguments", ARGFILE_MAX_ARGS);
		return -1;
	}
	a->argv[a->argc++] = arg;
	return 0;
}

static int expand_file(struct argfile *a, const char *path)
{
	uint8_t *buf;
	size_t len;
	char *text, *line, *save = NULL;

	if (a->n_texts == ARGFILE_MAX_FILES) {
		cvmm_err("@%s: more than %d argument files", path, ARGFILE_MAX_FILES);
		return -1;
	}
	if (file_read_all(path, "argument file", &buf, &len))
		return -1;
	text = realloc(buf, len + 1);
	if (!text) {
		free(buf);
		cvmm_err("@%s: out of memory", path);
		return -1;
	}
	a->texts[a->n_texts++] = text;
	if (memchr(text, '\0', len)) {
		cvmm_err("@%s: not a text file", path);
		return -1;
	}
	text[len] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l;

		while (*line == ' ' || *line == '\t')
			line++;
		l = strlen(line);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		if (line[0] == '@') {
			cvmm_err("@%s: argument files do not nest (%s)", path, line);
			return -1;
		}
		if (push(a, line, path))
			return -1;
	}
	return 0;
}

/*
 * "@FILE" names an argument file unless what follows the @ is a number:
 * "@1700000000" is a time (attest verify --at @EPOCH), whatever files the
 * current directory holds. A file named like a number is "@./1700000000".
 */
static bool is_argfile(const char *arg)
{
	const char *p = arg + 1;

	if (arg[0] != '@' || !*p)
		return false;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return true;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p != '\0';
}

struct argfile *argfile_expand(int argc, char **argv)
{
	struct argfile *a = calloc(1, sizeof(*a));
	size_t total = 0;
	char *copy;

	for (int i = 0; i < argc; i++)
		total += strlen(argv[i]) + 1;
	if (!a || !(a->args = malloc(total ? total : 1))) {
		free(a);
		cvmm_err("out of memory");
		return NULL;
	}
	copy = a->args;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		int r;

		memcpy(copy, argv[i], l);
		r = i > 0 && is_argfile(copy) ? expand_file(a, copy + 1) : push(a, copy, NULL);
		copy += l;

		if (r) {
			argfile_free(a);
			return NULL;
		}
	}
	a->argv[a->argc] = NULL;
	return a;
}

void argfile_free(struct argfile *a)
{
	if (!a)
		return;
	for (int i = 0; i < a->n_texts; i++)
		free(a->texts[i]);
	free(a->args);
	free(a);
}

void argfile_wipe(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		memset(argv[i], 0, strlen(argv[i]));
}
