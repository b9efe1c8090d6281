/*
 * Where the shared reference vectors live (shared/vectors/...). Tests read
 * them at run time; $CVMM_VECTORS overrides the search.
 */
#ifndef CVMM_TEST_VECTORS_H
#define CVMM_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The vectors directory, or NULL when this checkout has none. */
static inline const char *vectors_dir(void)
{
	static const char *const cand[] = {
		"../shared/vectors", "../../shared/vectors", "shared/vectors",
		"/work/shared/vectors",
	};
	const char *env = getenv("CVMM_VECTORS");

	if (env)
		return access(env, R_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], R_OK) == 0)
			return cand[i];
	return NULL;
}

#endif
