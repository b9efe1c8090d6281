/*
 * Where the shared reference vectors live (shared/vectors/...). Tests read
 * them at run time; $CVMM_VECTORS overrides the search. A checkout without
 * them (a clone, an unpacked tarball) still passes: the tests that need them
 * are not registered and are reported as skipped, loudly, in the line
 * tests/run-all.sh counts.
 */
#ifndef CVMM_TEST_VECTORS_H
#define CVMM_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The vectors directory, or NULL when this checkout has none. Relative
 * candidates only: a clone elsewhere must not find this machine's copy. */
static inline const char *vectors_dir(void)
{
	static const char *const cand[] = {
		"../shared/vectors", "../../shared/vectors", "shared/vectors",
	};
	const char *env = getenv("CVMM_VECTORS");

	if (env)
		return access(env, R_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], R_OK) == 0)
			return cand[i];
	return NULL;
}

static unsigned vectors_skipped __attribute__((unused));

/* tcase_add_test() for a test that reads the vectors: without them the test
 * is left out and counted for vectors_report_skipped(). */
#define tcase_add_vectors_test(tc, tf)		\
	do {					\
		if (vectors_dir())		\
			tcase_add_test(tc, tf);	\
		else				\
			vectors_skipped++;	\
	} while (0)

/* Once, at the end of make_suite(): the "*** SKIPPED: N tests" line. */
static inline void vectors_report_skipped(void)
{
	if (vectors_skipped)
		printf("*** SKIPPED: %u tests need shared/vectors, not found (set CVMM_VECTORS) ***\n",
		       vectors_skipped);
}

#endif
