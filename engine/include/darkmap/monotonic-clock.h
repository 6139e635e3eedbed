/* Seconds on the monotonic clock: wall time of a step, throughput and time
 * left, unaffected by changes of the system clock. */
#ifndef DARKMAP_MONOTONIC_CLOCK_H
#define DARKMAP_MONOTONIC_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double dm_monotonic_seconds(void);

#ifdef __cplusplus
}
#endif

#endif
