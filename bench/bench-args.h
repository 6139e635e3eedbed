/* Command-line helpers shared by the benchmarks. */
#ifndef DARKMAP_BENCH_ARGS_H
#define DARKMAP_BENCH_ARGS_H

#include <stdlib.h>

/* "a,b,c" of whole numbers in [1, 100000] into list (room for max); returns
 * the count (0 on a malformed list). */
static inline int bench_parse_list(const char *text, int *list, int max) {
  int n = 0;
  for (const char *p = text; *p && n < max;) {
    char *end = NULL;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 100000) return 0;
    list[n++] = (int)v;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') return 0;
  }
  return n;
}

#endif
