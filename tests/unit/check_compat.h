/* Small helpers shared by the Check unit tests. */
#ifndef CVMM_CHECK_COMPAT_H
#define CVMM_CHECK_COMPAT_H

#include <check.h>
#include <stdlib.h>

/* Each test file defines make_suite(); the runner is the same everywhere. */
Suite *make_suite(void);

#define CVMM_CHECK_MAIN()						\
	int main(void)							\
	{								\
		SRunner *sr = srunner_create(make_suite());		\
		srunner_run_all(sr, CK_NORMAL);				\
		int failed = srunner_ntests_failed(sr);			\
		srunner_free(sr);					\
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;		\
	}

#endif
