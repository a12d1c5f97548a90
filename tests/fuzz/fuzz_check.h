/* fuzz_check.h - an invariant check that stays on in every build type
 * (assert() is compiled out by NDEBUG in RelWithDebInfo). */
#ifndef FTPLAB_FUZZ_CHECK_H
#define FTPLAB_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(x)                                                                      \
	do {                                                                          \
		if (!(x)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x); \
			abort();                                                      \
		}                                                                     \
	} while (0)

#endif
