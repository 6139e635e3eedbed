/* How many OpenMP threads a piece of work gets (engine-internal).
 *
 * GCC's OpenMP threads spin while they wait, and a thread that has lost its
 * core to another process holds its team up a time slice (bench/README.md,
 * "CPU training and OpenMP's waiting threads").  Work is therefore shared
 * only in shares of at least a time slice of work on one core: one thread
 * per whole share, at most the OpenMP threads; less than two shares run on
 * the calling thread, with no team. */
#ifndef DARKMAP_CORE_OMP_SHARES_H
#define DARKMAP_CORE_OMP_SHARES_H

#include <omp.h>
#include <stddef.h>

/* Threads for work units of which share make a time slice or more. */
static inline int dm_omp_threads_for(size_t work, size_t share) {
  size_t shares = work / share;
  int most = omp_get_max_threads();
  return shares < 1 ? 1 : shares < (size_t)most ? (int)shares : most;
}

#endif
