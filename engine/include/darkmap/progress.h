/* Progress reports and cancellation for long engine work.
 *
 * A DmProgress is owned by the caller and passed (possibly NULL) to long
 * functions.  The engine calls `report` from the thread doing the work, with
 * the fraction done in [0, 1] and a short stage name; the caller coalesces.
 * `cancel` is polled between steps: when it reads non-zero the function stops
 * and fails with DM_ERROR_CANCELLED, leaving its outputs untouched. */
#ifndef DARKMAP_PROGRESS_H
#define DARKMAP_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*DmProgressFunc)(void *user_data, double fraction, const char *stage);

typedef struct {
  DmProgressFunc report;   /* may be NULL */
  void *user_data;
  atomic_int *cancel;      /* may be NULL; non-zero asks the work to stop */
} DmProgress;

/* Calls progress->report when progress and its callback are set. */
void dm_progress_report(const DmProgress *progress, double fraction, const char *stage);

/* Returns false and sets DM_ERROR_CANCELLED when cancellation was asked for. */
bool dm_progress_check_cancel(const DmProgress *progress, DmError **error);

#ifdef __cplusplus
}
#endif

#endif
