/* The training reports' clock, pauses, rates and time left
 * (train-private.h). */
#include <math.h>
#include <time.h>

#include "darkmap/monotonic-clock.h"
#include "train/train-private.h"

enum { PAUSE_POLL_MS = 30 };

void dm_train_clock_start(DmTrainClock *clock) {
  *clock = (DmTrainClock){.start = dm_monotonic_seconds(), .paused = 0.0};
}

double dm_train_clock_seconds(const DmTrainClock *clock) {
  return dm_monotonic_seconds() - clock->start - clock->paused;
}

bool dm_train_wait_while_paused(const DmTrainMonitor *monitor, const DmProgress *progress,
                                DmTrainClock *clock, DmError **error) {
  if (!monitor || !monitor->pause) return true;
  double start = dm_monotonic_seconds();
  bool ok = true;
  while (ok && atomic_load(monitor->pause)) {
    ok = dm_progress_check_cancel(progress, error);
    if (ok) nanosleep(&(struct timespec){0, PAUSE_POLL_MS * 1000000L}, NULL);
  }
  clock->paused += dm_monotonic_seconds() - start;
  return ok;
}

void dm_train_report_timing(DmTrainReport *report, const DmTrainClock *clock, DmNn *nn,
                            int64_t first_step, int64_t step, int64_t total) {
  report->step = step;
  report->total_steps = total;
  report->seconds = dm_train_clock_seconds(clock);
  report->steps_per_second = (double)(step - first_step) / fmax(report->seconds, 1e-9);
  report->seconds_left =
      report->steps_per_second > 0.0 ? (double)(total - step) / report->steps_per_second : NAN;
  size_t in_use = 0, cached = 0;
  dm_nn_memory_stats(nn, &in_use, &cached);
  report->device_memory = in_use + cached;
}
