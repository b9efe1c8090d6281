/*
 * timeit: run a command N times and print min/median/max of its wall time
 * (fork to reap) and, optionally, of phases cvmm reports with
 * --boot-trace=json on stderr. Output, one TSV line per figure:
 *   wall<TAB>min_ms<TAB>median_ms<TAB>max_ms
 *   NAME<TAB>min_ms<TAB>median_ms<TAB>max_ms
 *   timeit [-n RUNS] [-w WARMUP] [-s EXPECTED_STATUS] [-p PHASE]... -- CMD [ARGS...]
 * A run that exits with another status than expected (default 0) aborts the
 * measurement: a benchmark of a failing command is worthless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PHASES 8
#define MAX_RUNS 1000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%s\t%.3f\t%.3f\t%.3f\n", name, v[0],
	       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1]);
}

/* cvmm's JSON trace: {"phase":"NAME","t":MICROSECONDS,...} */
static int phase_ms(const char *buf, const char *phase, double *out)
{
	char key[160];
	const char *p;

	snprintf(key, sizeof(key), "\"phase\":\"%s\",\"t\":", phase);
	p = strstr(buf, key);
	if (!p)
		return -1;
	*out = strtod(p + strlen(key), NULL) / 1e3;
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 20, warmup = 2, expect = 0, n_phases = 0, opt;
	const char *phases[MAX_PHASES];
	static double wall[MAX_RUNS], ph[MAX_PHASES][MAX_RUNS];

	while ((opt = getopt(argc, argv, "n:w:s:p:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 's': expect = atoi(optarg); break;
		case 'p': if (n_phases < MAX_PHASES) phases[n_phases++] = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-s STATUS] [-p PHASE]... -- CMD...\n");
		return 2;
	}
	for (int i = -warmup; i < runs; i++) {
		static char err[1 << 16];
		size_t len = 0;
		int pfd[2], status;
		double t0;
		pid_t pid;
		ssize_t r;

		if (pipe(pfd) < 0)
			return 2;
		t0 = now_ms();
		pid = fork();
		if (pid == 0) {
			dup2(pfd[1], 2);
			close(pfd[0]);
			close(pfd[1]);
			if (!freopen("/dev/null", "w", stdout))
				_exit(127);
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
		close(pfd[1]);
		while (len < sizeof(err) - 1 && (r = read(pfd[0], err + len, sizeof(err) - 1 - len)) > 0)
			len += (size_t)r;
		err[len] = '\0';
		close(pfd[0]);
		waitpid(pid, &status, 0);
		if (i < 0)
			continue;
		wall[i] = now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != expect) {
			fprintf(stderr, "timeit: %s exited with %d (expected %d): %.300s\n", argv[optind],
				WIFEXITED(status) ? WEXITSTATUS(status) : -1, expect, err);
			return 1;
		}
		for (int p = 0; p < n_phases; p++) {
			if (phase_ms(err, phases[p], &ph[p][i])) {
				fprintf(stderr, "timeit: no phase '%s' in the trace\n", phases[p]);
				return 1;
			}
		}
	}
	report("wall", wall, runs);
	for (int p = 0; p < n_phases; p++)
		report(phases[p], ph[p], runs);
	return 0;
}
