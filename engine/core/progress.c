/* Progress reports and cancellation polling (see darkmap/progress.h). */
#include "darkmap/progress.h"

void dm_progress_report(const DmProgress *progress, double fraction, const char *stage) {
  if (progress && progress->report) progress->report(progress->user_data, fraction, stage);
}

bool dm_progress_check_cancel(const DmProgress *progress, DmError **error) {
  if (progress && progress->cancel && atomic_load(progress->cancel))
    return dm_error_set(error, DM_ERROR_CANCELLED, 0, "Cancelled.");
  return true;
}
