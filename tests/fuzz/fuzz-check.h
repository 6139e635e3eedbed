/* The fuzz targets' invariant checks: a failed one names itself on stderr
 * and calls __builtin_trap(), which libFuzzer reports as a crash (the input
 * is kept as crash-<hash>). */
#ifndef DARKMAP_FUZZ_CHECK_H
#define DARKMAP_FUZZ_CHECK_H

#include <stdio.h>

#define FUZZ_REQUIRE(condition)                                                      \
  do {                                                                               \
    if (!(condition)) {                                                              \
      fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      __builtin_trap();                                                              \
    }                                                                                \
  } while (0)

#endif
