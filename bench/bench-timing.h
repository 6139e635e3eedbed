/* Timing helpers shared by the benchmarks: the median of a set of timed
 * runs (time them with dm_monotonic_seconds, darkmap/monotonic-clock.h), the
 * process's processor time and the machine's load. */
#ifndef DARKMAP_BENCH_TIMING_H
#define DARKMAP_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Processor time of the whole process (all its threads) [s]. */
static inline double bench_process_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The 1-minute load average, or −1 when the system does not say. */
static inline double bench_load_average(void) {
  double load[1] = {0.0};
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

static inline int bench_compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Sorts the n >= 1 times ascending (times[0] the fastest, times[n - 1] the
 * slowest) and returns their median. */
static inline double bench_median(double *times, int n) {
  qsort(times, (size_t)n, sizeof times[0], bench_compare_doubles);
  return n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
}

#endif
