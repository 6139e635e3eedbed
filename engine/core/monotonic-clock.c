/* The monotonic clock (darkmap/monotonic-clock.h). */
#include "darkmap/monotonic-clock.h"

#include <time.h>

double dm_monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
